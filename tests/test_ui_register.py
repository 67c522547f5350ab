"""户籍人口 flows on a fresh demo township per test: lazy lists, search-as-you-type (pinyin initials,
ID tail) with stale results dropped, filters, the household form (edit, validation as you type,
new household), members (add, move, set head), tags, visits, and the audited reveal."""
# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.client.browse import RegisterFilter
from db.client import OutboxChange
from db.models import AuditEntry, Household, Person, TagAssignment
from tests.ui_support import (  # noqa: F401
    ScriptedDialogs,
    ScriptedForms,
    context,
    demo_template,
    open_context,
    unique_person,
)
from ui.lazy_model import Column, LazyTableModel
from ui.register.household_panel import HouseholdPanel
from ui.register.lists import Labels, person_columns
from ui.register.page import RegisterPage
from ui.register.person_form import PersonForm
from ui.tasks import ImmediateTaskRunner

VALID_ID = "11010519491231002X"


class Page:
    """A register page wired to scripted dialogs, with the errors it reported."""

    def __init__(self, qtbot, ctx, debounce_ms: int = 0) -> None:
        self.dialogs, self.forms, self.errors = ScriptedDialogs(), ScriptedForms(), []
        runner = ImmediateTaskRunner()
        self.panel = HouseholdPanel(ctx, runner, self.dialogs, self.forms, self.errors.append)
        self.page = RegisterPage(ctx.register, self.panel, runner, self.errors.append, debounce_ms)
        qtbot.addWidget(self.page)
        self.page.activate()

    def person_names(self) -> list[str]:
        model = self.page.persons
        return [model.row_at(i).name for i in range(model.rowCount())]

    def search(self, text: str) -> None:
        self.page.filters.search.setText(text)
        self.page.filters.flush()


@pytest.fixture
def ui(qtbot, context):
    return Page(qtbot, context)


def _first_household(ctx) -> Household:
    with ctx.sessions() as s:
        return s.scalars(select(Household).order_by(Household.household_no)).first()


def test_person_list_loads_page_by_page(context):
    model = LazyTableModel(person_columns(Labels()), ImmediateTaskRunner(), page_size=50)
    model.set_query(lambda offset, limit: context.register.persons_page(RegisterFilter(), offset, limit))
    assert model.rowCount() == 50 and model.canFetchMore()
    while model.canFetchMore():
        model.fetchMore()
    ids = {model.row_at(i).id for i in range(model.rowCount())}
    with context.sessions() as s:
        total = s.scalar(select(func.count()).select_from(Person).where(Person.deleted.is_(False)))
    assert total > 150 and model.rowCount() == len(ids) == total
    assert all("*" in model.row_at(i).id_masked for i in range(model.rowCount()))


class HeldRunner:
    """Keeps jobs until the test releases them, in any order (a slow search finishing late)."""

    def __init__(self) -> None:
        self.held = []

    def run_db(self, job, on_done) -> None:
        self.held.append((job, on_done))

    def release(self, index: int) -> None:
        job, on_done = self.held.pop(index)
        on_done(job(), None)


def test_pages_of_a_replaced_query_are_dropped():
    runner = HeldRunner()
    model = LazyTableModel([Column("x", str)], runner, page_size=10)
    model.set_query(lambda offset, limit: ["stale"])
    model.set_query(lambda offset, limit: ["fresh"])
    runner.release(1)
    runner.release(0)  # the first query's page arrives last and must not show
    assert [model.row_at(i) for i in range(model.rowCount())] == ["fresh"]


def test_search_by_pinyin_initials_and_id_tail(ui, context):
    person_id, name, initials, id_number = unique_person(context)
    ui.search(initials[:2])
    assert name in ui.person_names()
    ui.search(initials)
    assert ui.person_names() == [name]
    ui.search(id_number[-6:])
    rows = [ui.page.persons.row_at(i) for i in range(ui.page.persons.rowCount())]
    assert person_id in [r.id for r in rows]
    row = next(r for r in rows if r.id == person_id)
    assert row.id_masked == id_number[:6] + "********" + id_number[-4:]
    assert ui.page.tabs.currentWidget() is ui.page.person_view


def test_typing_is_debounced_then_searched(qtbot, context):
    _id, name, initials, _number = unique_person(context)
    ui = Page(qtbot, context, debounce_ms=80)
    before = ui.page.persons.rowCount()
    for end in range(1, len(initials) + 1):
        ui.page.filters.search.setText(initials[:end])
    assert ui.page.persons.rowCount() == before  # nothing queried while the user is typing
    qtbot.waitUntil(lambda: ui.person_names() == [name], timeout=3000)


