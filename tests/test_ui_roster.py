"""导入花名册 and 导出 in the real main window on a demo township: a village's messy roster through
the wizard (file, mapping, preview, apply), the rows with problems saved and the valid households
imported, a damaged file refused with nothing written, Cancel before apply writing nothing, the
wizard on the threaded task runner keeping the window responsive, and 导出 on every list page with
its filters applied, masked and audited."""
# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QPushButton
from sqlalchemy import func, select

from app.client.startup import ClientServices
from app.sync_service import OutboxReview
from db.models import AuditEntry, Household, Person
from tests import roster_files as rf
from tests.ui_support import ScriptedDialogs, ScriptedForms, context, demo_template, settings  # noqa: F401
from ui.app import Shell, build_main_window
from ui.tasks import ImmediateTaskRunner, TaskRunner


class FakeConflicts:
    items = [SimpleNamespace(id="r1", kind="conflict", entity="person", record_id="0190aaaa", field="phone",
                             winner_value="13812345678", winner_user="li", winner_hlc="", loser_value="13900001111",
                             loser_user="wang", loser_hlc="", created_at=dt.datetime(2026, 11, 27, 9, 30))]

    def open_items(self):
        return list(self.items)


def open_window(qtbot, context, settings, tmp_path, runner=None):
    dialogs = ScriptedDialogs()
    services = ClientServices(context=context, outbox=OutboxReview(context.sessions, context.actor),
                              conflicts=FakeConflicts())
    window = build_main_window(Shell(context, runner or ImmediateTaskRunner(), settings, dialogs, ScriptedForms(),
                                     services, documents_dir=tmp_path))
    qtbot.addWidget(window)
    return window, dialogs


def village_of(context) -> str:
    return context.register.villages()[0].code


def wizard_of(window):
    return window.findChild(QDialog, "roster_wizard")


def count(context, model, *where) -> int:
    with context.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def start_wizard(qtbot, context, settings, tmp_path, roster, runner=None):
    window, dialogs = open_window(qtbot, context, settings, tmp_path, runner)
    register = window.show_page("register")
    dialogs.paths.append(str(roster))
    qtbot.mouseClick(register.import_button, Qt.MouseButton.LeftButton)
    wizard = wizard_of(window)
    assert wizard is not None and wizard.isVisible()
    qtbot.mouseClick(wizard.choose_button, Qt.MouseButton.LeftButton)
    return window, dialogs, register, wizard


def test_a_village_roster_imports_through_the_wizard(qtbot, context, settings, tmp_path):
    village = village_of(context)
    roster = rf.village_roster_xlsx(tmp_path / "花名册.xlsx", rf.members_in(village))
    before = count(context, Person)
    window, dialogs, register, wizard = start_wizard(qtbot, context, settings, tmp_path, roster)
    assert wizard.steps.currentIndex() == 1, dialogs.shown
    mapping = {wizard.mapping_table.item(r, 0).text(): wizard.mapping_table.cellWidget(r, 1).currentText()
               for r in range(wizard.mapping_table.rowCount())}
    assert mapping["户号"] == "户编号" and mapping["手机号"] == "联系电话" and mapping["序号"] == "（不导入）"
    assert "序号" in wizard.mapping_note.text()  # the unmapped column is shown, not hidden
    samples = {wizard.mapping_table.item(r, 0).text(): wizard.mapping_table.item(r, 2).text()
               for r in range(wizard.mapping_table.rowCount())}
    assert samples["姓名"] == "周桂兰 / 马小军"
    # ID numbers and phones masked by the one rule every screen uses; 户号 is not personal data: as typed
    assert samples["身份证号码"] == "110101********0020 / 110101********0010"
    assert samples["手机号"] == "138****1234 / 139****2222"
    households = [m[0] for m in rf.members_in(village)]
    assert samples["户号"] == f"{households[0]} / {households[2]}", samples["户号"]
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert wizard.steps.currentIndex() == 2
    rows = wizard.preview_table.rows()
    assert [r[1] for r in rows].count("新增") == 4 and rows[0][:2] == ("4", "户新增")
    assert "表尾2行" in wizard.summary.text() and wizard.apply_button.isEnabled()
    qtbot.mouseClick(wizard.apply_button, Qt.MouseButton.LeftButton)
    assert wizard.steps.currentIndex() == 3 and "新增 2 户、4 人" in wizard.done_label.text()
    assert count(context, Person) == before + 4
    with context.sessions() as session:
        assert session.scalars(select(AuditEntry.action).where(AuditEntry.action == "import")).all() == ["import"]
    register.filters.search.setText("马小军")
    register.filters.flush()
    assert any(register.persons.row_at(i).name == "马小军" for i in range(register.persons.rowCount()))


