"""Record history on the client beyond what the PC wrote: a record's older history is paged back
from the city server (`before`) to its creation; the feed a PC follows after each sync keeps the
history of changes it pulled, replacing its own lines of the same change, and starts at the PC's
pull cursor."""
# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

from sqlalchemy import select

from app.client.history import FEED_KEY, HistoryDesk, follow_feed
from db.client import SyncState
from db.models import Household, Person
from sync.transport import TransportError
from tests.ui_support import context, demo_template  # noqa: F401


class HistoryServer:
    """The city server's history routes over a prepared log (newest last), as the route pages it."""

    def __init__(self, record_id: str, count: int) -> None:
        self.log = [{"server_seq": n, "change_id": f"c{n:05d}", "at": "2026-12-01T02:00:00Z", "username": "grid.wang",
                     "device_id": "d1", "op": "update", "origin": "edit",
                     "changes": [{"field": "address", "old": f"{n - 1}号", "new": f"{n}号"}]}
                    for n in range(1, count + 1)]
        self.record_id = record_id
        self.asked: list[dict] = []

    def request(self, method, path, *, params=None, **_kw):
        self.asked.append({"path": path, **(params or {})})
        if path == "/history/feed":
            after, limit, upper = params["after"], params["limit"], params.get("upper", len(self.log))
            newer = [e for e in self.log if after < e["server_seq"] <= upper]
            page = [{**e, "entity": "household", "record_id": self.record_id} for e in newer][:limit]
            return {"entries": page, "next": page[-1]["server_seq"] if page else max(after, upper),
                    "has_more": len(newer) > limit}
        if not path.endswith(self.record_id):
            raise TransportError("not_found", status=404)
        older = [e for e in self.log if params.get("before") is None or e["server_seq"] < params["before"]]
        return older[-params["limit"]:]


def _household(context) -> Household:
    with context.sessions() as s:
        return s.scalars(select(Household).order_by(Household.household_no)).first()


def test_older_history_is_paged_back_to_the_start(context):
    household = _household(context)
    server = HistoryServer(household.id, 1234)
    rows = HistoryDesk(context, lambda: server).fetch("household", household.id)
    address = [r for r in rows if r.field == "address"]
    assert len(address) == 1234 and address[0].new == "1234号" and address[-1].new == "1号"
    pages = [a for a in server.asked if a["path"] == f"/history/household/{household.id}"]
    assert [p.get("before") for p in pages] == [None, 735, 235]


def test_the_feed_keeps_pulled_changes_and_starts_at_the_pull_cursor(context):
    household = _household(context)
    server = HistoryServer(household.id, 1200)
    with context.sessions.begin() as s:
        s.merge(SyncState(key="cursor", value="1000"))
    assert follow_feed(context.sessions, server) == 0  # the first call only notes where to start
    with context.sessions() as s:
        assert s.get(SyncState, FEED_KEY).value == "1000"
    assert follow_feed(context.sessions, server) == 0  # the pull has not come further: nothing asked
    assert [a for a in server.asked if a["path"] == "/history/feed"] == []
    with context.sessions.begin() as s:
        s.merge(SyncState(key="cursor", value="1200"))  # a pull brought the server's changes up to 1200
    assert follow_feed(context.sessions, server) == 200
    assert {a["upper"] for a in server.asked if a["path"] == "/history/feed"} == {1200}
    rows = HistoryDesk(context).rows("household", household.id)  # offline
    pulled = [r for r in rows if r.field == "address" and r.source == "server"]
    assert len(pulled) == 200 and {r.username for r in pulled} == {"grid.wang"} and pulled[0].new == "1200号"
    assert follow_feed(context.sessions, server) == 0  # nothing new: nothing stored twice
    with context.sessions() as s:
        assert s.get(SyncState, FEED_KEY).value == "1200"
        assert s.scalar(select(Person.id).limit(1)) is not None


def test_the_feed_goes_back_with_the_pull_cursor_after_a_server_restore(tmp_path):
    """After a restore the pull cursor moves back to the restored point; the history feed follows it
    instead of waiting for the restored server to pass the number it had reached."""
    from app.client.history import FEED_KEY, follow_feed
    from db.engine import open_local, session_factory
    from sync.capture import write_state
    from sync.client import RESTORED_KEY

    sessions = session_factory(open_local(tmp_path / "pc.db"))
    with sessions.begin() as s:
        write_state(s, FEED_KEY, "500")
        write_state(s, "cursor", "300")  # pulled on from the restored point since
        write_state(s, RESTORED_KEY, "120")  # what sync/client.py notes when the server was restored

    class Feed:
        asked: list[int] = []

        def request(self, method, path, params=None, **_):
            self.asked.append(params["after"])
            return {"entries": [], "next": params["after"], "has_more": False}

    feed = Feed()
    follow_feed(sessions, feed)
    follow_feed(sessions, feed)  # once: the next follows on from where the feed got to
    assert feed.asked == [120, 120]
    with sessions() as s:
        assert s.get(SyncState, RESTORED_KEY) is None


def test_a_second_restore_before_the_feed_followed_the_first_keeps_the_lower_point(tmp_path):
    """An idle periodic sync does not follow the feed (app.sync_service._side_data_due), so a restore
    can be noted and, before the feed followed it, a second one: the feed must start again at the
    lower of the two points. The second base overwrote the first, and the history of the changes
    made between the two restores (numbers above the first base) was never fetched."""
    from app.client.history import FEED_KEY, follow_feed
    from db.engine import open_local, session_factory
    from sync.capture import write_state
    from sync.client import SyncClient
    from sync.transport import SERVER_IDENTITY, ServerIdentity

    engine = open_local(tmp_path / "pc.db")
    sessions = session_factory(engine)
    with sessions.begin() as s:
        write_state(s, FEED_KEY, "1000")
        write_state(s, "cursor", "1000")

    class Server:
        capabilities = {SERVER_IDENTITY}
        identity = ServerIdentity("city", "epoch-0", 0)
        expected_installation = known_epoch = None
        asked: list[int] = []

        def request(self, method, path, params=None, **_):
            self.asked.append(params["after"])
            return {"entries": [], "next": params["after"], "has_more": False}

    server = Server()
    client = SyncClient(engine, sessions, "pc-1", server)  # type: ignore[arg-type]
    assert not client.server_restored()  # the first identity this device sees
    server.identity = ServerIdentity("city", "epoch-1", 800)
    assert client.server_restored()
    with sessions.begin() as s:
        write_state(s, "cursor", "850")  # pulled on in the restored server; the feed was not followed
    server.identity = ServerIdentity("city", "epoch-2", 900)
    assert client.server_restored()
    follow_feed(sessions, server)
    assert server.asked == [800]
