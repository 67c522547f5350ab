"""`ExchangeService`: Excel in and out for the desktop client and the command line.

Roster import: `open_roster` reads the file and proposes the column mapping (the one remembered for
this source layout, else the synonyms' guess); `preview_roster` checks and compares with the mapping
the clerk confirmed and writes nothing; `confirm_roster` re-reads the same file (refused if it changed
since the preview), re-plans inside the write transaction and applies either everything (refused
while any problem remains) or only the households without problems — one transaction, captured into
the outbox, one audit entry — and remembers the mapping. `write_error_workbook` saves the rows that
were not imported with a 问题说明 column, for fixing in Excel.

Exports of lists and rosters are masked by default, audited, and written to a temporary name first
so a failed export never leaves half a file."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.codes import CodeBook
from app.errors import UserFacingError
from app.exchange.error_workbook import write_error_workbook
from app.exchange.gc_pause import paused_gc
from app.exchange.layout import (
    FIELD_HEADERS,
    MappingCheck,
    RosterLayout,
    check_mapping,
    data_rows,
    mapping_from_labels,
    mapping_labels,
    propose_layout,
    sample_values,
)
from app.exchange.list_export import ROSTER_EXPORT_COLUMNS, ExportColumn, export_rows, roster_rows
from app.exchange.readers import RosterFileError, SheetGrid, read_grid
from app.exchange.roster_checks import RowError
from app.exchange.roster_columns import SHEET_NAME, write_template
from app.exchange.roster_import import ImportPlan, PlannedChange, apply_plan, plan_import
from app.reports.context import Disclosure, record_audit
from app.services.context import REGISTER_WRITERS, REVEAL_ROLES, ServiceBase, require_text

MAPPING_KEY = "roster_mapping:"
Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass(frozen=True)
class RosterSource:
    """The file as read, for the mapping step: its layout and the proposed column → field mapping."""

    path: Path
    digest: str
    layout: RosterLayout
    mapping: dict[int, str]
    remembered: bool  # the mapping is the one confirmed for this layout before
    check: MappingCheck
    fields: tuple[tuple[str, str], ...] = tuple(FIELD_HEADERS.items())  # (field, header) to choose from
    samples: dict[int, str] = field(default_factory=dict)  # column → its first values, masked


@dataclass(frozen=True)
class ImportPreview:
    digest: str  # pass back to confirm_roster: the file confirmed is the file previewed
    mapping: dict[int, str]
    errors: tuple[RowError, ...]
    warnings: tuple[RowError, ...]  # notes about the whole file (encoding, footer, filled cells)
    changes: tuple[PlannedChange, ...]
    households_new: int
    households_updated: int
    persons_new: int
    persons_updated: int
    unchanged: int
    unknown_values: tuple[tuple[str, str, tuple[int, ...]], ...] = ()
    skipped_households: tuple[str, ...] = ()
    error_rows: tuple[int, ...] = field(default=())  # every row of a household that cannot be imported

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def applicable(self) -> int:
        """Records a "valid households only" apply would write or keep."""
        return sum(1 for c in self.changes if c.action != "错误")


@dataclass(frozen=True)
class ImportResult:
    households_new: int
    households_updated: int
    persons_new: int
    persons_updated: int
    records_written: int
    skipped_households: int = 0


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    audit_id: str


class ImportRefused(UserFacingError):
    """The roster cannot be applied: it has errors, or the file changed after the preview."""


def file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as error:
        raise RosterFileError("roster_unreadable") from error


def _preview(digest: str, mapping: dict[int, str], plan: ImportPlan, warnings: tuple) -> ImportPreview:
    error_rows = tuple(sorted(c.row for c in plan.changes if c.action == "错误"))
    return ImportPreview(
        digest, mapping, plan.errors, warnings + plan.warnings, plan.changes,
        plan.count("household", "新增"), plan.count("household", "更新"),
        plan.count("person", "新增"), plan.count("person", "更新"),
        sum(1 for c in plan.changes if c.action == "无变化"), plan.unknown_values,
        plan.skipped_households, error_rows)


def _no_progress(_phase: str, _done: int, _total: int) -> None:
    """Callers that show no progress."""


class ExchangeService(ServiceBase):
    """Roster template, import and exports for the signed-in actor."""

    def write_roster_template(self, output: Path) -> Path:
        with self._read() as session:
            return write_template(output, CodeBook.load(session, self.actor.scope))

    # -- roster import -------------------------------------------------------------------------
    def open_roster(self, path: Path, sheet: str | None = None) -> RosterSource:
        """Read the file and propose the mapping; refuses (one clear message) a file that cannot be
        read or whose header cannot be found."""
        self._require_role(REGISTER_WRITERS, "导入花名册")
        digest = file_digest(path)
        grid = read_grid(path, sheet)
        layout = self._layout(grid)
        remembered = self._remembered(layout)
        mapping = mapping_from_labels(layout, remembered or {})
        return RosterSource(Path(path), digest, layout, mapping, remembered is not None,
                            check_mapping(layout, mapping), samples=sample_values(grid, layout))

    @staticmethod
    def _layout(grid: SheetGrid) -> RosterLayout:
        layout = propose_layout(grid)
        if not layout.header_rows:
            raise RosterFileError("roster_no_header", words="户号、姓名、身份证号、与户主关系")
        return layout

    def _remembered(self, layout: RosterLayout) -> dict | None:
        from sync.capture import read_state

        with self._read() as session:
            stored = read_state(session, MAPPING_KEY + layout.signature)
        return json.loads(stored) if stored else None

    def _plan(self, session, path: Path, mapping: dict[int, str] | None, sheet: str | None,
              progress: Progress, village: str | None = None
              ) -> tuple[ImportPlan, dict[int, str], tuple[RowError, ...], RosterLayout]:
        if village is not None:
            self._check_scope(village)
        progress("read", 0, 3)
        grid = read_grid(path, sheet)
        layout = self._layout(grid)
        if mapping is None:
            mapping = mapping_from_labels(layout, self._remembered(layout) or {})
        check = check_mapping(layout, mapping)
        if check.missing or check.doubled:
            raise ImportRefused("roster_mapping_incomplete", missing="、".join(check.missing + check.doubled))
        progress("check", 1, 3)
        rows, footers = data_rows(grid, layout, mapping)
        labels = {name: layout.columns[index].label for index, name in mapping.items()}
        plan = plan_import(session, rows, CodeBook.load(session, self.actor.scope), self.today(),
                           self.actor.scope, labels, village)
        progress("compare", 2, 3)
        warnings = _warnings(grid, footers, rows)
        return plan, mapping, warnings, layout

    def preview_roster(self, path: Path, mapping: dict[int, str] | None = None, sheet: str | None = None,
                       progress: Progress = _no_progress, village: str | None = None) -> ImportPreview:
        """Check and compare with the mapping (default: remembered or proposed); writes nothing.
        `village`: the village whose code completes the village's own short 户号 (12, 3-12)."""
        self._require_role(REGISTER_WRITERS, "导入花名册")
        digest = file_digest(path)
        with paused_gc(), self._read() as session:
            plan, mapping, warnings, _layout = self._plan(session, path, mapping, sheet, progress, village)
        progress("done", 3, 3)
        return _preview(digest, mapping, plan, warnings)

    def confirm_roster(self, path: Path, digest: str, mapping: dict[int, str] | None = None,
                       sheet: str | None = None, valid_only: bool = False, village: str | None = None
                       ) -> ImportResult:
        """Apply in one transaction: everything (refused while any problem remains) or, with
        `valid_only`, the households without problems. One audit entry; the mapping is remembered."""
        self._require_role(REGISTER_WRITERS, "导入花名册")
        if file_digest(path) != digest:
            raise ImportRefused("import_file_changed")
        with paused_gc(), self._unit_of_work() as session:
            plan, mapping, _warnings, layout = self._plan(session, path, mapping, sheet, _no_progress, village)
            if not plan.ok and not valid_only:
                raise ImportRefused("import_has_errors", count=len(plan.errors))
            written = apply_plan(session, plan)
            if written:
                d = Disclosure(self.actor.username, f"导入花名册 {Path(path).name}", self.now(),
                               device_id=self.actor.device_id)
                record_audit(session, d, "import", "person", written, self.actor.scope[:12])
            self._remember(session, layout, mapping)
        preview = _preview(digest, mapping, plan, ())
        return ImportResult(preview.households_new, preview.households_updated, preview.persons_new,
                            preview.persons_updated, len(written), len(plan.skipped_households))

    @staticmethod
    def _remember(session, layout: RosterLayout, mapping: dict[int, str]) -> None:
        from sync.capture import write_state

        write_state(session, MAPPING_KEY + layout.signature,
                    json.dumps(mapping_labels(layout, mapping), ensure_ascii=False))

    def write_error_workbook(self, path: Path, preview: ImportPreview, output: Path,
                             sheet: str | None = None) -> int:
        """The rows not imported, as the clerk typed them, with a 问题说明 column and red cells. They
        hold full ID numbers and phones, so saving them is an export of personal data: one audit
        entry (the register's persons among the rows, the file, the row count), written in the same
        step as the file — no file without its entry. Nothing of the rows is logged."""
        self._require_role(REGISTER_WRITERS, "导入花名册")
        if file_digest(path) != preview.digest:
            raise ImportRefused("import_file_changed")
        grid = read_grid(path, sheet)
        layout = self._layout(grid)
        output = Path(output)
        partial = output.with_name(output.name + ".part")
        try:
            written = write_error_workbook(partial, grid, layout, list(preview.error_rows), list(preview.errors))
            d = Disclosure(self.actor.username, f"保存花名册问题行 {Path(path).name}（{written} 行）", self.now(),
                           reveal=True, device_id=self.actor.device_id)
            with self._unit_of_work() as session:
                known = _registered_persons(session, grid, layout, preview, self.actor.scope)
                record_audit(session, d, "export", "person", known, self.actor.scope[:12])
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
        return written

    def _disclosure(self, purpose: str, reveal: bool, mask_names: bool) -> Disclosure:
        purpose = require_text(purpose, "purpose", "导出用途", 60)
        if reveal:
            self._require_role(REVEAL_ROLES, "导出完整证件号码和电话")
        return Disclosure(self.actor.username, purpose, self.now(), reveal=reveal, mask_names=mask_names,
                          device_id=self.actor.device_id)

    def export_list(self, output: Path, title: str, columns: list[ExportColumn], rows: Iterable[object],
                    purpose: str, entity: str, record_ids: list[str], reveal: bool = False,
                    mask_names: bool = False, sheet_name: str | None = None,
                    progress: Progress | None = None) -> ExportResult:
        """Any list view to xlsx: the UI passes the rows it shows (or a query's rows), the columns with
        their mask rules, and the ids of the records for the audit entry. `progress` may raise (a
        cancel): then no file and no audit entry are left."""
        d = self._disclosure(purpose, reveal, mask_names)
        output = Path(output)
        partial = output.with_name(output.name + ".part")
        try:
            with paused_gc():
                count = export_rows(partial, title, columns, rows, d, sheet_name, progress)
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


