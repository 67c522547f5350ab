"""The client's review queue (app/client/review.py): open items come from the server's review API,
and a decision is a local edit captured into the outbox plus closing the item on the server."""

# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.client.review import ReviewQueue
from app.errors import UserFacingError
from db.client import OutboxChange
from db.models import Household, Person, TagAssignment
from tests.ui_support import context, demo_template  # noqa: F401


class FakeServer:
    """Answers GET /review and records POST /review/{id}/resolve like the city server does."""

    def __init__(self, items) -> None:
        self.items = items
        self.posted = []

    def request(self, method, path, *, json_body=None, params=None, **_kw):
        if method == "GET":
            assert path == "/review" and params == {"state": "open"}
            return self.items
        self.posted.append((path, json_body))
        return {}


def _item(household_id, field="address", loser="兴隆地村1组6号"):
    return {"id": "r1", "kind": "conflict", "state": "open", "entity": "household", "record_id": household_id,
            "field": field, "related_record_id": None, "region_code": "150422100201", "winner_value": "旧值",
            "winner_user": "li", "winner_hlc": "1764230000000-00000-d1", "loser_value": loser,
            "loser_user": "wang", "loser_hlc": "1764229990000-00000-d2", "created_at": "2026-11-27T09:30:00"}


@pytest.fixture
def household_id(context):
    with context.sessions() as s:
        return s.scalars(select(Household.id)).first()


def test_taking_the_other_value_edits_the_record_and_closes_the_item(context, household_id):
    server = FakeServer([_item(household_id)])
    queue = ReviewQueue(context, lambda: server)
    [entry] = queue.open_items()
    assert entry.loser_user == "wang" and entry.created_at.hour == 9
    queue.resolve("r1", "take_other")
    with context.sessions() as s:
        assert s.get(Household, household_id).address == "兴隆地村1组6号"
        change = s.scalars(select(OutboxChange)).one()
    assert change.fields == {"address": "兴隆地村1组6号"}
    assert server.posted == [("/review/r1/resolve", {"decision": "take_loser", "note": ""})]


def test_keeping_the_current_value_writes_nothing_locally(context, household_id):
    server = FakeServer([_item(household_id)])
    queue = ReviewQueue(context, lambda: server)
    queue.open_items()
    queue.resolve("r1", "keep")
    with context.sessions() as s:
        assert s.scalars(select(OutboxChange)).all() == []
    assert server.posted[0][1]["decision"] == "keep_winner"


def test_an_edited_value_that_does_not_fit_the_field_is_refused(context, household_id):
    server = FakeServer([_item(household_id, field="last_visit_on", loser="2026-01-01")])
    queue = ReviewQueue(context, lambda: server)
    queue.open_items()
    with pytest.raises(UserFacingError) as caught:
        queue.resolve("r1", "edit", "去年春天")
    assert caught.value.code == "review_value_invalid" and server.posted == []
    queue.resolve("r1", "edit", "2026-02-03")
    with context.sessions() as s:
        assert s.get(Household, household_id).last_visit_on.isoformat() == "2026-02-03"
    assert server.posted[0][1]["decision"] == "dismissed"


def _duplicate(context):
    """A second person with the first one's ID number, in another household (accepted, flagged)."""
    with context.sessions() as s:
        first = s.scalars(select(Person).where(Person.id_number.is_not(None)).order_by(Person.id)).first()
        other = s.scalars(select(Household).where(Household.id != first.household_id)).first()
        first_id, number, other_id = first.id, first.id_number, other.id
    second = context.persons.create(other_id, "重复录入", id_type="01", id_number=number)
    context.tags.tag("person", second.id, "dy")
    return first_id, second.id


def _duplicate_item(first_id, second_id):
    return {**_item(second_id, field=None), "id": "d1", "kind": "duplicate_id", "entity": "person",
            "related_record_id": first_id, "winner_value": None, "loser_value": None}


