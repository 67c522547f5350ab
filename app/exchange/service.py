"""`ExchangeService`: Excel in and out for the UI. Roster import is two calls: `preview_roster`
(validate, compare, write nothing; returns the error report and the preview with the file's digest)
and `confirm_roster` (re-reads the same file, refuses it if it changed since the preview, re-plans in
the write transaction and applies). Exports of lists and rosters are masked by default, audited,
and written to a temporary name first so a failed export never leaves half a file."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from app.codes import CodeBook
from app.errors import UserFacingError
from app.exchange.list_export import ROSTER_EXPORT_COLUMNS, ExportColumn, export_rows, roster_rows
from app.exchange.roster_columns import SHEET_NAME, read_roster, write_template
from app.exchange.roster_import import ImportPlan, PlannedChange, RowError, apply_plan, plan_import
from app.reports.context import Disclosure, record_audit
from app.services.context import REGISTER_WRITERS, REVEAL_ROLES, ServiceBase, require_text


@dataclass(frozen=True)
class ImportPreview:
    digest: str  # pass back to confirm_roster: the file confirmed is the file previewed
    errors: tuple[RowError, ...]
    warnings: tuple[str, ...]
    changes: tuple[PlannedChange, ...]
    households_new: int
    households_updated: int
    persons_new: int
    persons_updated: int
    unchanged: int

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ImportResult:
    households_new: int
    households_updated: int
    persons_new: int
    persons_updated: int
    records_written: int


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    audit_id: str


class ImportRefused(UserFacingError):
    """The roster cannot be applied: it has errors, or the file changed after the preview."""


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _preview(digest: str, plan: ImportPlan) -> ImportPreview:
    return ImportPreview(
        digest, plan.errors, plan.warnings, plan.changes,
        plan.count("household", "新增"), plan.count("household", "更新"),
        plan.count("person", "新增"), plan.count("person", "更新"),
        sum(1 for c in plan.changes if c.action == "无变化"))


class ExchangeService(ServiceBase):
    """Roster template, import and exports for the signed-in actor."""

    def write_roster_template(self, output: Path) -> Path:
        with self._read() as session:
            return write_template(output, CodeBook.load(session, self.actor.scope))

    def preview_roster(self, path: Path) -> ImportPreview:
        self._require_role(REGISTER_WRITERS, "导入花名册")
        digest = file_digest(path)
        sheet = read_roster(path)
        with self._read() as session:
            plan = plan_import(session, sheet, CodeBook.load(session, self.actor.scope), self.today(),
                               self.actor.scope)
        return _preview(digest, plan)

    def confirm_roster(self, path: Path, digest: str) -> ImportResult:
        self._require_role(REGISTER_WRITERS, "导入花名册")
        if file_digest(path) != digest:
            raise ImportRefused("import_file_changed")
        sheet = read_roster(path)
        with self._unit_of_work() as session:
            plan = plan_import(session, sheet, CodeBook.load(session, self.actor.scope), self.today(),
                               self.actor.scope)
            if not plan.ok:
                raise ImportRefused("import_has_errors", count=len(plan.errors))
            written = apply_plan(session, plan)
            if written:
                d = Disclosure(self.actor.username, f"导入花名册 {Path(path).name}", self.now(),
                               device_id=self.actor.device_id)
                record_audit(session, d, "import", "person", written, self.actor.scope[:12])
        preview = _preview(digest, plan)
        return ImportResult(preview.households_new, preview.households_updated, preview.persons_new,
                            preview.persons_updated, len(written))

    def _disclosure(self, purpose: str, reveal: bool, mask_names: bool) -> Disclosure:
        purpose = require_text(purpose, "purpose", "导出用途", 60)
        if reveal:
            self._require_role(REVEAL_ROLES, "导出完整证件号码和电话")
        return Disclosure(self.actor.username, purpose, self.now(), reveal=reveal, mask_names=mask_names,
                          device_id=self.actor.device_id)

    def export_list(self, output: Path, title: str, columns: list[ExportColumn], rows: Iterable[object],
                    purpose: str, entity: str, record_ids: list[str], reveal: bool = False,
                    mask_names: bool = False, sheet_name: str | None = None) -> ExportResult:
        """Any list view to xlsx: the UI passes the rows it shows (or a query's rows), the columns with
        their mask rules, and the ids of the records for the audit entry."""
        d = self._disclosure(purpose, reveal, mask_names)
        output = Path(output)
        partial = output.with_name(output.name + ".part")
        try:
            count = export_rows(partial, title, columns, rows, d, sheet_name)
            with self._unit_of_work() as session:
                entry = record_audit(session, d, "export", entity, record_ids, self.actor.scope[:12])
                session.flush()
                audit_id = entry.id
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
        return ExportResult(output, count, audit_id)

    def export_roster(self, region_code: str, output: Path, purpose: str, reveal: bool = False) -> ExportResult:
        """The register of a village (or township) in roster layout; with `reveal` it re-imports as is."""
        self._check_scope(region_code)
        with self._read() as session:
            rows = roster_rows(session, region_code, CodeBook.load(session, self.actor.scope))
        return self.export_list(output, "户籍花名册", ROSTER_EXPORT_COLUMNS, rows, purpose, "person",
                                [row["_id"] for row in rows], reveal=reveal, sheet_name=SHEET_NAME)
