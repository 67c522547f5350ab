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
    offered = ui.panel.household_no.text()  # the village's next free number, group 00 (decision 0041)
    with context.sessions() as s:
        held = s.scalars(select(Household.household_no).where(Household.household_no.startswith("15042210020300")))
        assert offered == f"15042210020300{max((int(n[14:]) for n in held), default=0) + 1:04d}"
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
