"""The window's global search (Ctrl+F) over a generated demo township: for texts taken from the
generated addresses, titles, numbers and names, every household, case and task hit is what a plain
reading of all the rows in Python finds (in scope, live, containing the text; the first by number,
newest case, latest deadline) — the covering-index lookups change how fast, not what is found."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select, update

from app.client.global_search import PER_KIND, search_everything
from app.services.search import search_persons
from db.engine import session_factory
from db.models import Case, Household, Person, Task, TaskTarget
from demo import generate_township

TOWNSHIP = "150422100"


@pytest.fixture(scope="module")
def township(tmp_path_factory):
    from db.engine import open_local

    engine = open_local(tmp_path_factory.mktemp("global") / "township.db")
    generate_township(engine, seed=11, households=400, tasks=30, cases=300)
    sessions = session_factory(engine)
    with sessions() as s:  # a tombstone, a merged household and a case gone: never found
        first, second = s.scalars(select(Household.id).order_by(Household.household_no).limit(2)).all()
        s.execute(update(Household).where(Household.id == first).values(deleted=True))
        s.execute(update(Household).where(Household.id == second).values(merged_into=first))
        s.execute(update(Case).where(Case.id == s.scalars(select(Case.id).limit(1)).one()).values(deleted=True))
        s.commit()
    yield sessions
    engine.dispose()


def _contains(value: str, text: str) -> bool:
    return text.lower() in (value or "").lower()  # LIKE's ASCII folding; Chinese is unaffected


def _in_scope(row, scope: str) -> bool:
    if len(scope) > 12 and hasattr(row, "grid_code"):  # browse.scoped: a grid scope tests the grid
        return (row.grid_code or "").startswith(scope)
    return row.region_code.startswith(scope[:12])


def _expected(s, scope: str, text: str):
    """What the plain reading finds, kind by kind (None: that kind is not looked up for the text)."""
    digits = text.isdigit()
    households = [h for h in s.scalars(select(Household)) if not h.deleted and not h.merged_into and _in_scope(h, scope)]
    if digits:
        households = [h for h in households if h.household_no.startswith(text)]
    else:
        heads = {p.id for p in search_persons(s, text, scope, PER_KIND) if p.name == text}
        households = [h for h in households if _contains(h.address, text) or h.head_person_id in heads]
    households = [h.id for h in sorted(households, key=lambda h: (h.household_no, h.id))[:PER_KIND]]
    if digits and len(text) < 8:
        return households, None, None
    ascii_text = any(c.isascii() for c in text)

    def matches(number, title):
        return _contains(number, text) if digits else _contains(title, text) or ascii_text and _contains(number, text)

    cases = sorted((c for c in s.scalars(select(Case)) if not c.deleted and _in_scope(c, scope)
                    and matches(c.case_no, c.title)), key=lambda c: c.registered_at, reverse=True)
    tasks = {t.id: t for t in s.scalars(select(Task)) if not t.deleted and matches(t.task_no, t.title)}
    targets = sorted((t for t in s.scalars(select(TaskTarget)) if t.task_id in tasks and not t.deleted
                      and (_in_scope(t, scope) or (t.assigned_region_code or "").startswith(scope[:12]))),
                     key=lambda t: tasks[t.task_id].due_at, reverse=True)
    return households, [(c.id, c.registered_at) for c in cases], [(t.id, tasks[t.task_id].due_at) for t in targets]


def _check_ordered(found: list[str], expected: list[tuple[str, object]]) -> None:
    """The first PER_KIND by the sort key; among equal keys (a task's targets share its deadline)
    any of them."""
    keys = dict(expected)
    assert len(found) == min(PER_KIND, len(expected))
    assert all(hit in keys for hit in found)
    assert [keys[hit] for hit in found] == [key for _id, key in expected[:PER_KIND]]


def _texts(s, rng: random.Random) -> list[str]:
    addresses = s.scalars(select(Household.address)).all()
    cases, tasks = s.scalars(select(Case.title)).all(), s.scalars(select(Task.title)).all()
    names = s.scalars(select(Person.name)).all()
    numbers = s.scalars(select(Household.household_no)).all()
    texts = []
    for source, sizes in ((addresses, (2, 3, 4)), (cases, (2, 3, 5)), (tasks, (2, 4, 6)), (names, (2, 3))):
        for value in rng.sample(source, 12):
            size = rng.choice(sizes)
            start = rng.randrange(0, max(1, len(value) - size + 1))
            texts.append(value[start:start + size])
    texts += [n[:k] for n in rng.sample(numbers, 6) for k in (6, 9, 12, 15)]
    return texts + ["组", "村1组", "不存在的地方", "50%", "a_b"]


@pytest.mark.parametrize("scope", [TOWNSHIP, "150422100201", "grid"])
def test_hits_are_what_reading_every_row_finds(township, scope):
    with township() as s:
        if scope == "grid":  # the grid of a generated household that has one
            scope = s.scalars(select(Household.grid_code).where(Household.grid_code.is_not(None)).limit(1)).one()
        for text in _texts(s, random.Random(scope)):
            hits = search_everything(s, scope, text)
            by_kind = {kind: [h.record_id for h in hits if h.kind == kind] for kind in ("household", "case", "task")}
            households, cases, tasks = _expected(s, scope, text)
            if len(text) < 2 and not text.isdigit():
                assert by_kind["household"] == [], text  # one character: persons only
                continue
            assert by_kind["household"] == households, (scope, text)
            if cases is None:
                assert by_kind["case"] == by_kind["task"] == [], text
                continue
            _check_ordered(by_kind["case"], cases)
            _check_ordered(by_kind["task"], tasks)


def test_number_prefix_and_masking(township):
    with township() as s:
        case_no, task_no = s.scalars(select(Case.case_no).limit(1)).one(), s.scalars(select(Task.task_no).limit(1)).one()
        for number, kind in ((case_no, "case"), (task_no, "task")):
            letters = "".join(c for c in number if c.isalpha())  # typed in lower case, like initials
            found = [h.detail for h in search_everything(s, TOWNSHIP, letters.lower()) if h.kind == kind]
            assert found and all(detail.startswith(letters) for detail in found), number
        person = s.scalars(select(Person).where(Person.id_number.is_not(None)).limit(1)).one()
        hits = search_everything(s, TOWNSHIP, person.id_number[-6:])
        shown = [h for h in hits if h.record_id == person.id]
        assert shown and person.id_number not in shown[0].detail and "*" in shown[0].detail
