"""Capture: every ORM write to every synced model lands in the outbox in the same transaction;
derived columns never do; applying pulled data records nothing; hard and bulk deletes are refused;
the app services' write operations are captured too."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, delete, insert, select, update

from db.base import synced_columns, synced_models
from db.client import OutboxChange, RecordSeen
from db.engine import session_factory
from db.ids import new_id
from sync.capture import CaptureError, applying_pulled, install_capture, restore, tombstone

DEVICE = "0190aaaa-0000-7000-8000-000000000001"


@pytest.fixture
def sessions(engine):
    factory = session_factory(engine)
    install_capture(factory, DEVICE)
    return factory


def sample_value(col, parents: dict[str, str]):
    """A valid value for a column: a parent's id for foreign keys, else something of its type."""
    for fk in col.foreign_keys:
        return parents[fk.column.table.name]
    kind = col.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer):
        return 10
    if isinstance(kind, Float):
        return 1.5
    if isinstance(kind, DateTime):
        return dt.datetime(2026, 5, 1, 8, 30)
    if isinstance(kind, Date):
        return dt.date(2026, 5, 1)
    if isinstance(kind, JSON):
        return {}
    if col.key in ("region_code",):
        return "320508019001"
    return "样例"[: getattr(kind, "length", None) or 2]


def changed_value(col, old):
    kind = col.type
    if isinstance(kind, Boolean):
        return not old
    if isinstance(kind, Integer | Float):
        return old + 1
    if isinstance(kind, Date | DateTime):
        return old + dt.timedelta(days=1)
    if isinstance(kind, JSON):
        return {"changed": True}
    return "改"


def make_all(session) -> dict[type, object]:
    parents: dict[str, str] = {}
    made = {}
    for cls in synced_models():
        obj = cls(**{name: sample_value(cls.__table__.columns[name], parents)
                     for name in synced_columns(cls) if name not in ("deleted", "deletion_gen")})
        session.add(obj)
        session.flush()
        parents[cls.__tablename__] = obj.id
        made[cls] = obj
    return made


def outbox(session) -> list[OutboxChange]:
    return list(session.scalars(select(OutboxChange).order_by(OutboxChange.device_seq)))


def test_inserting_every_synced_model_records_all_its_synced_fields(sessions):
    with sessions() as s:
        made = make_all(s)
        s.commit()
        rows = outbox(s)
    assert [r.entity for r in rows] == [cls.__sync_entity__ for cls in made]
    for row, (cls, obj) in zip(rows, made.items(), strict=True):
        assert row.record_id == obj.id and row.op == "upsert"
        assert set(row.fields) == set(synced_columns(cls))
        assert set(row.base.values()) == {0}
    assert [r.device_seq for r in rows] == list(range(1, len(rows) + 1))
    assert [r.hlc for r in rows] == sorted(r.hlc for r in rows)


def test_updating_every_synced_model_records_only_the_changed_field(sessions):
    with sessions() as s:
        made = make_all(s)
        s.commit()
        s.execute(delete(OutboxChange))
        s.commit()
        for cls, obj in made.items():
            s.add(RecordSeen(entity=cls.__sync_entity__, record_id=obj.id, seq=7))
            name = next(n for n in synced_columns(cls) if not cls.__table__.columns[n].foreign_keys
                        and n not in ("region_code", "deleted", "deletion_gen"))
            setattr(obj, name, changed_value(cls.__table__.columns[name], getattr(obj, name)))
        s.commit()
        rows = outbox(s)
    assert len(rows) == len(made)
    for row in rows:
        assert len(row.fields) == 1 and row.base == {next(iter(row.fields)): 7}


