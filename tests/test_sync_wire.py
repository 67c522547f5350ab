"""Wire format: round trip of typed values, and each kind of malformed change gets its own code."""

from __future__ import annotations

import datetime as dt

import pytest

from db.ids import new_id
from db.models import Case
from sync.wire import SCHEMA_VERSION, WireError, decode_value, encode_value, parse_change


def change(**overrides):
    device = new_id()
    raw = {
        "change_id": new_id(), "device_id": device, "device_seq": 1, "entity": "case",
        "record_id": new_id(), "op": "upsert",
        "fields": {"title": "路灯不亮", "status": 20, "registered_at": "2026-03-01T09:30:00",
                   "deadline_on": "2026-03-15", "latitude": 31.3, "supervised": True},
        "base": {"title": 0, "status": 4}, "hlc": f"1700000000000-00000-{device}", "schema_version": SCHEMA_VERSION,
    }
    raw.update(overrides)
    return raw


def test_valid_change_decodes_dates_times_numbers_and_rare_characters():
    parsed, decoded = parse_change(change(fields={"title": "𠮷田的诉求", "registered_at": "2026-03-01T09:30:00",
                                                  "deadline_on": "2026-03-15", "latitude": 31}))
    assert parsed.entity == "case"
    assert decoded == {"title": "𠮷田的诉求", "registered_at": dt.datetime(2026, 3, 1, 9, 30),
                       "deadline_on": dt.date(2026, 3, 15), "latitude": 31.0}
    assert encode_value(decoded["registered_at"]) == "2026-03-01T09:30:00"


def test_zoned_times_become_beijing_local_time():
    value = decode_value(Case, "registered_at", "2026-03-01T01:30:00+00:00")
    assert value == dt.datetime(2026, 3, 1, 9, 30)


@pytest.mark.parametrize(("overrides", "code"), [
    ({"entity": "spaceship"}, "unknown_entity"),
    ({"fields": {"colour": "red"}}, "unknown_field"),
    ({"base": {"colour": 1}}, "unknown_field"),
    ({"fields": {"status": "twenty"}}, "bad_type"),
    ({"fields": {"supervised": 1}}, "bad_type"),
    ({"fields": {"status": True}}, "bad_type"),
    ({"fields": {"deadline_on": "15/03/2026"}}, "bad_type"),
    ({"fields": {"title": None}}, "bad_type"),
    ({"fields": {"title": "长" * 201}}, "too_long"),
    ({"record_id": "not-a-uuid"}, "bad_id"),
    ({"change_id": new_id().upper()}, "bad_id"),
    ({"op": "truncate"}, "bad_op"),
    ({"op": "delete", "fields": {}}, "bad_change"),
    ({"device_seq": 0}, "bad_change"),
    ({"base": {"title": -1}}, "bad_change"),
    ({"hlc": "yesterday"}, "bad_hlc"),
    ({"schema_version": 99}, "schema_version"),
])
def test_malformed_changes_are_refused_with_a_machine_code(overrides, code):
    with pytest.raises(WireError) as err:
        parse_change(change(**overrides))
    assert err.value.code == code
    assert err.value.message  # a readable sentence for the user


def test_derived_columns_and_extra_keys_are_refused():
    with pytest.raises(WireError) as err:
        parse_change(change(entity="person", fields={"search_initials": "zs"}, base={}))
    assert err.value.code == "derived_field"
    raw = change()
    raw["user"] = "admin"  # the user comes from the token, never from the payload
    with pytest.raises(WireError) as err:
        parse_change(raw)
    assert err.value.code == "bad_change"


def test_oversized_json_columns_are_refused():
    with pytest.raises(WireError) as err:
        parse_change(change(entity="task", fields={"requested_fields": ["x" * 1000] * 100}, base={}))
    assert err.value.code == "too_long"


def test_payload_hash_ignores_the_change_id_only():
    a, _ = parse_change(change(change_id=new_id()))
    b, _ = parse_change({**a.to_json(), "change_id": new_id()})
    assert a.payload_hash() == b.payload_hash()
    b.fields["title"] = "别的"
    assert a.payload_hash() != b.payload_hash()
