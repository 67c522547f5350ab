"""千条线: the many tasks one department sends down that are really one line of work — the same
check issued again for another batch, month or round ("关于开展低保对象家庭情况核查工作的通知",
"2026年12月低保对象家庭情况核查（第二批）"). Such tasks share a thread: the department and the
title's topic, which is the title without what varies between issues — dates, numbers, batch and
round words (第二批, 第3期), bracketed remarks and the notice's frame (关于开展……工作的通知).

The topic is a plain text rule, not a guess at meaning: two titles land in one thread when they differ
only in those parts."""

from __future__ import annotations

import functools
import re

_BRACKETS = re.compile(r"[（(【\[〔][^）)】\]〕]*[）)】\]〕]")
_DATES = re.compile(r"\d{2,4}\s*年度?(\s*\d{1,2}\s*月)?(\s*\d{1,2}\s*日)?|\d{1,2}\s*月(\s*\d{1,2}\s*日)?(份)?")
_ROUNDS = re.compile(r"第?[0-9一二三四五六七八九十百]+\s*(批次|批|期|轮|次|季度)")
_SEASONS = re.compile(r"(上半年|下半年|年度|本周|本月|近期)")
_FRAME_HEAD = re.compile(r"^(关于)?(开展|做好|进一步做好|进一步|加强|组织|启动|部署)?")
_FRAME_TAIL = re.compile(r"(工作)?(的)?(通知|安排|方案|部署|要求)?$")
_NOISE = re.compile(r"[\s，,、。.：:；;！!？?\-—_/]+")


@functools.lru_cache(maxsize=4096)  # titles repeat: a burden view reads thousands of copies of a few dozen
def thread_topic(title: str) -> str:
    """The part of a task title that stays the same from one issue of the same work to the next."""
    text = _BRACKETS.sub("", title or "")
    text = _DATES.sub("", text)
    text = _ROUNDS.sub("", text)
    text = _SEASONS.sub("", text)
    text = _NOISE.sub("", text)
    text = _FRAME_TAIL.sub("", _FRAME_HEAD.sub("", text))
    return text or (title or "").strip()


def thread_key(department_code: str, title: str) -> tuple[str, str]:
    return department_code, thread_topic(title)
