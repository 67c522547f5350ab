"""Fuzz inside `fields`: hypothesis builds, for every synced entity, a valid record and then spoils
some of its fields with edge values for the field's kind (integers past the database column's
range, NaN and ±Infinity, lone surrogates, NUL and control characters, strings at and past their
length, wrong types, nested objects, odd dates), pushes it through the real API as a township admin
and checks what a client may rely on:
- never a 5xx, and the server answers its health check after each push;
- either the change is rejected on its own (a code, the field, nothing stored), or it is accepted
  and comes back exactly (as the declared field would store it) through pull, and — at the end of
  the module — through the snapshot in all three formats (records, rows, SQLite images).
Half the time, for entities edited after they are made, the spoiled fields go as an edit of a valid
record made first: a refused edit leaves the record exactly as it was made.
Runs on SQLite and PostgreSQL; HYPOTHESIS_PROFILE=ci fixes the seed, TD_FUZZ_EXAMPLES sizes it."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import sqlite3
import uuid

import pytest
import requests
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from db.base import model_for_entity, synced_models
from db.fields import FORMATS, check, specs
from db.ids import new_id, person_distinction_id, tag_assignment_id
from db.storage import decoders
from sync.wire import PUSH_ONLY_ENTITIES, encode_value
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.numbers import household_no

TOWNSHIP = "150422106"  # no other test writes here, so the township's snapshot is the fuzz's own
VILLAGE = "150422106201"
EXAMPLES = int(os.environ.get("TD_FUZZ_EXAMPLES", "20"))
ENTITIES = [cls.__sync_entity__ for cls in synced_models()]
# Entities whose records are edited after they are made: the fuzz also spoils an edit of a valid record.
EDITABLE = {cls.__sync_entity__ for cls in synced_models() if cls.__sync_kind__ == "record"} - PUSH_ONLY_ENTITIES
ACCEPTED: dict[str, dict[tuple[str, str], dict]] = {}  # per server: (entity, id) -> expected wire fields

# Edge values, per field kind
HUGE_INTS = st.sampled_from([2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 10**30, -(10**30)])
WEIRD_FLOATS = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -0.0, 5e-324])
NASTY_TEXT = st.text(max_size=30)  # any code point but surrogates (hypothesis' own text)
# Lone surrogates, NUL and other controls, as pieces joined (hypothesis' text cannot shrink surrogates)
CONTROL_TEXT = st.lists(st.sampled_from(["\x00", "\x01", "\x1f", "\x7f", "\ud800", "\udfff", "李", "𠮷", "\u200b",
                                         "\n", "\t", "\"", "\\", "'", "%", "_"]), max_size=12).map("".join)
WRONG_TYPES = st.one_of(st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False), st.text(max_size=5),
                        st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                               max_size=2), st.none())
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), CONTROL_TEXT, NASTY_TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(CONTROL_TEXT, inner, max_size=4)),
    max_leaves=12)


def _strings(spec) -> st.SearchStrategy:
    limit = spec.max_length or 50
    edges = [st.text(min_size=limit, max_size=limit).filter(bool) if limit <= 300 else st.just("长" * limit),
             st.just("x" * (limit + 1)), CONTROL_TEXT, NASTY_TEXT]
    if spec.format:
        edges.append(st.from_regex(FORMATS[spec.format][0], fullmatch=True))
    return st.one_of(*edges)


def edge_values(spec) -> st.SearchStrategy:
    """Values a hostile or broken client might send for this field: edge values of its kind five
    times in six, a value of another type the sixth time."""
    return st.one_of(*[_edges_of_kind(spec)] * 5, WRONG_TYPES)


def _edges_of_kind(spec) -> st.SearchStrategy:
    kind = spec.kind
    if kind == "int":
        return st.one_of(st.integers(*spec.int_range), st.integers(*spec.int_range), HUGE_INTS, WEIRD_FLOATS)
    if kind == "float":
        return st.one_of(st.floats(), WEIRD_FLOATS, HUGE_INTS, st.integers(-1000, 1000))
    if kind == "bool":
        return st.booleans()
    if kind == "date":
        return st.one_of(st.dates().map(dt.date.isoformat), st.sampled_from(["0000-01-01", "2026-02-30", "2026-3-1"]))
    if kind == "datetime":
        zones = st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=14)),
                                 dt.timezone(dt.timedelta(hours=-12))])
        return st.one_of(st.datetimes(timezones=zones).map(dt.datetime.isoformat),
                         st.sampled_from(["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "now"]))
    if kind == "json":
        return JSON_VALUES
    return _strings(spec)


@pytest.fixture(scope="module")
def admin(server):
    """A township admin of the fuzz's township (pushing from one PC, reading back from a second one,
    which is sent what the first one's own changes did), and the parents its records point at."""
    username = server.add_user("township_admin", TOWNSHIP)
    client, reader = server.login(username), server.login(username)
    ids = {name: new_id() for name in ("household", "person", "person2", "task", "task_target", "case")}
    parents = [
        client.change("household", ids["household"], {"household_no": household_no(VILLAGE), "region_code": VILLAGE}),
        client.change("person", ids["person"], {"household_id": ids["household"], "region_code": VILLAGE,
                                                "name": "模糊", "id_type": "01"}),
        client.change("person", ids["person2"], {"household_id": ids["household"], "region_code": VILLAGE,
                                                 "name": "模湖", "id_type": "01"}),
        client.change("task", ids["task"], {"task_no": "RW-FUZZ", "title": "核查", "department_code": "mz",
                                            "issued_at": "2026-03-01T09:00:00", "due_at": "2026-03-31T18:00:00",
                                            "region_code": TOWNSHIP + "000"}),
        client.change("task_target", ids["task_target"], {"task_id": ids["task"], "region_code": VILLAGE}),
        client.change("case", ids["case"], _valid("case", {})),
    ]
    answers = client.push(parents).json()["results"]
    assert {a["outcome"] for a in answers} == {"accepted"}, answers
    for change in parents:
        _expect(server, change["entity"], change["record_id"], change["fields"])
    return client, reader, ids


