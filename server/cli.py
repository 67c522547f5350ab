"""`township-server`: operate the city server.

    township-server init-db            create or upgrade the database, seed the city code tables
    township-server upgrade            apply pending migrations only
    township-server create-user NAME --role township_admin --scope 150402001 [--password …]
    township-server create-channel 12345 --name "12345热线平台"    (prints the API key once)
    township-server import-regions [FILE]   (default: the shipped demo-city extract)
    township-server seed-demo          demo township, regions, channel and one user of every role
    township-server serve [--host 127.0.0.1 --port 8765]
    township-server release-key DEVICE_ID --by ADMIN --reason …   (escrowed database key, audited)
    township-server audit [--user …] [--action …] [--region …] [--since …]

Every command takes --config FILE (TOML) and --database-url; see docs/SERVER.md."""

from __future__ import annotations

import argparse
import getpass
import sys

from server.backup_cli import add_commands as add_backup_commands
from server.config import Settings, load_settings
from server.release_cli import add_commands as add_release_commands
from server.security_cli import add_commands as add_security_commands


def _settings(args) -> Settings:
    return load_settings(args.config, database_url=args.database_url)


def _session(settings: Settings):
    from server.db import make_server_engine, session_factory

    engine = make_server_engine(settings.database_url)
    return engine, session_factory(engine)()


def cmd_upgrade(args) -> int:
    from server.db import make_server_engine, upgrade

    engine = make_server_engine(_settings(args).database_url)
    upgrade(engine)
    engine.dispose()
    print("数据库已升级到最新版本。")
    return 0


def cmd_init_db(args) -> int:
    from server.adopt import adopt_unversioned
    from server.codes import seed_city_codes

    cmd_upgrade(args)
    engine, session = _session(_settings(args))
    with session:
        inserted, updated = seed_city_codes(session)
        adopt_unversioned(session)
        session.commit()
    engine.dispose()
    print(f"代码表：新增 {inserted} 项，更新 {updated} 项。")
    return 0


