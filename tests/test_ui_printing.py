"""Printing from the client: the household card from the household form and the inspection summary
and village cards from the reports page ask for a purpose and a file, write the PDF through
app/reports (audited) and open it; cancelling at either question prints nothing."""

# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import subprocess

from sqlalchemy import select

from app.client.startup import ClientServices
from app.reports.periods import period_for
from app.sync_service import OutboxReview
from db.models import AuditEntry, Household
from tests.ui_support import ScriptedDialogs, ScriptedForms, context, demo_template, settings  # noqa: F401
from ui.app import Shell, build_main_window
from ui.tasks import ImmediateTaskRunner


def _window(qtbot, context, settings, tmp_path):
    dialogs = ScriptedDialogs()
    services = ClientServices(context=context, outbox=OutboxReview(context.sessions, context.actor))
    shell = Shell(context, ImmediateTaskRunner(), settings, dialogs, ScriptedForms(), services, documents_dir=tmp_path)
    window = build_main_window(shell)
    qtbot.addWidget(window)
    return window, dialogs


def _audits(context, action="print"):
    with context.sessions() as s:
        return s.scalars(select(AuditEntry).where(AuditEntry.action.in_([action, "export"]))).all()


def test_household_card_prints_with_purpose_and_audit(qtbot, context, settings, tmp_path):
    window, dialogs = _window(qtbot, context, settings, tmp_path)
    with context.sessions() as s:
        household = s.scalars(select(Household).order_by(Household.household_no)).first()
    panel = window.show_page("register").panel
    panel.open_household(household.id)
    assert panel.print_button.isEnabled()
    dialogs.texts.append("")  # no purpose: nothing printed
    panel.print_card()
    assert _audits(context) == [] and dialogs.opened == []
    target = tmp_path / "card.pdf"
    dialogs.texts.append("入户核查")
    dialogs.paths.append(str(target))
    panel.print_card()
    assert household.household_no in dialogs.suggested
    assert target.exists() and target.read_bytes().startswith(b"%PDF")
    assert dialogs.opened == [str(target)]
    [audit] = _audits(context)
    assert audit.record_ids == [household.id] and "入户核查" in audit.reason


def test_reports_page_prints_the_summary_and_a_village_of_cards(qtbot, context, settings, tmp_path):
    window, dialogs = _window(qtbot, context, settings, tmp_path)
    page = window.show_page("reports")
    assert page.values["open_tasks"].text() != "…" and page.village.count() > 0
    dialogs.texts.extend(["上级检查", "存档"])
    dialogs.paths.extend([str(tmp_path / "summary"), str(tmp_path / "village.pdf")])
    page.period.setCurrentIndex(page.period.findData("last_month"))
    assert not page.period_start.isEnabled()
    page.print_summary()
    start, end = period_for("last_month", dt.date.today())
    text = subprocess.run(["pdftotext", str(tmp_path / "summary.pdf"), "-"], capture_output=True, text=True).stdout
    assert f"统计期间：{start.isoformat()} 至 {end.isoformat()}" in text
    assert "制表人" in text and "单位（盖章）" in text
    page.village.setCurrentIndex(page.village.findData("150422100203"))
    page.export_village_cards()
    assert (tmp_path / "summary.pdf").exists() and (tmp_path / "village.pdf").exists()
    assert [kind for kind, *_ in dialogs.shown] == ["info", "info"]
    assert len(_audits(context)) == 2


def test_work_figures_are_consistent(context):
    summary = context.work.summary()
    assert 0 <= summary.overdue_tasks <= summary.open_tasks
    assert 0 <= summary.overdue_cases <= summary.open_cases
