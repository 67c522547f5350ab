"""The department progress summary (server/store/progress.py) stays equal to the targets it counts
— and the leader's case outcome summaries (server/store/case_counts.py) to the cases — through every
kind of push that changes them — tasks issued with their targets in one batch, status
moves, a target moved to another township, deleted and restored targets, a deadline moved, a task
deleted, a task handed to another department, a retried batch answered from the store, a refused
change — on SQLite and on PostgreSQL (when TD_TEST_PG_URL is set). The figure it is held to is the
same grid grouped from the targets themselves; the sequence of pushes is drawn from a seeded random
source, so the steps are not ones picked to pass."""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid

import pytest

from db.ids import new_id
from server.db import make_server_engine, session_factory
from server.deps import Principal
from server.store import progress
from server.sync_service import push_batch
from sync.wire import SCHEMA_VERSION
from tests.server.databases import BACKENDS, fresh_database
from tests.server.live import _prepare

TOWNS = [f"150422{n}" for n in range(100, 106)]
DEPTS = ("mz", "ga")
NOW = dt.datetime(2026, 12, 6, 10, 0)


class Device:
    def __init__(self) -> None:
        self.who = Principal(new_id(), "city", "city_admin", "", None, str(uuid.uuid4()))
        self.seq = 0

    def change(self, entity: str, record_id: str, fields: dict, op: str = "upsert") -> dict:
        self.seq += 1
        ms = int(time.time() * 1000)
        return {"change_id": new_id(), "device_id": self.who.device_id, "device_seq": self.seq, "entity": entity,
                "record_id": record_id, "op": op, "fields": fields, "base": {},
                "hlc": f"{ms:013d}-{self.seq:05d}-{self.who.device_id}", "schema_version": SCHEMA_VERSION}


