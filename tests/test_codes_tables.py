"""Code tables as data: the shipped JSON files, idempotent seeding with stable ids, lookups, and a
township's local additions reaching only its own users."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.codes import (
    CodeBook,
    CodeTableError,
    add_local_entry,
    code_entry_id,
    resource_entries,
    seed_code_entries,
    table_names,
)
from app.rules.deadlines import DEFAULT_REQUEST_TYPES
from db.engine import open_local, session_factory
from db.models import CodeEntry


def test_shipped_tables_cover_the_glossary():
    expected = {"gender", "ethnicity", "relation_to_head", "education", "political_status", "marital_status",
                "id_type", "residence_type", "person_status", "household_kind", "hukou_type", "tag",
                "visit_kind", "visit_frequency", "department", "task_kind", "task_status", "case_source",
                "request_type", "case_category", "case_status", "satisfaction"}
    assert expected <= set(table_names())
    ethnic = [e for e in resource_entries("ethnicity") if e.code <= "56"]
    assert len(ethnic) == 56 and ethnic[0].label_zh == "汉族" and ethnic[-1].label_zh == "基诺族"
    for table in table_names():
        codes = [e.code for e in resource_entries(table)]
        assert len(codes) == len(set(codes)), table


def test_request_type_deadlines_agree_with_the_rules():
    shipped = {e.code: (e.label_zh, e.attrs["deadline_workdays"]) for e in resource_entries("request_type")}
    assert shipped == DEFAULT_REQUEST_TYPES


def test_tags_carry_sensitivity_and_key_persons_are_level_three():
    tags = {e.code: e for e in resource_entries("tag")}
    assert tags["dy"].attrs["sensitivity"] == 1 and tags["nclb"].attrs["sensitivity"] == 2
    key_persons = [e for e in tags.values() if e.parent_code == "zdry"]
    assert len(key_persons) == 5
    assert all(e.attrs["sensitivity"] == 3 and e.attrs["sensitive"] for e in key_persons)


def test_case_categories_are_two_level():
    categories = resource_entries("case_category")
    top = {e.code for e in categories if e.parent_code is None}
    assert {"01", "02", "03", "04", "05", "06"} <= top
    assert all(e.parent_code in top for e in categories if e.parent_code is not None)


def test_seeding_is_idempotent_and_ids_are_stable(session, tmp_path):
    inserted, updated = seed_code_entries(session)
    session.commit()
    assert inserted > 300 and updated == 0
    assert seed_code_entries(session) == (0, 0)
    ids = set(session.scalars(select(CodeEntry.id)))
    other = open_local(tmp_path / "other.db")
    with session_factory(other)() as second:
        seed_code_entries(second)
        second.commit()
        assert set(second.scalars(select(CodeEntry.id))) == ids
    other.dispose()
    assert code_entry_id("ethnicity", "02") in ids


def test_seeding_repairs_a_changed_label(session):
    seed_code_entries(session)
    entry = session.get(CodeEntry, code_entry_id("ethnicity", "02"))
    entry.label_zh = "改错了"
    session.commit()
    assert seed_code_entries(session) == (0, 1)
    session.expire_all()
    assert session.get(CodeEntry, code_entry_id("ethnicity", "02")).label_zh == "蒙古族"


def test_lookups(session):
    seed_code_entries(session)
    book = CodeBook.load(session)
    assert book.label("relation_to_head", "02") == "户主"
    assert book.label("ethnicity", "zz", default="?") == "?"
    assert book.attr("request_type", "3", "deadline_workdays") == 10
    assert [e.code for e in book.children("case_category", "01")][:2] == ["0101", "0102"]
    assert CodeBook.from_resources().label("case_status", "25") == "网格自办"


def test_local_entry_reaches_only_its_township(session):
    seed_code_entries(session)
    add_local_entry(session, table="case_category", code="0199", label_zh="草场边界纠纷",
                    scope_prefix="150422100", parent_code="01")
    session.commit()
    assert CodeBook.load(session, "150422100201").label("case_category", "0199") == "草场边界纠纷"
    assert CodeBook.load(session, "150422100").get("case_category", "0199") is not None
    assert CodeBook.load(session, "150422101").get("case_category", "0199") is None
    assert CodeBook.load(session, "").get("case_category", "0199") is None
    assert session.scalar(select(func.count()).select_from(CodeEntry).where(CodeEntry.scope_prefix != "")) == 1


@pytest.mark.parametrize("kwargs, code, message", [
    ({"table": "nonsense"}, "code_table_unknown", "未知的代码表"),
    ({"scope_prefix": ""}, "code_local_scope", "区划代码前缀"),
    ({"code": "0101"}, "code_is_city_wide", "全市统一代码"),
    ({"label_zh": " "}, "required", "不能为空"),
])
def test_local_entry_refusals(session, kwargs, code, message):
    args = {"table": "case_category", "code": "0198", "label_zh": "本地", "scope_prefix": "150422100"}
    with pytest.raises(CodeTableError) as refused:
        add_local_entry(session, **{**args, **kwargs})
    assert refused.value.code == code and message in refused.value.message()


def test_duplicate_local_entry_is_refused(session):
    args = {"table": "case_category", "code": "0198", "label_zh": "本地", "scope_prefix": "150422100"}
    add_local_entry(session, **args)
    with pytest.raises(CodeTableError) as refused:
        add_local_entry(session, **args)
    assert refused.value.code == "code_local_exists" and "已存在" in refused.value.message()


@pytest.fixture(name="english")
def english_interface():
    from app.codes import set_display_language

    set_display_language("en")
    yield
    set_display_language("zh_CN")


def test_every_shipped_entry_has_an_english_label():
    missing = [(t, e.code) for t in table_names() for e in resource_entries(t) if not e.label_en.strip()]
    assert not missing, missing


def test_labels_follow_the_interface_language(session, english):
    seed_code_entries(session)
    session.commit()
    book = CodeBook.load(session)
    assert book.label("relation_to_head", "02") == "Head of household"
    assert book.label("case_status", "25") == "Handled by grid" and book.get("case_status", "25").label_zh == "网格自办"
    assert [e.label for e in book.entries("gender")][:3] == ["Unknown", "Male", "Female"]
    add_local_entry(session, table="case_category", code="0199", label_zh="草场边界纠纷", scope_prefix="150422100",
                    parent_code="01")
    session.commit()
    assert CodeBook.load(session, "150422100").label("case_category", "0199") == "草场边界纠纷"  # no English: Chinese


def test_english_labels_reach_an_older_database_and_the_server(session):
    from server.codes import shipped_rows

    seed_code_entries(session)
    entry = session.get(CodeEntry, code_entry_id("gender", "1"))
    entry.label_en = ""  # seeded before English labels existed
    session.commit()
    assert seed_code_entries(session) == (0, 1)
    assert {r["label_en"] for r in shipped_rows() if r["table"] == "gender" and r["code"] == "1"} == {"Male"}
