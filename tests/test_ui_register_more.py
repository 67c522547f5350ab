"""The register page as a user meets it beyond the basic flows (tests/test_ui_register.py): namesakes
told apart at 1366×768 in the application's font, Enter and ↓ from the search box, moving out with
readable messages, the 历史 tab offline, and the 冲突待审 badge from the last sync's marks."""
# Fixtures come from tests/ui_support.py and tests/test_ui_register.py by import, which ruff reads
# as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from db.client import OutboxChange
from db.models import Person
from tests.test_ui_register import VALID_ID, Page, _first_household, ui  # noqa: F401
from tests.ui_support import (  # noqa: F401
    ScriptedDialogs,
    ScriptedForms,
    context,
    demo_template,
    open_context,
    unique_person,
)
from ui.register.household_panel import HouseholdPanel
from ui.register.page import RegisterPage
from ui.register.person_form import PersonForm
from ui.tasks import ImmediateTaskRunner


def _namesakes(ctx) -> tuple[str, str]:
    """Pinyin initials several persons share, and one of their names."""
    with ctx.sessions() as s:
        initials, count = s.execute(select(Person.search_initials, func.count()).group_by(Person.search_initials)
                                    .order_by(func.count().desc())).first()
        name = s.scalar(select(Person.name).where(Person.search_initials == initials))
    assert count > 1
    return initials, name


def test_namesakes_are_told_apart_at_1366x768(qtbot, context, tmp_path):
    """Village and grid, household number, short address and relation show without scrolling; the
    phone and status columns start hidden, and hiding or moving columns is remembered. In the font
    the application sets (a CJK UI font at 10 pt), as a user sees it."""
    from PySide6.QtWidgets import QApplication, QStyleOptionViewItem

    from ui import settings as opts
    from ui.app import use_cjk_font

    use_cjk_font(QApplication.instance())

    settings = opts.Settings.at_path(str(tmp_path / "settings.ini"))
    runner = ImmediateTaskRunner()
    panel = HouseholdPanel(context, runner, ScriptedDialogs(), ScriptedForms(), print)
    page = RegisterPage(context.register, panel, runner, print, 0, settings=settings)
    qtbot.addWidget(page)
    page.resize(1366 - 132, 700)
    page.show()
    page.activate()
    initials, _name = _namesakes(context)
    page.filters.search.setText(initials)
    page.filters.flush()
    shown = page.person_columns.visible_headers()
    assert shown[:7] == ["姓名", "性别", "出生日期", "与户主关系", "村/网格", "户编号", "住址"]
    assert "联系电话" not in shown and "状态" not in shown
    header, view = page.person_view.horizontalHeader(), page.person_view
    for column in (3, 4, 5, 6):  # fully inside the list, unscrolled
        assert header.sectionViewportPosition(column) + header.sectionSize(column) <= view.viewport().width()
    row = page.persons.row_at(0)
    place, address = (page.persons.index(0, c).data() for c in (4, 6))
    assert place.endswith("网格") and "·" in place and row.household_no
    assert "内蒙古" not in address and address
    # the masked ID number, last after the address, is cut to the list's width: its last four, what
    # tells namesakes apart (and what the search takes), stay readable — the start goes
    column = 7
    right = min(header.sectionSize(column), view.viewport().width() - header.sectionViewportPosition(column))
    assert right >= 60, right
    index = page.persons.index(0, column)
    option = QStyleOptionViewItem()
    option.textElideMode = view.textElideMode()
    view.itemDelegateForIndex(index).initStyleOption(option, index)
    shown = view.fontMetrics().elidedText(option.text, option.textElideMode, right - 12)
    assert shown.endswith(row.id_masked[-4:]), (shown, row.id_masked, right)
    page.person_columns.set_hidden(1, True)  # 性别 away
    header.moveSection(header.visualIndex(6), 1)  # 住址 next to the name
    again = RegisterPage(context.register, panel, runner, print, 0, settings=settings)
    qtbot.addWidget(again)
    again.activate()
    assert again.person_columns.visible_headers()[:3] == ["姓名", "住址", "出生日期"]