def _valid(entity: str, ids: dict) -> dict:
    """A valid new record of `entity` in the fuzz's village, pointing at the fuzz's parents."""
    base = {"region_code": VILLAGE}
    valid = {
        "code_entry": {"table": "tags", "code": f"f{uuid.uuid4().hex[:8]}", "label_zh": "模糊", "scope_prefix": TOWNSHIP},
        "household": {**base, "household_no": household_no(VILLAGE)},
        "person": {**base, "household_id": ids.get("household"), "name": "测试", "id_type": "99"},
        "tag_assignment": {**base, "subject_type": "person", "subject_id": ids.get("person"),
                           "tag_code": f"f{uuid.uuid4().hex[:8]}"},  # a fresh tag, so a fresh record (id from both)
        "visit": {**base, "household_id": ids.get("household"), "visited_on": "2026-03-02", "visitor": "张三"},
        "task": {"task_no": "RW-1", "title": "巡查", "department_code": "mz", "issued_at": "2026-03-01T09:00:00",
                 "due_at": "2026-03-31T18:00:00", "region_code": TOWNSHIP + "000"},
        "task_target": {**base, "task_id": ids.get("task")},
        "task_link": {**base, "target_id": ids.get("task_target"), "household_id": ids.get("household")},
        "task_feedback": {**base, "target_id": ids.get("task_target"), "at": "2026-03-03T10:00:00", "author": "李四"},
        "case": {**base, "case_no": "SJ-FUZZ", "source": "1", "request_type": "1", "category_code": "01",
                 "title": "路灯不亮", "registered_at": "2026-03-01T09:30:00"},
        "case_party": {**base, "case_id": ids.get("case"), "name": "王五"},
        "case_log": {**base, "case_id": ids.get("case"), "at": "2026-03-02T10:00:00", "actor": "张三", "action": "note"},
        "case_whistle": {**base, "case_id": ids.get("case"), "department_code": "mz",
                         "summoned_at": "2026-03-02T10:00:00"},
        "audit_entry": {**base, "at": "2026-03-02T10:00:00", "username": "fuzz", "action": "reveal"},
        "attachment": {**base, "owner_entity": "household", "owner_id": ids.get("household"), "sha256": "ab" * 32,
                       "size": 2048, "mime": "image/jpeg", "added_at": "2026-03-02T10:00:00"},
        "person_distinction": {**base, "first_person_id": ids.get("person"), "second_person_id": ids.get("person2")},
        "print_snapshot": {**base, "entity": "household", "record_id": ids.get("household"),
                           "printed_at": "2026-03-02T10:00:00", "fields": {"户主": "模糊"}},
    }
    if entity not in valid:
        pytest.fail(f"a new synced entity {entity!r}: give the fuzz a valid record of it in _valid()")
    return valid[entity]


def _expect(server, entity: str, record_id: str, fields: dict) -> None:
    cls = model_for_entity(entity)
    expected = {name: encode_value(check(specs(cls)[name], value)) for name, value in fields.items()}
    ACCEPTED.setdefault(server.url, {}).setdefault((entity, record_id), {}).update(expected)


