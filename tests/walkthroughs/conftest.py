"""Role walkthroughs: the real main window (pytest-qt) of an enrolled PC, synced over HTTP with a
real city server (uvicorn on loopback) that holds a small demo township. Each scenario does one
role's daily work through the window and asserts what the user sees; every step leaves a
screenshot in a temporary directory (kept by pytest under its basetemp), and a failing step
names the screen it was on.

The township: the demo generator's households, with two households of the first village moved to
a second grid (…002) so grid scope has something to tell apart."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.client.startup import ClientServices, open_client
from app.codes import set_display_language
from app.enrolment import SecretStore
from app.sync_service import client_sync
from db.engine import open_local, session_factory
from db.models import Household, Person, Region, Task, TaskTarget
from demo import DEMO_TOWNSHIP, generate_township
from server.adopt import adopt_unversioned
from tests.client_sync_support import MemoryKeyring
from tests.server.live import PASSWORD, live_server
from tests.ui_support import ScriptedDialogs, ScriptedForms
from ui import i18n
from ui import settings as opts
from ui.app import Shell, build_main_window, use_cjk_font
from ui.tasks import ImmediateTaskRunner

SIZE = (1366, 740)


class Township:
    """The live server with its demo township; `village`, `grid` (…001) and `other_grid` (…002)."""

    def __init__(self, server) -> None:
        self.server = server
        with server.session() as s:
            self.village = s.scalar(select(Region.code).where(Region.code.startswith(DEMO_TOWNSHIP),
                                                              Region.level == 5).order_by(Region.code))
            self.grid = s.scalar(select(Region.code).where(Region.parent_code == self.village, Region.level == 6)
                                 .order_by(Region.code))
        self.other_grid = self.village + "002"

    def households_in(self, grid: str) -> list[str]:
        with self.server.session() as s:
            return list(s.scalars(select(Household.household_no).where(
                Household.grid_code == grid, Household.deleted.is_(False)).order_by(Household.household_no)))

    def household_no(self, household_id: str) -> str:
        with self.server.session() as s:
            return s.get(Household, household_id).household_no

    def person(self, head: bool | None = None, **where) -> Person:
        """A live person with an ID number matching `where` (head: only heads / never heads)."""
        with self.server.session() as s:
            query = select(Person).where(Person.deleted.is_(False), Person.id_number.is_not(None),
                                         Person.merged_into.is_(None))
            if head is not None:
                query = query.where((Person.relation_to_head == "02") if head else (Person.relation_to_head != "02"))
            for field, value in where.items():
                query = query.where(getattr(Person, field) == value)
            person = s.scalars(query.order_by(Person.id)).first()
            s.expunge(person)
            return person


def township_task(s, task_no: str, title: str, due_at: dt.datetime) -> Task:
    """A 民政 task issued to the demo township as a whole, with its one township-wide target (flushed)."""
    task = Task(task_no=task_no, title=title, department_code="mz", kind="1", priority=2,
                issued_at=dt.datetime(2026, 12, 1, 9), due_at=due_at, region_code=DEMO_TOWNSHIP + "000",
                requested_fields=[], issued_by="民政局")
    s.add(task)
    s.flush()
    s.add(TaskTarget(task_id=task.id, region_code=DEMO_TOWNSHIP + "000", status="20", handled_count=0,
                     total_count=0))
    return task


def village_task(township, task_no: str, title: str, kind: str) -> str:
    """An 应急管理局 task of `kind` issued to the cadre's village two days ago, due in three, its
    target accepted yesterday and in progress (no household to link); the target's id."""
    from app.services.context import beijing_now

    with township.server.session() as s:
        task = Task(task_no=task_no, title=title, department_code="yj", kind=kind, priority=2,
                    issued_at=beijing_now() - dt.timedelta(days=2), due_at=beijing_now() + dt.timedelta(days=3),
                    region_code=township.village, requested_fields=[], issued_by="应急管理局")
        s.add(task)
        s.flush()
        target = TaskTarget(task_id=task.id, region_code=township.village, status="20", handled_count=0,
                            total_count=0, assigned_region_code=township.village,
                            accepted_at=beijing_now() - dt.timedelta(days=1))
        s.add(target)
        s.commit()
        adopt_unversioned(s)
        s.commit()
        return target.id


@pytest.fixture(scope="module")
def township(tmp_path_factory) -> Township:
    tmp = tmp_path_factory.mktemp("walkthrough-city")
    with live_server(f"sqlite:///{tmp / 'city.db'}", tmp) as server:
        with server.session() as s:
            generate_township(s, seed=11, households=160, tasks=8, cases=16)
            s.commit()
            village = s.scalar(select(Region.code).where(Region.code.startswith(DEMO_TOWNSHIP), Region.level == 5)
                               .order_by(Region.code))
            s.add(Region(code=village + "002", name="第二网格", level=6, parent_code=village))
            for household in s.scalars(select(Household).where(Household.region_code == village)
                                       .order_by(Household.household_no.desc()).limit(2)):
                household.grid_code = village + "002"
                for person in s.scalars(select(Person).where(Person.household_id == household.id)):
                    person.grid_code = village + "002"
            township_task(s, "RW2026120600001", "核实独居老人住房安全", dt.datetime(2026, 12, 31, 17))
            s.commit()
            adopt_unversioned(s)
            s.commit()
        yield Township(server)