def test_rows_with_problems_are_saved_and_the_valid_households_imported(qtbot, context, settings, tmp_path):
    members = [list(m) for m in rf.members_in(village_of(context))]
    members[3][6] = "110101197203040028"
    roster = rf.village_roster_xlsx(tmp_path / "花名册.xlsx", [tuple(m) for m in members])
    before = count(context, Person)
    _window, dialogs, _register, wizard = start_wizard(qtbot, context, settings, tmp_path, roster)
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    errors = [r for r in wizard.preview_table.rows() if r[1] == "错误"]
    assert [r[0] for r in errors] == ["6", "7"] and "校验位错误" in errors[1][4]
    assert not wizard.apply_button.isEnabled()  # all-or-nothing: not while a problem remains
    saved = tmp_path / "问题行.xlsx"
    dialogs.paths.append(str(saved))
    qtbot.mouseClick(wizard.errors_button, Qt.MouseButton.LeftButton)
    assert load_workbook(saved).active.max_row == 3
    assert count(context, AuditEntry, AuditEntry.action == "export",
                 AuditEntry.reason.contains("含完整证件号码和电话")) == 1  # full IDs saved: an audited export
    wizard.valid_only.setChecked(True)
    assert wizard.apply_button.isEnabled()
    qtbot.mouseClick(wizard.apply_button, Qt.MouseButton.LeftButton)
    assert "有问题的 1 户未导入" in wizard.done_label.text()
    assert count(context, Person) == before + 2


@pytest.mark.parametrize("how", ["damaged", "wps", "cancel"])
def test_nothing_is_written_on_a_refusal_or_a_cancel(qtbot, context, settings, tmp_path, how):
    good = rf.village_roster_xlsx(tmp_path / "good.xlsx", rf.members_in(village_of(context)))
    roster = {"damaged": lambda: rf.bad_zlib_xlsx(good, tmp_path / "bad.xlsx"),
              "wps": lambda: rf.wps_native_et(tmp_path / "花名册.et")}.get(how, lambda: good)()
    before = (count(context, Person), count(context, Household))
    _window, dialogs, _register, wizard = start_wizard(qtbot, context, settings, tmp_path, roster)
    if how in ("damaged", "wps"):
        assert wizard.steps.currentIndex() == 0
        expected = "损坏" if how == "damaged" else "请在 WPS 中另存为 xlsx"
        assert [kind for kind, _t, _x in dialogs.shown] == ["error"] and expected in dialogs.shown[0][2]
    else:
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(wizard.cancel_button, Qt.MouseButton.LeftButton)
        assert not wizard.isVisible()
    assert (count(context, Person), count(context, Household)) == before


def test_the_wizard_runs_on_the_task_runner_without_blocking(qtbot, context, settings, tmp_path):
    roster = rf.xls_roster(tmp_path / "花名册.xls", rf.members_in(village_of(context)))
    runner = TaskRunner()
    try:
        _window, _dialogs, _register, wizard = start_wizard(qtbot, context, settings, tmp_path, roster, runner)
        assert wizard.busy and not wizard.next_button.isEnabled()  # the read runs on the worker
        qtbot.waitUntil(lambda: wizard.steps.currentIndex() == 1, timeout=10_000)
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
        assert wizard.bar.isVisible()
        qtbot.waitUntil(lambda: wizard.steps.currentIndex() == 2, timeout=10_000)
        assert not wizard.busy and wizard.apply_button.isEnabled()
    finally:
        runner.shutdown()


