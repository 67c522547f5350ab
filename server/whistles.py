"""吹哨报到 as a department answers it: the calls (CaseWhistle rows) made to the department, each with
its case, where the department's response stands and the township's evaluation; and the four steps
the department takes — 签收 (accept), 报到 (arrive: the whistle's arrival time), 报告 (report what was
done) and 回单 (close its part). Each step is a case-log entry (and, for arriving, the whistle's
arrival) pushed as the department's own sync changes, so the township's desk sees it after a sync.
The case's own workflow status stays the township's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.ids import new_id
from db.models import Case, CaseLogEntry, CaseWhistle
from server.department_work import region_names
from server.models import User
from server.pushed_writes import Edit, push_edits

STEPS = ("sign", "arrive", "handle", "submit")  # 签收, 报到, 报告处置情况, 办结回单


class StepRefused(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class WhistleRow:
    whistle: CaseWhistle
    case: Case
    done: frozenset[str]  # steps already taken by the department
    region_name: str = ""  # the village (or township) the call came from, as the clerk knows it

    @property
    def closed(self) -> bool:
        """The department submitted its return, or the township evaluated the response (which ends
        the call: the demo city's calls of last year were evaluated with no return recorded)."""
        return "submit" in self.done or bool(self.whistle.evaluation)

    @property
    def next_steps(self) -> tuple[str, ...]:
        if self.closed:
            return ()
        return tuple(s for s in STEPS if s not in self.done or s == "handle")


def _department_users(session: Session, department_code: str):
    return select(User.username).where(User.department_code == department_code)


def inbox(session: Session, department_code: str, limit: int = 500) -> list[WhistleRow]:
    """The department's calls, open ones first, newest call first."""
    pairs = session.execute(select(CaseWhistle, Case).join(Case, Case.id == CaseWhistle.case_id)
                            .where(CaseWhistle.department_code == department_code, CaseWhistle.deleted.is_(False))
                            .order_by(CaseWhistle.summoned_at.desc()).limit(limit)).all()
    case_ids = [c.id for _, c in pairs]
    steps: dict[str, set[str]] = {}
    if case_ids:
        for case_id, action in session.execute(
                select(CaseLogEntry.case_id, CaseLogEntry.action).where(
                    CaseLogEntry.case_id.in_(case_ids), CaseLogEntry.action.in_(STEPS),
                    CaseLogEntry.actor.in_(_department_users(session, department_code)))):
            steps.setdefault(case_id, set()).add(action)
    names = region_names(session, {w.region_code[:12] for w, _ in pairs})
    rows = [WhistleRow(w, c, frozenset(steps.get(c.id, set()) | ({"arrive"} if w.arrived_at else set())),
                       names.get(w.region_code[:12], w.region_code)) for w, c in pairs]
    return sorted(rows, key=lambda r: (r.closed, -r.whistle.summoned_at.timestamp()))


def take_step(session: Session, user: User, whistle_id: str, step: str, text: str, now: dt.datetime) -> None:
    """Record one step of the department's response; raises StepRefused or PushRefused."""
    whistle = session.get(CaseWhistle, whistle_id)
    if whistle is None or whistle.department_code != user.department_code or step not in STEPS:
        raise StepRefused("not_found")
    row = next((r for r in inbox(session, user.department_code or "") if r.whistle.id == whistle_id), None)
    if row is not None and row.whistle.evaluation:
        raise StepRefused("whistle_closed")
    if row is None or step not in row.next_steps:
        raise StepRefused("whistle_step_done")
    if step == "handle" and not text.strip():
        raise StepRefused("required")
    if len(text) > 2000:
        raise StepRefused("too_long")
    edits = []
    if step == "arrive":
        edits.append(Edit("case_whistle", whistle.id, {"arrived_at": now}))
    edits.append(Edit("case_log", new_id(), {
        "case_id": whistle.case_id, "region_code": whistle.region_code, "at": now, "actor": user.username,
        "action": step, "from_status": None, "to_status": None,
        "text": text.strip() or f"{user.department_code}"}))
    push_edits(session, user, edits)
