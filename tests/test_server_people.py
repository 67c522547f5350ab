"""The name directory a client keeps for forms: `/api/v1/people` gives people's names for the
accounts within the caller's jurisdiction (and above it, and departments), never others'; the client
stores them and prints names instead of login names."""

from __future__ import annotations

from app.reference_data import people_due, store_people
from db.client import AccountName
from db.engine import open_local, session_factory
from server.accounts import create_user
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.live import PASSWORD

TOWNSHIP = "150402007"
VILLAGE = "150402007201"


def _named(server, username: str, role: str, scope: str, name: str) -> None:
    with server.session() as s:
        create_user(s, server.settings, username, PASSWORD, role, scope, None, name)
        s.commit()


def test_people_are_named_within_the_jurisdiction_only(server, tmp_path):
    _named(server, "ppl_clerk", "township_staff", TOWNSHIP, "陈晓燕")
    _named(server, "ppl_grid", "grid_worker", VILLAGE + "001", "刘志刚")
    _named(server, "ppl_far", "township_staff", "150402009", "外乡人")
    cadre = server.login(server.add_user("village_cadre", VILLAGE))
    answer = cadre.get("/people")
    assert answer.status_code == 200, answer.text
    names = {p["username"]: p["display_name"] for p in answer.json()}
    assert names["ppl_clerk"] == "陈晓燕" and names["ppl_grid"] == "刘志刚"
    assert "ppl_far" not in names
    assert set(answer.json()[0]) == {"username", "display_name"}

    sessions = session_factory(open_local(tmp_path / "client.db"))
    assert people_due(sessions, 1000.0)
    assert store_people(sessions, answer.json() + [{"username": 3}], "1000.0") == len(names)
    assert not people_due(sessions, 1000.0 + 3600) and people_due(sessions, 1000.0 + 2 * 86400)
    with sessions() as s:
        assert s.get(AccountName, "ppl_grid").display_name == "刘志刚"