def test_filters_by_village_tag_and_status(ui, context):
    live = (Person.deleted.is_(False), Person.merged_into.is_(None))
    with context.sessions() as s:
        village = s.scalars(select(Household.region_code).order_by(Household.household_no)).first()
        households = s.scalar(select(func.count()).select_from(Household).where(Household.region_code == village))
        party = s.scalar(select(func.count()).select_from(Person).join(
            TagAssignment, TagAssignment.subject_id == Person.id).where(
            *live, TagAssignment.tag_code == "dy", TagAssignment.deleted.is_(False)))
        leaver = s.scalars(select(Person.id).where(*live).order_by(Person.id)).first()
    context.persons.edit(leaver, status="3", moved_out_on=dt.date(2026, 11, 2), moved_out_to="呼和浩特市新城区")
    assert households and party
    combo = ui.page.filters.village
    combo.setCurrentIndex(combo.findData(village))
    rows = [ui.page.persons.row_at(i) for i in range(ui.page.persons.rowCount())]
    assert rows and {r.region_code for r in rows} == {village}
    assert ui.page.households.rowCount() == 0  # the hidden list waits until it is shown
    ui.page.tabs.setCurrentWidget(ui.page.household_view)
    assert ui.page.households.rowCount() == households
    ui.page.tabs.setCurrentWidget(ui.page.person_view)
    combo.setCurrentIndex(0)
    tag = ui.page.filters.tag
    tag.setCurrentIndex(tag.findData("dy"))
    assert ui.page.persons.rowCount() == party
    tag.setCurrentIndex(0)
    status = ui.page.filters.status
    assert status.findData("2") == -1  # 外出 is a 人员类别, no longer a status
    status.setCurrentIndex(status.findData("3"))
    assert ui.page.persons.rowCount() == 1 and ui.page.persons.row_at(0).id == leaver


def test_choosing_a_person_opens_their_household_and_double_click_edits_them(ui, context):
    _id, name, initials, _number = unique_person(context)
    ui.search(initials)
    ui.page.person_view.selectRow(0)
    panel = ui.panel
    assert panel.detail is not None
    assert name in [m.name for m in panel.members.members]
    assert panel.members.selected().name == name
    ui.forms.person.append({"current_address": "新地址2号"})
    ui.page.person_view.doubleClicked.emit(ui.page.persons.index(0, 0))
    assert context.persons.get(panel.members.selected().id).current_address == "新地址2号"


def test_editing_a_household_saves_only_the_change_and_reaches_the_outbox(ui, context):
    household = _first_household(context)
    ui.panel.open_household(household.id)
    ui.panel.address.setText("福山地村1组新址8号")
    ui.page.save()
    assert ui.errors == []
    assert context.households.get(household.id).household.address == "福山地村1组新址8号"
    with context.sessions() as s:
        change = s.scalars(select(OutboxChange).where(OutboxChange.record_id == household.id)).one()
    assert set(change.fields) == {"address"}


def test_validation_messages_appear_next_to_the_field_as_the_user_types(ui, context):
    ui.panel.open_household(_first_household(context).id)
    error = ui.panel.errors["household_no"]
    ui.panel.household_no.setText("12345")
    assert not error.isHidden() and "18" in error.text()
    assert not ui.panel.save_button.isEnabled()
    ui.panel.phone.setText("12345")
    assert "电话" in ui.panel.errors["phone"].text()
    ui.panel.household_no.setText(_first_household(context).household_no)
    ui.panel.phone.setText("13812345678")
    assert error.isHidden() and ui.panel.save_button.isEnabled()


def test_a_new_household_is_created_in_the_chosen_village(ui, context):
    ui.page.filters.village.setCurrentIndex(ui.page.filters.village.findData("150422100203"))
    ui.panel.new_button.click()
    assert ui.panel.household_no.text() == "150422100203"
    ui.panel.household_no.setText("150422100203" + "09" + "0001")
    ui.panel.address.setText("兴隆地村9组1号")
    ui.page.save()
    assert ui.errors == []
    with context.sessions() as s:
        created = s.scalars(select(Household).where(Household.household_no == "150422100203090001")).one()
    assert created.region_code == "150422100203" and created.address == "兴隆地村9组1号"
    assert ui.panel.detail.household.id == created.id


