"""The 村（社区） column of a roster: a village named as villages write it — its name (西屯村, or 西屯,
西屯村委会, 西屯社区居委会), or its 12-digit code — resolved to the village's code among the regions
the register knows. A name several villages share is refused (the code then says which); a village
outside the user's area is named as such, so a roster can never move a household out of scope."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.rules.regions import in_scope
from db.models import Region

VILLAGE_LEVEL = 5
_SUFFIX = re.compile(r"(村民委员会|居民委员会|村委会|居委会|社区居委会|村民小组|社区|村|居)$")


def village_key(name: str) -> str:
    """西屯村委会, 西屯村, 西屯 → 西屯 (a name as written, without the words for 'village' at its end)."""
    text = re.sub(r"\s+", "", name)
    return _SUFFIX.sub("", text) or text


@dataclass(frozen=True)
class Resolved:
    code: str | None
    problem: str | None = None  # a catalogue code: roster_unknown_village, …


class VillageIndex:
    """Every village (level 5) the register knows, by code and by name."""

    def __init__(self, session: Session, scope: str) -> None:
        self.scope = scope
        self.names: dict[str, str] = {}
        self._by_name: dict[str, set[str]] = defaultdict(set)
        for code, name in session.execute(select(Region.code, Region.name).where(Region.level == VILLAGE_LEVEL)):
            self.names[code] = name
            self._by_name[village_key(name)].add(code)

    def resolve(self, text: str) -> Resolved:
        text = text.strip()
        codes = {text} if text in self.names else set(self._by_name.get(village_key(text), ()))
        if not codes:
            return Resolved(None, "roster_unknown_village")
        inside = {c for c in codes if in_scope(self.scope[:12], c)}
        if len(inside) > 1:
            return Resolved(None, "roster_village_ambiguous")
        if not inside:
            return Resolved(None, "roster_village_out_of_scope")
        return Resolved(inside.pop())
