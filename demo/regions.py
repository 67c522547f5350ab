"""The demo township's places: the shipped extract of statistical division codes (resources/regions)
plus generated grids (网格: village code + 3-digit sequence, ours), as `Region` rows and as the
in-memory villages the generator spreads households over."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field

from resources import region_extract_file

DEMO_TOWNSHIP = "150422100"  # 赤峰市 巴林左旗 林东镇


@dataclass
class Village:
    code: str  # 12 digits
    name: str
    households: int = 0
    groups: int = 1
    grids: list[str] = field(default_factory=list)


def read_extract() -> list[dict]:
    with region_extract_file().open(encoding="utf-8", newline="") as fh:
        return [
            {"code": row["code"], "name": row["name"], "level": int(row["level"]),
             "parent_code": row["parent_code"] or None, "urban_rural": None}
            for row in csv.DictReader(fh)
        ]


def township_name(township: str, extract: list[dict]) -> str:
    for row in extract:
        if row["code"] == township + "000":
            return row["name"]
    raise ValueError(f"township {township} is not in the region extract")


def county_name(township: str, extract: list[dict]) -> str:
    for row in extract:
        if row["code"] == township[:6] + "000000":
            return row["name"]
    raise ValueError(f"county of {township} is not in the region extract")


def plan_villages(rng: random.Random, township: str, extract: list[dict], households: int,
                  per_grid: int = 120) -> list[Village]:
    """Spread `households` over the township's villages (uneven, as real villages are), then cut
    each village into groups (组) of about 40 households and grids of about `per_grid`."""
    villages = [Village(r["code"], r["name"]) for r in extract
                if r["level"] == 5 and r["code"].startswith(township)]
    if not villages:
        raise ValueError(f"no villages of {township} in the region extract")
    weights = [rng.uniform(0.5, 1.6) for _ in villages]
    total = sum(weights)
    assigned = 0
    for village, weight in zip(villages, weights, strict=True):
        village.households = int(households * weight / total)
        assigned += village.households
    for i in range(households - assigned):
        villages[i % len(villages)].households += 1
    for village in villages:
        village.groups = max(1, min(99, round(village.households / 40)))
        grid_count = max(1, round(village.households / per_grid))
        village.grids = [f"{village.code}{n:03d}" for n in range(1, grid_count + 1)]
    return villages


def region_rows(extract: list[dict], villages: list[Village]) -> list[dict]:
    rows = list(extract)
    for village in villages:
        for n, grid in enumerate(village.grids, start=1):
            rows.append({"code": grid, "name": f"{village.name}第{n}网格", "level": 6,
                         "parent_code": village.code, "urban_rural": None})
    return rows
