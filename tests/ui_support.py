"""Shared helpers of the desktop client tests (tests/test_ui_*.py): a small demo township generated
once per session and copied into a fresh SQLite file per test, the client context on it, and
scripted stand-ins for the dialog services so flows run without anyone clicking."""

from __future__ import annotations

import shutil
from collections import deque
from pathlib import Path

import pytest

from app.client import Actor, ClientContext
from db.engine import open_local
from demo import generate_township
from demo.regions import DEMO_TOWNSHIP
from ui import settings as opts

DEVICE = "0190f0a0-0000-7000-8000-0000000000f1"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "template.db"
    engine = open_local(path)
    generate_township(engine, seed=7, households=60, tasks=6, cases=12)
    engine.dispose()
    return path


def open_context(template: Path, directory: Path, role: str = "township_staff",
                 scope: str = DEMO_TOWNSHIP) -> ClientContext:
    target = directory / "local.db"
    shutil.copy(template, target)
    return ClientContext(open_local(target), Actor("clerk.li", role, scope, DEVICE))


def unique_person(ctx: ClientContext):
    """A person whose pinyin initials (3+ letters) nobody else in the township shares, so tests do
    not depend on the generator's exact names: (id, name, initials, id_number)."""
    from sqlalchemy import func, select

    from db.models import Person

    with ctx.sessions() as s:
        initials = s.scalars(select(Person.search_initials).where(func.length(Person.search_initials) >= 3)
                             .group_by(Person.search_initials).having(func.count() == 1)
                             .order_by(Person.search_initials)).first()
        person = s.scalars(select(Person).where(Person.search_initials == initials)).one()
        return person.id, person.name, initials, person.id_number


@pytest.fixture
def context(demo_template, tmp_path):
    ctx = open_context(demo_template, tmp_path)
    yield ctx
    ctx.close()


@pytest.fixture
def settings(tmp_path) -> opts.Settings:
    return opts.Settings.at_path(str(tmp_path / "settings.ini"))


class ScriptedDialogs:
    """Answers the dialog service's questions from queues and records every message shown."""

    def __init__(self) -> None:
        self.texts: deque = deque()
        self.choices: deque = deque()
        self.confirms: deque = deque()
        self.shown: list[tuple[str, str, str]] = []  # (kind, title, text)
        self.asked: list[str] = []
        self.paths: deque = deque()
        self.opened: list[str] = []

    def error(self, parent, title, text) -> None:
        self.shown.append(("error", title, text))

    def info(self, parent, title, text) -> None:
        self.shown.append(("info", title, text))

    def confirm(self, parent, title, text) -> bool:
        self.asked.append(text)
        return self.confirms.popleft() if self.confirms else True

    def ask_text(self, parent, title, label, text="") -> str | None:
        self.asked.append(label)
        return self.texts.popleft() if self.texts else None

    def choose(self, parent, title, label, options) -> int | None:
        self.asked.append(label)
        self.offered = list(options)
        return self.choices.popleft() if self.choices else None


    def save_path(self, parent, title, suggested, file_filter) -> str | None:
        self.suggested = suggested
        return self.paths.popleft() if self.paths else None

    def open_path(self, parent, title, file_filter) -> str | None:
        self.asked.append(title)
        return self.paths.popleft() if self.paths else None

    def open_file(self, path) -> None:
        self.opened.append(path)


class ScriptedForms:
    """The register's form service answering with prepared values (None = cancelled)."""

    def __init__(self) -> None:
        self.person: deque = deque()
        self.tag: deque = deque()
        self.visit: deque = deque()
        self.retries: list = []
        self.heads: list[bool] = []  # whether 户主 was proposed to each person form

    def person_input(self, parent, labels, check, person=None, retry=None, same_id=None, head=False):
        self.retries.append(retry)
        self.heads.append(head)
        return self.person.popleft() if self.person else None

    def tag_input(self, parent, options, today):
        return self.tag.popleft() if self.tag else None

    def visit_input(self, parent, kinds, today):
        return self.visit.popleft() if self.visit else None
