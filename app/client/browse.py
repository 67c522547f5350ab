"""Paged, filtered lists of the register for the desktop lists: persons and households within the
actor's region scope, one page at a time (the UI fetches further pages as the user scrolls), with
ID numbers and phones masked. Typed search text goes to app/services/search.py; these queries
serve browsing with filters (village, grid, tag, status) and narrow search results by them.

A grid worker's scope is its 15-character grid: records with a grid column are tested against the
grid, the others (visits, tags) against the village it lies in (`scoped`, the SQL form of
app.rules.regions.in_scope)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.client.review_marks import marked
from app.rules.masking import mask_id, mask_phone
from app.services.search import search_persons
from db.client import OpenReview, OutboxChange
from db.models import Household, Person, Region, TagAssignment, TaskFeedback, TaskLink


@dataclass(frozen=True)
class RegisterFilter:
    """What the lists are narrowed to; empty strings mean "any"."""

    village: str = ""
    grid: str = ""
    tag: str = ""
    status: str = ""
    text: str = ""
    visit: str = ""  # "never": never visited; "overdue": overdue under the visit rules (household_ids)
    household_ids: tuple[str, ...] | None = None  # only these households (worked out by the desk)

ANY_TAG = "*"  # the tag filter's "any tag"
BULK_STATES = 2000  # pages longer than this read the outbox and the marks whole for their badges


@dataclass(frozen=True)
class PersonRow:
    id: str
    name: str
    gender: str | None
    birth_date: dt.date | None
    id_masked: str
    phone_masked: str
    household_id: str | None
    household_no: str
    region_code: str
    relation_to_head: str | None
    status: str
    grid_code: str | None = None
    address: str = ""
    sync_state: str = ""  # "pending" | "rejected": a local change not yet accepted; "conflict": under review


@dataclass(frozen=True)
class HouseholdRow:
    id: str
    household_no: str
    head_name: str
    address: str
    region_code: str
    grid_code: str | None
    member_count: int
    phone_masked: str
    last_visit_on: dt.date | None
    sync_state: str = ""


@dataclass(frozen=True)
class RegionOption:
    code: str
    name: str


def scoped(model, scope: str):
    """SQL test: the row lies in the actor's scope (a grid scope tests the grid where there is one)."""
    if len(scope) > 12 and "grid_code" in model.__table__.columns:
        return model.grid_code.startswith(scope)
    return model.region_code.startswith(scope[:12])


def _tagged(subject_type: str, subject_id, tag: str):
    # An IN over the (indexed) tag code is evaluated once; a correlated EXISTS per row took seconds
    # on a full township.
    which = () if tag == ANY_TAG else (TagAssignment.tag_code == tag,)
    return subject_id.in_(select(TagAssignment.subject_id).where(
        *which, TagAssignment.subject_type == subject_type, TagAssignment.deleted.is_(False)))


def person_rows(session: Session, scope: str, flt: RegisterFilter, offset: int, limit: int) -> list[PersonRow]:
    """One page of persons in `scope`, ordered by village then pinyin initials (an index scan)."""
    stmt: Select = (
        select(*PERSON_ROW_COLUMNS, Household.household_no)
        .outerjoin(Household, Household.id == Person.household_id)
        .where(scoped(Person, scope), Person.deleted.is_(False),
               Person.merged_into.is_(None))
    )
    if flt.village:
        stmt = stmt.where(Person.region_code == flt.village)
    if flt.grid:
        stmt = stmt.where(Person.grid_code == flt.grid)
    if flt.status:
        stmt = stmt.where(Person.status == flt.status)
    if flt.tag:
        stmt = stmt.where(_tagged("person", Person.id, flt.tag))
    stmt = stmt.order_by(Person.region_code, Person.search_initials, Person.id).offset(offset).limit(limit)
    return with_sync_states(session, [_person_row(*row) for row in session.execute(stmt)])


def sync_states(session: Session, ids: list[str]) -> dict[str, str]:
    """Each record's badge state: "rejected" (被退回) when the server refused a local change of it,
    else "conflict" (冲突待审) when it has an open review item (app/client/review_marks.py), else
    "pending" (待上传) when a change waits in the outbox; records with none are left out (a query
    on the outbox's record index and one on the marks)."""
    if not ids:
        return {}
    if len(ids) > BULK_STATES:
        return _bulk_sync_states(session, set(ids))
    states: dict[str, str] = {}
    for record_id, state in session.execute(select(OutboxChange.record_id, OutboxChange.state)
                                            .where(OutboxChange.record_id.in_(ids),
                                                   OutboxChange.state.in_(("pending", "rejected")))):
        if states.get(record_id) != "rejected":
            states[record_id] = state
    for record_id in marked(session, ids):
        if states.get(record_id) != "rejected":
            states[record_id] = "conflict"
    return states


