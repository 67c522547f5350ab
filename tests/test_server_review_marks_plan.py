"""The review marks every PC asks for after a sync that moved anything (`GET /review/marks`, the
冲突待审 badges) are read as a range of the region index: `region_code LIKE 'prefix%'` could use no
index under a collation other than "C", so each PC's marks scanned every review item of the city —
50 ms for a village on a database of 97,000 open items, 11–17 ms through the index. The marks are
the plain filter's, for every kind of scope."""

from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest
from sqlalchemy.orm import Session

from server.auth_cache import Principal
from server.db import make_server_engine, upgrade
from server.review_marks import MARK_LIMIT, marks_since
from server.routers.review import list_review_marks
from server.store.push import flagged_pairs
from server.store.tables import ReviewItem
from tests.server.databases import BACKENDS, fresh_database
from tests.server.plans import captured, generic_plan, load_analysed

TOWNS = [f"150422{n:03d}" for n in range(100, 140)]
NOW = dt.datetime(2026, 12, 6, 10, 0)


@pytest.fixture(params=BACKENDS)
def reviews_db(request, tmp_path):
    """12,000 review items over 40 townships' villages and grids, a third of them resolved."""
    with fresh_database(request.param, tmp_path) as url:
        engine = make_server_engine(url)
        upgrade(engine)
        rnd = random.Random(8)
        rows = []
        for n in range(12_000):
            region = f"{rnd.choice(TOWNS)}2{rnd.randint(0, 9):02d}" + rnd.choice(("", "001", "002"))
            duplicate = n % 4 == 0  # a second person with an ID number another holds
            rows.append({"id": f"review{n:05d}", "kind": "duplicate_id" if duplicate else rnd.choice(
                             ("conflict", "possible_duplicate")),
                         "state": "resolved" if n % 3 == 0 else "open", "entity": "person" if duplicate else "household",
                         "record_id": str(uuid.UUID(int=n)), "field": "phone", "region_code": region,
                         "related_record_id": str(uuid.UUID(int=n + 1)) if duplicate else None,
                         "change_id": str(uuid.UUID(int=10**6 + n)), "server_seq": n + 1,
                         "resolved_seq": 12_000 + n + 1 if n % 3 == 0 else None,
                         "created_at": NOW - dt.timedelta(minutes=n)})
        load_analysed(engine, (ReviewItem, rows))
        yield engine, rows
        engine.dispose()


def _generic_plan_of(engine, read) -> str:
    """The generic plan of the one statement on the review items that `read(session)` runs."""
    with engine.connect() as conn:
        statements = captured(conn)
        with Session(bind=conn) as s:
            assert read(s)
        [(statement, params)] = [(st, p) for st, p in statements if "sync_review_items" in st]
        return generic_plan(conn, statement, params)


def _who(scope: str) -> Principal:
    role = {0: "city_admin", 9: "township_staff", 12: "village_cadre", 15: "grid_worker"}[len(scope)]
    return Principal("u", "u", role, scope, None, str(uuid.uuid4()))


def test_marks_are_the_scopes_open_items_newest_first(reviews_db):
    engine, rows = reviews_db
    village = rows[5]["region_code"][:12]
    with Session(engine) as s:
        for scope in ("", TOWNS[3], "150422199", village, village + "001"):  # 150422199: a township without any
            wanted = sorted((r for r in rows if r["state"] == "open" and r["region_code"].startswith(scope)),
                            key=lambda r: (-r["created_at"].timestamp(), r["id"]))[:MARK_LIMIT]
            assert [m["id"] for m in list_review_marks(who=_who(scope), session=s)] == [r["id"] for r in wanted], scope
        assert len(list_review_marks(who=_who(village), session=s)) > 10  # the comparison was not of empty lists


def test_a_villages_marks_read_the_region_index_in_the_generic_plan(reviews_db):
    engine, rows = reviews_db
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements' generic plans are PostgreSQL's")
    plan = _generic_plan_of(engine, lambda s: list_review_marks(who=_who(rows[5]["region_code"][:12]), session=s))
    assert "ix_sync_review_items_region_code" in plan and "Seq Scan" not in plan, plan


def test_the_marks_since_a_cursor_are_the_items_raised_or_resolved_in_between(reviews_db):
    engine, rows = reviews_db
    village = rows[5]["region_code"][:12]
    with Session(engine) as s:
        for scope in ("", TOWNS[3], village):
            for after, upper in ((0, 3), (5_000, 5_200), (11_900, 12_100), (12_000, 12_300), (20_000, 24_000)):
                moved = [r for r in rows if r["region_code"].startswith(scope) and any(
                    seq is not None and after < seq <= upper for seq in (r["server_seq"], r["resolved_seq"]))]
                answer = marks_since(s, scope, after, scope, upper)
                assert not answer["full"] and answer["next"] == upper
                assert sorted(m["id"] for m in answer["open"]) == sorted(r["id"] for r in moved if r["state"] == "open")
                assert sorted(answer["closed"]) == sorted(r["id"] for r in moved if r["state"] != "open")
        assert marks_since(s, "", 0, "", 24_000)["full"]  # more than MARK_LIMIT moved: the whole set instead
        assert len(marks_since(s, village, 5_000, village, 5_200)["open"]) < 5


def test_the_marks_since_a_cursor_read_the_sequence_indexes_in_the_generic_plan(reviews_db):
    """A township's backlog is not read again on every sync: the items of the range come from the
    two sequence number indexes, not from the jurisdiction's rows."""
    engine, rows = reviews_db
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements' generic plans are PostgreSQL's")
    plan = _generic_plan_of(engine, lambda s: marks_since(s, TOWNS[3], 11_900, TOWNS[3], 12_100))
    assert "ix_sync_review_items_server_seq" in plan and "ix_sync_review_items_resolved_seq" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_a_push_finds_the_pairs_already_raised_through_both_indexes(reviews_db):
    """A duplicate found in a push asks whether the pair was raised already, with the record on
    either side: both sides are read through their indexes, not every review item of the city,
    inside the push's transaction (server migration 0030)."""
    engine, rows = reviews_db
    person = str(uuid.UUID(int=40))
    with Session(engine) as s:
        assert flagged_pairs(s, "duplicate_id", person) == {frozenset((person, str(uuid.UUID(int=41))))}
        assert flagged_pairs(s, "duplicate_id", str(uuid.UUID(int=41))) == {frozenset((person, str(uuid.UUID(int=41))))}
    if engine.dialect.name != "postgresql":
        return
    plan = _generic_plan_of(engine, lambda s: flagged_pairs(s, "duplicate_id", person))
    assert "ix_sync_review_items_related_record_id" in plan and "Seq Scan" not in plan, plan