def _export(qtbot, page, dialogs, path, purpose="年度核对"):
    dialogs.texts.append(purpose)
    dialogs.paths.append(str(path))
    button = next(b for b in page.findChildren(QPushButton) if b.objectName() == "export_button")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert dialogs.shown[-1][0] == "info", dialogs.shown
    return list(load_workbook(path).active.iter_rows(values_only=True))


def test_every_list_exports_with_its_filters_masked_and_audited(qtbot, context, settings, tmp_path):
    window, dialogs = open_window(qtbot, context, settings, tmp_path)
    register = window.show_page("register")
    village = village_of(context)
    register.filters.village.setCurrentIndex(register.filters.village.findData(village))
    register.filters.flush()
    persons = _export(qtbot, register, dialogs, tmp_path / "persons.xlsx")
    assert len(persons) - 1 == count(context, Person, Person.region_code == village, Person.deleted.is_(False))
    assert all("*" in row[3] for row in persons[1:] if row[3])  # ID numbers masked
    register.tabs.setCurrentWidget(register.household_view)
    households = _export(qtbot, register, dialogs, tmp_path / "households.xlsx")
    assert households[0][0] == "户编号" and {str(r[0])[:12] for r in households[1:]} == {village}
    task_page = window.show_page("tasks")  # the group and filters on screen
    while task_page.model.canFetchMore():
        task_page.model.fetchMore()
    shown = task_page.model.rowCount()
    tasks = _export(qtbot, task_page, dialogs, tmp_path / "tasks.xlsx")
    assert tasks[0][0] == "任务编号" and len(tasks) - 1 == shown > 0
    cases = _export(qtbot, window.show_page("cases"), dialogs, tmp_path / "cases.xlsx")
    assert cases[0][0] == "事件编号" and len(cases) > 1
    review = _export(qtbot, window.show_page("review"), dialogs, tmp_path / "review.xlsx")
    assert review[1][3] == "138****5678" and review[1][5] == "139****1111"
    with context.sessions() as session:
        entities = session.scalars(select(AuditEntry.entity).where(AuditEntry.action == "export")).all()
    assert sorted(entities) == ["case", "household", "person", "review", "task"]


def test_short_household_numbers_take_the_village_chosen_in_the_wizard(qtbot, context, settings, tmp_path):
    village = village_of(context)
    members = [("98-1" if m[0] == rf.HOUSEHOLD_A else "98-2", *m[1:]) for m in rf.MEMBERS]
    roster = rf.csv_roster(tmp_path / "花名册.csv", "gbk", members)
    _window, _dialogs, _register, wizard = start_wizard(qtbot, context, settings, tmp_path, roster)
    wizard.village_box.setCurrentIndex(wizard.village_box.findData(village))
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert "GBK" in wizard.summary.text() and wizard.preview.ok, wizard.preview.errors
    qtbot.mouseClick(wizard.apply_button, Qt.MouseButton.LeftButton)
    assert count(context, Household, Household.household_no.in_([village + "980001", village + "980002"])) == 2


def test_a_roster_without_household_numbers_imports_into_the_village_chosen(qtbot, context, settings, tmp_path):
    """No 户号 column: the wizard went no further than the mapping (户编号 missing); now the village is
    chosen below the mapping and the preview says how the households were told apart."""
    village = village_of(context)
    households = [[(m[2], m[3], m[4], m[6], m[9]) for m in rf.MEMBERS[:2]],
                  [(m[2], m[3], m[4], m[6], m[9]) for m in rf.MEMBERS[2:]]]
    roster = rf.without_household_numbers_xlsx(tmp_path / "花名册.xlsx", households)
    before = count(context, Household)
    _window, dialogs, _register, wizard = start_wizard(qtbot, context, settings, tmp_path, roster)
    assert wizard.steps.currentIndex() == 1, dialogs.shown
    wizard.village_box.setCurrentIndex(wizard.village_box.findData(village))
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert wizard.steps.currentIndex() == 2 and wizard.preview.ok, wizard.preview.errors
    assert "按“户主”行分为2户" in wizard.summary.text()
    qtbot.mouseClick(wizard.apply_button, Qt.MouseButton.LeftButton)
    assert count(context, Household) == before + 2
    assert count(context, Person, Person.id_number == rf.MEMBERS[3][6], Person.region_code == village) == 1


