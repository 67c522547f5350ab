"""A device's pull position (server.tombstones.PullNotes.write) is one upsert, on SQLite and
PostgreSQL: an UPDATE that found no row followed by an INSERT lost the race with a push creating the
device's row at the same moment (a duplicate key, and the pull answered 500). The race needs two
statements, so what is pinned is that the note is one statement, and that it keeps what a push
wrote in the row."""

from __future__ import annotations

from sqlalchemy import event, select

from db.ids import new_id
from server.store.tables import DeviceSyncState
from server.tombstones import PullNotes
from tests.test_sync_merge import server  # noqa: F401 (the fixture)


def _state(server, device: str) -> DeviceSyncState | None:  # noqa: F811
    with server() as s:
        return s.scalars(select(DeviceSyncState).where(DeviceSyncState.device_id == device)).one_or_none()


def test_a_note_is_one_statement_that_creates_or_moves_the_position(server):  # noqa: F811
    device = new_id()
    statements: list[str] = []
    engine = server.kw["bind"]
    listener = lambda *args: statements.append(args[2])  # noqa: E731 (before_cursor_execute's statement)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with server.begin() as s:
            PullNotes.write(s, device, 10)
        with server.begin() as s:
            PullNotes.write(s, device, 25)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    writes = [q for q in statements if "sync_device_state" in q]
    assert len(writes) == 2 and all(q.lstrip().upper().startswith("INSERT") for q in writes)
    state = _state(server, device)
    assert (state.pulled_to, state.last_device_seq) == (25, 0) and state.pulled_at is not None


def test_a_note_over_a_row_a_push_created_keeps_the_push_s_position(server):  # noqa: F811
    device = new_id()
    with server.begin() as push:
        push.add(DeviceSyncState(device_id=device, last_device_seq=7))
    with server.begin() as note:
        PullNotes.write(note, device, 40)
    state = _state(server, device)
    assert (state.pulled_to, state.last_device_seq) == (40, 7)