def _new_person(server, client, ids: dict) -> str:
    pid, fields = new_id(), _valid("person", ids)
    [answer] = _push_raw(client, client.change("person", pid, fields)).json()["results"]
    assert answer["outcome"] == "accepted", answer
    _expect(server, "person", pid, fields)
    return pid


def _record_id(entity: str, fields: dict) -> str:
    derive = {"tag_assignment": (tag_assignment_id, "subject_id", "tag_code"),
              "person_distinction": (person_distinction_id, "first_person_id", "second_person_id")}
    if entity in derive:  # ids derived from content (UUIDv5), as the client makes them
        make, a, b = derive[entity]
        if isinstance(fields.get(a), str) and isinstance(fields.get(b), str):
            try:
                return make(fields[a], fields[b])
            except UnicodeEncodeError:  # a lone surrogate has no UTF-8: the server refuses the value anyway
                pass
    return new_id()


def _push_raw(client, change: dict) -> requests.Response:
    body = json.dumps({"changes": [change]}, ensure_ascii=True)  # NaN and Infinity as their JS literals
    return requests.post(client.server.api + "/sync/push", data=body.encode(), timeout=60,
                         headers=client.headers(**{"Content-Type": "application/json"}))


def _pulled(client, entity: str, record_id: str, cursor: int) -> dict | None:
    while True:
        page = client.pull(cursor, 2000).json()
        for record in page["records"]:
            if (record["entity"], record["record_id"]) == (entity, record_id):
                return record["fields"]
        if not page["has_more"]:
            return None
        cursor = page["next_cursor"]


@pytest.mark.parametrize("entity", ENTITIES)
@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          deadline=None)
@given(data=st.data())
def test_any_value_is_refused_alone_or_round_trips_exactly(server, admin, entity, data):
    client, reader, ids = admin
    cls = model_for_entity(entity)
    if entity == "person_distinction":  # its id derives from the pair: a fresh pair, so a fresh record
        ids = {**ids, "person": _new_person(server, client, ids), "person2": _new_person(server, client, ids)}
    fields = _valid(entity, ids)
    names = [n for n, s in specs(cls).items() if n != "id" and s.sync is not False]
    spoiled = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True), label="fields")
    for name in spoiled:
        fields[name] = data.draw(edge_values(specs(cls)[name]), label=name)
    cursor = reader.pull(0, 1).json()["next_cursor"] if entity not in PUSH_ONLY_ENTITIES else 0
    edit = entity in EDITABLE and data.draw(st.booleans(), label="edit of a valid record")
    if edit:  # the spoiled fields alone, as an edit (with current bases) of a valid record made first
        record_id, valid = new_id(), _valid(entity, ids)
        [made] = _push_raw(client, client.change(entity, record_id, valid)).json()["results"]
        assert made["outcome"] == "accepted", made
        _expect(server, entity, record_id, valid)
        fields = {name: fields[name] for name in spoiled}
        change = client.change(entity, record_id, fields, base=dict.fromkeys(fields, made["server_seq"]))
    else:
        record_id = _record_id(entity, fields)
        change = client.change(entity, record_id, fields)
    r = _push_raw(client, change)
    assert r.status_code == 200, (r.status_code, r.text[:500])
    [answer] = r.json()["results"]
    assert requests.get(server.api + "/health", timeout=10).status_code == 200
    event(f"{answer['outcome']} {answer.get('code') or ''}".strip())
    if answer["outcome"] == "rejected":
        assert answer["code"] and answer["message"], answer
        # a rejection uses its sequence number: the device's next change is never out of sequence
        assert answer["code"] not in ("device_seq_gap", "device_seq_reused"), answer
        if edit:  # nothing of the refused edit was written: the record is as it was made
            got, want = _pulled(reader, entity, record_id, cursor), ACCEPTED[server.url][(entity, record_id)]
            assert got is not None and {k: got[k] for k in want} == want
        elif entity not in PUSH_ONLY_ENTITIES and answer["code"] != "append_only":
            assert _pulled(reader, entity, record_id, cursor) is None or entity in ("tag_assignment", "person_distinction")
        return
    if entity in PUSH_ONLY_ENTITIES:
        return
    got = _pulled(reader, entity, record_id, cursor)
    assert got is not None
    if answer["outcome"] == "merged_with_conflict":  # a value may lose, never silently: a review item holds it
        reviews = client.get("/review", params={"limit": 1000}).json()
        assert any(item["record_id"] == record_id for item in reviews), (answer, fields)
        ACCEPTED.setdefault(server.url, {}).setdefault((entity, record_id), {}).update({k: got[k] for k in fields})
        return
    _expect(server, entity, record_id, fields)
    want = ACCEPTED[server.url][(entity, record_id)]
    assert {k: got[k] for k in want} == want


