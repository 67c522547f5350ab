"""`ReportService`: what the UI calls to print. Each method checks scope and permission, reads the
data, writes the PDF (to a temporary name, renamed into place only when complete) and records the
audit entry in the same unit of work, then returns a frozen `PrintResult` the UI can open in the
system viewer or send to a printer dialog.

Rules: a purpose (用途) is required and printed in the watermark; `reveal=True` (full ID numbers and
phones) is refused for roles outside REVEAL_ROLES; sensitive tags print on a household card only for
SENSITIVE_TAG_ROLES; inspection summaries always mask names and never show sensitive tags."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from reportlab.platypus import Flowable, PageBreak
from sqlalchemy.orm import Session

from app.codes import CodeBook
from app.errors import NotFoundError, ScopeError, ValidationError
from app.reports import snapshots
from app.reports.context import Disclosure, record_audit
from app.reports.household_card import household_card_story
from app.reports.layout import PageMarks, build_pdf
from app.reports.qr import FormCode
from app.reports.register_data import household_card, household_cards, region_path, village_households
from app.reports.summary_data import inspection_summary
from app.reports.summary_form import summary_story
from app.reports.work_data import case_form, task_sheet
from app.reports.work_forms import case_form_story, task_sheet_story
from app.services.context import (
    REGISTER_WRITERS,
    REVEAL_ROLES,
    SENSITIVE_TAG_ROLES,
    ServiceBase,
    require_text,
)
from db.models import Case, Household, Task

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PrintResult:
    path: Path
    pages: int
    records: int
    audit_id: str


class _ProgressMark(Flowable):
    """Zero-size marker: reports batch progress as layout reaches each household."""

    def __init__(self, progress: Progress, done: int, total: int) -> None:
        super().__init__()
        self.progress, self.done, self.total = progress, done, total
        self.width = self.height = 0

    def draw(self) -> None:
        self.progress(self.done, self.total)


def _batch_story(cards: list, codes: list[FormCode], d: Disclosure, progress: Progress | None) -> Iterator:
    """The batch's flowables made card by card as layout consumes them, so a 500-card batch never
    holds 500 cards of flowables at once (memory, and the garbage collector's time)."""
    for done, (card, code) in enumerate(zip(cards, codes, strict=True), start=1):
        if done > 1:
            yield PageBreak()
        yield from household_card_story(card, d, code)
        if progress is not None:
            yield _ProgressMark(progress, done, len(cards))


class ReportService(ServiceBase):
    """Printed forms for the signed-in actor (constructor: sessionmaker, Actor, optional clock)."""

    def _disclosure(self, purpose: str, reveal: bool, mask_names: bool = False) -> Disclosure:
        purpose = require_text(purpose, "purpose", "打印用途", 60)
        if reveal:
            self._require_role(REVEAL_ROLES, "打印完整证件号码和电话")
        return Disclosure(self.actor.username, purpose, self.now(), reveal=reveal, mask_names=mask_names,
                          device_id=self.actor.device_id, display_name=self.actor.display_name)

    def _codes(self, session: Session) -> CodeBook:
        # A printed form is a Chinese form: its code labels stay Chinese under the English interface.
        return CodeBook.load(session, self.actor.scope, chinese=True)

    def _write(self, session: Session, output: Path, story: Iterable, header: str, title: str,
               d: Disclosure) -> int:
        output = Path(output)
        partial = output.with_name(output.name + ".part")
        marks = PageMarks(header, f"打印日期 {d.at:%Y-%m-%d}", d.watermark())
        try:
            pages = build_pdf(str(partial), story, marks, title, d.username)
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
        return pages

    def _finish(self, session: Session, output: Path, story: Iterable, header: str, title: str, d: Disclosure,
                entity: str, record_ids: list[str], region_code: str, action: str = "print") -> PrintResult:
        pages = self._write(session, output, story, header, title, d)
        entry = record_audit(session, d, action, entity, record_ids, region_code)
        session.flush()
        return PrintResult(Path(output), pages, len(record_ids), entry.id)

    def print_household_card(self, household_id: str, output: Path, purpose: str,
                             reveal: bool = False) -> PrintResult:
        self._require_role(REGISTER_WRITERS, "打印户情登记表")  # departments do not see the register
        d = self._disclosure(purpose, reveal)
        with self._unit_of_work() as session:
            household = self._get(session, Household, household_id, "household")
            card = household_card(session, household, self._codes(session), self.today(),
                                  show_sensitive=self.actor.role in SENSITIVE_TAG_ROLES)
            snap = snapshots.take(session, "household", household.id, household.region_code,
                                  snapshots.household_fields(card, d), d)
            story = household_card_story(card, d, FormCode("household", household.id, snap.id))
            return self._finish(session, output, story, card.region_path, "户情登记表",
                                d, "household", [household.id], household.region_code)

    def print_case_form(self, case_id: str, output: Path, purpose: str, reveal: bool = False) -> PrintResult:
        d = self._disclosure(purpose, reveal)
        with self._unit_of_work() as session:
            case = self._get(session, Case, case_id, "case")
            form = case_form(session, case, self._codes(session))
            header = region_path(session, case.grid_code or case.region_code)
            snap = snapshots.take(session, "case", case.id, case.region_code, snapshots.case_fields(form, d), d)
            story = case_form_story(form, d, FormCode("case", case.id, snap.id))
            return self._finish(session, output, story, header, "事件处置单", d, "case",
                                [case.id], case.region_code)

    def print_task_sheet(self, task_id: str, village_code: str, output: Path, purpose: str,
                         reveal: bool = False) -> PrintResult:
        d = self._disclosure(purpose, reveal)
        self._check_scope(village_code)
        with self._unit_of_work() as session:
            task = session.get(Task, task_id)
            if task is None or task.deleted:
                raise NotFoundError("task", task_id)
            sheet = task_sheet(session, task, village_code, self._codes(session), self.now())
            if not sheet.target_ids:
                raise ScopeError()
            header = region_path(session, village_code)
            village_name = header.split(" ")[-1]
            snap = snapshots.take(session, "task_target", sheet.target_ids[0], village_code,
                                  snapshots.task_fields(sheet), d)
            story = task_sheet_story(sheet, village_name, d, FormCode("task_target", sheet.target_ids[0], snap.id))
            return self._finish(session, output, story, header,
                                "任务清单/反馈单", d, "task_target", list(sheet.target_ids), village_code)

    def print_inspection_summary(self, region_code: str, output: Path, purpose: str,
                                 period: tuple[dt.date | None, dt.date | None] = (None, None)) -> PrintResult:
        d = self._disclosure(purpose, reveal=False, mask_names=True)
        self._check_scope(region_code)
        with self._unit_of_work() as session:
            summary = inspection_summary(session, region_code, self._codes(session), self.now(), period)
            header = region_path(session, region_code)
            return self._finish(session, output, summary_story(summary, d), header, "统计汇总表", d,
                                "summary", [region_code], region_code)

    def export_village_cards(self, village_code: str, output: Path, purpose: str, reveal: bool = False,
                             progress: Progress | None = None) -> PrintResult:
        """Every household of a village (or grid) in one PDF, one card after another, with running page
        numbers; `progress(done, total)` is called as layout reaches each household (worker thread)."""
        self._require_role(REGISTER_WRITERS, "批量打印户情登记表")
        d = self._disclosure(purpose, reveal)
        self._check_scope(village_code[:12], village_code if len(village_code) == 15 else None)
        with self._unit_of_work() as session:
            codes, today = self._codes(session), self.today()
            show_sensitive = self.actor.role in SENSITIVE_TAG_ROLES
            households = village_households(session, village_code)
            ids = [h.id for h in households]
            cards = household_cards(session, households, codes, today, show_sensitive)
            if not cards:
                raise ValidationError("village_code", "not_found", entity="该村（社区）的户")
            header = region_path(session, village_code)
            marks = [FormCode("household", card.household_id, snapshots.take(
                session, "household", card.household_id, card.region_code,
                snapshots.household_fields(card, d), d).id) for card in cards]
            story = _batch_story(cards, marks, d, progress)
            return self._finish(session, output, story, header, "户情登记表（批量）", d, "household", ids,
                                village_code[:12], action="export")

    def print_record_history(self, entity: str, record_id: str, rows: list, field_label, output: Path,
                             purpose: str) -> PrintResult:
        """A record's history as shown on screen (app.client.history rows, masked), audited."""
        from app.reports.history_form import history_story

        self._require_role(REGISTER_WRITERS, "打印记录历史")
        d = self._disclosure(purpose, False)
        with self._unit_of_work() as session:
            household = self._get(session, Household, record_id, "household") if entity == "household" else None
            region = household.region_code if household else self.actor.scope[:12]
            title = f"记录历史 {household.household_no}" if household else "记录历史"
            story = history_story(title, rows, field_label)
            return self._finish(session, output, story, region_path(session, region), title, d, entity,
                                [record_id], region)
