"""Moving households between villages through the 导入花名册 wizard on the demo township: the
village's roster with a 村（社区） column naming another village previews the move (户 更新, 村（社区）
and 户编号 old → new), applies with the members moving along and the edits in the outbox; a
village outside the clerk's area is an error at its rows, and nothing moves."""
# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import func, select

from db.client import OutboxChange
from db.models import Household, Person
from tests import roster_files as rf
from tests.test_ui_roster import start_wizard
from tests.ui_support import context, demo_template, open_context, settings  # noqa: F401

A_ROWS, B_ROWS = (4, 5), (6, 7)


def _villages(context):
    first, second = context.register.villages()[:2]
    return first, second


def _registered_roster(qtbot, context, settings, tmp_path, village):
    """The two families of tests/roster_files.py registered in `village` through the wizard."""
    roster = rf.village_roster_xlsx(tmp_path / "花名册.xlsx", rf.members_in(village.code))
    _window, _dialogs, _register, wizard = start_wizard(qtbot, context, settings, tmp_path, roster)
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(wizard.apply_button, Qt.MouseButton.LeftButton)
    assert wizard.steps.currentIndex() == 3
    wizard.reject()
    return roster


def test_a_village_column_moves_households_through_the_wizard(qtbot, context, settings, tmp_path):
    home, other = _villages(context)
    roster = _registered_roster(qtbot, context, settings, tmp_path, home)
    number_a = home.code + "980001"
    moves = rf.with_columns(roster, tmp_path / "迁村.xlsx", {"村（社区）": {r: other.name for r in A_ROWS}})
    with context.sessions() as session:
        last = session.scalar(select(func.max(OutboxChange.device_seq)))
    _window, _dialogs, _register, wizard = start_wizard(qtbot, context, settings, tmp_path, moves)
    mapping = {wizard.mapping_table.item(r, 0).text(): wizard.mapping_table.cellWidget(r, 1).currentText()
               for r in range(wizard.mapping_table.rowCount())}
    assert mapping["村(社区)"] == "村（社区）"
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert wizard.preview.ok, wizard.preview.errors
    household = next(r for r in wizard.preview_table.rows() if r[1] == "户更新")
    assert household[0] == "4" and household[2] == number_a
    assert f"{home.name} → {other.name}" in household[4] and f"{number_a} → {other.code}980001" in household[4]
    assert "更新 1 户" in wizard.summary.text()
    qtbot.mouseClick(wizard.apply_button, Qt.MouseButton.LeftButton)
    assert "更新 1 户" in wizard.done_label.text()
    with context.sessions() as session:
        moved = session.scalars(select(Household).where(Household.household_no == other.code + "980001")).one()
        members = session.scalars(select(Person.region_code).where(Person.household_id == moved.id)).all()
        assert moved.region_code == other.code and set(members) == {other.code} and len(members) == 2
        captured = set(session.scalars(select(OutboxChange.record_id).where(OutboxChange.device_seq > last)))
    assert moved.id in captured


def test_a_village_outside_the_area_is_an_error_at_its_rows(qtbot, context, demo_template, settings, tmp_path):
    home, other = _villages(context)
    (tmp_path / "cadre").mkdir()
    cadre = open_context(demo_template, tmp_path / "cadre", role="village_cadre", scope=home.code)
    try:
        roster = _registered_roster(qtbot, cadre, settings, tmp_path, home)
        outside = rf.with_columns(roster, tmp_path / "邻村.xlsx", {"村（社区）": {r: other.name for r in B_ROWS}})
        _window, _dialogs, _register, wizard = start_wizard(qtbot, cadre, settings, tmp_path, outside)
        qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
        errors = [r for r in wizard.preview_table.rows() if r[1] == "错误"]
        assert [r[0] for r in errors] == ["6", "7"], errors
        assert all(r[4] == f"村(社区)“{other.name}”不在您负责的区域内" for r in errors), errors
        assert not wizard.apply_button.isEnabled()
        with cadre.sessions() as session:
            assert session.scalar(select(Household.region_code).where(
                Household.household_no == home.code + "980002")) == home.code
    finally:
        cadre.close()
