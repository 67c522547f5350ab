"""What two case moves carry beyond the status change: 分派 to a department or to a named village or
grid of the case's area (and a person there), written into the case and its log in words; and the
clock of an extension request, which stood still while the request waited (app.rules.deadlines).
A mixin of `CaseService`, which supplies the actor, the clock and the scope checks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import ValidationError
from app.rules.deadlines import WorkCalendar
from app.rules.regions import validate_grid_code, validate_region_code
from app.services.context import code_book, optional_text
from db.models import Case, CaseLogEntry, Region


class CaseMoves:
    def _resume_clock(self, session: Session, case: Case, new_deadline: dt.date | None, required: bool) -> None:
        """The clock stood still while the extension request waited: the deadline moves on by the
        working days it waited; an approval sets the new deadline (at least that late)."""
        if required and new_deadline is None:
            raise ValidationError("deadline_on", "deadline_required")
        if required and case.deadline_on is not None and new_deadline <= case.deadline_on:
            raise ValidationError("deadline_on", "deadline_not_later")
        asked = session.scalar(select(func.max(CaseLogEntry.at)).where(CaseLogEntry.case_id == case.id,
                                                                        CaseLogEntry.action == "extend"))
        paused = case.deadline_on
        if case.deadline_on is not None and asked is not None:
            calendar = WorkCalendar.from_book(code_book(session, self.actor.scope))
            paused = calendar.add_workdays(case.deadline_on, calendar.workdays_between(asked.date(), self.today()))
        case.deadline_on = max(d for d in (new_deadline, paused) if d is not None) if (new_deadline or paused) else None

    def _dispatch(self, session: Session, case: Case, department_code: str | None, place: str | None,
                  assignee: str | None, text: str) -> str:
        """分派 to a department, or to a named village or grid (the case's own by default) and person."""
        assignee = optional_text(assignee, "assignee", "责任人", 50) or None
        if department_code:
            case.escalated_to = self._department(session, department_code)
            case.dispatched_to, case.assignee = None, assignee
            target = _region_name(session, case.escalated_to, department=True)
        else:
            place = self._dispatch_place(case, (place or "").strip() or case.grid_code or case.region_code)
            case.dispatched_to, case.assignee = place, assignee
            if len(place) == 15:
                case.grid_code = place  # the grid's worker reaches the case from now on
            target = _region_name(session, place)
        who = f"（{assignee}）" if assignee else ""
        return f"分派至{target}{who}" + (f"：{text}" if text else "")

    def _dispatch_place(self, case: Case, place: str) -> str:
        """A village of the case's township, or a grid of the case's village, inside the actor's scope."""
        if len(place) == 15:
            validate_grid_code(place, case.region_code, "dispatched_to")
        else:
            place = validate_region_code(place, "dispatched_to")
            if place != case.region_code and not (place.startswith(case.region_code[:9])
                                                   and case.region_code.endswith("000")):
                raise ValidationError("dispatched_to", "dispatch_outside")
        self._check_scope(place[:12], place if len(place) == 15 else None)
        return place



def _region_name(session: Session, code: str | None, department: bool = False) -> str:
    """A region's (or department's) name for the handling log, the code when unknown locally."""
    if department:
        return code_book(session, "").label("department", code, code or "")
    return session.scalar(select(Region.name).where(Region.code == code)) or (code or "")