def test_merging_duplicates_moves_tags_and_tombstones_the_loser(context):
    first_id, second_id = _duplicate(context)
    server = FakeServer([_duplicate_item(first_id, second_id)])
    queue = ReviewQueue(context, lambda: server)
    queue.open_items()
    left, right = queue.duplicates("d1")
    assert left.person.id == first_id and right.person.id == second_id and right.tags == ("dy",)
    assert "*" in left.person.id_number_masked
    queue.merge("d1", first_id)
    with context.sessions() as s:
        loser = s.get(Person, second_id)
        tags = s.scalars(select(TagAssignment.tag_code).where(
            TagAssignment.subject_id == first_id, TagAssignment.deleted.is_(False))).all()
        entities = set(s.scalars(select(OutboxChange.entity)))
    assert loser.deleted and loser.merged_into == first_id
    assert "dy" in tags and {"person", "tag_assignment"} <= entities
    assert server.posted[-1][1]["decision"] == "merged"


def test_the_merge_view_in_the_review_page(qtbot, context):
    from tests.ui_support import ScriptedDialogs
    from ui.review.conflicts import ConflictsTab
    from ui.review.merge import MergeDialog
    from ui.tasks import ImmediateTaskRunner

    first_id, second_id = _duplicate(context)
    server = FakeServer([_duplicate_item(first_id, second_id)])
    shown = []

    def choose_first(parent, first, second):
        dialog = MergeDialog(first, second, None, parent)
        qtbot.addWidget(dialog)
        shown.append(dialog.moves.text())
        return dialog.survivor().person.id

    errors = []
    tab = ConflictsTab(ReviewQueue(context, lambda: server), ImmediateTaskRunner(), ScriptedDialogs(), errors.append,
                       ask_survivor=choose_first)
    qtbot.addWidget(tab)
    tab.refresh()
    tab.table.selectRow(0)
    assert tab.merge_button.isEnabled() and not tab.take_button.isEnabled()
    assert tab.table.item(0, 0).text() == "证件号码重复"
    tab.merge()
    assert errors == [] and "标签 1 个" in shown[0]
    assert server.posted[-1][1]["decision"] == "merged"


def test_likely_duplicates_without_id_numbers_merge_or_stay_apart(qtbot, context):
    """Two babies registered twice without ID numbers (同音 names, same birth date, one household)
    are proposed with the reasons; 不是同一人 is remembered (a synced record) and the pair is not
    proposed again; a same-name pair is merged through the merge view with its reasons shown."""
    import datetime as dt

    from app.client.duplicates import DuplicateDesk
    from db.client import OutboxChange
    from db.models import Household, Person, PersonDistinction
    from tests.ui_support import ScriptedDialogs
    from ui.review.duplicates import DuplicatesTab
    from ui.review.merge import MergeDialog
    from ui.tasks import ImmediateTaskRunner

    with context.sessions() as s:
        home = s.scalars(select(Household).order_by(Household.household_no)).first()
    born = dt.date(2024, 3, 1)
    first = context.persons.create(home.id, "王丽", gender="2", birth_date=born, relation_to_head="20")
    second = context.persons.create(home.id, "王莉", gender="2", birth_date=born, relation_to_head="20")
    twin_a = context.persons.create(home.id, "王小宝", gender="1", birth_date=dt.date(2025, 1, 9), relation_to_head="30")
    twin_b = context.persons.create(home.id, "王小宝", gender="1", birth_date=dt.date(2025, 1, 9), relation_to_head="30")
    shown = []

    def keep_first(parent, first_side, second_side, reasons=""):
        dialog = MergeDialog(first_side, second_side, None, parent, reasons)
        qtbot.addWidget(dialog)
        shown.append(dialog.reasons.text())
        return dialog.survivor().person.id

    errors = []
    tab = DuplicatesTab(DuplicateDesk(context), ImmediateTaskRunner(), ScriptedDialogs(), errors.append, keep_first)
    qtbot.addWidget(tab)
    tab.scan()
    pairs = {frozenset((c.first_id, c.second_id)): c for c in tab.candidates}
    homophones = pairs[frozenset((first.id, second.id))]
    assert set(homophones.reasons) >= {"姓名同音", "出生日期相同", "同一户"} and homophones.score >= 60
    assert frozenset((twin_a.id, twin_b.id)) in pairs
    tab.table.selectRow(tab.candidates.index(homophones))
    tab.not_the_same()
    assert frozenset((first.id, second.id)) not in {frozenset((c.first_id, c.second_id)) for c in tab.candidates}
    with context.sessions() as s:
        assert s.scalars(select(PersonDistinction)).one().decided_by == context.actor.username
        assert s.scalars(select(OutboxChange).where(OutboxChange.entity == "person_distinction")).one()
    twins = next(c for c in tab.candidates if {c.first_id, c.second_id} == {twin_a.id, twin_b.id})
    tab.table.selectRow(tab.candidates.index(twins))
    tab.merge()
    assert errors == [] and "姓名相同" in shown[0] and "出生日期相同" in shown[0]
    with context.sessions() as s:
        merged = [p for p in (s.get(Person, twin_a.id), s.get(Person, twin_b.id)) if p.merged_into]
    assert len(merged) == 1 and merged[0].deleted
    assert all({c.first_id, c.second_id} != {twin_a.id, twin_b.id} for c in tab.candidates)


