"""City code tables on the server: seeded with the same stable ids the client uses, adopted by the
sync store, and a re-seed that changes an entry gives it a new server_seq so clients pull it."""

from __future__ import annotations

from sqlalchemy import select, update

import app.codes
import server.codes
from db.models import CodeEntry
from server.adopt import adopt_unversioned
from server.codes import code_entry_id, seed_city_codes
from server.db import make_server_engine, session_factory, upgrade
from server.store import current_cursor, pull
from server.store.tables import RecordVersion


def test_server_and_client_make_the_same_code_entry_ids():
    assert server.codes.CODE_NAMESPACE == app.codes.CODE_NAMESPACE
    for table, code, scope in (("case_category", "0101", ""), ("tag", "nclb", "150422100")):
        assert code_entry_id(table, code, scope) == app.codes.code_entry_id(table, code, scope)


def test_a_reseeded_entry_reaches_clients_again(tmp_path):
    engine = make_server_engine(f"sqlite:///{tmp_path / 'city.db'}")
    upgrade(engine)
    with session_factory(engine)() as s:
        inserted, _ = seed_city_codes(s)
        assert inserted > 100 and adopt_unversioned(s) == inserted
        s.commit()
        assert seed_city_codes(s) == (0, 0) and adopt_unversioned(s) == 0  # idempotent
        entry_id = code_entry_id("request_type", "3")
        s.execute(update(CodeEntry).where(CodeEntry.id == entry_id).values(label_zh="旧名称"))
        cursor = current_cursor(s)
        assert seed_city_codes(s) == (0, 1)
        s.commit()
        assert s.get(CodeEntry, entry_id).label_zh == "投诉"
        page = pull(s, "150422100201", cursor, 100)
        assert [(r.record_id, r.fields["label_zh"]) for r in page.records] == [(entry_id, "投诉")]
        assert s.scalar(select(RecordVersion.server_seq).where(RecordVersion.record_id == entry_id)) > cursor
    engine.dispose()
