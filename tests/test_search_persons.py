"""Person search-as-you-type: name substring, pinyin initials, ID-number tail, phone tail; region
scope; tombstones and merged persons left out; masked results; index range scans."""

from __future__ import annotations

import pytest

from app.services.search import PersonSearch, explain, query_kind, search_persons
from db.engine import session_factory
from db.models import Household, Person, Region

VILLAGE_A, VILLAGE_B, OTHER_TOWN = "150422100201", "150422100202", "150422101201"

PEOPLE = [  # name, id number, phone, village, grid
    ("张三丰", "11010519491231002X", "13812345678", VILLAGE_A, VILLAGE_A + "001"),
    ("张三", "440524188001010014", "13987654321", VILLAGE_A, VILLAGE_A + "002"),
    ("李秀英", "150422198503070026", "15012340000", VILLAGE_B, VILLAGE_B + "001"),
    ("王秀兰", "152422196001010021", None, OTHER_TOWN, OTHER_TOWN + "001"),
    ("𠮷祥", "150422199001010018", "18600001234", VILLAGE_B, VILLAGE_B + "001"),
]


@pytest.fixture
def sessions(engine):
    factory = session_factory(engine)
    with factory() as session:
        session.add_all([Region(code=c, name=c, level=5, parent_code=c[:9] + "000")
                         for c in (VILLAGE_A, VILLAGE_B, OTHER_TOWN)])
        for name, number, phone, village, grid in PEOPLE:
            household = Household(household_no=village + "010001", region_code=village, grid_code=grid)
            session.add(household)
            session.flush()
            session.add(Person(household_id=household.id, region_code=village, grid_code=grid, name=name,
                               id_number=number, phone=phone))
        session.commit()
    return factory


def names(hits):
    return [hit.name for hit in hits]


def test_query_kinds():
    assert query_kind("张") == "name"
    assert query_kind("zsf") == "initials"
    assert query_kind("002x") == "digits"
    assert query_kind("138 1234") == "digits"
    assert query_kind("  ") == "empty"


def test_name_substring_ranks_exact_then_prefix(sessions):
    with sessions() as s:
        assert names(search_persons(s, "张三")) == ["张三", "张三丰"]
        assert names(search_persons(s, "秀")) == ["李秀英", "王秀兰"]
        assert names(search_persons(s, "𠮷")) == ["𠮷祥"]
        assert search_persons(s, "赵") == []


def test_pinyin_initials_prefix(sessions):
    with sessions() as s:
        hits = search_persons(s, "ZS")
        assert names(hits) == ["张三", "张三丰"] and {h.matched_by for h in hits} == {"initials"}
        assert names(search_persons(s, "lxy")) == ["李秀英"]


def test_id_tail_accepts_lower_case_x(sessions):
    with sessions() as s:
        hits = search_persons(s, "002x")
        assert names(hits) == ["张三丰"] and hits[0].matched_by == "id_tail"
        assert names(search_persons(s, "0014")) == ["张三"]


def test_phone_tail(sessions):
    with sessions() as s:
        hits = search_persons(s, "5678")
        assert names(hits) == ["张三丰"] and hits[0].matched_by == "phone_tail"
        assert names(search_persons(s, "138-1234-5678")) == ["张三丰"]


def test_scope_filters_by_region_prefix_and_grid(sessions):
    with sessions() as s:
        assert names(search_persons(s, "秀", scope="150422100")) == ["李秀英"]
        assert names(search_persons(s, "秀", scope="150422101")) == ["王秀兰"]
        assert names(search_persons(s, "zs", scope=VILLAGE_B)) == []
        assert names(search_persons(s, "zs", scope=VILLAGE_A + "002")) == ["张三"]
        assert names(search_persons(s, "张", scope=VILLAGE_A + "001")) == ["张三丰"]


def test_tombstones_and_merged_persons_are_left_out(sessions):
    with sessions() as s:
        s.query(Person).filter(Person.name == "张三").update({"deleted": True})
        survivor = s.query(Person).filter(Person.name == "李秀英").one()
        s.query(Person).filter(Person.name == "王秀兰").update({"merged_into": survivor.id})
        s.commit()
        assert names(search_persons(s, "张")) == ["张三丰"]
        assert names(search_persons(s, "zs")) == ["张三丰"]
        assert names(search_persons(s, "秀")) == ["李秀英"]
        assert search_persons(s, "0014") == []


def test_results_are_masked(sessions):
    hit = PersonSearch(sessions, "").search("张三丰")[0]
    assert hit.id_masked == "110105********002X"
    assert hit.phone_masked == "138****5678"
    assert "13812345678" not in repr(hit) and "11010519491231002X" not in repr(hit)


def test_limit(sessions):
    with sessions() as s:
        assert len(search_persons(s, "张", limit=1)) == 1


def test_every_query_shape_uses_an_index_range(sessions):
    with sessions() as s:
        assert any("USING COVERING INDEX ix_persons_region_initials" in step
                   for step in explain(s, "zs", "150422100"))
        assert any("USING INDEX ix_persons_search_id_rev (search_id_rev>? AND search_id_rev<?)" in step
                   for step in explain(s, "1234", "150422100"))


def test_initials_without_a_regions_table(engine):
    """A client that has persons but no region rows yet still finds by initials."""
    factory = session_factory(engine)
    with factory() as s:
        household = Household(household_no=VILLAGE_A + "010001", region_code=VILLAGE_A)
        s.add(household)
        s.flush()
        s.add(Person(household_id=household.id, region_code=VILLAGE_A, name="赵六", id_number=None))
        s.commit()
        assert names(search_persons(s, "zl", scope="150422")) == ["赵六"]


def test_initials_by_character_match_reading_the_whole_name():
    """The per-character cache gives the same initials as pypinyin reading each name whole: names
    holding a polyphone (刘长春, 周长兵) are read whole, surnames keep their own readings, Latin
    letters stay and rare Ext-B characters drop."""
    import random

    from pypinyin import Style, lazy_pinyin

    from db.search_keys import _SURNAME_INITIALS, _latin_only, name_initials
    from demo.names import NameMaker

    def whole(name: str) -> str:
        prefix = next((i for s, i in _SURNAME_INITIALS.items() if name.startswith(s)), "")
        rest = name[len(next((s for s in _SURNAME_INITIALS if name.startswith(s)), "")):]
        return (prefix + "".join(lazy_pinyin(rest, style=Style.FIRST_LETTER, errors=_latin_only))).lower()

    rng = random.Random(7)
    maker = NameMaker(rng)
    names = [maker.full(rng.choice("12")) for _ in range(3000)]
    names += ["刘长春", "周长兵", "王重阳", "单田芳", "曾国藩", "乐嘉", "长孙无忌", "王AB", "𠮷田", "李 明"]
    assert [name_initials(n) for n in names] == [whole(n.strip()) for n in names]
    assert name_initials("刘长春") == "lcc"