def test_cancel_while_the_roster_is_read_drops_the_result(qtbot, context, settings, tmp_path):
    roster = rf.village_roster_xlsx(tmp_path / "花名册.xlsx", rf.members_in(village_of(context)))
    runner = TaskRunner()
    try:
        _window, _dialogs, _register, wizard = start_wizard(qtbot, context, settings, tmp_path, roster, runner)
        qtbot.mouseClick(wizard.cancel_button, Qt.MouseButton.LeftButton)  # while the worker reads
        assert not wizard.isVisible()
        qtbot.waitUntil(lambda: runner.pending == 0, timeout=10_000)
        assert wizard.source is None and wizard.steps.currentIndex() == 0  # the late result was dropped
    finally:
        runner.shutdown()


def test_the_blank_template_is_offered_from_the_wizard(qtbot, context, settings, tmp_path):
    window, dialogs = open_window(qtbot, context, settings, tmp_path)
    register = window.show_page("register")
    qtbot.mouseClick(register.import_button, Qt.MouseButton.LeftButton)
    wizard = wizard_of(window)
    dialogs.paths.append(str(tmp_path / "模板.xlsx"))
    qtbot.mouseClick(wizard.template_button, Qt.MouseButton.LeftButton)
    assert dialogs.shown[-1][0] == "info" and "代码表" in load_workbook(tmp_path / "模板.xlsx").sheetnames


def test_a_header_typed_over_two_lines_names_problems_on_one_and_long_problems_wrap(
        qtbot, context, settings, tmp_path):
    """身份证号码⏎(18位), as villages type it in the header cell: the preview names the column on one
    line (not cut after 身份证号码) and a long problem wraps over its row instead of being elided."""
    members = [list(m) for m in rf.members_in(village_of(context))]
    members[3][6] = "110101197203040028"
    roster = rf.village_roster_xlsx(tmp_path / "花名册.xlsx", [tuple(m) for m in members])
    wb = load_workbook(roster)
    wb.active.cell(3, 8).value = "身份证号码\n(18位)"
    wb.active.cell(4, 8).value = 110101195502140020  # Excel kept 15 digits: the longest problem there is
    wb.save(roster)
    window, _dialogs, _register, wizard = start_wizard(qtbot, context, settings, tmp_path, roster)
    window.resize(1366, 768)
    wizard.resize(980, 620)
    wizard.show()
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    problems = {e.row: e.text("zh_CN") for e in wizard.preview.errors}
    assert problems[7] == "公民身份号码校验位错误，请核对" and problems[4].startswith("身份证号码(18位)被Excel存成了数字")
    assert all("\n" not in e.column for e in wizard.preview.errors)
    table = wizard.preview_table
    qtbot.waitUntil(lambda: table.rowHeight(0) > table.rowHeight(2), timeout=2_000)  # row 4's problem wraps
    assert table.item(0, 4).toolTip() == table.item(0, 4).text() and table.item(0, 0).text() == "4"


def test_the_mapping_names_the_fields_in_english_in_the_english_interface(qtbot, context, settings, tmp_path, qapp):
    """In English the 导入为 choices still read 户主姓名, 与户主关系, 公民身份号码 … (seen in the wizard
    at 1366×768) under English column titles."""
    from app.exchange.layout import FIELD_HEADERS
    from ui import i18n
    from ui.roster.views import FIELD_NAMES

    assert FIELD_NAMES == FIELD_HEADERS  # the names lupdate extracts are the app's
    roster = rf.village_roster_xlsx(tmp_path / "花名册.xlsx", rf.members_in(village_of(context)))
    translators = i18n.install(qapp, "en")
    try:
        _window, _dialogs, _register, wizard = start_wizard(qtbot, context, settings, tmp_path, roster)
        chosen = {wizard.mapping_table.item(r, 0).text(): wizard.mapping_table.cellWidget(r, 1).currentText()
                  for r in range(wizard.mapping_table.rowCount())}
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)
    assert chosen["户号"] == "Household no." and chosen["身份证号码"] == "Resident ID" and chosen["户主"] == "Head's name"