def test_enter_opens_the_first_hit_and_down_moves_into_the_list(qtbot, ui):
    from PySide6.QtCore import Qt

    initials, _name = _namesakes(ui.panel.context)
    search = ui.page.filters.search
    ui.page.show()
    search.setFocus()
    search.setText(initials)
    qtbot.keyClick(search, Qt.Key.Key_Return)
    first = ui.page.persons.row_at(0)
    assert ui.panel.detail is not None and ui.panel.detail.household.id == first.household_id
    assert ui.panel.members.selected().id == first.id
    search.setFocus()
    qtbot.keyClick(search, Qt.Key.Key_Down)
    assert ui.page.focusWidget() is ui.page.person_view
    qtbot.keyClick(ui.page.person_view, Qt.Key.Key_Down)
    second = ui.page.persons.row_at(1)
    assert ui.panel.members.selected().id == second.id


def test_person_form_records_moving_out_and_keeps_messages_readable(qtbot, ui):
    """迁出 opens its date (today) and destination; the phone message takes its own line and
    pushes the next field down instead of being cut or running over it."""
    form = PersonForm(ui.panel.labels, ui.panel.check_person)
    qtbot.addWidget(form)
    form.show()
    form.name.setText("李四")
    assert not form.dates["moved_out_on"].isEnabled() and not form.moved_out_to.isEnabled()
    form.combos["status"].setCurrentIndex(form.combos["status"].findData("3"))
    assert form.dates["moved_out_on"].isEnabled() and form.moved_out_to.isEnabled()
    assert not form.dates["died_on"].isEnabled()
    form.moved_out_to.setText("赤峰市红山区")
    values = form.values()
    assert values["status"] == "3" and values["moved_out_to"] == "赤峰市红山区" and values["moved_out_on"]
    assert values["died_on"] is None and values["moved_in_on"] is None
    form.phone.setText("1381234")
    qtbot.waitUntil(lambda: form.errors["phone"].isVisible())
    message = form.errors["phone"]
    bottom = message.mapTo(form, message.rect().bottomLeft()).y()
    below = form.birth_date.mapTo(form, form.birth_date.rect().topLeft()).y()
    assert message.height() >= message.sizeHint().height() and bottom <= below
    assert form.height() <= 700  # fits a 768-pixel screen with the title bar and taskbar


def test_history_tab_shows_what_this_pc_changed_offline(qtbot, ui, context):
    """Edits made here are in the household's 历史 without any server: field, old → new, who,
    masked phone; a new member shows as created."""
    household = _first_household(context)
    ui.panel.open_household(household.id)
    old_address = household.address
    ui.panel.address.setText("新址18号")
    ui.panel.phone.setText("13912345678")
    ui.panel.save()
    ui.forms.person.append({"name": "新宝宝", "relation_to_head": "30", "gender": "1", "residence_type": "1"})
    ui.panel.members.add_member()
    history = ui.panel.history
    lines = {(r.field, r.old, r.new) for r in history.rows}
    assert ("address", old_address, "新址18号") in lines
    phone = next(r for r in history.rows if r.field == "phone")
    assert phone.new == "139****5678" and phone.username == "clerk.li" and phone.source == "local"
    assert any(r.field == "" and r.subject == "新宝宝" for r in history.rows)
    assert history.table.rowCount() == len(history.rows) and not history.fetch_button.isEnabled()


def test_history_names_a_merge_only_when_a_record_was_merged(ui, context):
    from app.client.history import history_rows
    from app.client.review import merge_person

    household = _first_household(context)
    first = context.persons.create(household.id, "赵甲", relation_to_head="20")
    second = context.persons.create(household.id, "赵甲", relation_to_head="20")
    context.write(lambda s: merge_person(s, first.id, second.id))
    with context.sessions() as s:
        rows = history_rows(s, "household", household.id)
    created = [r for r in rows if r.field == "" and r.subject == "赵甲"]
    assert len(created) == 2 and {r.origin for r in created} == {"edit"}
    assert any(r.field == "merged_into" and r.origin == "merge" for r in rows)


