"""Task target statuses, overdue and due-soon flags, progress in records handled."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import WorkflowError
from app.rules import task_rules as tr

DUE = dt.datetime(2026, 12, 1, 17, 0)
MATRIX = [(s, a) for s in tr.STATUS_LABELS for a in tr.ACTIONS]
LEGAL = {(s, a): t for a, s, t in tr.TRANSITIONS}


@pytest.mark.parametrize("status, action", MATRIX)
def test_transition_matrix(status, action):
    if (status, action) in LEGAL:
        assert tr.next_status(status, action) == LEGAL[(status, action)]
        assert action in tr.allowed_actions(status)
    else:
        with pytest.raises(WorkflowError) as info:
            tr.next_status(status, action)
        assert info.value.code == "task_transition"


def test_codes_are_the_glossary_ones():
    assert tr.STATUS_LABELS == {"10": "未接收", "20": "进行中", "30": "已完成", "40": "已退回"}


@pytest.mark.parametrize("now, status, overdue, soon", [
    (DUE - dt.timedelta(days=2), "20", False, False),
    (DUE - dt.timedelta(hours=23), "20", False, True),
    (DUE, "10", False, True),
    (DUE + dt.timedelta(minutes=1), "20", True, False),
    (DUE + dt.timedelta(days=3), "40", True, False),
    (DUE + dt.timedelta(days=3), "30", False, False),
    (DUE - dt.timedelta(hours=2), "30", False, False),
])
def test_overdue_and_due_soon(now, status, overdue, soon):
    assert tr.is_overdue(status, DUE, now) is overdue
    assert tr.is_due_soon(status, DUE, now) is soon


def test_progress_counts_records_handled():
    p = tr.progress([True] * 28 + [False] * 2)
    assert (p.handled, p.total, p.label, p.complete) == (28, 30, "28/30", False)
    assert p.ratio == pytest.approx(28 / 30)
    empty = tr.progress([])
    assert (empty.ratio, empty.label, empty.complete) == (0.0, "0/0", True)