def test_the_daily_scan_fills_the_duplicates_tab_without_anyone_asking(qtbot, context, tmp_path):
    """The window schedules a scan of the jurisdiction once a day: its pairs wait on the review
    page's 疑似重复人员 tab, shown with when it ran, before anyone presses 扫描本辖区; the next check
    the same day scans nothing; a decision there drops the pair without a new scan."""
    import datetime as dt

    from app.client.duplicates import SCAN_EVERY, DuplicateDesk
    from app.client.startup import ClientServices
    from app.outbox_review import OutboxReview
    from tests.ui_support import ScriptedDialogs, ScriptedForms
    from ui import settings as opts
    from ui.app import Shell, build_main_window
    from ui.tasks import ImmediateTaskRunner

    with context.sessions() as s:
        home = s.scalars(select(Household).order_by(Household.household_no)).first()
    born = dt.date(2023, 6, 2)
    first = context.persons.create(home.id, "赵丽", gender="2", birth_date=born, relation_to_head="20")
    second = context.persons.create(home.id, "赵莉", gender="2", birth_date=born, relation_to_head="20")
    services = ClientServices(context=context, outbox=OutboxReview(context.sessions, context.actor))
    window = build_main_window(Shell(context, ImmediateTaskRunner(), opts.Settings.at_path(str(tmp_path / "s.ini")),
                                     ScriptedDialogs(), ScriptedForms(), services))
    qtbot.addWidget(window)
    desk = DuplicateDesk(context)
    assert desk.due() and desk.last_scan().at is None
    window.duplicate_schedule.check()  # what its timer does a minute after the window opens
    scanned_at = desk.last_scan_at()
    assert scanned_at is not None and not desk.due()
    assert desk.due(scanned_at + SCAN_EVERY)  # and again a day later
    review = window.show_page("review")
    tab = review.duplicates
    review.tabs.setCurrentWidget(tab)
    pair = {first.id, second.id}
    assert any({c.first_id, c.second_id} == pair for c in tab.candidates)
    assert tab.message.text().startswith("上次扫描：" + scanned_at.strftime("%Y-%m-%d %H:%M"))
    rows = [tab.table.item(r, 0).text() + tab.table.item(r, 1).text() for r in range(tab.table.rowCount())]
    assert any(set(row) >= set("赵丽莉") for row in rows), rows
    window.duplicate_schedule.check()  # the same day: no new scan
    assert desk.last_scan_at() == scanned_at
    tab.table.selectRow(next(i for i, c in enumerate(tab.candidates) if {c.first_id, c.second_id} == pair))
    tab.not_the_same()
    assert all({c.first_id, c.second_id} != pair for c in tab.candidates) and desk.last_scan_at() == scanned_at


