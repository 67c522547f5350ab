"""`township-desk update`: the update channel from the command line — `check` asks the city server
for a newer signed build and downloads it (resuming a cut download), `import FILE` takes one brought
on a USB stick, `export DIR` copies the verified build to a stick for a village without signal,
`install` installs the staged build. Every path verifies the release signature (app/updates.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app import paths


def _service(args: argparse.Namespace, online: bool):
    from app.updates import UpdateService

    if not online:
        return None, UpdateService(paths.data_dir() / "updates")
    from app.cli_sync import _open
    from sync.update_channel import UpdateChannel

    engine, _sessions, enrolment, _sync = _open(args)
    return engine, UpdateService(paths.data_dir() / "updates", channel=UpdateChannel(enrolment.transport()))


def _cmd_update(args: argparse.Namespace) -> int:
    engine, service = _service(args, online=args.action == "check")
    try:
        if args.action == "check":
            build = service.check()
            if build is None:
                print(f"已是最新版本（{service.current_version}）")
                return 0
            print(f"发现新版本 {build.version}（{build.size / 1e6:.1f} MB），正在下载…")
            staged = service.fetch(build, lambda done, total: print(f"\r{done * 100 // total}%", end="", flush=True))
            print(f"\n新版本 {staged.version} 已下载并通过签名校验，下次启动时可安装")
        elif args.action == "import":
            staged = service.import_file(Path(args.path))
            print(f"新版本 {staged.version} 已通过签名校验，下次启动时可安装")
        elif args.action == "export":
            staged = service.staged()
            if staged is None:
                print("本机没有已校验的新版本可导出", file=sys.stderr)
                return 2
            print(f"已导出到 {service.export_to(staged, Path(args.path))}")
        else:
            staged = service.staged()
            if staged is None:
                print("没有待安装的新版本")
                return 0
            print(f"已安装到 {service.install(staged, Path(sys.executable).resolve().parent)}")
        return 0
    finally:
        if engine is not None:
            engine.dispose()


def add_commands(sub) -> None:
    from app.cli_sync import _common

    update = sub.add_parser("update", help="客户端更新（签名校验） / signed client updates")
    update.add_argument("action", choices=("check", "import", "export", "install"))
    update.add_argument("path", nargs="?", help="import: 更新文件 / build file; export: 目标文件夹 / folder")
    _common(update)
    update.set_defaults(func=_cmd_update)