@pytest.fixture(params=BACKENDS)
def sessions(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        engine = make_server_engine(url)
        _prepare(engine)  # migrated, the city's codes and region tree imported, as a live server has
        yield session_factory(engine)
        engine.dispose()


def _push(sessions, device: Device, changes: list[dict]) -> list[str]:
    with sessions() as s:
        results = push_batch(s, device.who, changes)
        s.commit()
    return [r.outcome if r.outcome != "rejected" else f"rejected:{r.code}" for r in results]


def _held_equal(sessions) -> None:
    with sessions() as s:
        for dept in DEPTS:
            for now in (NOW - dt.timedelta(days=30), NOW, NOW + dt.timedelta(days=30)):
                assert sorted(progress.grid_counts(s, dept, now)) == sorted(progress.scanned_grid_counts(s, dept, now))


def _task_fields(rnd: random.Random) -> dict:
    due = NOW + dt.timedelta(days=rnd.randint(-20, 20), hours=rnd.choice((0, 8)))
    return {"task_no": "RW" + new_id()[-8:], "title": "核查", "department_code": rnd.choice(DEPTS), "kind": "1",
            "priority": 2, "issued_at": (NOW - dt.timedelta(days=40)).isoformat(), "due_at": due.isoformat(),
            "region_code": "150422"}


def _edit(sessions, device: Device, rnd: random.Random, action: str, task_id: str, targets: list[str]) -> None:
    """One drawn edit of an issued task or one of its targets, pushed with a status move of another."""
    target = rnd.choice(targets)
    if action == "retry":  # the same batch sent again: answered from the store, counted once
        batch = [device.change("task_target", target, {"status": "30"})]
        _push(sessions, device, batch)
        _push(sessions, device, batch)
        return
    due = (NOW + dt.timedelta(days=rnd.randint(-5, 5))).isoformat()
    entity, fields, op = {
        "status": ("task_target", {"status": rnd.choice(("10", "20", "30", "40"))}, "upsert"),
        "move": ("task_target", {"region_code": rnd.choice(TOWNS)}, "upsert"),
        "delete_target": ("task_target", {"deleted": True}, "delete"),
        "restore_target": ("task_target", {"deleted": False, "status": "20"}, "upsert"),
        "deadline": ("task", {"due_at": due}, "upsert"),
        "delete_task": ("task", {"deleted": True}, "delete"),
        "hand_over": ("task", {"department_code": rnd.choice(DEPTS)}, "upsert"),
    }[action]
    record = target if entity == "task_target" else task_id
    _push(sessions, device, [device.change(entity, record, fields, op=op),
                             device.change("task_target", rnd.choice(targets), {"status": "20"})])


def test_the_summary_equals_the_targets_after_every_push(sessions):
    rnd = random.Random(20261206)
    device = Device()
    tasks: dict[str, list[str]] = {}
    for _step in range(60):
        action = rnd.choice(("issue", "issue", "status", "status", "move", "delete_target", "restore_target",
                             "deadline", "delete_task", "hand_over", "retry"))
        if action == "issue" or not tasks:
            task_id = new_id()
            targets = [new_id() for _ in range(rnd.randint(1, 4))]
            changes = [device.change("task", task_id, _task_fields(rnd))] + [
                device.change("task_target", t, {"task_id": task_id, "region_code": rnd.choice(TOWNS) + rnd.choice(
                    ("", "201", "202")), "status": rnd.choice(("10", "20", "30", "40"))}) for t in targets]
            rnd.shuffle(changes[1:])
            assert set(_push(sessions, device, changes)) == {"accepted"}
            tasks[task_id] = targets
        else:
            task_id = rnd.choice(sorted(tasks))
            _edit(sessions, device, rnd, action, task_id, tasks[task_id])
        _held_equal(sessions)
    with sessions() as s:
        assert sum(n for _t, _s, n, _o in progress.grid_counts(s, "mz", NOW)) > 0


def test_a_refused_change_counts_nothing_and_rebuild_gives_the_same_counts(sessions):
    device = Device()
    task_id, target = new_id(), new_id()
    rnd = random.Random(7)
    assert _push(sessions, device, [device.change("task", task_id, _task_fields(rnd)),
                                    device.change("task_target", target, {"task_id": task_id, "region_code": TOWNS[0],
                                                                          "status": "10"})]) == ["accepted"] * 2
    gap = device.change("task_target", target, {"status": "30"})
    gap["device_seq"] += 5  # a sequence gap: refused, nothing written
    assert _push(sessions, device, [gap]) == ["rejected:device_seq_gap"]
    _held_equal(sessions)
    with sessions() as s:
        before = {d: sorted(progress.grid_counts(s, d, NOW)) for d in DEPTS}
        progress.rebuild(s)
        s.commit()
        assert {d: sorted(progress.grid_counts(s, d, NOW)) for d in DEPTS} == before


def _figures(overview) -> tuple:
    def rows(items):
        return sorted((o.key, o.cases, o.closed, o.on_time, o.overdue_open, o.rated, o.satisfied, o.repeats)
                      for o in items)

    return rows(overview.towns), rows(overview.categories), rows(overview.months)


def _case_fields(rnd: random.Random, villages: list[str], categories: list[str], phones: list) -> dict:
    registered = NOW - dt.timedelta(days=rnd.randint(0, 400), hours=rnd.randint(0, 23))
    status = rnd.choice((10, 30, 50, 70, 80, 90))
    closed = status >= 70
    return {"case_no": "SJ" + new_id()[-10:], "source": "1", "request_type": "2", "title": "诉求",
            "category_code": rnd.choice(categories), "registered_at": registered.isoformat(),
            "region_code": rnd.choice(villages), "reporter_phone": rnd.choice(phones), "status": status,
            "deadline_on": rnd.choice((None, (registered + dt.timedelta(days=rnd.randint(1, 20))).date().isoformat())),
            "closed_at": (registered + dt.timedelta(days=rnd.randint(0, 25))).isoformat() if closed else None,
            "satisfaction": rnd.choice((None, "1", "2", "3")) if closed else None}


def test_the_case_outcome_summaries_equal_the_cases_after_every_push(sessions):
    from sqlalchemy import select

    from db.models import CodeEntry, Region
    from server import outcomes

    with sessions() as s:
        villages = sorted(s.scalars(select(Region.code).where(Region.level == 5, Region.code.startswith("150422"))))[:6]
        categories = sorted(set(s.scalars(select(CodeEntry.code).where(CodeEntry.table == "case_category",
                                                                      CodeEntry.scope_prefix == ""))))[:2]
    assert len(villages) >= 3 and len(categories) >= 2
    rnd = random.Random(1206)
    phones = [None, "", "13800000001", "13800000002", "13912345678"]
    device = Device()
    cases: list[str] = []
    for _step in range(50):
        action = rnd.choice(("new", "new", "new", "new", "status", "rate", "category", "move", "phone", "delete",
                             "deadline"))
        if action == "new" or not cases:
            case_id = new_id()
            answers = _push(sessions, device, [device.change("case", case_id, _case_fields(rnd, villages, categories,
                                                                                          phones))])
            assert answers == ["accepted"], answers
            cases.append(case_id)
        else:
            fresh = _case_fields(rnd, villages, categories, phones)
            fields = {"status": {k: fresh[k] for k in ("status", "closed_at", "satisfaction")},
                      "rate": {"satisfaction": rnd.choice(("1", "2", "3", None))},
                      "category": {"category_code": fresh["category_code"]},
                      "move": {"region_code": fresh["region_code"]}, "phone": {"reporter_phone": fresh["reporter_phone"]},
                      "delete": {"deleted": True}, "deadline": {"deadline_on": fresh["deadline_on"]}}[action]
            _push(sessions, device, [device.change("case", rnd.choice(cases), fields,
                                                   op="delete" if action == "delete" else "upsert")])
        with sessions() as s:
            for scope in ("", "150422", villages[0][:9]):
                for today in (NOW.date(), (NOW - dt.timedelta(days=200)).date()):
                    assert _figures(outcomes.overview(s, scope, today)) == \
                        _figures(outcomes.scanned_overview(s, scope, today)), (action, scope, today)
    with sessions() as s:
        assert sum(o.repeats for o in outcomes.overview(s, "", NOW.date()).towns) > 0
