"""Task (任务) rules for one target's copy of a task: its status codes and transitions, the derived
overdue and due-soon flags, and progress counted in records handled (28 of 30 households), never a
free percentage.

Statuses (TaskTarget.status is a 2-character string): 10 未接收, 20 进行中, 30 已完成, 40 已退回.
Moves: accept 10 → 20; complete 20 → 30 (only once every linked household is handled);
return (退回, the task is not this township's or cannot be done) 10/20 → 40; the issuing
department may reissue a returned task (40 → 10) or reopen a completed one (30 → 20).
Overdue: now > due_at and not completed. Due soon: not completed, not overdue, due by the end of the
next working day (app.rules.deadlines)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.errors import WorkflowError
from app.rules.deadlines import WEEKENDS_ONLY, WorkCalendar, task_due_soon
from db import request_fields

NOT_ACCEPTED, IN_PROGRESS, COMPLETED, RETURNED = "10", "20", "30", "40"

STATUS_LABELS = {NOT_ACCEPTED: "未接收", IN_PROGRESS: "进行中", COMPLETED: "已完成", RETURNED: "已退回"}
ACTION_LABELS = {"accept": "接收", "complete": "完成", "return": "退回", "reissue": "重新下发",
                 "reopen": "重新打开"}

TRANSITIONS: tuple[tuple[str, str, str], ...] = (
    ("accept", NOT_ACCEPTED, IN_PROGRESS),
    ("complete", IN_PROGRESS, COMPLETED),
    ("return", NOT_ACCEPTED, RETURNED),
    ("return", IN_PROGRESS, RETURNED),
    ("reissue", RETURNED, NOT_ACCEPTED),
    ("reopen", COMPLETED, IN_PROGRESS),
)
_TABLE = {(source, action): target for action, source, target in TRANSITIONS}
ACTIONS = tuple(dict.fromkeys(action for action, _s, _t in TRANSITIONS))

# Actions taken by the issuing department rather than the township/village that does the work.
DEPARTMENT_ACTIONS = frozenset({"reissue", "reopen"})

DUE_SOON = dt.timedelta(days=1)

# Register fields a data-verification task (一表通) may request, with their labels (declared on the
# person's columns, db.request_fields): the one list the task desk, the issue form and the printed
# sheet all read; and the coded ones among them with the code table that names their values.
FIELD_LABELS = request_fields.labels()
CODED_FIELDS = {name: request_fields.code_table(name) for name in request_fields.REQUESTABLE
                if request_fields.code_table(name)}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def allowed_actions(status: str) -> list[str]:
    return [action for (source, action) in _TABLE if source == status]


def next_status(status: str, action: str) -> str:
    if action not in ACTIONS:
        raise WorkflowError("task_action_unknown", action=action)
    target = _TABLE.get((status, action))
    if target is None:
        raise WorkflowError("task_transition", status=status_label(status),
                            action=ACTION_LABELS.get(action, action))
    return target


def is_overdue(status: str, due_at: dt.datetime, now: dt.datetime) -> bool:
    return status != COMPLETED and now > due_at


def is_due_soon(status: str, due_at: dt.datetime, now: dt.datetime, calendar: WorkCalendar = WEEKENDS_ONLY) -> bool:
    """Warn a working day ahead: not completed, not yet overdue, and due by the end of the next
    working day on the city's calendar."""
    return status != COMPLETED and task_due_soon(due_at, now, calendar)


@dataclass(frozen=True)
class Progress:
    """Records handled out of records linked; `label` is what a list shows (e.g. "28/30")."""

    handled: int
    total: int

    @property
    def ratio(self) -> float:
        return self.handled / self.total if self.total else 0.0

    @property
    def label(self) -> str:
        return f"{self.handled}/{self.total}"

    @property
    def complete(self) -> bool:
        return self.handled >= self.total


def progress(handled_flags: list[bool] | tuple[bool, ...]) -> Progress:
    """Progress from the handled flags of the linked households."""
    return Progress(handled=sum(1 for flag in handled_flags if flag), total=len(handled_flags))

