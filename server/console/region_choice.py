"""Choosing a township or a village at the console, one way on every page that offers it: a township
first (its list grouped by county), then only that township's villages (and their grids where the
page offers grids) — a city has thousands of villages, never one list of them. The page holds every
choice; the console's own script (static/region-choice.js) narrows the village list, or the region
tree of a task's targets, to the township chosen. Without the script the villages stay grouped under
their townships.

The pages: 待审's area filter (only places with open items, with their counts), the new user's
scope (a township admin's own township, or one of its villages or grids) and the targets of a task
(the township filter above the tree). A form posts `township` (9 digits) and `village` (12, or 15
for a grid); `picked` turns the two into the one code the page acts on.

A village can also be found by name (decision 0047): the picker's search box lists the villages of
the whole scope whose name holds what is typed, or whose pinyin initials start with it (the
register's own db.search_keys.name_initials), each with its township; choosing one sets both."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Region
from db.search_keys import name_initials

TOWNSHIP, VILLAGE, GRID = 4, 5, 6


@dataclass(frozen=True)
class Place:
    code: str  # 9 digits for a township, 12 for a village, 15 for a grid
    name: str
    count: int | None = None  # what the page counts there (open review items), None: nothing counted
    grid: bool = False

    @property
    def initials(self) -> str:
        """The name's pinyin initials (乌登村 → wdc), which the picker's search box also finds."""
        return name_initials(self.name)


@dataclass(frozen=True)
class RegionChoice:
    """What the picker shows: townships grouped by county, and each township's villages."""

    township: str = ""
    village: str = ""
    counties: list[tuple[Place, list[Place]]] = field(default_factory=list)  # a county, its townships
    county_choice: bool = False  # a county (旗县区, 6 digits) is a choice of its own: a city-wide picker
    counted: bool = False  # only the places counted are offered (待审: those with open items)
    villages: list[tuple[Place, list[Place]]] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.village or self.township

    @property
    def single(self) -> bool:
        """Only one township to choose from (a township admin's): it is chosen already."""
        return sum(len(towns) for _county, towns in self.counties) == 1


def picked(scope: str, township: str, village: str) -> str:
    """The one code a form's `township` (or county, 6 digits) and `village` name, inside `scope`: the
    village (or grid) when one of the township's is chosen, else the township, else "" (the whole scope). A code outside the
    scope, or not made of digits, counts as not chosen."""
    township = township if len(township) in (6, 9) and township.isdigit() else ""
    ok_village = len(township) == 9 and len(village) in (12, 15) and village.isdigit() and village.startswith(township)
    for code in (village if ok_village else "", township):
        if code and code.startswith(scope):
            return code
    return ""


def region_choice(session: Session, scope: str, chosen: str = "", counts: dict[str, int] | None = None,
                  grids: bool = False) -> RegionChoice:
    """The townships and villages inside `scope` with `chosen` (a township, village or grid code)
    selected. With `counts` ({village code: n}), only the places counted, each with its number —
    a village the region table does not know is shown by its code."""
    levels = (TOWNSHIP, VILLAGE, GRID) if grids else (TOWNSHIP, VILLAGE)
    query = select(Region.code, Region.name, Region.level).where(Region.level.in_(levels))
    if scope:
        query = query.where(Region.code.startswith(scope))
    names = {code: (name, level) for code, name, level in session.execute(query.order_by(Region.code))}
    if counts is not None:  # the place chosen stays a choice when nothing is counted there any more
        counts = {**({chosen[:12]: 0} if len(chosen) >= 12 else {chosen: 0} if len(chosen) == 9 else {}), **counts}
        villages = sorted(code for code in counts if len(code) == 12)
        townships = sorted({code[:9] for code in counts})
    else:
        villages = [code for code, (_n, level) in names.items() if level in (VILLAGE, GRID)]
        townships = [code[:9] for code, (_n, level) in names.items() if level == TOWNSHIP]
        if len(scope) >= 9 and scope[:9] not in townships:
            townships = [scope[:9]]
    per_town: dict[str, list[Place]] = {town: [] for town in townships}
    for code in villages:
        name, level = names.get(code, (code, VILLAGE))
        if code[:9] in per_town:
            count = None if counts is None else counts.get(code, 0)
            per_town[code[:9]].append(Place(code, name, count, level == GRID))
    counties = dict(session.execute(select(Region.code, Region.name).where(
        Region.code.in_({town[:6] + "000000" for town in townships}))).all())
    places = []
    grouped: dict[str, list[Place]] = {}
    for town in townships:
        count = None if counts is None else sum(n for code, n in counts.items() if code.startswith(town))
        place = Place(town, names.get(town + "000", (town, TOWNSHIP))[0], count)
        places.append((place, per_town[town]))
        grouped.setdefault(town[:6], []).append(place)
    chosen_town = chosen[:9] if len(chosen) >= 9 else chosen
    if not chosen_town and len(townships) == 1:
        chosen_town = townships[0]
    county_places = [(Place(county, counties.get(county + "000000", county),
                            None if counts is None else sum(p.count or 0 for p in towns)), towns)
                     for county, towns in grouped.items()]
    return RegionChoice(chosen_town, chosen if len(chosen) in (12, 15) else "", counties=county_places,
                        villages=places, county_choice=len(scope) < 6, counted=counts is not None)
