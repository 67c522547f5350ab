"""Read functions for register forms: the household card (户情登记表) with all members, tags and
recent visits, the households of a village for a batch print, and region names for page headers.

They return frozen dataclasses with raw values and resolved code labels; masking is applied when a
form is drawn, under the print's `Disclosure`, so one read serves a masked and a revealed print."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.codes import CodeBook
from app.reports.context import SENSITIVE_LEVEL, people_names
from db.models import Household, Person, Region, TagAssignment, Visit

RECENT_VISITS = 6  # the card shows the latest visits; the full history stays on screen


@dataclass(frozen=True)
class MemberRow:
    person_id: str
    name: str
    relation: str
    gender: str
    birth_date: dt.date | None
    ethnicity: str
    id_type: str
    id_number: str | None
    phone: str | None
    residence_type: str
    status: str
    education: str
    political_status: str
    marital_status: str
    current_address: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class VisitRow:
    visited_on: dt.date
    visitor: str
    kind: str
    findings: str
    follow_up: str


@dataclass(frozen=True)
class HouseholdCard:
    household_id: str
    household_no: str
    region_code: str
    region_path: str
    grid_code: str | None
    household_kind: str
    hukou_type: str
    address: str
    phone: str | None
    head_name: str
    last_visit_on: dt.date | None
    notes: str
    tags: tuple[str, ...]
    members: tuple[MemberRow, ...]
    visits: tuple[VisitRow, ...]


def region_path(session: Session, code: str) -> str:
    """"某某镇 某某村 第3网格"-style path from the township down, from the regions table; codes
    missing from the table are shown as the code itself so a header is never blank."""
    wanted = []
    if len(code) >= 9 and code[6:9] != "000":
        wanted.append(code[:9] + "000")
    if len(code) >= 12 and code[9:12] != "000":
        wanted.append(code[:12])
    if len(code) == 15:
        wanted.append(code)
    if not wanted:
        wanted.append(code)
    names = dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(wanted))).all())
    return " ".join(names.get(c, c) for c in wanted)


def _tag_labels(codes: CodeBook, tag_codes: list[str], show_sensitive: bool) -> tuple[str, ...]:
    labels = []
    for tag in sorted(set(tag_codes)):
        if not show_sensitive and codes.attr("tag", tag, "sensitivity", 1) >= SENSITIVE_LEVEL:
            continue
        labels.append(codes.label("tag", tag, tag))
    return tuple(labels)


def live_tags(session: Session, subject_ids: list[str], on: dt.date) -> dict[str, list[str]]:
    """Tag codes per subject that are not removed and valid on `on` (start/end dates)."""
    found: dict[str, list[str]] = {}
    rows = session.execute(
        select(TagAssignment.subject_id, TagAssignment.tag_code, TagAssignment.start_on, TagAssignment.end_on)
        .where(TagAssignment.subject_id.in_(subject_ids), TagAssignment.deleted.is_(False))
    )
    for subject_id, tag, start, end in rows:
        if (start is None or start <= on) and (end is None or end >= on):
            found.setdefault(subject_id, []).append(tag)
    return found


def _member_sort_key(person: Person, head_id: str | None) -> tuple:
    return (person.id != head_id, person.relation_to_head or "99", person.birth_date or dt.date.max)


def _member_row(p: Person, codes: CodeBook, tags: tuple[str, ...]) -> MemberRow:
    return MemberRow(
        person_id=p.id, name=p.name, relation=codes.label("relation_to_head", p.relation_to_head),
        gender=codes.label("gender", p.gender), birth_date=p.birth_date,
        ethnicity=codes.label("ethnicity", p.ethnicity), id_type=codes.label("id_type", p.id_type),
        id_number=p.id_number, phone=p.phone,
        residence_type=codes.label("residence_type", p.residence_type),
        status=codes.label("person_status", p.status), education=codes.label("education", p.education),
        political_status=codes.label("political_status", p.political_status),
        marital_status=codes.label("marital_status", p.marital_status),
        current_address=p.current_address or "", tags=tags,
    )


def household_card(session: Session, household: Household, codes: CodeBook, today: dt.date,
                   show_sensitive: bool = False) -> HouseholdCard:
    """Everything the 户情登记表 prints for one household (members that are not deleted)."""
    return household_cards(session, [household], codes, today, show_sensitive)[0]


def household_cards(session: Session, households: list[Household], codes: CodeBook, today: dt.date,
                    show_sensitive: bool = False) -> list[HouseholdCard]:
    """Cards for many households with one query per table (a village batch reads 500 households in
    four queries instead of two thousand)."""
    ids = [h.id for h in households]
    people_by: dict[str, list[Person]] = defaultdict(list)
    visits_by: dict[str, list[Visit]] = defaultdict(list)
    for chunk in _chunks(ids):
        for person in session.scalars(select(Person).where(Person.household_id.in_(chunk),
                                                           Person.deleted.is_(False))):
            people_by[person.household_id].append(person)
        for visit in session.scalars(select(Visit).where(Visit.household_id.in_(chunk), Visit.deleted.is_(False))
                                     .order_by(Visit.visited_on.desc(), Visit.id.desc())):
            if len(visits_by[visit.household_id]) < RECENT_VISITS:
                visits_by[visit.household_id].append(visit)
    subjects = ids + [p.id for people in people_by.values() for p in people]
    tags: dict[str, list[str]] = {}
    for chunk in _chunks(subjects):
        tags.update(live_tags(session, chunk, today))
    paths = {code: region_path(session, code) for code in {h.grid_code or h.region_code for h in households}}
    names = people_names(session)
    return [_card(h, sorted(people_by[h.id], key=lambda p, h=h: _member_sort_key(p, h.head_person_id)),
                  visits_by[h.id], tags, paths[h.grid_code or h.region_code], codes, show_sensitive, names)
            for h in households]


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    """Slices for IN lists: SQLite allows a limited number of bound parameters per statement."""
    return [values[i:i + size] for i in range(0, len(values), size)]


def _card(household: Household, people: list[Person], visits: list[Visit], tags: dict[str, list[str]],
          path: str, codes: CodeBook, show_sensitive: bool, names: dict[str, str]) -> HouseholdCard:
    head = next((p for p in people if p.id == household.head_person_id), None)
    return HouseholdCard(
        household_id=household.id, household_no=household.household_no,
        region_code=household.region_code, region_path=path, grid_code=household.grid_code,
        household_kind=codes.label("household_kind", household.household_kind),
        hukou_type=codes.label("hukou_type", household.hukou_type), address=household.address or "",
        phone=household.phone, head_name=head.name if head else "", last_visit_on=household.last_visit_on,
        notes=household.notes or "",
        tags=_tag_labels(codes, tags.get(household.id, []), show_sensitive),
        members=tuple(_member_row(p, codes, _tag_labels(codes, tags.get(p.id, []), show_sensitive))
                      for p in people),
        visits=tuple(VisitRow(v.visited_on, names.get(v.visitor, v.visitor), codes.label("visit_kind", v.kind), v.findings or "",
                              v.follow_up or "") for v in visits),
    )


def village_households(session: Session, village_code: str) -> list[Household]:
    """The live households of a village (or grid, by a 15-character code), by household number."""
    column = Household.grid_code if len(village_code) == 15 else Household.region_code
    return list(session.scalars(
        select(Household).where(column == village_code, Household.deleted.is_(False),
                                Household.merged_into.is_(None))
        .order_by(Household.household_no)
    ))
