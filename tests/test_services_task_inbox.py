"""The task inbox over a generated township larger than any page: every group's count is the true
number of targets (no cap), pages walk the whole group nearest deadline first without repeats, and
search and filters narrow counts and pages alike."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.rules import task_rules as tr
from app.services.context import Actor
from app.services.task_inbox import ALL, DONE, DUE_TODAY, GROUPS, OPEN, OVERDUE, InboxQuery, TaskInbox
from db.engine import open_local, session_factory
from db.models import Task, TaskTarget
from demo import generate_township
from demo.context import DEMO_AS_OF
from demo.regions import DEMO_TOWNSHIP

NOW = dt.datetime.combine(DEMO_AS_OF, dt.time(10))
STAFF = Actor("clerk", "township_staff", DEMO_TOWNSHIP, "dev")


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    engine = open_local(tmp_path_factory.mktemp("inbox") / "inbox.db")
    generate_township(engine, seed=5, households=200, tasks=600, cases=0)
    yield session_factory(engine)
    engine.dispose()


def _walk(inbox: TaskInbox, query: InboxQuery, size: int = 97) -> list:
    rows, offset = [], 0
    while page := inbox.page(query, offset, size):
        rows += page
        offset += size
    return rows


def test_counts_are_true_and_pages_walk_each_group_in_deadline_order(sessions):
    inbox = TaskInbox(sessions, STAFF, lambda: NOW)
    counts = inbox.counts(InboxQuery())
    with sessions() as s:
        total = s.scalar(select(func.count()).select_from(TaskTarget).where(~TaskTarget.deleted))
    assert total > 1000 and counts[ALL] == total  # nothing capped at 500
    for group in GROUPS:
        rows = _walk(inbox, InboxQuery(group))
        assert len(rows) == counts[group] == len({r.id for r in rows}), group
        due = [r.due_at for r in rows]
        assert due == sorted(due, reverse=group in (OVERDUE, DONE)), group
        assert all(inbox.group_of(r) == group for r in rows), group
    assert all(r.overdue for r in _walk(inbox, InboxQuery(OVERDUE)))
    assert all(r.status in (tr.COMPLETED, tr.RETURNED) for r in _walk(inbox, InboxQuery(DONE)))
    assert all(r.due_at.date() == NOW.date() for r in _walk(inbox, InboxQuery(DUE_TODAY)))


def test_search_and_filters_narrow_counts_and_pages_alike(sessions):
    inbox = TaskInbox(sessions, STAFF, lambda: NOW)
    with sessions() as s:
        task_no, title, department = s.execute(select(Task.task_no, Task.title, Task.department_code)).first()
    by_number = InboxQuery(ALL, task_no)
    assert {r.task_no for r in _walk(inbox, by_number)} == {task_no}
    assert inbox.counts(by_number)[ALL] == len(_walk(inbox, by_number))
    word = title[4:8]
    assert all(word in r.title for r in _walk(inbox, InboxQuery(OPEN, word)))
    minzheng = _walk(inbox, InboxQuery(ALL, "民政"))
    assert minzheng and {r.department_code for r in minzheng} == {"mz"}
    filtered = InboxQuery(ALL, department_code=department, kind="2", status=tr.IN_PROGRESS)
    rows = _walk(inbox, filtered)
    assert inbox.counts(filtered)[ALL] == len(rows)
    assert all((r.department_code, r.kind, r.status) == (department, "2", tr.IN_PROGRESS) for r in rows)
    village = rows[0].region_code if rows else None
    if village:
        assert all(village in (r.region_code, r.assigned_region_code)
                   for r in _walk(inbox, InboxQuery(ALL, village_code=village)))
    assert inbox.counts(InboxQuery(ALL, "100%_\\"))[ALL] == 0  # wildcards are text, not patterns


def test_a_search_counts_at_most_the_cap_of_finished_targets(sessions, monkeypatch):
    import app.services.task_inbox as inbox_module

    inbox = TaskInbox(sessions, STAFF, lambda: NOW)
    everything = inbox.counts(InboxQuery())
    assert everything["capped"] == 0 and everything[DONE] > 20
    monkeypatch.setattr(inbox_module, "DONE_CAP", 20)
    searched = inbox.counts(InboxQuery(ALL, "关于"))
    assert searched[DONE] == 20 and searched["capped"] == 1
    assert searched[OVERDUE] == everything[OVERDUE]  # open groups stay exact
    assert inbox.counts(InboxQuery())[DONE] == everything[DONE]  # no search: exact
