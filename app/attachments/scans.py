"""The paper round trip: a signed page comes back as a scan or a photo; the QR code every printed
form carries (app/reports/qr.py) is read from the image with pyzbar (the zbar library; a PDF scan's
first page is rendered by poppler first) and names the record and the version printed. Without a
readable code the clerk types the number printed on the form (事件编号, 户编号 or 任务编号). The scan is
attached to that record and the answer says what changed in the record since the page was printed,
from the print snapshot the code names (or the record's latest one when the number was typed)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from app.attachments.files import first_page_image, prepare
from app.attachments.service import AttachmentService, AttachmentView
from app.codes import CodeBook
from app.errors import UserFacingError, ValidationError
from app.reports import qr, snapshots
from app.reports.context import Disclosure
from db.models import Case, Household, PrintSnapshot, Task, TaskTarget

log = logging.getLogger(__name__)
OWNER_OF = {"case": "case", "household": "household", "task_target": "task_target"}


@dataclass(frozen=True)
class ScanResult:
    entity: str
    record_id: str
    attachment: AttachmentView
    printed_at: dt.datetime | None
    changes: tuple[str, ...]  # "当前状态：处置中 → 已办结", …; empty when nothing changed
    from_code: bool  # found by the QR code (else by the typed number)


def read_code(path: Path | str) -> qr.FormCode | None:
    """The form code on a scan (image or PDF), or None when there is none or no decoder."""
    try:
        from pyzbar.pyzbar import decode
    except ImportError:  # zbar not installed: the clerk types the number
        log.info("pyzbar/zbar unavailable: scans are linked by the typed number")
        return None
    raw = Path(path).read_bytes()
    try:
        image = first_page_image(raw) if raw.startswith(b"%PDF-") else Image.open(path)
    except OSError:
        return None
    if image is None:
        return None
    for found in decode(image.convert("L")):
        code = qr.parse(found.data.decode("ascii", "replace"))
        if code is not None and code.entity in OWNER_OF:
            return code
    return None


class ScanService(AttachmentService):
    """Attaching signed scans to the record their form names (constructor as AttachmentService)."""

    def attach_scan(self, path: Path | str, typed_number: str = "") -> ScanResult:
        code = read_code(path)
        from_code = code is not None
        prepared = prepare(path)  # an unreadable or wrong file is refused before anything is kept
        if code is None:
            code = self._by_number(typed_number.strip())
        owner = OWNER_OF[code.entity]
        with self._sessions() as session:
            snapshot = session.get(PrintSnapshot, code.version) if code.version else None
            printed_at = snapshot.printed_at if snapshot else None
        caption = f"签字页扫描件（{printed_at:%Y-%m-%d %H:%M} 打印）" if printed_at else "签字页扫描件"
        view = self.keep(owner, code.record_id, prepared, caption, printed_version=snapshot.id if snapshot else None)
        return ScanResult(code.entity, code.record_id, view, printed_at, self._changes(snapshot), from_code)

    def _by_number(self, number: str) -> qr.FormCode:
        """The record a typed form number names, with its latest print snapshot as the version."""
        if not number:
            raise ValidationError("number", "scan_no_code")
        with self._sessions() as session:
            found = self._find(session, number)
            if found is None:
                raise ValidationError("number", "scan_unknown_record", number=number)
            entity, record_id = found
            latest = session.scalar(select(PrintSnapshot.id).where(PrintSnapshot.record_id == record_id)
                                    .order_by(PrintSnapshot.printed_at.desc(), PrintSnapshot.id.desc()))
        return qr.FormCode(entity, record_id, latest or "")

    def _find(self, session, number: str) -> tuple[str, str] | None:
        case = session.scalar(select(Case.id).where(Case.case_no == number, Case.deleted.is_(False)))
        if case:
            return "case", case
        household = session.scalar(select(Household.id).where(Household.household_no == number,
                                                               Household.deleted.is_(False)))
        if household:
            return "household", household
        target = session.scalar(select(TaskTarget.id).join(Task, Task.id == TaskTarget.task_id)
                                .where(Task.task_no == number, TaskTarget.deleted.is_(False))
                                .order_by(TaskTarget.id))
        return ("task_target", target) if target else None

    def _changes(self, snapshot: PrintSnapshot | None) -> tuple[str, ...]:
        if snapshot is None:
            return ()
        d = Disclosure(self.actor.username, "核对扫描件", self.now())
        with self._sessions() as session:
            now_fields = snapshots.current_fields(session, snapshot.entity, snapshot.record_id,
                                                  CodeBook.load(session, self.actor.scope), d, self.today(), self.now())
        if now_fields is None:
            raise UserFacingError("not_found", entity=snapshot.entity)
        return tuple(snapshots.changes_since(snapshot.fields, now_fields))
