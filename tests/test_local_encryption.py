"""SQLCipher at rest: new encrypted files, in-place conversion keeps every record, a wrong or
missing key is refused before anything is created or changed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.engine import (
    DatabaseLocked,
    is_encrypted,
    new_database_key,
    open_local,
    session_factory,
)
from db.models import Household, Person


def _add_household(engine, name="𠮷小明"):
    with session_factory(engine)() as s, s.begin():
        hh = Household(household_no="320508019044010001", region_code="320508019044", address="养育巷1号")
        s.add(hh)
        s.flush()
        s.add(Person(household_id=hh.id, region_code=hh.region_code, name=name, id_number="11010519491231002X"))


def test_new_encrypted_database_reads_as_noise(tmp_path):
    path = tmp_path / "enc.db"
    key = new_database_key()
    engine = open_local(path, key)
    _add_household(engine)
    engine.dispose()
    raw = path.read_bytes()
    assert is_encrypted(path)
    assert "养育巷".encode() not in raw and b"11010519491231002X" not in raw


def test_plain_database_is_converted_in_place_without_losing_records(tmp_path):
    path = tmp_path / "plain.db"
    engine = open_local(path)
    for _ in range(50):
        _add_household(engine)
    engine.dispose()
    assert not is_encrypted(path)

    key = new_database_key()
    engine = open_local(path, key)
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 50
        assert s.scalar(select(Person.name).limit(1)) == "𠮷小明"
    engine.dispose()
    assert is_encrypted(path)


@pytest.mark.parametrize("key", [None, "x'" + "00" * 32 + "'"])
def test_missing_or_wrong_key_is_refused_and_file_untouched(tmp_path, key):
    path = tmp_path / "enc.db"
    engine = open_local(path, new_database_key())
    _add_household(engine)
    engine.dispose()
    before = path.read_bytes()
    with pytest.raises(DatabaseLocked) as info:
        open_local(path, key)
    assert info.value.reason == ("no_key" if key is None else "wrong_key")
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.bak"))
