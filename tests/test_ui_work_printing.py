"""Printing from the case and task desks, and the application icon: 打印事件处置单 on the open case and
打印任务清单/反馈单 on the open task target (its own village, or a village chosen for a township-wide
target) ask for a purpose and a file, write the PDF through app/reports (audited) and open it; no
purpose prints nothing. The icon drawn by scripts/make_icon.py is shipped and becomes the window icon
of the application the launcher creates."""

# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from app.client import Actor, ClientContext
from app.client.startup import ClientServices
from app.client.task_desk import TaskDesk
from app.services.context import beijing_now
from app.sync_service import OutboxReview
from db.engine import open_local
from db.models import AuditEntry
from demo.regions import DEMO_TOWNSHIP
from resources import RESOURCES_DIR
from tests.ui_support import ScriptedDialogs, ScriptedForms, context, demo_template, settings  # noqa: F401
from ui.app import Shell, build_main_window
from ui.tasks import ImmediateTaskRunner

VILLAGE = "150422100201"  # 福山地村
DEPT_DEVICE = "0190f0a0-0000-7000-8000-0000000000d2"


def _window(qtbot, context, settings, tmp_path):
    dialogs = ScriptedDialogs()
    services = ClientServices(context=context, outbox=OutboxReview(context.sessions, context.actor))
    shell = Shell(context, ImmediateTaskRunner(), settings, dialogs, ScriptedForms(), services, documents_dir=tmp_path)
    window = build_main_window(shell)
    qtbot.addWidget(window)
    return window, dialogs


def _prints(context) -> list[AuditEntry]:
    with context.sessions() as s:
        return s.scalars(select(AuditEntry).where(AuditEntry.action == "print")).all()


def _assert_pdf(path: Path, dialogs) -> None:
    assert path.exists() and path.read_bytes().startswith(b"%PDF")
    assert dialogs.opened == [str(path)] and [kind for kind, *_ in dialogs.shown] == ["info"]


@pytest.fixture
def department(context):
    ctx = ClientContext(open_local(context.engine.url.database),
                        Actor("mz.zhang", "department", "150422", DEPT_DEVICE, department_code="mz"))
    yield ctx
    ctx.close()


def _issue(department, region: str) -> str:
    targets = TaskDesk(department).issue(
        title="独居老人冬季安全走访", department_code="mz", due_at=beijing_now() + dt.timedelta(days=5),
        regions=[region], kind="1", description="逐户走访并登记取暖情况。")
    return targets[0].id


def test_case_form_prints_from_the_case_detail(qtbot, context, settings, tmp_path):
    window, dialogs = _window(qtbot, context, settings, tmp_path)
    page = window.show_page("cases")
    page.activate()
    case = page.cases[0]
    assert page.select_case(case.id) and page.detail.detail.case.id == case.id
    button = page.detail.print_button
    assert not button.isHidden() and button.isEnabled()
    dialogs.texts.append("")  # no purpose: nothing printed
    button.click()
    assert _prints(context) == [] and dialogs.opened == []
    target = tmp_path / "case.pdf"
    dialogs.texts.append("调解存档")
    dialogs.paths.append(str(target))
    button.click()
    assert case.case_no in dialogs.suggested
    _assert_pdf(target, dialogs)
    [audit] = _prints(context)
    assert audit.entity == "case" and audit.record_ids == [case.id] and "调解存档" in audit.reason


def test_task_sheet_prints_for_the_targets_village(qtbot, context, settings, department, tmp_path):
    target_id = _issue(department, VILLAGE)
    window, dialogs = _window(qtbot, context, settings, tmp_path)
    page = window.show_page("tasks")
    page.activate()
    assert page.select_target(target_id)
    target = tmp_path / "sheet"
    dialogs.texts.append("冬季走访")
    dialogs.paths.append(str(target))
    page.detail.print_button.click()
    assert VILLAGE in dialogs.suggested
    _assert_pdf(tmp_path / "sheet.pdf", dialogs)
    [audit] = _prints(context)
    assert audit.entity == "task_target" and audit.record_ids == [target_id] and audit.region_code == VILLAGE


def test_township_wide_task_sheet_asks_for_the_village(qtbot, context, settings, department, tmp_path):
    target_id = _issue(department, DEMO_TOWNSHIP + "000")
    window, dialogs = _window(qtbot, context, settings, tmp_path)
    page = window.show_page("tasks")
    page.activate()
    assert page.select_target(target_id)
    villages = TaskDesk(context).villages_of(target_id)
    dialogs.choices.append(None)  # no village chosen: nothing printed
    page.detail.print_button.click()
    assert dialogs.offered == [v.name for v in villages] and _prints(context) == []
    dialogs.choices.append([v.code for v in villages].index(VILLAGE))
    dialogs.texts.append("冬季走访")
    dialogs.paths.append(str(tmp_path / "village.pdf"))
    page.detail.print_button.click()
    _assert_pdf(tmp_path / "village.pdf", dialogs)
    [audit] = _prints(context)
    assert audit.entity == "task_target" and audit.record_ids == [target_id] and audit.region_code == VILLAGE


def test_the_icon_is_shipped_in_every_size():
    with Image.open(RESOURCES_DIR / "icons" / "township-desk.png") as png:
        assert png.size == (256, 256) and png.mode == "RGBA"
        assert png.getpixel((128, 128))[3] == 255 and png.getpixel((0, 0))[3] == 0  # rounded corners
    with Image.open(RESOURCES_DIR / "icons" / "township-desk.ico") as ico:
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])


ICON_CHECK = """
import sys
from ui.app import create_application
from ui import settings as opts
app, _settings = create_application(sys.argv[:1], opts.Settings.at_path(sys.argv[1]))
icon = app.windowIcon()
print("ICON", icon.isNull(), sorted(s.width() for s in icon.availableSizes()))
"""


def test_the_launcher_sets_the_window_icon(tmp_path):
    # Its own process: create_application sets the application's name and font for everyone after it.
    env = {**os.environ, "TD_DATA_DIR": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", ICON_CHECK, str(tmp_path / "settings.ini")], env=env,
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ICON False [256]" in done.stdout
