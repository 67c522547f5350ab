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
from server.cli_words import CommandParser, command, say
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
    """The commands and their help, Chinese first (server/cli_words.py)."""
    parser = CommandParser(prog="township-server", description=say("基层治理工作台 市级服务", "Township Desk city server"))
    parser.add_argument("--config", help=say("TOML 配置文件（也可用环境变量 TD_SERVER_CONFIG）",
                                             "TOML settings file (also TD_SERVER_CONFIG)"))
    parser.add_argument("--database-url", help=say("数据库地址，优先于 DATABASE_URL", "overrides DATABASE_URL"))
    sub = parser.add_subparsers(dest="command", required=True, title=say("命令", "commands"), metavar="COMMAND")
    command(sub, "init-db", "创建或升级数据库并写入代码表", "create/upgrade the database and seed code tables") \
        .set_defaults(func=cmd_init_db)
    command(sub, "upgrade", "只执行尚未执行的数据库迁移", "apply pending migrations").set_defaults(func=cmd_upgrade)
    p = command(sub, "create-user", "添加用户", "add a user")
    p.add_argument("username", help=say("用户名", "user name"))
    p.add_argument("--role", required=True, help=say(
        "角色：city_admin、department、township_admin、township_staff、village_cadre、grid_worker、leader",
        "role: city_admin, department, township_admin, township_staff, village_cadre, grid_worker, leader"))
    p.add_argument("--scope", default="", help=say("管辖范围的区划代码前缀（县 6 位、乡镇 9 位、村 12 位、网格 15 位）",
                                                   "region code prefix (county 6, township 9, village 12, grid 15)"))
    p.add_argument("--department", help=say("部门代码（部门用户）", "department code (department users)"))
    p.add_argument("--display-name", help=say("显示的姓名", "name shown"))
    p.add_argument("--password", help=say("不填则提示输入", "omit to be prompted"))
    p.set_defaults(func=cmd_create_user)
    p = command(sub, "create-channel", "添加外部受理渠道（如 12345 热线）并显示其接入密钥",
                "add an outside intake channel and print its API key")
    p.add_argument("channel", help=say("渠道代码，如 12345", "channel code, e.g. 12345"))
    p.add_argument("--name", help=say("渠道名称", "channel name"))
    p.add_argument("--source", default="1", help=say("该渠道事件的来源代码（1 = 12345热线）",
                                                     "case source code for its cases (1 = 12345热线)"))
    p.set_defaults(func=cmd_create_channel)
    p = command(sub, "import-regions", "导入统计用区划代码（CSV 或 JSON）", "import statistical region codes (CSV or JSON)")
    p.add_argument("file", nargs="?", help=say("不填则导入随附的演示城市区划", "default: the shipped demo-city extract"))
    p.set_defaults(func=cmd_import_regions)
    p = command(sub, "seed-demo", "载入演示乡镇和演示账号", "load the demo township and demo users")
    p.add_argument("--households", type=int, default=None, help=say("较小的演示（默认：完整规模）",
                                                                    "smaller demo (default: full size)"))
    p.add_argument("--password", default="demo-pass-2024", help=say("所有演示账号的密码", "password of every demo user"))
    p.set_defaults(func=cmd_seed_demo)
    command(sub, "gc-blobs", "删除已无附件引用的附件文件", "delete attachment files no live attachment names") \
        .set_defaults(func=cmd_gc_blobs)
    p = command(sub, "gc-tombstones", "清理所有在用设备都已收到的删除记录",
                "remove deleted records every active device has pulled past")
    p.add_argument("--inactive-days", type=int, default=90, help=say(
        "超过这么多天未同步的设备改为重新下载全部数据（默认 90）",
        "devices not synced for this long start over from a snapshot instead (default 90)"))
    p.add_argument("--dry-run", action="store_true", help=say("只统计将清理多少，不删除", "only count what would be removed"))
    p.set_defaults(func=cmd_gc_tombstones)
    p = command(sub, "serve", "运行 HTTP 服务（uvicorn）", "run the HTTP service (uvicorn)")
    p.add_argument("--host", default="127.0.0.1", help=say("监听地址（默认 127.0.0.1）", "address to listen on"))
    p.add_argument("--port", type=int, default=8765, help=say("端口（默认 8765）", "port (default 8765)"))
    p.add_argument("--proxy-headers", action="store_true", help=say("信任反向代理传来的 X-Forwarded-For",
                                                                    "trust X-Forwarded-For from the proxy"))
    p.add_argument("--forwarded-allow-ips", default="127.0.0.1", help=say("可信的反向代理地址",
                                                                          "addresses of trusted proxies"))
    p.add_argument("--exit-with-parent", type=int, metavar="PID", help=say("进程 PID 结束时随之停止（嵌入使用）",
                                                                          "stop when process PID ends (embedded use)"))
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