def test_a_service_validation_error_lands_next_to_its_field(ui, context):
    household = _first_household(context)
    taken = context.households.create(household.region_code + "09" + "0002", household.region_code)
    ui.panel.open_household(household.id)
    ui.panel.household_no.setText(taken.household_no)  # well-formed, so only the service can tell
    assert ui.panel.errors["household_no"].isHidden()
    ui.page.save()
    assert ui.errors == []
    assert ui.panel.errors["household_no"].text() == "户编号已被使用"


def _households(context, count):
    with context.sessions() as s:
        rows = s.scalars(select(Household).order_by(Household.household_no).limit(count)).all()
    return rows


def test_adding_a_member_with_a_rare_character_name(ui, context):
    household = _first_household(context)
    ui.panel.open_household(household.id)
    ui.forms.person.append({"name": "𠮷小明", "id_type": "01", "id_number": VALID_ID, "relation_to_head": "20"})
    ui.panel.members.add_member()
    assert ui.errors == []
    member = next(m for m in ui.panel.members.members if m.name == "𠮷小明")
    assert member.gender == "2" and member.birth_date.isoformat() == "1949-12-31"
    assert member.id_number_masked == "110105********002X"
    rows = [ui.panel.members.table.item(r, 0).text() for r in range(ui.panel.members.table.rowCount())]
    assert "𠮷小明 · 待上传" in rows  # the new member waits to be sent (the badge in the details)


def test_moving_a_member_to_another_household(ui, context):
    source, target = _households(context, 2)
    ui.panel.open_household(source.id)
    mover = next(m for m in ui.panel.members.members if not m.is_head)
    ui.panel.members.table.selectRow([m.id for m in ui.panel.members.members].index(mover.id))
    ui.dialogs.texts.append(target.household_no)
    ui.dialogs.choices.append(0)
    ui.panel.members.move_member()
    assert ui.errors == []
    assert target.household_no in ui.dialogs.offered[0]
    assert context.persons.get(mover.id).household_id == target.id
    assert mover.id not in [m.id for m in ui.panel.members.members]


def test_setting_the_head(ui, context):
    household = _first_household(context)
    ui.panel.open_household(household.id)
    other = next(m for m in ui.panel.members.members if not m.is_head)
    ui.panel.members.table.selectRow([m.id for m in ui.panel.members.members].index(other.id))
    ui.panel.members.set_head()
    assert context.households.get(household.id).household.head_person_id == other.id
    assert ui.panel.members.members[0].id == other.id and ui.panel.members.members[0].is_head


