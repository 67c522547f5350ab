"""The case state machine over the full status × action matrix, plus deadlines and overdue."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import WorkflowError
from app.rules.case_workflow import (
    ACTIONS,
    RETURN_TRANSITIONS,
    STATUSES,
    TRANSITIONS,
    CaseStatus,
    allowed_actions,
    can,
    is_forward,
    is_return,
    next_status,
)
from app.rules.deadlines import (
    DEFAULT_REQUEST_TYPES,
    add_workdays,
    case_deadline,
    deadline_workdays,
    is_case_overdue,
)

LEGAL = {(int(a), action): int(b) for action, a, b in TRANSITIONS}
MATRIX = [(status, action) for status in STATUSES for action in ACTIONS]


def test_status_codes_match_the_glossary():
    assert STATUSES == (10, 20, 25, 30, 40, 45, 50, 55, 60, 70, 80, 90)


@pytest.mark.parametrize("status, action", [key for key in MATRIX if key in LEGAL])
def test_every_legal_transition(status, action):
    assert can(status, action)
    assert next_status(status, action) == LEGAL[(status, action)]
    assert action in allowed_actions(status)


@pytest.mark.parametrize("status, action", [key for key in MATRIX if key not in LEGAL])
def test_every_illegal_transition_is_refused_with_a_clear_message(status, action):
    assert not can(status, action)
    assert action not in allowed_actions(status)
    with pytest.raises(WorkflowError) as info:
        next_status(status, action)
    assert info.value.code == "case_transition"
    message = info.value.message()
    assert "不能执行" in message and "{" not in message


def test_unknown_action_is_its_own_error():
    with pytest.raises(WorkflowError) as info:
        next_status(10, "teleport")
    assert info.value.code == "case_action_unknown"


def test_main_path_and_side_paths():
    status = CaseStatus.REGISTERED
    for action in ("accept", "dispatch", "sign", "handle", "submit", "approve", "revisit", "archive"):
        status = next_status(status, action)
    assert status == CaseStatus.ARCHIVED
    assert next_status(next_status(10, "self_handle"), "close") == 70  # 网格自办 → 办结
    assert next_status(next_status(30, "return"), "accept") == 20  # 退单 → back to 受理
    assert next_status(next_status(50, "extend"), "approve_extension") == 50  # 延期 → back to 处置中


def test_returns_are_the_backward_moves():
    assert {(45, 20), (55, 50), (60, 50)} == RETURN_TRANSITIONS
    assert is_return(45, 20) and is_return(55, 50) and not is_return(40, 50)
    assert is_forward(40, 50) and not is_forward(45, 20)
    for _action, a, b in TRANSITIONS:
        assert is_return(a, b) == (b < a)


def test_archived_is_terminal():
    assert allowed_actions(90) == []


def test_add_workdays_skips_weekends():
    monday = dt.date(2026, 11, 23)
    assert add_workdays(monday, 0) == monday
    assert add_workdays(monday, 4) == dt.date(2026, 11, 27)  # Friday
    assert add_workdays(monday, 5) == dt.date(2026, 11, 30)  # next Monday
    assert add_workdays(monday, 10) == dt.date(2026, 12, 7)
    assert add_workdays(dt.date(2026, 11, 27), 1) == dt.date(2026, 11, 30)  # Friday + 1
    assert add_workdays(dt.date(2026, 11, 28), 1) == dt.date(2026, 12, 1)  # Saturday: count from Monday


def test_add_workdays_agrees_with_a_day_by_day_count():
    start = dt.date(2026, 1, 1)
    for offset in range(14):
        for n in range(0, 23):
            day = start + dt.timedelta(days=offset)
            got = add_workdays(day, n)
            counted, probe = 0, day
            while probe.weekday() >= 5:
                probe += dt.timedelta(days=1)
            while counted < n:
                probe += dt.timedelta(days=1)
                counted += probe.weekday() < 5
            assert got == probe


def test_deadlines_by_request_type_default_and_configured():
    assert {code: days for code, (_label, days) in DEFAULT_REQUEST_TYPES.items()} == {
        "1": 5, "2": 5, "3": 10, "4": 15, "5": 10, "6": 5, "9": 10}
    monday = dt.date(2026, 11, 23)
    assert case_deadline(monday, "3") == dt.date(2026, 12, 7)  # 投诉: 10 working days
    assert deadline_workdays("3", {"3": 7}) == 7
    assert case_deadline(monday, "3", {"3": 7}) == dt.date(2026, 12, 2)
    assert deadline_workdays("unknown") == 10


def test_overdue_is_past_deadline_and_not_closed():
    deadline = dt.date(2026, 12, 7)
    assert not is_case_overdue(50, deadline, deadline)
    assert is_case_overdue(50, deadline, deadline + dt.timedelta(days=1))
    assert is_case_overdue(25, deadline, deadline + dt.timedelta(days=1))
    assert not is_case_overdue(70, deadline, deadline + dt.timedelta(days=1))
    assert not is_case_overdue(50, None, deadline)