_BADGE_RANK = {"pending": 1, "conflict": 2, "rejected": 3}


def target_sync_states(session: Session, target_ids: list[str]) -> dict[str, str]:
    """A task target's badge: its own state (`sync_states`), or the strongest of its feedback's and
    linked households' waiting changes — a report or a household marked handled is the target's work
    not yet uploaded, as a case's log entry is the case's (same precedence: 被退回, 冲突待审, 待上传)."""
    states = sync_states(session, target_ids)
    waiting: dict[str, str] = {}
    for record_id, state in session.execute(
            select(OutboxChange.record_id, OutboxChange.state).where(
                OutboxChange.state.in_(("pending", "rejected")),
                OutboxChange.entity.in_((TaskFeedback.__sync_entity__, TaskLink.__sync_entity__)))):
        if _BADGE_RANK[state] > _BADGE_RANK.get(waiting.get(record_id, ""), 0):
            waiting[record_id] = state
    if not waiting:
        return states
    wanted = set(target_ids)
    for model in (TaskFeedback, TaskLink):
        for record_id, target_id in session.execute(select(model.id, model.target_id)
                                                    .where(model.id.in_(list(waiting)))):
            state = waiting[record_id]
            if target_id in wanted and _BADGE_RANK[state] > _BADGE_RANK.get(states.get(target_id, ""), 0):
                states[target_id] = state
    return states


def _bulk_sync_states(session: Session, wanted: set[str]) -> dict[str, str]:
    """`sync_states` for an export's page of 20,000: binding that many ids (twice, for the marks)
    cost more than reading the waiting outbox rows and the open marks (both small) once and keeping
    the page's records. Same precedence."""
    states: dict[str, str] = {}
    for record_id, state in session.execute(select(OutboxChange.record_id, OutboxChange.state)
                                            .where(OutboxChange.state.in_(("pending", "rejected")))):
        if record_id in wanted and states.get(record_id) != "rejected":
            states[record_id] = state
    for pair in session.execute(select(OpenReview.record_id, OpenReview.related_record_id)):
        for record_id in pair:
            if record_id in wanted and states.get(record_id) != "rejected":
                states[record_id] = "conflict"
    return states


def with_sync_states(session: Session, rows: list):
    """The rows with their badge state (`sync_states`), one lookup per page."""
    states = sync_states(session, [row.id for row in rows])
    if not states:
        return rows
    return [dataclasses.replace(row, sync_state=states[row.id]) if row.id in states else row for row in rows]


# The list reads these columns, not whole Person objects: building 40,000 ORM instances (identity
# map, state) took 1.9 s of a persons export's 5.3 s; plain rows take a fifth of that.
PERSON_ROW_COLUMNS = (Person.id, Person.name, Person.gender, Person.birth_date, Person.id_number, Person.phone,
                      Person.household_id, Person.region_code, Person.relation_to_head, Person.status,
                      Person.grid_code, Person.current_address, Person.hukou_address)


def _person_row(person_id, name, gender, birth_date, id_number, phone, household_id, region_code, relation,
                status, grid_code, current_address, hukou_address, household_no) -> PersonRow:
    return PersonRow(
        id=person_id, name=name, gender=gender, birth_date=birth_date, id_masked=mask_id(id_number),
        phone_masked=mask_phone(phone), household_id=household_id, household_no=household_no or "",
        region_code=region_code, relation_to_head=relation, status=status, grid_code=grid_code,
        address=current_address or hukou_address or "")


def household_rows(session: Session, scope: str, flt: RegisterFilter, offset: int,
                   limit: int) -> list[HouseholdRow]:
    """One page of households in `scope`, ordered by household number."""
    head = aliased(Person)
    members = (select(func.count()).where(Person.household_id == Household.id, Person.deleted.is_(False),
                                          Person.merged_into.is_(None))
               .correlate(Household).scalar_subquery())
    stmt: Select = (
        select(Household, head.name, members)
        .outerjoin(head, head.id == Household.head_person_id)
        .where(scoped(Household, scope), Household.deleted.is_(False), Household.merged_into.is_(None))
    )
    if flt.village:
        stmt = stmt.where(Household.region_code == flt.village)
    if flt.grid:
        stmt = stmt.where(Household.grid_code == flt.grid)
    if flt.tag:
        member_tagged = Household.id.in_(select(Person.household_id).where(
            Person.deleted.is_(False), _tagged("person", Person.id, flt.tag)))
        stmt = stmt.where(or_(_tagged("household", Household.id, flt.tag), member_tagged))
    if flt.status:
        stmt = stmt.where(Household.id.in_(select(Person.household_id).where(
            Person.deleted.is_(False), Person.status == flt.status)))
    if flt.text:
        stmt = stmt.where(or_(Household.household_no.contains(flt.text), Household.address.contains(flt.text),
                              head.name.contains(flt.text)))
    if flt.visit == "never":
        stmt = stmt.where(Household.last_visit_on.is_(None))
    if flt.household_ids is not None:
        stmt = stmt.where(Household.id.in_(flt.household_ids))
    stmt = stmt.order_by(Household.household_no, Household.id).offset(offset).limit(limit)
    return with_sync_states(session, [
        HouseholdRow(id=h.id, household_no=h.household_no, head_name=head_name or "", address=h.address,
                     region_code=h.region_code, grid_code=h.grid_code, member_count=count or 0,
                     phone_masked=mask_phone(h.phone), last_visit_on=h.last_visit_on)
        for h, head_name, count in session.execute(stmt)
    ])