def _snapshot_lines(client, form: str) -> list[bytes]:
    r = requests.get(client.server.api + "/sync/snapshot", headers=client.headers(), params={"format": form},
                     timeout=120)
    assert r.status_code == 200
    return r.content


def _rows_to_wire(entity: str, columns: list[str], rows) -> dict[tuple[str, str], dict]:
    cls = model_for_entity(entity)
    convert = decoders(cls.__table__, columns)
    out = {}
    for row in rows:
        values = {c: (f(v) if f and v is not None else v) for c, f, v in zip(columns, convert, row, strict=True)}
        out[(entity, values["id"])] = {c: encode_value(v) for c, v in values.items()}
    return out


def _from_records(client) -> dict:
    found = {}
    for line in _snapshot_lines(client, "records").splitlines():
        for rec in json.loads(line, parse_constant=pytest.fail)["records"]:
            found[(rec["entity"], rec["record_id"])] = rec["fields"]
    return found


def _from_rows(client) -> dict:
    found = {}
    for line in _snapshot_lines(client, "rows").splitlines():
        chunk = json.loads(line, parse_constant=pytest.fail)
        if chunk.get("rows"):
            found.update(_rows_to_wire(chunk["entity"], chunk["columns"], chunk["rows"]))
    return found


def _from_images(client) -> dict:
    found, body = {}, _snapshot_lines(client, "sqlite")
    while body:
        line, _, body = body.partition(b"\n")
        header = json.loads(line)
        image, body = body[:header["bytes"]], body[header["bytes"]:]
        if not header["bytes"]:
            continue
        db = sqlite3.connect(":memory:")
        db.deserialize(image)
        columns = header["columns"]
        rows = db.execute(f"SELECT {', '.join(chr(34) + c + chr(34) for c in columns)} FROM rows").fetchall()
        found.update(_rows_to_wire(header["entity"], columns, rows))
        db.close()
    return found


def test_every_accepted_value_comes_back_in_every_snapshot_format(server, admin):
    """After the fuzz: the township's snapshot, in all three formats, holds every accepted record with
    exactly the values the fuzz expects."""
    client, _reader, _ids = admin
    accepted = ACCEPTED.get(server.url, {})
    assert accepted
    for form, found in (("records", _from_records(client)), ("rows", _from_rows(client)),
                        ("sqlite", _from_images(client))):
        for key, want in accepted.items():
            assert key in found, (form, key)
            assert {k: found[key][k] for k in want} == want, (form, key)


def test_every_reader_answers_after_the_fuzz(server, admin):
    """What the fuzz left in the database (every value a push accepted) never makes a reader fail:
    review, badges, record history and its feed, code tables, the audit query, a department's desk,
    a village's pull, and the city console's pages that list those records."""
    from tests.console_support import signed_in

    client, _reader, _ids = admin
    accepted = ACCEPTED.get(server.url, {})
    assert accepted
    city = server.user_client("city_admin")
    department = server.user_client("department", "150422", "mz")
    cadre = server.user_client("village_cadre", VILLAGE)
    calls = [(client, "/review", {"limit": 1000}), (client, "/review/marks", {}), (client, "/codes", {}),
             (client, "/people", {}), (client, "/history/feed", {"after": 0, "limit": 2000}),
             (city, "/audit", {}), (city, "/review", {"limit": 1000}), (department, "/department/tasks", {}),
             (department, "/department/cases", {}), (department, "/sync/pull", {"limit": 2000}),
             (cadre, "/sync/pull", {"limit": 5000}), (cadre, "/review/marks", {})]
    calls += [(client, f"/history/{entity}/{record_id}", {}) for entity, record_id in sorted(accepted)
              if entity in ("household", "person", "task", "task_target", "case")][:40]
    for who, path, params in calls:
        r = who.get(path, params=params)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
    console = signed_in(server, "city_admin")
    for page in ("/admin/codes", "/admin/audit", "/admin/code-tables?table=tag", "/admin/users", "/leader"):
        r = console.get(page)
        assert r.status_code == 200, (page, r.status_code)
    desk = signed_in(server, "department", "150422", "mz")
    for page in ("/dept/progress", "/dept/whistles", "/dept/catalogue"):
        r = desk.get(page)
        assert r.status_code == 200, (page, r.status_code)