def test_tombstones_restores_and_hard_deletes(sessions):
    with sessions() as s:
        made = make_all(s)
        s.commit()
        s.execute(delete(OutboxChange))
        s.commit()
        for obj in made.values():
            tombstone(obj)
        s.commit()
        deletes = outbox(s)
        assert {r.op for r in deletes} == {"delete"}
        assert all(r.fields == {"deleted": True, "deletion_gen": 0} for r in deletes)
        household = next(o for c, o in made.items() if c.__sync_entity__ == "household")
        restore(household)
        s.commit()
        assert outbox(s)[-1].fields == {"deleted": False, "deletion_gen": 1}
        s.delete(household)
        with pytest.raises(CaptureError):
            s.flush()


def test_derived_columns_are_never_captured(sessions):
    from db.models import Person

    with sessions() as s:
        person = Person(name="张三", region_code="320508019001")
        s.add(person)
        s.commit()
        person.name = "李四"
        s.commit()
        rows = outbox(s)
    assert person.search_initials == "ls"
    assert all(not any(f.startswith("search_") for f in r.fields) for r in rows)
    assert rows[-1].fields == {"name": "李四"}


def test_applying_pulled_data_records_nothing(sessions):
    from db.models import Household

    with sessions() as s, applying_pulled(s):
        s.add(Household(id=new_id(), household_no="3" * 18, region_code="320508019001"))
        s.commit()
        assert outbox(s) == []


def test_rollback_drops_the_outbox_row_with_the_write(sessions):
    from db.models import Household

    with sessions() as s:
        s.add(Household(household_no="3" * 18, region_code="320508019001"))
        s.flush()
        assert len(outbox(s)) == 1
        s.rollback()
        assert outbox(s) == []


def test_bulk_inserts_are_captured_and_bulk_updates_refused(sessions):
    from db.models import Household

    ids = [new_id(), new_id()]
    with sessions() as s:
        s.execute(insert(Household), [{"id": i, "household_no": "3" * 18, "region_code": "320508019001"}
                                      for i in ids])
        s.commit()
        rows = outbox(s)
        assert [r.record_id for r in rows] == ids
        assert rows[0].fields["deleted"] is False and rows[0].fields["notes"] == ""
        with pytest.raises(CaptureError):
            s.execute(update(Household).values(notes="x"))
        with pytest.raises(CaptureError):
            s.execute(insert(Household), [{"household_no": "3" * 18, "region_code": "320508019001"}])


def test_every_service_write_leaves_outbox_rows(sessions):
    """Walk the write operations of the app services present in the tree."""
    services = pytest.importorskip("app.services.households")
    from app.services.context import Actor
    from app.services.persons import PersonService
    from app.services.tags import TagService

    actor = Actor("cadre", "township_admin", "320508019", device_id=DEVICE)
    households = services.HouseholdService(sessions, actor)
    persons = PersonService(sessions, actor)
    tags = TagService(sessions, actor)

    def pending() -> int:
        with sessions() as s:
            return len(outbox(s))

    def captured(operation) -> None:
        before = pending()
        operation()
        assert pending() > before, operation

    holder = {}
    captured(lambda: holder.update(h=households.create("320508019001010001", "320508019001", address="一号")))
    hid = holder["h"].id
    captured(lambda: households.edit(hid, notes="新备注"))
    captured(lambda: households.add_visit(hid, dt.date(2026, 1, 2), findings="正常"))
    captured(lambda: holder.update(p=persons.create(hid, "王五", id_number="11010519491231002X")))
    pid = holder["p"].id
    captured(lambda: persons.edit(pid, notes="备注"))
    captured(lambda: persons.set_head(pid))
    captured(lambda: tags.tag("person", pid, _a_tag_code()))
    captured(lambda: tags.untag("person", pid, _a_tag_code()))
    captured(lambda: persons.delete(pid))
    captured(lambda: persons.restore(pid))


def _a_tag_code() -> str:
    from app.codes import CodeBook

    entries = [e for e in CodeBook.from_resources().entries("tag") if int(e.attrs.get("sensitivity", 1)) < 3]
    return entries[0].code
