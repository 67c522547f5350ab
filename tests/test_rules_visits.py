"""Visit frequency rules: shortest matching interval, never-visited households due at once."""

from __future__ import annotations

import datetime as dt

from app.rules.visits import (
    VisitRule,
    applicable_rule,
    days_overdue,
    is_visit_overdue,
    next_visit_due,
    rule_from_entry,
)

TODAY = dt.date(2026, 11, 27)
RULES = [
    rule_from_entry("ordinary", "普通户", {"interval_days": 182}),
    rule_from_entry("knjt", "困难家庭", {"interval_days": 30, "tags": ["nclb", "tkgy"]}),
    rule_from_entry("ldry", "流动人员", {"interval_days": 30, "residence_types": ["2"]}),
    rule_from_entry("weekly", "每周", {"interval_days": 7, "tags": ["sqjz"]}),
]


def test_ordinary_households_get_the_ordinary_interval():
    assert applicable_rule(RULES, [], ["1"]).code == "ordinary"


def test_the_shortest_matching_interval_wins():
    assert applicable_rule(RULES, ["nclb"], ["1"]).code == "knjt"
    assert applicable_rule(RULES, [], ["1", "2"]).code == "ldry"
    assert applicable_rule(RULES, ["nclb", "sqjz"], ["2"]).code == "weekly"


def test_without_rules_the_ordinary_default_applies():
    assert applicable_rule([], ["nclb"], []).interval_days == 182


def test_due_dates_and_overdue():
    monthly = VisitRule("knjt", "困难家庭", 30, frozenset({"nclb"}))
    last = dt.date(2026, 10, 20)
    assert next_visit_due(last, monthly, TODAY) == dt.date(2026, 11, 19)
    assert is_visit_overdue(last, monthly, TODAY) and days_overdue(last, monthly, TODAY) == 8
    assert not is_visit_overdue(dt.date(2026, 10, 28), monthly, TODAY)
    assert days_overdue(dt.date(2026, 10, 28), monthly, TODAY) == 0
    assert is_visit_overdue(None, monthly, TODAY) and next_visit_due(None, monthly, TODAY) == TODAY