def _warnings(grid: SheetGrid, footers: int, rows) -> tuple[RowError, ...]:
    """Notes for the preview (row 0: the whole file), in the catalogue like the problems."""
    out = []
    if grid.encoding:
        out.append(RowError(0, "", "roster_read_as", {"encoding": grid.encoding}))
    if footers:
        out.append(RowError(0, "", "roster_footer_skipped", {"count": footers}))
    filled = sum(1 for r in rows if r.filled)
    if filled:
        out.append(RowError(0, "", "roster_filled_down", {"count": filled}))
    return tuple(out)


def _registered_persons(session, grid: SheetGrid, layout: RosterLayout, preview: ImportPreview,
                        scope: str) -> list[str]:
    """Ids of the register's persons (in scope) whose ID numbers are on the rows saved: what the
    audit entry names (the rows of persons not registered yet are counted in its reason)."""
    from sqlalchemy import select

    from db.models import Person
    from db.typed_forms import id_number_form

    rows, _footers = data_rows(grid, layout, preview.mapping)
    wanted = set(preview.error_rows)
    numbers = {id_number_form(r.values.get("id_number", "")) for r in rows if r.row in wanted}
    numbers.discard("")
    if not numbers:
        return []
    in_scope = Person.grid_code.startswith(scope) if len(scope) > 12 else Person.region_code.startswith(scope)
    return sorted(session.scalars(select(Person.id).where(Person.id_number.in_(numbers), in_scope,
                                                          Person.deleted.is_(False))))
