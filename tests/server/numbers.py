"""Household numbers for tests that share one live server for the run: a second active household of a
village with a number another holds is raised for review and answered `merged_with_conflict`
(decision 0041), so a test that means an ordinary new household gives it a number no other test of
the run gives in that village."""

from __future__ import annotations

import itertools

_serial = itertools.count(1)


def household_no(village: str) -> str:
    """The village code, a group and a sequence (never 0000) no earlier call of this run returned."""
    n = next(_serial)
    return f"{village}{n // 9999 % 100:02d}{n % 9999 + 1:04d}"