def test_tags_with_dates_and_visits(ui, context):
    import datetime as dt

    household = _first_household(context)
    ui.panel.open_household(household.id)
    ui.forms.tag.append(("nclb", dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    ui.panel.tags.add_tag("household")
    tag = next(t for t in ui.panel.tags.tags if t.tag_code == "nclb")
    assert (tag.start_on, tag.end_on) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    ui.panel.tags.table.selectRow(list(ui.panel.tags.tags).index(tag))
    ui.panel.tags.remove_tag()
    assert "nclb" not in [t.tag_code for t in ui.panel.tags.tags]
    visits_before = ui.panel.visits.table.rowCount()
    ui.forms.visit.append({"visited_on": dt.date(2026, 3, 2), "kind": "1", "findings": "家中老人身体良好",
                           "follow_up": ""})
    ui.panel.visits.add_visit()
    assert ui.errors == [] and ui.panel.visits.table.rowCount() == visits_before + 1
    assert context.households.get(household.id).household.last_visit_on >= dt.date(2026, 3, 2)


def test_reveal_asks_for_a_reason_and_is_audited(ui, context):
    ui.panel.open_household(_first_household(context).id)
    ui.panel.members.table.selectRow(0)
    member = ui.panel.members.selected()
    ui.dialogs.texts.append("")  # an empty reason reveals nothing
    ui.panel.members.reveal()
    ui.dialogs.texts.append("核对低保申请材料")
    ui.panel.members.reveal()
    with context.sessions() as s:
        audits = s.scalars(select(AuditEntry).where(AuditEntry.action == "reveal")).all()
        full = s.get(Person, member.id).id_number
    assert len(audits) == 1 and audits[0].reason == "核对低保申请材料" and audits[0].record_ids == [member.id]
    kind, _title, text = ui.dialogs.shown[-1]
    assert kind == "info" and full in text


def test_reveal_is_not_offered_to_roles_without_the_right(qtbot, demo_template, tmp_path):
    ctx = open_context(demo_template, tmp_path, role="grid_worker")
    try:
        ui = Page(qtbot, ctx)
        assert ui.panel.members.reveal_button.isHidden()
    finally:
        ctx.close()


def test_person_form_checks_each_field_as_the_user_types(qtbot, ui):
    form = PersonForm(ui.panel.labels, ui.panel.check_person)
    qtbot.addWidget(form)
    ok = form.buttons.button(form.buttons.StandardButton.Ok)
    assert not ok.isEnabled()  # a name is required
    form.name.setText("李四")
    form.id_number.setText("11010519491231002")
    assert "18" in form.errors["id_number"].text() and not ok.isEnabled()
    form.id_number.setText("110105194912310021")
    assert "校验" in form.errors["id_number"].text()
    form.id_number.setText(VALID_ID.lower())
    assert form.errors["id_number"].text() == "" and ok.isEnabled()
    assert not form.combos["gender"].isEnabled()  # derived from the ID number
    form.phone.setText("1381234")
    assert form.errors["phone"].text() and not ok.isEnabled()
    form.phone.setText("13812345678")
    values = form.values()
    assert values["name"] == "李四" and values["id_number"] == VALID_ID.lower() and values["phone"] == "13812345678"


def test_editing_sends_only_changed_person_fields(qtbot, ui, context):
    household = _first_household(context)
    member = context.households.get(household.id).members[0]
    form = PersonForm(ui.panel.labels, ui.panel.check_person, member)
    qtbot.addWidget(form)
    assert member.id_number_masked in form.id_number.placeholderText() and form.id_number.text() == ""
    form.current_address.setText("新地址1号")
    assert form.values() == {"current_address": "新地址1号"}


def test_deleting_a_member_asks_first_and_leaves_a_tombstone(ui, context):
    household = _first_household(context)
    ui.panel.open_household(household.id)
    member = next(m for m in ui.panel.members.members if not m.is_head)
    ui.panel.members.table.selectRow([m.id for m in ui.panel.members.members].index(member.id))
    ui.dialogs.confirms.append(False)
    ui.panel.members.delete_member()
    assert member.id in [m.id for m in ui.panel.members.members]
    ui.panel.members.delete_member()  # the scripted dialog now answers yes
    assert member.id not in [m.id for m in ui.panel.members.members]
    with context.sessions() as s:
        assert s.get(Person, member.id).deleted is True


def test_a_field_the_service_refuses_reopens_the_form_at_that_field(qtbot, ui, context):
    household = _first_household(context)
    ui.panel.open_household(household.id)
    typed = {"name": "赵六", "id_type": "01", "phone": "12345"}
    ui.forms.person.extend([typed, {**typed, "phone": "13812345678"}])
    ui.panel.members.add_member()
    assert ui.errors == []
    values, field, message = ui.forms.retries[1]
    assert (values, field) == (typed, "phone") and "电话" in message
    assert "赵六" in [m.name for m in ui.panel.members.members]
    form = PersonForm(ui.panel.labels, ui.panel.check_person)
    qtbot.addWidget(form)
    form.restore(values, field, message)
    assert form.name.text() == "赵六" and form.errors["phone"].text() == message


def test_an_id_number_already_registered_is_a_warning_not_a_refusal(qtbot, ui, context):
    with context.sessions() as s:
        existing = s.scalars(select(Person).where(Person.id_number.is_not(None)).order_by(Person.id)).first()
        number, name = existing.id_number, existing.name
    form = PersonForm(ui.panel.labels, ui.panel.check_person, same_id=ui.panel.same_id)
    qtbot.addWidget(form)
    form.name.setText("新登记")
    form.id_number.setText(number)
    assert not form.same_id_warning.isHidden() and name in form.same_id_warning.text()
    assert form.buttons.button(form.buttons.StandardButton.Ok).isEnabled()
    form.id_number.setText(VALID_ID)
    assert form.same_id_warning.isHidden()


def test_sensitive_tags_are_offered_only_to_roles_that_need_them(context, demo_template, tmp_path):
    def tag_codes(role: str, scope: str) -> dict:
        folder = tmp_path / role
        folder.mkdir()
        ctx = open_context(demo_template, folder, role=role, scope=scope)
        try:
            return {item.code: item.attrs.get("sensitivity", 0) for item in ctx.register.code_book().entries("tag")}
        finally:
            ctx.close()

    admin = tag_codes("township_admin", "150422100")
    sensitive = {code for code, level in admin.items() if level >= 3}
    staff = {item.code for item in context.register.code_book().entries("tag")}
    cadre = tag_codes("village_cadre", "150422100201")
    assert sensitive and staff and cadre
    assert not (staff & sensitive) and not (set(cadre) & sensitive)


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
    from PySide6.QtWidgets import QApplication

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
