"""The words of `township-server --help`: Chinese first, English when the operator's terminal asks
for it — chosen as the server's error messages choose theirs (server/errors.py: a Chinese and an
English text side by side, English when the first choice is English), the first choice here being
the locale of the terminal (LANGUAGE, LC_ALL, LC_MESSAGES, LANG; "C" and unset read Chinese).
Everything the commands print is Chinese already; their help and argparse's own frame ("usage:",
"options", "show this help message and exit", its error line) now are too."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping

from server.errors import lang_of

LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def cli_lang(environ: Mapping[str, str] = os.environ) -> str:
    """"en" or "zh" for the terminal's locale."""
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "")
        if value:
            return lang_of(value.split(":")[0].replace("_", "-"))
    return "zh"


def say(zh: str, en: str) -> str:
    return en if cli_lang() == "en" else zh


# argparse's own messages (gettext has no Chinese catalogue for them), by their English pattern.
_ERRORS = (
    (r"the following arguments are required: (.*)", "缺少必需的参数：{0}"),
    (r"unrecognized arguments: (.*)", "无法识别的参数：{0}"),
    (r"argument (\S+): invalid choice: (\S+) \(choose from (.*)\)", "参数 {0}：没有 {1} 这一项（可选：{2}）"),
    (r"argument (\S+): expected one argument", "参数 {0}：需要一个值"),
    (r"argument (\S+): invalid (\w+) value: (.*)", "参数 {0}：无效的值：{2}"),
)


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, say("用法：", "usage: ") if prefix is None else prefix)


class CommandParser(argparse.ArgumentParser):
    """ArgumentParser whose frame speaks the terminal's language; subcommands' parsers are its kind too."""

    def __init__(self, *args, add_help: bool = True, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = say("位置参数", "positional arguments")
        self._optionals.title = say("选项", "options")
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help=say("显示本帮助并退出", "show this help message and exit"))

    def error(self, message: str):
        if cli_lang() != "en":
            for pattern, text in _ERRORS:
                found = re.fullmatch(pattern, message)
                if found:
                    message = text.format(*found.groups())
                    break
        self.print_usage(sys.stderr)
        self.exit(2, say(f"{self.prog}：错误：{message}\n", f"{self.prog}: error: {message}\n"))


def command(sub: argparse._SubParsersAction, name: str, zh: str, en: str) -> argparse.ArgumentParser:
    """A subcommand whose one-line help also heads its own --help."""
    text = say(zh, en)
    return sub.add_parser(name, help=text, description=text)
