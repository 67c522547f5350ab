"""`township-server --help` speaks Chinese first, as everything the commands print does (it was all
English); English when the terminal's locale asks for it, chosen as the server's messages choose
their language (server/errors.lang_of)."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

import pytest

from server.cli import build_parser, main
from server.cli_words import cli_lang

CJK = re.compile(r"[\u4e00-\u9fff]")


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _chinese(monkeypatch) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")


@pytest.mark.parametrize("environ, lang", [
    ({}, "zh"), ({"LANG": "C.UTF-8"}, "zh"), ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"), ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, "zh"),
])
def test_the_language_follows_the_terminals_locale(environ, lang):
    assert cli_lang(environ) == lang


def test_every_command_and_option_has_chinese_help(monkeypatch):
    _chinese(monkeypatch)
    parser = build_parser()
    missing = []
    for name, sub in {"": parser, **_subcommands(parser)}.items():
        if name and not CJK.search(sub.description or ""):
            missing.append(f"{name}: description")
        for action in sub._actions:
            if action.help is not argparse.SUPPRESS and not isinstance(action, argparse._SubParsersAction) \
                    and not CJK.search(action.help or ""):
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


def test_help_is_chinese_by_default_and_english_under_an_english_locale(monkeypatch, capsys):
    _chinese(monkeypatch)
    with pytest.raises(SystemExit):
        main(["create-user", "--help"])
    text = capsys.readouterr().out
    assert text.startswith("用法：township-server create-user") and "显示本帮助并退出" in text
    assert "添加用户" in text and "管辖范围的区划代码前缀" in text and "usage" not in text
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    with pytest.raises(SystemExit):
        main(["create-user", "--help"])
    text = capsys.readouterr().out
    assert text.startswith("usage: township-server create-user") and "region code prefix" in text


def test_a_mistyped_command_is_told_in_chinese(monkeypatch, capsys):
    _chinese(monkeypatch)
    with pytest.raises(SystemExit) as exited:
        main(["create-user", "wang"])
    assert exited.value.code == 2
    assert "township-server create-user：错误：缺少必需的参数：--role" in capsys.readouterr().err


def test_the_installed_command_prints_chinese_help():
    shown = subprocess.run([sys.executable, "-m", "server.cli", "--help"], capture_output=True, text=True,
                           env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)}, check=True).stdout
    assert "创建或升级数据库并写入代码表" in shown and "create/upgrade" not in shown
