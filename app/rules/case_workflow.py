"""The case (事件/诉求) status workflow of docs/ARCHITECTURE.md ("Glossary") as an explicit state machine.

Main path 10 登记 → 20 受理 → 30 分派 → 40 签收 → 50 处置中 → 60 回单待审 → 70 办结 → 80 已回访
→ 90 归档, with the side paths 25 网格自办 (handled on the spot, then closed to 70), 45 退单 (a
handler sends the case back; the township accepts it again: back to 20) and 55 延期申请 (an
extension request; approved or refused it goes back to 50, approval with a new deadline).
Two moves beyond the glossary, because the work needs them: a reviewer who does not accept a
handler's result sends it back for rework (60 → 50), and a closed case whose reporter cannot be
reached may be archived without a revisit (70 → 90).

`TRANSITIONS` is the data: (action, from status, to status). Everything else is derived from it.
Status codes are numbers so they sort; moves to a lower code are returns (`RETURN_TRANSITIONS`),
which the sync engine treats as backward moves (sync/ keeps its own rank rule because it cannot
import app/; the codes here match the glossary exactly)."""

from __future__ import annotations

from enum import IntEnum

from app.errors import WorkflowError


class CaseStatus(IntEnum):
    REGISTERED = 10  # 登记
    ACCEPTED = 20  # 受理
    SELF_HANDLING = 25  # 网格自办
    DISPATCHED = 30  # 分派
    SIGNED = 40  # 签收
    RETURNED = 45  # 退单
    HANDLING = 50  # 处置中
    EXTENSION_REQUESTED = 55  # 延期申请
    SUBMITTED = 60  # 回单待审
    CLOSED = 70  # 办结
    REVISITED = 80  # 已回访
    ARCHIVED = 90  # 归档


STATUS_LABELS: dict[int, str] = {
    10: "登记", 20: "受理", 25: "网格自办", 30: "分派", 40: "签收", 45: "退单", 50: "处置中",
    55: "延期申请", 60: "回单待审", 70: "办结", 80: "已回访", 90: "归档",
}

ACTION_LABELS: dict[str, str] = {
    "accept": "受理", "self_handle": "网格自办", "dispatch": "分派", "sign": "签收", "return": "退单",
    "handle": "开始处置", "extend": "申请延期", "approve_extension": "批准延期",
    "refuse_extension": "驳回延期", "submit": "回单", "approve": "审核通过", "rework": "退回重办",
    "close": "办结", "revisit": "回访", "archive": "归档",
}

S = CaseStatus
TRANSITIONS: tuple[tuple[str, int, int], ...] = (
    ("accept", S.REGISTERED, S.ACCEPTED),
    ("accept", S.RETURNED, S.ACCEPTED),
    ("self_handle", S.REGISTERED, S.SELF_HANDLING),
    ("self_handle", S.ACCEPTED, S.SELF_HANDLING),
    ("close", S.SELF_HANDLING, S.CLOSED),
    ("dispatch", S.ACCEPTED, S.DISPATCHED),
    ("sign", S.DISPATCHED, S.SIGNED),
    ("return", S.DISPATCHED, S.RETURNED),
    ("return", S.SIGNED, S.RETURNED),
    ("handle", S.SIGNED, S.HANDLING),
    ("extend", S.HANDLING, S.EXTENSION_REQUESTED),
    ("approve_extension", S.EXTENSION_REQUESTED, S.HANDLING),
    ("refuse_extension", S.EXTENSION_REQUESTED, S.HANDLING),
    ("submit", S.HANDLING, S.SUBMITTED),
    ("approve", S.SUBMITTED, S.CLOSED),
    ("rework", S.SUBMITTED, S.HANDLING),
    ("revisit", S.CLOSED, S.REVISITED),
    ("archive", S.CLOSED, S.ARCHIVED),
    ("archive", S.REVISITED, S.ARCHIVED),
)
del S

ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(action for action, _a, _b in TRANSITIONS))
STATUSES: tuple[int, ...] = tuple(int(s) for s in CaseStatus)
_TABLE: dict[tuple[int, str], int] = {(int(a), action): int(b) for action, a, b in TRANSITIONS}

# Moves to a lower status code: returns, which sync treats as backward.
RETURN_TRANSITIONS: frozenset[tuple[int, int]] = frozenset(
    (int(a), int(b)) for _action, a, b in TRANSITIONS if b < a
)

# Statuses from which the case counts as finished for deadlines (办结 and after).
FINISHED_FROM = CaseStatus.CLOSED


def status_label(status: int) -> str:
    return STATUS_LABELS.get(int(status), str(status))


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def allowed_actions(status: int) -> list[str]:
    """The actions legal from `status`, in workflow order (the buttons the UI should show)."""
    return [action for (source, action) in _TABLE if source == int(status)]


def next_status(status: int, action: str) -> int:
    """The status `action` leads to from `status`; WorkflowError if the move is not allowed."""
    if action not in ACTIONS:
        raise WorkflowError("case_action_unknown", action=action)
    target = _TABLE.get((int(status), action))
    if target is None:
        raise WorkflowError("case_transition", status=status_label(status), action=action_label(action))
    return target


def can(status: int, action: str) -> bool:
    return (int(status), action) in _TABLE


def is_return(from_status: int, to_status: int) -> bool:
    """Whether a move goes back in the workflow (45 → 20, 55 → 50, 60 → 50)."""
    return (int(from_status), int(to_status)) in RETURN_TRANSITIONS


def is_forward(from_status: int, to_status: int) -> bool:
    """Whether a move goes further along the workflow (a higher status code)."""
    return int(to_status) > int(from_status)


def is_finished(status: int) -> bool:
    return int(status) >= FINISHED_FROM
