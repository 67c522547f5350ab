"""`township-server release-key` and `township-server audit`: the operator's side of key escrow and of
the personal-data audit (server/escrow.py), for a server without a browser or while the API is down.

    township-server release-key DEVICE_ID --by ADMIN --reason "重装系统后恢复数据"
    township-server audit [--user NAME] [--action reveal] [--region 150422100] [--since 2026-11-01]

`release-key` acts for a named township or city admin (the same rights as the API: a township admin
only for devices of its township) and records the release with that name and reason; the key is
printed on stdout only. `audit` prints one tab-separated line per entry, newest first."""

from __future__ import annotations

import datetime as dt
import sys

from sqlalchemy import select

from server.cli_words import command, say


def cmd_release_key(args, settings, session) -> int:
    from server import escrow
    from server.errors import ApiError
    from server.models import User
    from server.timefmt import to_beijing_naive

    admin = session.scalar(select(User).where(User.username == args.by, User.active.is_(True)))
    if admin is None or admin.role not in ("city_admin", "township_admin"):
        print(f"{args.by} 不是有效的乡镇或市级管理员账号。", file=sys.stderr)
        return 2
    releaser = escrow.Releaser(admin.username, admin.role, admin.scope_prefix, "cli")
    now = to_beijing_naive(dt.datetime.now(dt.UTC))
    try:
        key, _region = escrow.release_key(session, settings, releaser, args.device_id, args.reason, now)
    except ApiError as exc:
        reason = "必须填写事由" if exc.code == "reason_required" else "找不到该设备的托管密钥，或不在该管理员的管辖范围内"
        print(f"无法取回密钥：{reason}。", file=sys.stderr)
        return 2
    print(key)
    return 0


def cmd_audit(args, settings, session) -> int:
    from server import escrow

    since = dt.datetime.fromisoformat(args.since) if args.since else None
    until = dt.datetime.fromisoformat(args.until) if args.until else None
    rows = escrow.query_audit(session, escrow.AuditFilter(args.user, args.action, args.region, since, until,
                                                          args.record, args.limit))
    for row in rows:
        print("\t".join([row["at"].isoformat(sep=" ", timespec="seconds"), row["username"], row["action"],
                         row["entity"], ",".join(row["record_ids"]), row["region_code"], row["reason"]]))
    print(f"共 {len(rows)} 条。", file=sys.stderr)
    return 0


def _with_session(command):
    def run(args) -> int:
        from server.cli import _session, _settings

        settings = _settings(args)
        engine, session = _session(settings)
        try:
            with session:
                return command(args, settings, session)
        finally:
            engine.dispose()

    return run


def add_commands(sub) -> None:
    """Register the two commands on `township-server`'s subparsers."""
    p = command(sub, "release-key", "交出某台设备托管的数据库密钥（记入审计）",
                "release a device's escrowed database key (audited)")
    p.add_argument("device_id", help=say("设备编号", "the device id"))
    p.add_argument("--by", required=True, help=say("接收密钥的乡镇或市级管理员", "the township or city admin the key is released to"))
    p.add_argument("--reason", required=True, help=say("事由（记入审计）", "why (recorded in the audit trail)"))
    p.set_defaults(func=_with_session(cmd_release_key))
    p = command(sub, "audit", "谁在何时、为何查看、打印或导出了个人信息",
                "who viewed, printed or exported personal data, when and why")
    p.add_argument("--user", help=say("用户名", "user name"))
    p.add_argument("--action", help=say("动作：reveal、print、export、discard、key_release …",
                                        "reveal, print, export, discard, key_release …"))
    p.add_argument("--region", help=say("区划代码前缀", "region code prefix"))
    p.add_argument("--record", help=say("记录编号", "a record id"))
    p.add_argument("--since", help=say("起始时间（北京时间），如 2026-11-01", "Beijing time, e.g. 2026-11-01"))
    p.add_argument("--until", help=say("截止时间（北京时间）", "Beijing time"))
    p.add_argument("--limit", type=int, default=500, help=say("最多列出多少条（默认 500）", "at most this many (default 500)"))
    p.set_defaults(func=_with_session(cmd_audit))