def test_conflict_badge_from_the_marks_of_the_last_sync(ui, context):
    """A record with an open review item shows 冲突待审 in the list, beside the household's title
    and after the member's name — offline, from the marks the last sync fetched; a change the
    server refused (被退回) says more and wins; the decision taken here removes the mark."""
    from app.client.review_marks import drop_mark, store_marks

    household = _first_household(context)
    with context.sessions() as s:
        member = s.scalars(select(Person).where(Person.household_id == household.id)).first()
    store_marks(context.sessions, [
        {"id": "r1", "kind": "conflict", "entity": "household", "record_id": household.id},
        {"id": "r2", "kind": "duplicate_id", "entity": "person", "record_id": "someone-else",
         "related_record_id": member.id}])
    ui.page.tabs.setCurrentWidget(ui.page.household_view)
    ui.page.apply_filter(ui.page.filters.current())
    model = ui.page.households
    row = next(i for i in range(model.rowCount()) if model.row_at(i).id == household.id)
    assert model.index(row, 0).data() == f"{household.household_no} · 冲突待审"
    ui.panel.open_household(household.id)
    assert ui.panel.badge.text() == "冲突待审"
    names = [ui.panel.members.table.item(r, 0).text() for r in range(ui.panel.members.table.rowCount())]
    assert any(name.startswith(member.name) and name.endswith(" · 冲突待审") for name in names), names
    with context.sessions.begin() as s:  # the server refused a change of the household
        s.add(OutboxChange(device_seq=99_999, change_id="c-refused", entity="household", record_id=household.id,
                           op="update", fields={}, base={}, hlc="0", schema_version=2,
                           created_at=dt.datetime(2026, 12, 1), state="rejected", reject_code="forbidden_scope"))
    ui.panel.open_household(household.id)
    assert ui.panel.badge.text() == "被退回"
    drop_mark(context.sessions, "r2")
    ui.panel.open_household(household.id)
    names = [ui.panel.members.table.item(r, 0).text() for r in range(ui.panel.members.table.rowCount())]
    assert not any("冲突待审" in name for name in names), names


def test_full_pinyin_finding_no_one_says_how_pinyin_search_works(qtbot, ui):
    """Seen on the demo: "huang" (a surname in full pinyin, typed with the input method off) found no
    one and said only "已显示 0 条" — a clerk could take it that the person is not registered and
    register them again. Pinyin search takes each character's initial; the empty list now says so."""
    ui.page.show()
    ui.page.filters.search.setText("huang")
    ui.page.filters.flush()
    assert ui.page.persons.rowCount() == 0
    assert "首字母" in ui.page.count_label.text() and "huang" in ui.page.count_label.text()
    ui.page.filters.search.setText("吴")
    ui.page.filters.flush()
    assert "首字母" not in ui.page.count_label.text()


def test_person_form_shows_the_birth_date_and_gender_its_id_number_gives(qtbot, ui):
    """Seen as a clerk: with a resident ID typed, 出生日期 and 性别 turned read-only but kept showing
    1980-01-01 and （未选择） — not what the record gets. They now show what the number says."""
    form = PersonForm(ui.panel.labels, ui.panel.check_person)
    qtbot.addWidget(form)
    form.name.setText("乌兰其其格")
    form.id_number.setText("15042219860412002X")
    assert form.errors["id_number"].text() == ""
    assert not form.birth_date.isEnabled() and form.birth_date.date().toPython() == dt.date(1986, 4, 12)
    assert form.combos["gender"].currentData() == "2"
    form.id_number.setText("150422198604120")  # typed on, not yet a number: the boxes stay as they were
    assert form.birth_date.date().toPython() == dt.date(1986, 4, 12)
