"""The client's copy of the region tree is replaced as a whole from the server's answer."""

from __future__ import annotations

from sqlalchemy import select

from app.reference_data import refresh_regions, store_regions
from db.engine import session_factory
from db.models import Region


class _Transport:
    def __init__(self, rows):
        self.rows = rows

    def request(self, method, path, **_):
        assert (method, path) == ("GET", "/regions")
        return self.rows


def test_regions_are_stored_and_stale_ones_removed(engine):
    sessions = session_factory(engine)
    store_regions(sessions, [{"code": "150422100999", "name": "旧村", "level": 5, "parent_code": "150422100"}])
    rows = [
        {"code": "150422100", "name": "林东镇", "level": 4, "parent_code": "150422"},
        {"code": "150422100201", "name": "某村", "level": 5, "parent_code": "150422100"},
        {"code": "bad"},  # malformed rows are ignored, not stored half
    ]
    assert refresh_regions(_Transport(rows), sessions) == 2
    with sessions() as s:
        got = dict(s.execute(select(Region.code, Region.name)).all())
    assert got == {"150422100": "林东镇", "150422100201": "某村"}
