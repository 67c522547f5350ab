"""Repeat appeals (重复诉求): a resident calling again about the same matter. The desk suggests
earlier cases that look like the same appeal — the same reporter (phone, or name and category) or
the same place and category, registered within `REPEAT_WINDOW_DAYS` before it — and the clerk
confirms one; the case then points at the original (`Case.repeat_of`, always the first case of the
chain), with a handling-log entry on both. Nothing is linked without the clerk's confirmation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select

from app.errors import ValidationError
from app.services.cases import CaseService, CaseView, case_view
from db.models import Case

REPEAT_WINDOW_DAYS = 30


class RepeatAppeals(CaseService):
    """Suggest and confirm the original of a repeat appeal."""

    def candidates(self, case_id: str, days: int = REPEAT_WINDOW_DAYS, limit: int = 10) -> list[CaseView]:
        """Earlier cases in reach that look like the same appeal, newest first."""
        with self._read() as session:
            case = self._load(session, case_id)
            same = []
            if case.reporter_phone:
                same.append(Case.reporter_phone == case.reporter_phone)
            if case.reporter_name:
                same.append(and_(Case.reporter_name == case.reporter_name, Case.category_code == case.category_code))
            if case.place:
                same.append(and_(Case.place == case.place, Case.category_code == case.category_code))
            if not same:
                return []
            since = case.registered_at - dt.timedelta(days=days)
            query = (select(Case).where(~Case.deleted, Case.id != case.id, Case.repeat_of.is_(None),
                                        Case.registered_at >= since, Case.registered_at <= case.registered_at,
                                        Case.region_code.startswith(self.actor.scope[:12]), or_(*same))
                     .order_by(Case.registered_at.desc(), Case.id.desc()).limit(limit))
            today = self.today()
            return [case_view(c, today) for c in session.scalars(query)]

    def link(self, case_id: str, original_id: str) -> CaseView:
        """The clerk confirms: `case_id` repeats `original_id` (or the first case it repeats)."""
        self._require_action("repeat")
        with self._unit_of_work() as session:
            case = self._load(session, case_id)
            original = self._load(session, original_id)
            if original.repeat_of:
                original = self._load(session, original.repeat_of)
            if original.id == case.id:
                raise ValidationError("repeat_of", "repeat_self")
            case.repeat_of = original.id
            self._log(session, case, "repeat", case.status, case.status, f"重复诉求，原诉求 {original.case_no}")
            self._log(session, original, "repeat", original.status, original.status,
                      f"收到重复诉求 {case.case_no}")
            session.flush()
            return case_view(case, self.today())
