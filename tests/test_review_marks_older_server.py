"""A PC that held its 冲突待审 marks incrementally and then meets a server whose feed carries no
marks (the city went back to an older server version after an upgrade) asks the whole list again:
otherwise no mark would ever come or go on it — a PC must not keep a mark for a resolved item."""

from __future__ import annotations

from sync.capture import read_state
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.test_client_sync_live import Client
from tests.test_review_marks_incremental import TOWNSHIP, VILLAGE_A, _conflict, _marked, older_server


def test_a_server_gone_back_to_a_feed_without_marks_is_asked_the_whole_list(server, tmp_path, monkeypatch):
    pc = Client(tmp_path / "cadre.db", server, server.add_user("village_cadre", VILLAGE_A))
    hid, item = _conflict(server, VILLAGE_A)
    pc.sync.sync_now(manual=True)
    assert hid in _marked(pc)
    with pc.sessions() as s:
        assert read_state(s, "marks_cursor") is not None  # held incrementally

    older_server(monkeypatch)
    staff = server.user_client("township_staff", TOWNSHIP)
    assert staff.post(f"/review/{item}/resolve", json={"decision": "keep_winner"}).status_code == 200
    pc.sync.sync_now(manual=True)
    assert hid not in _marked(pc)
    with pc.sessions() as s:
        assert read_state(s, "marks_cursor") is None  # back to the whole list until the feed carries them