def cmd_create_user(args) -> int:
    from server.accounts import create_user
    from server.errors import ApiError

    settings = _settings(args)
    password = args.password or getpass.getpass("密码：")
    if len(password) < 8:
        print("密码至少 8 个字符。", file=sys.stderr)
        return 2
    engine, session = _session(settings)
    try:
        with session:
            create_user(session, settings, args.username, password, args.role, args.scope or "",
                        args.department, args.display_name or "")
            session.commit()
    except (ValueError, ApiError) as exc:
        print(f"无法创建用户：{exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"已创建用户 {args.username}（{args.role}）。")
    return 0


def cmd_create_channel(args) -> int:
    from server.intake_keys import create_channel_key

    engine, session = _session(_settings(args))
    with session:
        key = create_channel_key(session, _settings(args), args.channel, args.name or args.channel, args.source)
        session.commit()
    engine.dispose()
    print(f"渠道 {args.channel} 的接入密钥（只显示这一次，请妥善保存）：\n{key}")
    return 0


def cmd_import_regions(args) -> int:
    from resources import region_extract_file
    from server.regions import import_regions, read_region_file

    engine, session = _session(_settings(args))
    with session:
        inserted, updated = import_regions(session, read_region_file(args.file or region_extract_file()))
        session.commit()
    engine.dispose()
    print(f"行政区划：新增 {inserted} 条，更新 {updated} 条。")
    return 0


def cmd_seed_demo(args) -> int:
    from demo.seed import seed_demo  # the demo package, only for this developer command (decision 0004)

    return seed_demo(_settings(args), households=args.households, password=args.password)


def exit_with_parent(parent_pid: int) -> None:
    """Stop this server (as SIGTERM would, gracefully) once the process that started it is gone, however
    it ended: closed, killed, crashed. The desktop demo starts its embedded server this way."""
    import os
    import signal
    import threading

    def parent_alive() -> bool:
        if sys.platform == "win32":
            import ctypes

            synchronize, wait_timeout = 0x00100000, 0x102
            handle = ctypes.windll.kernel32.OpenProcess(synchronize, False, parent_pid)
            if not handle:
                return False
            try:
                return ctypes.windll.kernel32.WaitForSingleObject(handle, 0) == wait_timeout
            finally:
                ctypes.windll.kernel32.CloseHandle(handle)
        return os.getppid() == parent_pid  # an orphan is re-parented (to init or a subreaper)

    def watch() -> None:
        while parent_alive():
            threading.Event().wait(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def describe_database(url: str) -> str:
    """The database URL as an operator may see it: the password is never printed."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_gc_blobs(args) -> int:
    from server.blobs import BlobStore, blob_dir, collect_garbage

    settings = _settings(args)
    engine, session = _session(settings)
    with session:
        removed = collect_garbage(session, BlobStore(blob_dir(settings)))
    engine.dispose()
    print(f"已清理 {len(removed)} 个无引用的附件文件。")
    return 0


def cmd_gc_tombstones(args) -> int:
    from server.tombstones import collect

    settings = _settings(args)
    engine, session = _session(settings)
    with session:
        done = collect(session, args.inactive_days, dry_run=args.dry_run)
        if not args.dry_run:
            session.commit()
    engine.dispose()
    what = "，".join(f"{entity} {n} 条" for entity, n in done.removed.items()) or "无"
    verb = "可清理" if args.dry_run else "已清理"
    print(f"{verb}已删除记录：{what}（清理线 {done.horizon}，依据 {done.devices} 台 {args.inactive_days} 天内同步过的设备）。")
    return 0


def cmd_serve(args) -> int:
    import uvicorn

    from server.app import create_app
    from server.db import current_revision, head_revision, make_server_engine

    settings = _settings(args)
    engine = make_server_engine(settings.database_url)
    revision = current_revision(engine)
    engine.dispose()
    if revision != head_revision():
        print(f"数据库版本 {revision or '（空）'} 不是最新版本，请先运行 township-server init-db 或 upgrade。",
              file=sys.stderr)
        return 2
    app = create_app(settings)
    if args.exit_with_parent:
        exit_with_parent(args.exit_with_parent)
    print(f"数据库 Database: {describe_database(settings.database_url)}")
    print(f"接口文档 API docs: http://{args.host}:{args.port}/api/v1/docs   运行状态 health: /api/v1/health")
    sys.stdout.flush()
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_config=None,
                proxy_headers=args.proxy_headers, forwarded_allow_ips=args.forwarded_allow_ips)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="township-server", description="基层治理工作台 市级服务")
    parser.add_argument("--config", help="TOML settings file (also TD_SERVER_CONFIG)")
    parser.add_argument("--database-url", help="overrides DATABASE_URL")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init-db", help="create/upgrade the database and seed code tables").set_defaults(func=cmd_init_db)
    sub.add_parser("upgrade", help="apply pending migrations").set_defaults(func=cmd_upgrade)
    p = sub.add_parser("create-user", help="add a user")
    p.add_argument("username")
    p.add_argument("--role", required=True)
    p.add_argument("--scope", default="", help="region code prefix (county 6, township 9, village 12, grid 15)")
    p.add_argument("--department", help="department code (department users)")
    p.add_argument("--display-name")
    p.add_argument("--password", help="omit to be prompted")
    p.set_defaults(func=cmd_create_user)
    p = sub.add_parser("create-channel", help="add an outside intake channel and print its API key")
    p.add_argument("channel")
    p.add_argument("--name")
    p.add_argument("--source", default="1", help="case source code for its cases (1 = 12345热线)")
    p.set_defaults(func=cmd_create_channel)
    p = sub.add_parser("import-regions", help="import statistical region codes (CSV or JSON)")
    p.add_argument("file", nargs="?")
    p.set_defaults(func=cmd_import_regions)
    p = sub.add_parser("seed-demo", help="load the demo township and demo users")
    p.add_argument("--households", type=int, default=None, help="smaller demo (default: full size)")
    p.add_argument("--password", default="demo-pass-2024", help="password of every demo user")
    p.set_defaults(func=cmd_seed_demo)
    sub.add_parser("gc-blobs", help="delete attachment files no live attachment names").set_defaults(
        func=cmd_gc_blobs)
    p = sub.add_parser("gc-tombstones", help="remove deleted records every active device has pulled past")
    p.add_argument("--inactive-days", type=int, default=90,
                   help="devices not synced for this long start over from a snapshot instead (default 90)")
    p.add_argument("--dry-run", action="store_true", help="only count what would be removed")
    p.set_defaults(func=cmd_gc_tombstones)
    p = sub.add_parser("serve", help="run the HTTP service (uvicorn)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--proxy-headers", action="store_true", help="trust X-Forwarded-For from the proxy")
    p.add_argument("--forwarded-allow-ips", default="127.0.0.1")
    p.add_argument("--exit-with-parent", type=int, metavar="PID", help="stop when process PID ends (embedded use)")
    p.set_defaults(func=cmd_serve)
    add_security_commands(sub)  # release-key, audit (server/security_cli.py)
    add_release_commands(sub)  # release keys, signed client builds (server/release_cli.py)
    add_backup_commands(sub)  # backup, backup-check, restored, epochs (server/backup_cli.py)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
