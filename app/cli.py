"""`township-desk`: the client's command line. Without a subcommand it opens the desktop client;
subcommands cover the one-command demo, headless sync, USB bundles and demo data generation.

app/ never imports ui/ (arrows point down): the desktop window and the self-test's widget check
are handed in by the entry point `ui.cli.main` as `open_window` and `self_checks`. Run headless
(`python -m app`), the same commands work and opening a window says there is none.

Each command's implementation is imported lazily so `township-desk --help` answers fast and a
missing optional part (e.g. no display) only affects the command that needs it."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from app import paths


def _cmd_open(args: argparse.Namespace) -> int:
    if args.open_window is None:
        from app.errors import UserFacingError

        raise UserFacingError("no_desktop")
    return args.open_window()


def _cmd_generate_demo(args: argparse.Namespace) -> int:
    from app.demo import generate_township
    from db.engine import open_local

    target = Path(args.database) if args.database else paths.local_db_path()
    engine = open_local(target)
    started = time.perf_counter()
    summary = generate_township(engine, seed=args.seed, scale=args.scale)
    print(f"生成完成 / generated in {time.perf_counter() - started:.1f} s → {target}")
    if summary is not None:
        print(summary)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="township-desk",
        description="基层治理工作台 Township Desk — 乡镇/村社区桌面客户端。不带子命令时打开客户端。",
    )
    parser.add_argument("--self-test", action="store_true",
                        help="自检：新建数据库、迁移、打印一张 PDF 后退出 / smoke-test this installation and exit")
    sub = parser.add_subparsers(dest="command", metavar="command")
    sub.add_parser("open", help="打开桌面客户端 / open the desktop client").set_defaults(func=_cmd_open)

    gen = sub.add_parser("generate-demo", help="生成演示乡镇数据 / generate the demo township into a local db")
    gen.add_argument("--database", help="SQLite file (default: the local database)")
    gen.add_argument("--seed", type=int, default=2026)
    gen.add_argument("--scale", type=float, default=1.0, help="1.0 = about 12,000 households")
    gen.set_defaults(func=_cmd_generate_demo)

    _add_optional_commands(sub)
    return parser


def _add_optional_commands(sub) -> None:
    """Commands owned by other modules register themselves here (sync, bundles, demo)."""
    for module_name in ("app.cli_sync", "app.cli_demo", "app.cli_protection"):
        try:
            module = __import__(module_name, fromlist=["add_commands"])
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.add_commands(sub)


def main(argv: list[str] | None = None, open_window: Callable[..., int] | None = None,
         self_checks: Sequence[tuple[str, Callable[[], None]]] = (),
         display_problem: Callable[[], str | None] = lambda: None) -> int:
    """Run one command. `open_window(database_path=None, secrets=None) -> exit code` shows the
    desktop client; `self_checks` are extra (label, check) pairs for `--self-test`;
    `display_problem()` says why no window can be shown here (None when one can), so a command that
    will open one refuses before it starts anything."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.open_window = open_window
    args.display_problem = display_problem
    from app.logs import configure_client_logging

    configure_client_logging()
    if args.self_test:
        from app import selftest

        return selftest.run(self_checks)
    func = getattr(args, "func", _cmd_open)
    try:
        return func(args) or 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one error path: user-facing errors print their text, others re-raise
        from app.errors import UserFacingError

        if isinstance(exc, UserFacingError):
            print(f"错误：{exc.message()}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
