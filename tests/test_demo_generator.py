"""The demo township generator: deterministic for a seed, and the data obeys the register's and the
workflows' invariants (one head per household, valid IDs matching gender and birth date, persons in
their household's region, case statuses at the end of their logs, task progress from links)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select
from stdnum.cn import ric

from app.rules import case_workflow as wf
from app.rules.deadlines import add_workdays, deadline_workdays
from db.models import Case, CaseLogEntry, CodeEntry, Household, Person, Region, TaskTarget
from db.search_keys import person_search_keys
from demo import build_rows, generate_township
from demo.context import DEMO_AS_OF
from server.catalogue import unrequested_answer_fields

SMALL = {"households": 150, "tasks": 20, "cases": 80}


@pytest.fixture(scope="module")
def rows():
    return build_rows(11, **SMALL).rows


def test_same_seed_gives_identical_rows():
    first, second = build_rows(5, 40, 5, 20).rows, build_rows(5, 40, 5, 20).rows
    assert first.keys() == second.keys()
    for table in first:
        assert first[table] == second[table], table
    other = build_rows(6, 40, 5, 20).rows
    assert [p["id_number"] for p in other["persons"]] != [p["id_number"] for p in first["persons"]]


def test_one_head_per_household_and_head_matches(rows):
    heads = Counter(p["household_id"] for p in rows["persons"] if p["relation_to_head"] == "02")
    households = {h["id"]: h for h in rows["households"]}
    assert set(heads) == set(households) and set(heads.values()) == {1}
    by_id = {p["id"]: p for p in rows["persons"]}
    for household in households.values():
        head = by_id[household["head_person_id"]]
        assert head["relation_to_head"] == "02" and head["household_id"] == household["id"]
        assert 25 <= _age(head["birth_date"]) <= 80


def test_id_numbers_are_valid_and_match_gender_and_birth(rows):
    numbers = [p["id_number"] for p in rows["persons"]]
    assert len(numbers) == len(set(numbers))
    for person in rows["persons"]:
        number = person["id_number"]
        assert ric.is_valid(number), number
        assert ric.get_birth_date(number) == person["birth_date"]
        assert person["gender"] == ("1" if int(number[16]) % 2 else "2")
        assert number[:6] == ("150422" if person["birth_date"].year >= 1983 else "152422")


def test_persons_follow_their_household_and_carry_search_keys(rows):
    households = {h["id"]: h for h in rows["households"]}
    for person in rows["persons"]:
        household = households[person["household_id"]]
        assert person["region_code"] == household["region_code"]
        assert person["grid_code"] == household["grid_code"]
        keys = person_search_keys(person["name"], person["id_number"], person["phone"])
        assert {k: person[k] for k in keys} == keys


def test_family_ages_are_plausible(rows):
    members = defaultdict(list)
    for person in rows["persons"]:
        members[person["household_id"]].append(person)
    for people in members.values():
        head = next(p for p in people if p["relation_to_head"] == "02")
        for person in people:
            gap = _age(head["birth_date"]) - _age(person["birth_date"])
            if person["relation_to_head"] in ("20", "30"):
                assert 18 <= gap <= 50
            if person["relation_to_head"] in ("51", "52"):
                assert gap <= -20


def test_marital_status_fits_the_household(rows):
    members = defaultdict(list)
    for person in rows["persons"]:
        members[person["household_id"]].append(person)
    for people in members.values():
        relations = {p["relation_to_head"] for p in people}
        for person in people:
            if person["relation_to_head"] in ("02", "10") and "10" in relations:
                assert person["marital_status"] == "20"
            if person["relation_to_head"] in ("51", "52"):
                assert person["marital_status"] == ("20" if {"51", "52"} <= relations else "30")
            if _age(person["birth_date"]) < 18:
                assert person["marital_status"] == "10"


def test_household_numbers_follow_the_glossary(rows):
    numbers = [h["household_no"] for h in rows["households"]]
    assert len(numbers) == len(set(numbers))
    for household in rows["households"]:
        number = household["household_no"]
        assert len(number) == 18 and number[:12] == household["region_code"]
        assert household["grid_code"].startswith(household["region_code"]) and len(household["grid_code"]) == 15
        assert household["region_code"].startswith("150422100")


def test_cases_statuses_are_the_end_of_legal_logs(rows):
    logs = defaultdict(list)
    for entry in rows["case_log"]:
        logs[entry["case_id"]].append(entry)
    assert len(rows["case_log"]) > 2 * len(rows["cases"])
    for case in rows["cases"]:
        entries = sorted(logs[case["id"]], key=lambda e: e["at"])
        assert entries[0]["from_status"] is None and entries[0]["to_status"] == 10
        for before, after in zip(entries, entries[1:], strict=False):
            assert after["from_status"] == before["to_status"]
            assert wf.next_status(after["from_status"], after["action"]) == after["to_status"]
        assert entries[-1]["to_status"] == case["status"]
        assert (case["closed_at"] is not None) == (case["status"] >= 70)
        assert (case["satisfaction"] is not None) == any(e["action"] == "revisit" for e in entries)
        base = add_workdays(case["registered_at"].date(), deadline_workdays(case["request_type"]))
        assert case["deadline_on"] >= base


def test_task_progress_is_counted_from_links(rows):
    links = defaultdict(list)
    for link in rows["task_links"]:
        links[link["target_id"]].append(link)
    for target in rows["task_targets"]:
        flags = [link["handled"] for link in links[target["id"]]]
        assert target["total_count"] == len(flags) and target["handled_count"] == sum(flags)
        if target["status"] == "30":
            assert all(flags) and target["completed_at"] is not None
        if target["status"] == "10":
            assert not any(flags) and target["accepted_at"] is None


def test_tags_come_at_plausible_rates():
    rows = build_rows(3, 1500, 0, 0).rows
    persons, households = len(rows["persons"]), len(rows["households"])
    tags = Counter(t["tag_code"] for t in rows["tag_assignments"])
    assert 3.0 < persons / households < 3.7
    assert 0.01 < tags["nclb"] / households < 0.06
    assert 0.01 < tags["cjr"] / persons < 0.04
    adults = sum(1 for p in rows["persons"] if _age(p["birth_date"]) >= 18)
    assert 0.03 < tags["dy"] / adults < 0.1
    assert tags["djlr"] > 0 and tags["lset"] > 0 and tags["zdry"] < persons * 0.01


def test_generate_into_database(engine):
    summary = generate_township(engine, seed=4, **SMALL)
    assert summary.counts["households"] == SMALL["households"]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Household)) == SMALL["households"]
        assert conn.scalar(select(func.count()).select_from(Person)) == summary.counts["persons"]
        assert conn.scalar(select(func.count()).select_from(CaseLogEntry)) == summary.counts["case_log"]
        assert conn.scalar(select(func.count()).select_from(Case)) == SMALL["cases"]
        assert conn.scalar(select(func.count()).select_from(TaskTarget)) == summary.counts["task_targets"]
        assert conn.scalar(select(func.count()).select_from(CodeEntry)) > 300
        assert conn.scalar(select(Region.name).where(Region.code == "150422100000")) == "林东镇"
        assert conn.scalar(select(func.count()).select_from(Region).where(Region.level == 6)) > 0
        # The derived search keys are filled although bulk inserts bypass the ORM hook.
        assert conn.scalar(select(func.count()).select_from(Person).where(Person.search_initials == "")) == 0


def test_rare_characters_survive_the_database(engine):
    from demo.names import RARE_NAMES

    expected = sorted(p["name"] for p in build_rows(1, 3000, 0, 0).rows["persons"]
                      if any(ord(c) > 0xFFFF for c in p["name"]))
    assert expected and all(any(n.endswith(r) for r in RARE_NAMES) for n in expected)
    generate_township(engine, seed=1, households=3000, tasks=0, cases=0)
    with engine.connect() as conn:
        stored = sorted(n for n in conn.scalars(select(Person.name)) if any(ord(c) > 0xFFFF for c in n))
    assert stored == expected


def _age(birth: dt.date) -> int:
    years = DEMO_AS_OF.year - birth.year
    return years - ((DEMO_AS_OF.month, DEMO_AS_OF.day) < (birth.month, birth.day))


def test_sqlite_fast_path_stores_exactly_what_sqlalchemy_would(tmp_path, monkeypatch):
    import sqlite3

    import demo
    from db.engine import open_local

    fast = open_local(tmp_path / "fast.db")
    generate_township(fast, seed=3, households=40, tasks=8, cases=30)
    fast.dispose()
    monkeypatch.setattr(demo, "_insert_sqlite", lambda session, model, rows: session.execute(
        demo.insert(model), rows))
    core = open_local(tmp_path / "core.db")
    generate_township(core, seed=3, households=40, tasks=8, cases=30)
    core.dispose()
    a, b = sqlite3.connect(tmp_path / "fast.db"), sqlite3.connect(tmp_path / "core.db")
    for _name, model in demo._TABLES:
        query = f"SELECT * FROM {model.__tablename__} ORDER BY id"
        assert a.execute(query).fetchall() == b.execute(query).fetchall(), model.__tablename__
    a.close()
    b.close()


def test_a_second_township_on_top_is_refused(engine):
    from app.errors import UserFacingError

    generate_township(engine, seed=8, households=10, tasks=1, cases=2)
    with pytest.raises(UserFacingError) as refused:
        generate_township(engine, seed=9, households=10, tasks=1, cases=2)
    assert refused.value.code == "demo_township_exists" and "150422100" in refused.value.message()
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Household)) == 10


def test_one_form_answers_come_from_the_register(rows):
    """一表通: a data-verification task's last feedback carries the requested fields of each handled
    household, taken from the register (the head's current values), never typed again."""
    tasks = {t["id"]: t for t in rows["tasks"]}
    targets = {t["id"]: t for t in rows["task_targets"]}
    heads = {p["household_id"]: p for p in rows["persons"] if p["relation_to_head"] == "02"}
    numbers = {h["household_no"]: h["id"] for h in rows["households"]}
    answered = [f for f in rows["task_feedback"] if f["answers"]]
    assert answered
    for feedback in answered:  # in the shape the desktop sends and the server accepts
        fields = tasks[targets[feedback["target_id"]]["task_id"]]["requested_fields"]
        assert feedback["answers"]["fields"] == fields and not unrequested_answer_fields(fields, feedback["answers"])
        for number, answer in feedback["answers"]["households"].items():
            assert answer == {f: heads[numbers[number]][f] or "" for f in fields}


def test_demo_ids_are_time_ordered_uuid7_and_check_characters_match_the_glossary():
    import random
    import uuid

    from demo.ids import DemoIds, check_character

    ids = DemoIds(random.Random(1), dt.datetime(2024, 1, 1))
    made = [ids.new() for _ in range(10_000)]
    assert all(uuid.UUID(i).version == 7 and str(uuid.UUID(i)) == i for i in made)
    assert made == sorted(made) and len(set(made)) == len(made)
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"


def test_a_demo_generated_now_is_dated_before_now_and_leaves_its_village_a_day_of_work():
    """Seen on the demo: cases registered at 20:22 of a day whose afternoon it was, and demo_cadre's
    village with no task to do and every case closed (two years of random work over 32 villages).
    Generated as of a moment (the demo server's seed), nothing is later than it — a morning's demo
    included — and the first village (demo_cadre's) and grid (demo_grid's) hold open work."""
    for now in (dt.datetime(2026, 12, 7, 15, 20), dt.datetime(2026, 12, 8, 7, 40)):
        ctx = build_rows(2026, 300, 50, 200, as_of=now)
        later = [(table, key, value) for table, table_rows in ctx.rows.items() for row in table_rows
                 for key, value in row.items()
                 if isinstance(value, dt.datetime) and value > now and key != "due_at"]
        assert later == [], later[:5]
        village, grid = ctx.villages[0].code, ctx.villages[0].grids[0]
        targets = [t for t in ctx.rows["task_targets"] if t["region_code"] == village]
        tasks = {t["id"]: t for t in ctx.rows["tasks"]}
        due = {t["status"]: tasks[t["task_id"]]["due_at"] for t in targets if t["status"] in ("10", "20")}
        assert {"10", "20"} <= {t["status"] for t in targets}, Counter(t["status"] for t in targets)
        open_work = [tasks[t["task_id"]]["due_at"] for t in targets if t["status"] == "20"]
        assert any(d.date() == now.date() for d in open_work) and any(d < now for d in open_work), due
        assert any(t["handled_count"] for t in targets if t["status"] == "20")
        open_cases = Counter(c["status"] for c in ctx.rows["cases"] if c["grid_code"] == grid and c["status"] < 70)
        assert {10, 25, 30, 50} <= set(open_cases), open_cases  # to accept, close, sign, finish
    live = build_rows(2026, 300, 50, 200, as_of=dt.datetime(2026, 12, 7, 15, 20)).rows
    test_cases_statuses_are_the_end_of_legal_logs(live)
    test_task_progress_is_counted_from_links(live)
