"""`township-desk`: the client's command line. Without a subcommand it opens the desktop client;
subcommands cover headless sync, USB bundles and local protection; the entry point adds more (the
demo's commands come from the `demo` package, which sits above app/).

app/ never imports ui/ (arrows point down): the desktop window and the self-test's widget check
are handed in by the entry point `ui.cli.main` as `open_window` and `self_checks`. Run headless
(`python -m app`), the same commands work and opening a window says there is none.

Each command's implementation is imported lazily so `township-desk --help` answers fast and a
missing optional part (e.g. no display) only affects the command that needs it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any


def _cmd_open(args: argparse.Namespace) -> int:
    if args.open_window is None:
        from app.errors import UserFacingError

        raise UserFacingError("no_desktop")
    return args.open_window()


def build_parser(commands: Sequence[Callable[[Any], None]] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="township-desk",
        description="基层治理工作台 Township Desk — 乡镇/村社区桌面客户端。不带子命令时打开客户端。",
    )
    parser.add_argument("--self-test", action="store_true",
                        help="自检：新建数据库、迁移、打印一张 PDF 后退出 / smoke-test this installation and exit")
    sub = parser.add_subparsers(dest="command", metavar="command")
    sub.add_parser("open", help="打开桌面客户端 / open the desktop client").set_defaults(func=_cmd_open)
    _add_optional_commands(sub)
    for add_commands in commands:
        add_commands(sub)
    return parser


def _add_optional_commands(sub) -> None:
    """Commands owned by other modules of app/ register themselves here (sync, bundles, protection, updates)."""
    for module_name in ("app.cli_sync", "app.cli_protection", "app.cli_update", "app.cli_exchange"):
        try:
            module = __import__(module_name, fromlist=["add_commands"])
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.add_commands(sub)


def main(argv: list[str] | None = None, open_window: Callable[..., int] | None = None,
         self_checks: Sequence[tuple[str, Callable[[], None]]] = (),
         display_problem: Callable[[], str | None] = lambda: None,
         commands: Sequence[Callable[[Any], None]] = ()) -> int:
    """Run one command. `open_window(database_path=None, secrets=None) -> exit code` shows the
    desktop client; `self_checks` are extra (label, check) pairs for `--self-test`;
    `display_problem()` says why no window can be shown here (None when one can), so a command that
    will open one refuses before it starts anything; `commands` add subcommands to the parser
    (`add_commands(subparsers)`, e.g. the demo's)."""
    parser = build_parser(commands)
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