def test_times_show_in_beijing_time_and_records_by_their_number(qtbot, context, household_id):
    """The server answers in UTC (…+00:00); the list showed 01:20 for an item found at 09:20 Beijing
    time, beside a status bar saying 已同步 09:20 (seen on the demo)."""
    from ui.review.conflicts import ConflictsTab
    from ui.tasks import ImmediateTaskRunner

    raw = dict(_item(household_id), created_at="2026-12-07T01:20:00+00:00",
               winner_hlc="1796606400000-00000-d1")  # 2026-12-07 01:20 UTC
    server = FakeServer([raw])
    queue = ReviewQueue(context, lambda: server)
    tab = ConflictsTab(queue, ImmediateTaskRunner(), None, lambda e: None)
    qtbot.addWidget(tab)
    tab.refresh()
    assert tab.items[0].created_at == dt.datetime(2026, 12, 7, 9, 20)
    assert tab.table.item(0, 5).text() == "12-07 09:20"
    assert tab.table.item(0, 3).text().endswith("12-07 09:20）"), tab.table.item(0, 3).text()
    with context.sessions() as s:  # the record as the clerk knows it, not the tail of its id
        number = s.get(Household, household_id).household_no
    assert tab.table.item(0, 1).text() == f"户 {number}"


def test_the_review_list_exports_in_the_words_of_the_page():
    """导出 on 待审 wrote the server's codes (duplicate_hh_no, household, household_no) into a Chinese sheet."""
    from types import SimpleNamespace

    from app.exchange.lists import review_spec

    row = SimpleNamespace(kind="duplicate_hh_no", entity="household", field="household_no", winner_value="1504",
                          winner_user="li", loser_value="1504", loser_user=None,
                          created_at=dt.datetime(2026, 12, 7, 9, 20))
    cells = [column.key(row) for column in review_spec().columns]
    assert cells[:3] == ["户编号重复", "户", "户编号"], cells


def test_a_decision_is_confirmed_with_what_it_does_and_said_after(qtbot, context, household_id):
    """保留当前值 closed the item for every PC on one click, and the list just refreshed without a word."""
    from tests.ui_support import ScriptedDialogs
    from ui.review.conflicts import ConflictsTab
    from ui.tasks import ImmediateTaskRunner

    server = FakeServer([_item(household_id)])
    dialogs = ScriptedDialogs()
    tab = ConflictsTab(ReviewQueue(context, lambda: server), ImmediateTaskRunner(), dialogs, lambda e: None)
    qtbot.addWidget(tab)
    tab.refresh()
    tab.table.selectRow(0)
    dialogs.confirms.append(False)
    tab.keep_button.click()
    assert dialogs.asked == ["住址保留“旧值”，不采用“兴隆地村1组6号”。该待审项将关闭，所有电脑都不再显示；如需再改，请在记录中直接修改。"]
    assert server.posted == []  # declined: nothing decided
    server.items = []
    tab.keep_button.click()
    assert server.posted == [("/review/r1/resolve", {"decision": "keep_winner", "note": ""})]
    assert tab.message.text().startswith("已保留当前值。")


class ClosedElsewhere(FakeServer):
    """The item was resolved by another reviewer first: the server answers 409 review_closed."""

    def request(self, method, path, *, json_body=None, params=None, **_kw):
        if method == "POST":
            from sync.transport import TransportError

            raise TransportError("review_closed", "该待审事项已处理。", status=409)
        return super().request(method, path, json_body=json_body, params=params)


def test_a_decision_on_an_item_another_reviewer_closed_writes_nothing(context, household_id):
    """Two reviewers at once: the second's decision must not be pushed over the first's — its
    local edit is written only after the server took the resolution."""
    from app.client.review_marks import store_marks
    from db.client import OpenReview
    from sync.transport import TransportError

    server = ClosedElsewhere([_item(household_id)])
    queue = ReviewQueue(context, lambda: server)
    queue.open_items()
    store_marks(context.sessions, [{"id": "r1", "kind": "conflict", "entity": "household", "record_id": household_id}])
    with context.sessions() as s:
        before = s.get(Household, household_id).address
    with pytest.raises(TransportError) as refused:
        queue.resolve("r1", "take_other")
    assert refused.value.code == "review_closed"
    with context.sessions() as s:
        assert s.get(Household, household_id).address == before
        assert s.scalars(select(OutboxChange)).all() == [] and s.scalars(select(OpenReview)).all() == []
    with pytest.raises(UserFacingError):  # gone from the list: nothing more to decide on it here
        queue.resolve("r1", "keep")