def villages(session: Session, scope: str) -> list[RegionOption]:
    """Villages/communities (12-character codes) inside the scope (a grid's: its own), by code."""
    rows = session.execute(select(Region.code, Region.name).where(
        Region.code.startswith(scope[:12]), Region.level == 5).order_by(Region.code))
    return [RegionOption(code, name) for code, name in rows]


def grids(session: Session, village: str, scope: str = "") -> list[RegionOption]:
    """Grids of one village within the scope: from the region table, plus grid codes households use
    that it lacks."""
    named = dict(session.execute(select(Region.code, Region.name).where(
        Region.parent_code == village, Region.level == 6)).all())
    used = session.scalars(select(Household.grid_code).distinct().where(
        and_(Household.region_code == village, Household.grid_code.is_not(None)))).all()
    for code in used:
        named.setdefault(code, f"第{code[-3:]}网格")
    return [RegionOption(code, named[code]) for code in sorted(named) if code.startswith(scope)]


def region_names(session: Session, scope: str) -> dict[str, str]:
    """Names of the regions inside the scope and its ancestors, for labels in lists."""
    rows = session.execute(select(Region.code, Region.name).where(
        or_(Region.code.startswith(scope), func.length(Region.code) <= len(scope))))
    return dict(rows.all())


@dataclass(frozen=True)
class RegisterSummary:
    """Counts for the dashboard: the register at a glance within the actor's scope."""

    households: int
    persons: int
    villages: int
    never_visited: int
    tagged_persons: int


def register_summary(session: Session, scope: str) -> RegisterSummary:
    live_h = (scoped(Household, scope), Household.deleted.is_(False), Household.merged_into.is_(None))
    live_p = (scoped(Person, scope), Person.deleted.is_(False), Person.merged_into.is_(None))
    households = session.scalar(select(func.count()).select_from(Household).where(*live_h)) or 0
    persons = session.scalar(select(func.count()).select_from(Person).where(*live_p)) or 0
    never = session.scalar(select(func.count()).select_from(Household).where(
        *live_h, Household.last_visit_on.is_(None))) or 0
    tagged = session.scalar(select(func.count(func.distinct(TagAssignment.subject_id))).where(
        TagAssignment.subject_type == "person", TagAssignment.deleted.is_(False),
        scoped(TagAssignment, scope), TagAssignment.subject_id.in_(select(Person.id).where(*live_p)))) or 0
    village_count = session.scalar(select(func.count()).select_from(Region).where(
        Region.code.startswith(scope[:12]), Region.level == 5)) or 0
    return RegisterSummary(households, persons, village_count, never, tagged)


def search_rows(session: Session, scope: str, flt: RegisterFilter, limit: int) -> list[PersonRow]:
    """Typed search (name, pinyin initials, ID or phone tail) through app/services/search.py,
    narrowed by the other filters; the search's own ranking is kept."""
    # A village filter may only narrow the actor's scope, never widen it.
    narrowed = flt.village if flt.village and flt.village.startswith(scope) else scope
    hits = search_persons(session, flt.text, narrowed, limit)
    if flt.grid:
        hits = [h for h in hits if h.grid_code == flt.grid]
    if not hits:
        return []
    ids = [h.id for h in hits]
    stmt = (select(Person.id, Person.status, Household.household_no, Person.current_address, Person.hukou_address)
            .outerjoin(Household, Household.id == Person.household_id).where(Person.id.in_(ids)))
    if flt.status:
        stmt = stmt.where(Person.status == flt.status)
    if flt.tag:
        stmt = stmt.where(_tagged("person", Person.id, flt.tag))
    extra = {pid: (status, number, current or hukou or "")
             for pid, status, number, current, hukou in session.execute(stmt)}
    return with_sync_states(session, [PersonRow(id=h.id, name=h.name, gender=h.gender, birth_date=h.birth_date, id_masked=h.id_masked,
                      phone_masked=h.phone_masked, household_id=h.household_id, household_no=extra[h.id][1] or "",
                      region_code=h.region_code, relation_to_head=h.relation_to_head, status=extra[h.id][0],
                      grid_code=h.grid_code, address=extra[h.id][2])
            for h in hits if h.id in extra])