class StepFailed(AssertionError):
    pass


class Desktop:
    """One enrolled PC and its main window, driven like a user; `step(name)` wraps each step."""

    def __init__(self, qtbot, township: Township, role: str, scope: str, shots: Path, language: str = "zh_CN",
                 department: str | None = None):
        self.qtbot, self.township, self.shots, self.language = qtbot, township, shots, language
        shots.mkdir(parents=True, exist_ok=True)
        self.username = township.server.add_user(role, scope, department)
        path = shots.parent / f"{self.username}.db"
        store = SecretStore(MemoryKeyring())
        engine = open_local(path)
        enrolment, _sync = client_sync(engine, session_factory(engine), store)
        enrolment.enrol(township.server.url, self.username, PASSWORD, device_name="走查电脑")
        engine.dispose()
        self.services: ClientServices = open_client(path, secrets=store)
        self.context = self.services.context
        self.dialogs, self.forms = ScriptedDialogs(), ScriptedForms()
        self.settings = opts.Settings.at_path(str(shots.parent / f"{self.username}.ini"))
        self.settings.set(opts.LANGUAGE, language)
        self._translators = i18n.install(QApplication.instance(), language) if language != "zh_CN" else []
        set_display_language(language)  # code labels, as ui.app.run does at start
        use_cjk_font(QApplication.instance())
        self.window = build_main_window(Shell(self.context, ImmediateTaskRunner(), self.settings, self.dialogs,
                                              self.forms, self.services, documents_dir=shots.parent))
        qtbot.addWidget(self.window)
        self.window.resize(*SIZE)
        self.window.show()
        self._count = 0

    @contextlib.contextmanager
    def step(self, name: str):
        """One step of the walkthrough: its screenshot is taken after it, and a failure says on
        which screen (the page on display) and at which step it happened."""
        self._count += 1
        try:
            yield
        except Exception as error:  # an assertion, or the window raising
            self.shot(f"{name}-FAILED")
            raise StepFailed(f"[{self.screen()}] step {self._count} “{name}”: {error}") from error
        self.shot(name)

    def shot(self, name: str) -> Path:
        for _ in range(3):
            QCoreApplication.processEvents()
        path = self.shots / f"{self._count:02d}-{re.sub(r'[^0-9A-Za-z一-龥_-]+', '_', name)}.png"
        self.window.grab().save(str(path))
        return path

    def screen(self) -> str:
        return self.window.navigation.currentItem().text()

    def page(self, key: str):
        return self.window.show_page(key)

    def sync(self) -> None:
        """F5, as the user presses it."""
        self.window.sync_bar.request_sync()
        self.qtbot.waitUntil(lambda: not self.window.sync_bar.syncing, timeout=30_000)

    def status(self) -> dict[str, str]:
        bar = self.window.sync_bar
        return {"connection": bar.connection_label.text(), "pending": bar.pending_label.text(),
                "rejected": bar.rejected_label.text()}

    def wait_pending(self, text: str) -> None:
        self.qtbot.waitUntil(lambda: self.window.sync_bar.pending_label.text() == text, timeout=3000)

    def search_register(self, text: str):
        register = self.page("register")
        register.filters.search.setText(text)
        register.filters.flush()
        return register

    def households_listed(self) -> list[str]:
        """The household numbers the register's household list shows (every page), unfiltered."""
        register = self.page("register")
        register.filters.reset()
        register.tabs.setCurrentWidget(register.household_view)
        register.apply_filter(register.filters.current())
        model = register.households
        while model.canFetchMore():
            model.fetchMore()
        return sorted(model.row_at(i).household_no for i in range(model.rowCount()))

    def household_cell(self, household_no: str) -> str:
        """What the household list shows in the number column for one household (with its badge)."""
        self.households_listed()
        model = self.page("register").households
        row = next(i for i in range(model.rowCount()) if model.row_at(i).household_no == household_no)
        return model.index(row, 0).data()

    def close(self) -> None:
        for translator in self._translators:
            QCoreApplication.removeTranslator(translator)
        set_display_language("zh_CN")
        self.window.close()
        self.context.close()


@pytest.fixture
def desktop(qtbot, township, tmp_path):
    """desktop(role, scope, language="zh_CN", name=None, department=None) -> a Desktop; closed after the test."""
    opened: list[Desktop] = []

    def open_desktop(role: str, scope: str, language: str = "zh_CN", name: str | None = None,
                     department: str | None = None) -> Desktop:
        pc = Desktop(qtbot, township, role, scope, tmp_path / (name or role), language, department)
        opened.append(pc)
        return pc

    yield open_desktop
    for pc in opened:
        pc.close()
