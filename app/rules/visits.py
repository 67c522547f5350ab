"""How often a household must be visited (走访频次) and whether it is overdue.

The rules are data (code table "visit_frequency"): each entry has `interval_days` and the tags
(`tags`) or person categories (`residence_types`) it applies to; an entry with neither is the
ordinary rule. A household matches a rule when the household or any member carries one of its
tags or categories; the shortest interval among the matching rules applies (docs/ARCHITECTURE.md, glossary: ordinary
households twice a year; 困难家庭, 流动人员, 空巢老人, 社区矫正对象 monthly). A household never
visited is due at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ORDINARY_INTERVAL_DAYS = 182  # used when the table has no ordinary rule


@dataclass(frozen=True)
class VisitRule:
    code: str
    label: str
    interval_days: int
    tags: frozenset[str] = frozenset()
    residence_types: frozenset[str] = frozenset()

    @property
    def ordinary(self) -> bool:
        return not self.tags and not self.residence_types


def rule_from_entry(code: str, label: str, attrs: Mapping) -> VisitRule:
    return VisitRule(code=code, label=label, interval_days=int(attrs.get("interval_days", ORDINARY_INTERVAL_DAYS)),
                     tags=frozenset(attrs.get("tags", ())), residence_types=frozenset(attrs.get("residence_types", ())))


def applicable_rule(rules: Iterable[VisitRule], tag_codes: Iterable[str],
                    residence_types: Iterable[str]) -> VisitRule:
    """The rule with the shortest interval among those the household matches."""
    tags, kinds = set(tag_codes), set(residence_types)
    rules = list(rules)
    matching = [r for r in rules if r.ordinary or r.tags & tags or r.residence_types & kinds]
    if not matching:
        return VisitRule("ordinary", "普通户", ORDINARY_INTERVAL_DAYS)
    return min(matching, key=lambda r: (r.interval_days, r.code))


def next_visit_due(last_visit_on: dt.date | None, rule: VisitRule, today: dt.date) -> dt.date:
    """When the next visit is due: interval after the last one, or today if never visited."""
    if last_visit_on is None:
        return today
    return last_visit_on + dt.timedelta(days=rule.interval_days)


def days_overdue(last_visit_on: dt.date | None, rule: VisitRule, today: dt.date) -> int:
    """Days past the due date (0 when not overdue; a never-visited household counts from today)."""
    return max(0, (today - next_visit_due(last_visit_on, rule, today)).days)


def is_visit_overdue(last_visit_on: dt.date | None, rule: VisitRule, today: dt.date) -> bool:
    return last_visit_on is None or today > next_visit_due(last_visit_on, rule, today)
