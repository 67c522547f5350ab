"""Command-line sync for headless use and scripts: `township-desk login` (enrol this PC; the password
is read without echo, or from stdin for scripts), `township-desk sync` (one cycle with a progress bar
on the terminal) and `township-desk bundle export|import FILE` (USB bundles). `app.cli` calls
`add_commands(subparsers)`; each command opens the local database, does one thing and exits with 0
on success, 2 on a user-facing error (printed in Chinese by app.cli's one error path)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from app import paths

if TYPE_CHECKING:
    from app.enrolment import EnrolmentService
    from app.sync_service import SyncEvent, SyncProgress, SyncService

# The sync stack (and app.bundle with cryptography) is imported by the commands that run, not when
# `township-desk` builds its parser: opening the window needs none of the bundle code.

PHASES = {"push": "上传", "snapshot": "首次下载", "pull": "下载"}
BAR_WIDTH = 30


class ProgressBar:
    """Draws sync events as one self-rewriting terminal line (plain lines when not a terminal)."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stderr  # looked up per bar: sys.stderr may be replaced after import
        self.tty = self.out.isatty()
        self._last = ""

    def __call__(self, event: SyncEvent) -> None:
        from app.sync_service import SyncFailed, SyncFinished, SyncProgress

        if isinstance(event, SyncProgress):
            self._draw(self._line(event))
        elif isinstance(event, SyncFinished):
            self._draw(f"同步完成：上传 {event.pushed} 条，下载 {event.pulled} 条，冲突 {event.conflicts} 条，"
                       f"被退回 {event.rejected} 条", final=True)
        elif isinstance(event, SyncFailed):
            self._draw(f"同步失败：{event.reason}", final=True)

    @staticmethod
    def _line(event: SyncProgress) -> str:
        label = PHASES.get(event.phase, event.phase)
        if event.total:
            filled = int(BAR_WIDTH * min(event.done, event.total) / event.total)
            return f"{label} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {event.done}/{event.total}"
        return f"{label} {event.done} 条"

    def _draw(self, line: str, final: bool = False) -> None:
        if self.tty:
            self.out.write("\r\x1b[2K" + line + ("\n" if final else ""))
        elif final or line.split(" ")[0] != self._last.split(" ")[0]:
            self.out.write(line + "\n")  # a log file gets one line per phase, not one per page
        self._last = line
        self.out.flush()


def _database_path(args: argparse.Namespace) -> Path:
    return Path(args.database) if args.database else paths.local_db_path()


def _open(args: argparse.Namespace) -> tuple[object, object, EnrolmentService, SyncService]:
    """The local database as the window opens it: with its keyring key when encrypted, and encrypted
    now (before a sync writes anything) when the enrolled role requires it and it is still plain."""
    from app.enrolment import read_enrolment
    from app.protection import DatabaseKeys, escrow_if_pending, open_protected, protect_on_open
    from app.sync_service import client_sync
    from db.engine import session_factory
    from sync.capture import install_capture

    path, keys = _database_path(args), DatabaseKeys()
    engine = open_protected(path, keys)  # an encrypted database opens with its keyring key
    with session_factory(engine)() as session:
        enrolled = read_enrolment(session)
    if enrolled is not None:
        engine = protect_on_open(path, engine, enrolled.role, keys)
    sessions = session_factory(engine)
    enrolment, sync = client_sync(engine, sessions, ca_bundle=args.ca_bundle)
    install_capture(sessions, enrolment.device_id())
    if enrolled is not None:
        escrow_if_pending(path, sessions, keys, enrolment.transport)
    return engine, sessions, enrolment, sync


def _read_password(from_stdin: bool) -> str:
    """The password from standard input (--password-stdin) or typed at the terminal. No terminal, or
    end of input (Ctrl+D) at the prompt, is a clear refusal rather than a traceback."""
    from app.errors import UserFacingError

    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise UserFacingError("password_not_given")
        return line.rstrip("\n")
    if not sys.stdin or not sys.stdin.isatty():
        raise UserFacingError("password_needs_terminal")
    try:
        password = getpass.getpass("密码：")
    except EOFError:
        print(file=sys.stderr)
        raise UserFacingError("password_not_given") from None
    if not password:
        raise UserFacingError("password_not_given")
    return password


def _cmd_login(args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)  # asked before anything is opened or written
    engine, _sessions, enrolment, _sync = _open(args)
    try:
        done = enrolment.enrol(args.server, args.user, password)
        # A village laptop is encrypted from its first login on, before any sync brings data down.
        from app.protection import DatabaseKeys, secure_after_enrolment

        engine = secure_after_enrolment(_database_path(args), done.role, DatabaseKeys(), enrolment.transport(),
                                        engine)
        print(f"已登录 {done.server_url}（用户 {done.username}，设备 {done.device_id}）")
        return 0
    finally:
        engine.dispose()


def _cmd_sync(args: argparse.Namespace) -> int:
    engine, _sessions, _enrolment, sync = _open(args)
    try:
        sync.subscribe(ProgressBar())
        sync.sync_now()
        return 0
    finally:
        engine.dispose()


def _cmd_bundle(args: argparse.Namespace) -> int:
    from app.bundle import BundleService, ExportSummary, ImportSummary, RelaySummary

    engine, sessions, enrolment, _sync = _open(args)
    try:
        bundles = BundleService(engine, sessions, enrolment)
        if args.action == "export":
            summary: ExportSummary = bundles.export(args.file)
            print(f"已导出 {summary.changes} 条待同步修改到 {summary.path}")
            return 0
        outcome = bundles.import_file(args.file, args.answer)
        if isinstance(outcome, RelaySummary):
            print(f"已代传：接受 {outcome.accepted} 条，退回 {outcome.rejected} 条；"
                  f"回执已写入 {outcome.answer_path}，请带回原设备导入")
        elif isinstance(outcome, ImportSummary):
            print(f"已导入回执：确认 {outcome.settled} 条，下载 {outcome.pulled} 条")
        return 0
    finally:
        engine.dispose()


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", help="本地数据库文件 / local database file (default: the user data dir)")
    parser.add_argument("--ca-bundle", help="城市私有 CA 证书文件 / CA bundle for a city's private CA")


def add_commands(sub) -> None:
    """Register `login`, `sync` and `bundle` on the `township-desk` argument parser."""
    login = sub.add_parser("login", help="登录城市服务器（登记本设备） / enrol this PC")
    login.add_argument("--server", required=True, help="https://…")
    login.add_argument("--user", required=True)
    login.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码 / read the password from stdin")
    _common(login)
    login.set_defaults(func=_cmd_login)

    sync = sub.add_parser("sync", help="同步一次（带进度条） / run one sync cycle with a progress bar")
    _common(sync)
    sync.set_defaults(func=_cmd_sync)

    bundle = sub.add_parser("bundle", help="离线同步包（U 盘） / USB bundles")
    bundle.add_argument("action", choices=("export", "import"))
    bundle.add_argument("file", help="同步包文件 / bundle file (.tdbundle)")
    bundle.add_argument("--answer", help="代传时回执文件的位置 / where a relay writes the answer")
    _common(bundle)
    bundle.set_defaults(func=_cmd_bundle)
