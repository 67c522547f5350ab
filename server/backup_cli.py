"""`township-server` commands for backups and restores (docs/OPERATIONS.md):

- `backup FILE` (SQLite trial servers): an online copy through SQLite's backup API while the server
  runs, written with a fresh epoch so that putting the copy back announces a restore to every device.
- `backup-check [--archive DIR]` (PostgreSQL): when WAL was last archived (pg_stat_archiver), whether
  archiving fails, and the newest base backup found in the WAL archive (its `.backup` history file).
- `restored --reason … --by ADMIN`: the last step of every restore — starts a new epoch (audited in
  `server_epochs`), so devices re-offer what the restored database lost.
- `epochs`: the epochs of this database, newest first (the restore history)."""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
from pathlib import Path

from server.cli_words import command, say


def cmd_backup(args) -> int:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from server.cli import _settings
    from server.db import session_factory
    from server.identity import start_epoch

    url = make_url(_settings(args).database_url)
    if url.get_backend_name() != "sqlite":
        print("backup 只用于 SQLite 试用服务器；PostgreSQL 请用 pg_basebackup 和 WAL 归档（见 docs/OPERATIONS.md）。",
              file=sys.stderr)
        return 2
    target = Path(args.file)
    if target.exists():
        print(f"{target} 已存在，不会覆盖。", file=sys.stderr)
        return 2
    source = sqlite3.connect(url.database)
    partial = target.with_name(target.name + ".part")
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)  # online: pages copied while the server keeps writing
    finally:
        copy.close()
        source.close()
    engine = create_engine(f"sqlite:///{partial}")
    taken = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    with session_factory(engine)() as session:
        row = start_epoch(session, f"restored from the backup taken {taken}", "backup")
        session.commit()
        head = row.head_at_start
    engine.dispose()
    partial.replace(target)
    print(f"已备份到 {target}（至变更序号 {head}）。恢复时把它放回原位即可，设备会重新提交此后的修改。")
    return 0


def cmd_restored(args) -> int:
    from server.cli import _session, _settings
    from server.identity import start_epoch

    engine, session = _session(_settings(args))
    with session:
        row = start_epoch(session, args.reason, args.by)
        session.commit()
        print(f"新纪元 {row.epoch}：恢复后的数据库有至变更序号 {row.head_at_start} 的修改；设备同步时会重新提交此后的修改。")
    engine.dispose()
    return 0


def cmd_epochs(args) -> int:
    from sqlalchemy import select

    from server.cli import _session, _settings
    from server.models import ServerEpoch

    engine, session = _session(_settings(args))
    with session:
        for row in session.scalars(select(ServerEpoch).order_by(ServerEpoch.started_at.desc())):
            print(f"{row.started_at:%Y-%m-%d %H:%M:%S}\t{row.epoch}\t至 {row.head_at_start}\t{row.started_by}\t{row.reason}")
    engine.dispose()
    return 0


def newest_base_backup(archive: Path) -> tuple[str, str] | None:
    """(history file name, START TIME) of the newest base backup in a WAL archive directory."""
    newest = None
    for history in sorted(archive.glob("*.backup")):
        start = next((line.split(":", 1)[1].strip() for line in history.read_text(errors="replace").splitlines()
                      if line.startswith("START TIME:")), "")
        if newest is None or start > newest[1]:
            newest = (history.name, start)
    return newest


def cmd_backup_check(args) -> int:
    from sqlalchemy import text

    from server.cli import _session, _settings

    settings = _settings(args)
    problems = 0
    if settings.is_sqlite:
        print("SQLite 试用服务器：用 township-server backup FILE 定期备份（见 docs/OPERATIONS.md）。")
        return 0
    engine, session = _session(settings)
    with session:
        mode = session.scalar(text("SELECT current_setting('archive_mode')"))
        row = session.execute(text("SELECT archived_count, last_archived_wal, last_archived_time, failed_count, "
                                   "last_failed_wal, last_failed_time FROM pg_stat_archiver")).one()
    engine.dispose()
    print(f"WAL 归档 archive_mode = {mode}")
    if mode == "off":
        print("  未开启 WAL 归档：无法按时间点恢复。", file=sys.stderr)
        problems += 1
    print(f"  最近归档 last archived: {row.last_archived_wal or '—'} at {row.last_archived_time or '—'}"
          f"（共 {row.archived_count} 个）")
    if row.failed_count and (row.last_archived_time is None or (row.last_failed_time and
                                                                 row.last_failed_time > row.last_archived_time)):
        print(f"  归档失败 failing: {row.last_failed_wal} at {row.last_failed_time}", file=sys.stderr)
        problems += 1
    if args.archive:
        newest = newest_base_backup(Path(args.archive))
        if newest is None:
            print(f"  归档目录 {args.archive} 中没有基础备份（pg_basebackup）。", file=sys.stderr)
            problems += 1
        else:
            print(f"  最近基础备份 last base backup: {newest[1]}（{newest[0]}）")
    return 1 if problems else 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = command(sub, "backup", "在线复制 SQLite 试用服务器的数据库", "online copy of a SQLite trial server's database")
    p.add_argument("file", help=say("备份文件", "the copy to write"))
    p.set_defaults(func=cmd_backup)
    p = command(sub, "backup-check", "查看 WAL 最近归档时间和最新的基础备份（PostgreSQL）",
                "when WAL was last archived and the newest base backup (PostgreSQL)")
    p.add_argument("--archive", help=say("WAL 归档目录（用于查找最新的基础备份）",
                                         "the WAL archive directory (to find the newest base backup)"))
    p.set_defaults(func=cmd_backup_check)
    p = command(sub, "restored", "恢复备份之后：开始新纪元，让各设备重新提交丢失的修改",
                "after a restore: start a new epoch so devices re-offer what was lost")
    p.add_argument("--reason", required=True, help=say("事由（记入审计）", "why (audited)"))
    p.add_argument("--by", required=True, help=say("管理员用户名", "the administrator's username"))
    p.set_defaults(func=cmd_restored)
    command(sub, "epochs", "列出本数据库的纪元（历次恢复）", "list the epochs (restores) of this database") \
        .set_defaults(func=cmd_epochs)
