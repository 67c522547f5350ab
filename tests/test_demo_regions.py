"""The shipped region extract (real 2018 statistical codes for 赤峰市) and the generated grids."""

from __future__ import annotations

import random

from app.rules.regions import validate_region_code
from demo.regions import DEMO_TOWNSHIP, plan_villages, read_extract, region_rows


def test_extract_is_a_consistent_tree():
    rows = read_extract()
    by_code = {r["code"]: r for r in rows}
    assert len(by_code) == len(rows)
    for row in rows:
        assert len(row["code"]) == 12 and row["code"].isdigit()
        if row["level"] == 1:
            assert row["parent_code"] is None
            continue
        parent = by_code[row["parent_code"]]
        assert parent["level"] == row["level"] - 1
        significant = {1: 2, 2: 4, 3: 6, 4: 9}[parent["level"]]  # digits that name the parent
        assert row["code"][:significant] == parent["code"][:significant]
    assert by_code["150400000000"]["name"] == "赤峰市"
    assert by_code["150422000000"]["name"] == "巴林左旗"
    assert by_code["150422100000"]["name"] == "林东镇"


def test_demo_township_has_all_its_villages():
    villages = [r for r in read_extract() if r["level"] == 5 and r["code"].startswith(DEMO_TOWNSHIP)]
    assert len(villages) == 32
    assert all(r["name"] != "镇内" for r in villages)
    for row in villages:
        validate_region_code(row["code"], level=5)


def test_grids_and_households_are_spread_over_the_villages():
    villages = plan_villages(random.Random(1), DEMO_TOWNSHIP, read_extract(), 12_000)
    assert sum(v.households for v in villages) == 12_000
    assert min(v.households for v in villages) > 100
    for village in villages:
        assert village.grids and all(g.startswith(village.code) and len(g) == 15 for g in village.grids)
        assert 1 <= village.groups <= 99
    grids = [r for r in region_rows(read_extract(), villages) if r["level"] == 6]
    assert len(grids) == sum(len(v.grids) for v in villages)
    assert all(g["name"].endswith("网格") for g in grids)
