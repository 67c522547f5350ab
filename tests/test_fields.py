"""The one declaration per field (db.fields), read back from the models: limits come from the
database column, rules from the column's declaration, and `check` refuses what no database stores."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from sqlalchemy import JSON, BigInteger, Column, Integer, MetaData, String, Table

from db.base import synced_columns, synced_models
from db.fields import FieldProblem, check, declare, references, specs, synced_since
from db.models import AuditEntry, Case, CodeEntry, Household, Person, TagAssignment, Task
from sync.versions import current_version


def test_limits_come_from_the_column_and_rules_from_its_declaration():
    household = specs(Household)
    assert (household["address"].kind, household["address"].max_length) == ("str", 200)
    assert household["household_no"].format == "household_no"
    assert household["region_code"].format == "village"
    assert household["deletion_gen"].int_range == (0, 2**31 - 1)  # PostgreSQL INTEGER, declared minimum 0
    assert specs(Case)["status"].int_range == (-(2**31), 2**31 - 1)  # no minimum declared: the column's
    assert specs(Case)["latitude"].kind == "float"
    assert specs(CodeEntry)["attrs"].kind == "json"
    subject = specs(TagAssignment)["subject_id"].ref
    assert (subject.entities, subject.by, subject.scope) == (("person", "household"), "subject_type", "write")
    assert specs(Household)["head_person_id"].ref.forward


def test_every_reference_of_every_synced_entity_names_synced_entities():
    names = {cls.__sync_entity__ for cls in synced_models()}
    declared = {(cls.__sync_entity__, s.name) for cls in synced_models() for s in references(cls)}
    for cls in synced_models():
        for s in references(cls):
            assert set(s.ref.entities) <= names, (cls.__sync_entity__, s.name)
    assert {("person", "household_id"), ("visit", "household_id"), ("case_log", "case_id"),
            ("tag_assignment", "subject_id"), ("task_target", "task_id"), ("task_link", "target_id"),
            ("case_party", "person_id")} <= declared


@pytest.mark.parametrize(("cls", "name", "value", "code"), [
    (Household, "deletion_gen", 2**31, "out_of_range"),
    (Household, "deletion_gen", -(10**30), "out_of_range"),
    (Household, "deletion_gen", -1, "out_of_range"),  # a generation counts up from 0
    (Household, "deletion_gen", 1.5, "bad_type"),
    (Household, "deletion_gen", True, "bad_type"),
    (Case, "latitude", math.nan, "not_finite"),
    (Case, "latitude", -math.inf, "not_finite"),
    (Person, "name", "李\ud800四", "bad_chars"),
    (Person, "name", "a\x00b", "bad_chars"),
    (Person, "name", "长" * 51, "too_long"),
    (Person, "name", {"nested": ["object"]}, "bad_type"),
    (Person, "name", None, "bad_type"),
    (Household, "household_no", "ABC", "bad_format"),
    (Household, "region_code", "1504221002011", "too_long"),
    (Household, "region_code", "15042210020A", "bad_format"),
    (CodeEntry, "attrs", 7, "bad_type"),  # an object: readers look keys up in it
    (CodeEntry, "attrs", ["sensitivity", 3], "bad_type"),
    (CodeEntry, "attrs", {"sensitivity": "高"}, "bad_type"),  # readers compute with it
    (CodeEntry, "attrs", {"sensitivity": True}, "bad_type"),
    (CodeEntry, "attrs", {"workday": 1}, "bad_type"),
    (CodeEntry, "attrs", {"x": math.inf}, "not_finite"),
    (AuditEntry, "record_ids", [1, {"a": 2}], "bad_type"),  # ids: the audit query answers strings
    (AuditEntry, "record_ids", {"a": "b"}, "bad_type"),
    (CodeEntry, "attrs", {"x": 2**64}, "out_of_range"),
    (CodeEntry, "attrs", {"\ud800": 1}, "bad_chars"),
    (CodeEntry, "attrs", [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]], "too_deep"),
    (Task, "due_at", "0001-01-01T00:00:00+14:00", "bad_type"),
    (Task, "due_at", "2026-02-30T09:00:00", "bad_type"),
])
def test_values_no_database_stores_are_refused_with_a_code(cls, name, value, code):
    with pytest.raises(FieldProblem) as problem:
        check(specs(cls)[name], value)
    assert problem.value.code == code


def test_good_values_pass_as_the_column_stores_them():
    assert check(specs(Household)["household_no"], "150422100201010001") == "150422100201010001"
    assert check(specs(Case)["latitude"], 42) == 42.0
    assert check(specs(Person)["name"], "𠮷田\t\u200b") == "𠮷田\t\u200b"  # rare and control characters stay
    assert check(specs(CodeEntry)["attrs"], {"sensitivity": 3, "tags": ["a", None, 1.5]}) == \
        {"sensitivity": 3, "tags": ["a", None, 1.5]}
    assert check(specs(CodeEntry)["attrs"], {"sensitivity": None, "city_review": "refuse"})["city_review"] == "refuse"


def test_a_field_declared_since_a_later_version_is_left_out_for_older_clients():
    table = Table("widgets", MetaData(), Column("id", String(36), primary_key=True),
                  Column("size", Integer), Column("weight", BigInteger, info=declare(since=2)),
                  Column("extra", JSON, info=declare(since=3)))
    widget = type("Widget", (), {"__table__": table, "__sync_entity__": "widget"})
    assert synced_since(widget, 1) == ["size"]
    assert synced_since(widget, 2) == ["size", "weight"]
    assert specs(widget)["weight"].int_range == (-(2**63), 2**63 - 1)
    newest = current_version()
    for cls in synced_models():  # this code's version knows every field; version 1 the first ones
        assert synced_since(cls, newest) == synced_columns(cls)
        assert synced_since(cls, 1) == [n for n in synced_columns(cls) if specs(cls)[n].since == 1]


def test_an_unknown_format_cannot_be_declared():
    with pytest.raises(ValueError):
        declare(format="postcode")


def test_the_register_services_and_as_you_type_checks_read_the_declaration():
    """Label, length and code table are declared once on the column; the person and household
    services, the form's as-you-type check and the wire all answer from that one declaration."""
    from app.client.register import check_household_field, check_person_field
    from app.errors import ValidationError
    from app.services.households import EDITABLE_FIELDS as HOUSEHOLD_FIELDS
    from app.services.persons import EDITABLE_FIELDS as PERSON_FIELDS
    from app.services.persons import clean_person_fields

    for cls, editable in ((Person, PERSON_FIELDS), (Household, HOUSEHOLD_FIELDS)):
        undeclared = [f for f in editable if f not in ("grid_code", "household_no") and not specs(cls)[f].label]
        assert undeclared == [], f"{cls.__name__}: fields the forms edit without a declared label"
    notes = specs(Person)["notes"]
    assert (notes.label, notes.max_length) == ("备注", 2000)
    with pytest.raises(ValidationError) as refused:
        clean_person_fields({"notes": "记" * (notes.max_length + 1)}, dt.date(2026, 12, 6))
    assert "备注" in refused.value.message() and "2000" in refused.value.message()
    with pytest.raises(FieldProblem):  # the wire holds the same line
        check(notes, "记" * (notes.max_length + 1))
    assert "住址" in check_household_field("address", "路" * 201, None)
    assert "文化程度" in check_person_field("education", "???")
    assert specs(Person)["status"].codes == "person_status" and specs(Person)["gender"].codes == "gender"
