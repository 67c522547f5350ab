"""Punctuation that follows the interface language. Lines put together from translated words and
data (a case's facts, a queue with its count, a feedback entry) carried Chinese marks into the
English interface ("Department：民政　Kind：…", "Overdue（2）"). The marks are translatable strings of
their own context, so the English catalogue turns them into ": ", " · ", ", " and " (…)"."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QCoreApplication

translate = QCoreApplication.translate


def fact(label: str, value: str) -> str:
    """A label and its value: 编号：SJ… / No.: SJ…"""
    return translate("Punctuation", "%1：%2").replace("%1", label, 1).replace("%2", value, 1)


def gap() -> str:
    """Between facts on one line: an ideographic space in Chinese, a spaced dot in English."""
    return translate("Punctuation", "　")


def on_one_line(*parts: str) -> str:
    return gap().join(part for part in parts if part)


def listing(items: Iterable[str]) -> str:
    """Items of a list: 甲、乙 / A, B"""
    return translate("Punctuation", "、").join(items)


def clauses(parts: Iterable[str]) -> str:
    """Parts of one remark: 张三，12-07 / Zhang San, 12-07"""
    return translate("Punctuation", "，").join(parts)


def aside(text: str) -> str:
    """A remark after a word: （受理） / (Accepted)"""
    return translate("Punctuation", "（%1）").replace("%1", text, 1)


def counted(label: str, count: str) -> str:
    """A queue or tab with its count: 全部（333） / All (333)"""
    return label + aside(count)
