"""`township-desk roster import FILE` and `township-desk export LIST OUT.xlsx`: the desktop's roster
import and list export for scripts and for a clerk at a terminal, as the enrolled user of the local
database, through the same services as the window.

    township-desk roster import 西屯村花名册.xls --dry-run --errors 问题行.xlsx
    township-desk roster import 西屯村花名册.xls --valid-only          (the households without problems)
    township-desk export persons 人员.xlsx --village 150402001201 --purpose 年度核对   (progress on stderr)

A roster is previewed first (every problem printed with its Excel row); without --dry-run it is
applied only when it has no problems, or with --valid-only the households without problems. Exit
codes: 0 done, 1 problems found (nothing or only the valid households written), 2 refused."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app import paths

PREVIEW_LINES = 200


def _context(args: argparse.Namespace):
    """The local database as its enrolled user (as the window opens it), without starting anything."""
    from app.client.context import ClientContext
    from app.enrolment import read_enrolment
    from app.errors import UserFacingError
    from app.protection import DatabaseKeys, open_protected
    from app.services.context import Actor
    from db.engine import session_factory

    engine = open_protected(Path(args.database) if args.database else paths.local_db_path(), DatabaseKeys())
    with session_factory(engine)() as session:
        enrolment = read_enrolment(session)
    if enrolment is None:
        engine.dispose()
        raise UserFacingError("not_enrolled")
    return ClientContext(engine, Actor(enrolment.username, enrolment.role, enrolment.scope, enrolment.device_id,
                                       enrolment.department_code))


def _review_queue(context):
    from app.client.review import ReviewQueue
    from app.sync_service import client_sync

    enrolment, _sync = client_sync(context.engine, context.sessions)
    return ReviewQueue(context, enrolment.transport)


def _print_preview(preview, out) -> None:
    print(f"新增户 {preview.households_new}，更新户 {preview.households_updated}，新增人员 {preview.persons_new}，"
          f"更新人员 {preview.persons_updated}，无变化 {preview.unchanged}，问题 {len(preview.errors)} 处", file=out)
    for warning in preview.warnings:
        print(f"提示：{warning.message}", file=out)
    for column, value, rows in preview.unknown_values:
        shown = "、".join(str(r) for r in rows[:10]) + ("…" if len(rows) > 10 else "")
        print(f"无法对应的{column}：“{value}”（第{shown}行）", file=out)
    for change in [c for c in preview.changes if c.action == "更新"][:PREVIEW_LINES]:
        fields = "；".join(f"{f.label} {f.old or '（空）'} → {f.new}" for f in change.fields)
        print(f"第{change.row}行 更新 {change.name}：{fields}", file=out)
    for error in preview.errors[:PREVIEW_LINES]:
        print(f"第{error.row}行 {error.column}：{error.message}", file=out)
    if len(preview.errors) > PREVIEW_LINES:
        print(f"……另有 {len(preview.errors) - PREVIEW_LINES} 处问题，见 --errors 保存的问题行工作簿", file=out)


def _cmd_roster_import(args: argparse.Namespace) -> int:
    context = _context(args)
    try:
        from app.exchange.service import ExchangeService

        desk = ExchangeService(context.sessions, context.actor)
        preview = desk.preview_roster(Path(args.file), sheet=args.sheet, village=args.village)
        _print_preview(preview, sys.stdout)
        if args.errors and preview.error_rows:
            written = desk.write_error_workbook(Path(args.file), preview, Path(args.errors), args.sheet)
            print(f"已将 {written} 行问题行（含“问题说明”列）保存到 {args.errors}，改正后可再次导入")
        if args.dry_run:
            print("试导入：未写入任何数据")
            return 0 if preview.ok else 1
        if not preview.ok and not args.valid_only:
            print("有问题未改正，未导入任何数据（改正后重新导入，或用 --valid-only 先导入没有问题的户）")
            return 1
        result = desk.confirm_roster(Path(args.file), preview.digest, preview.mapping, args.sheet,
                                     valid_only=args.valid_only, village=args.village)
        print(f"已导入：新增户 {result.households_new}，新增人员 {result.persons_new}，更新人员 "
              f"{result.persons_updated}，写入 {result.records_written} 条" +
              (f"；{result.skipped_households} 户有问题未导入" if result.skipped_households else ""))
        return 0 if preview.ok else 1
    finally:
        context.close()


def _cmd_export(args: argparse.Namespace) -> int:
    from app.client.browse import RegisterFilter
    from app.client.exports import ListExports

    context = _context(args)
    try:
        exports = ListExports(context)
        flt = RegisterFilter(args.village or "", args.grid or "", args.tag or "", args.status or "", args.text or "")
        fetch = exports.fetcher(args.list, flt, _review_queue(context) if args.list == "review" else None)
        result = exports.export(args.list, fetch, Path(args.output), args.purpose, _progress_to(sys.stderr))
        print(f"已导出 {result.rows} 行到 {result.path}（证件号码和电话已脱敏，导出已留痕）")
        return 0
    finally:
        context.close()


def _progress_to(out, every: int = 10_000):
    """The export's progress as lines on stderr (stdout stays the result): rows read, then rows
    written every `every` rows and at the end."""
    def report(phase: str, done: int, total: int) -> None:
        if phase == "read" and done:
            print(f"已读取 {done} 行", file=out, flush=True)
        elif phase == "write" and total and done and (done == total or not done % every):
            print(f"已写入 {done}/{total} 行", file=out, flush=True)
    return report


def add_commands(sub) -> None:
    """Register `roster import` and `export` on the `township-desk` argument parser."""
    roster = sub.add_parser("roster", help="花名册导入 / import a village roster (Excel, WPS, CSV)")
    actions = roster.add_subparsers(dest="roster_action", metavar="action", required=True)
    importing = actions.add_parser("import", help="预览并导入花名册 / preview and import a roster")
    importing.add_argument("file", help="xlsx、xlsm、xls、ods 或 CSV 文件")
    importing.add_argument("--sheet", help="工作表名称（默认第一张有内容的表）/ sheet name")
    importing.add_argument("--dry-run", action="store_true", help="只预览，不写入 / preview only, write nothing")
    importing.add_argument("--errors", metavar="OUT.xlsx", help="保存问题行工作簿 / save the rows with problems")
    importing.add_argument("--valid-only", action="store_true",
                           help="只导入没有问题的户 / import the households without problems")
    importing.add_argument("--village", metavar="CODE",
                           help="户号只是村里的编号（12、3-12）或表中没有户号时，所属村（社区）的12位代码 / "
                                "village of short or missing 户号")
    importing.add_argument("--database", help="本地数据库文件 / local database file")
    importing.set_defaults(func=_cmd_roster_import)

    export = sub.add_parser("export", help="导出列表为 Excel / export a list (persons, households, tasks, cases, review)")
    export.add_argument("list", choices=("persons", "households", "tasks", "cases", "review"))
    export.add_argument("output", metavar="OUT.xlsx")
    export.add_argument("--purpose", default="工作核对", help="导出用途（记入留痕）/ purpose, audited")
    for name, text in (("village", "村（社区）区划代码"), ("grid", "网格代码"), ("tag", "标签代码"),
                       ("status", "人员状态代码"), ("text", "搜索文字")):
        export.add_argument(f"--{name}", help=text)
    export.add_argument("--database", help="本地数据库文件 / local database file")
    export.set_defaults(func=_cmd_export)
