"""A device's pull does not send back what only its own pushes changed, exactly as sent: the record
is named in `echoes` with its seq instead. Anything the device does not already hold still comes
whole — another device's change in the range, a merge that kept another value (a review), a move."""

from __future__ import annotations

from db.client import RecordSeen
from db.ids import new_id
from db.models import Household
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.numbers import household_no

VILLAGE = "150422100206"


def _new_households(client, count: int, seqs: dict | None = None) -> list[str]:
    ids = [new_id() for _ in range(count)]
    r = client.push([client.change("household", hid, {"household_no": household_no(VILLAGE),
                                                      "region_code": VILLAGE}) for hid in ids])
    assert r.status_code == 200 and {a["outcome"] for a in r.json()["results"]} == {"accepted"}, r.text
    if seqs is not None:
        seqs.update(zip(ids, (a["server_seq"] for a in r.json()["results"]), strict=True))
    return ids


def _page(client, cursor: int) -> dict:
    r = client.pull(cursor, 2000)
    assert r.status_code == 200, r.text
    return r.json()


def test_own_changes_come_back_as_echoes_and_to_everyone_else_as_records(server):
    mine = server.user_client("village_cadre", VILLAGE)
    other = server.user_client("village_cadre", VILLAGE)
    start = mine.head()
    seqs: dict[str, int] = {}
    created = _new_households(mine, 3, seqs)
    # an edit based on the version the device holds (its base reaches the head)
    answers = mine.push([mine.change("household", created[0], {"notes": "我改的"},
                                     base={"notes": seqs[created[0]]})]).json()["results"]
    page = _page(mine, start)
    assert not {r["record_id"] for r in page["records"]} & set(created)
    echoes = {e[1]: e[2] for e in page["echoes"]}
    assert set(echoes) == set(created)
    assert echoes[created[0]] == answers[0]["server_seq"]
    assert page["next_cursor"] >= answers[0]["server_seq"]
    theirs = {r["record_id"]: r for r in _page(other, start)["records"]}
    assert set(created) <= set(theirs) and theirs[created[0]]["fields"]["notes"] == "我改的"
    assert "echoes" not in _page(other, start) or not set(created) & {e[1] for e in _page(other, start)["echoes"]}


def test_a_record_another_device_also_changed_comes_back_whole(server):
    mine = server.user_client("village_cadre", VILLAGE)
    other = server.user_client("village_cadre", VILLAGE)
    [hid] = _new_households(mine, 1)
    start = mine.head()
    assert mine.push([mine.change("household", hid, {"notes": "我的备注"})]).status_code == 200
    assert other.push([other.change("household", hid, {"address": "他填的地址"})]).status_code == 200
    page = _page(mine, start)
    [record] = [r for r in page["records"] if r["record_id"] == hid]
    assert record["fields"]["address"] == "他填的地址" and record["fields"]["notes"] == "我的备注"
    assert hid not in {e[1] for e in page.get("echoes", [])}


def test_an_edit_not_based_on_the_latest_version_comes_back_whole(server):
    """Another device changed the record after the version this device's edit was based on: the
    device may never have received that change (a pull serves a record once, at its latest
    version), so its own later edit does not make the record an echo."""
    mine = server.user_client("village_cadre", VILLAGE)
    other = server.user_client("village_cadre", VILLAGE)
    seqs: dict[str, int] = {}
    [hid] = _new_households(mine, 1, seqs)
    assert other.push([other.change("household", hid, {"address": "他填的地址"})]).status_code == 200
    between = other.head()  # past the other device's change, as a pull that never carried the record
    r = mine.push([mine.change("household", hid, {"notes": "我的备注"}, base={"notes": seqs[hid]})])
    assert r.json()["results"][0]["outcome"] == "accepted"
    page = _page(mine, between)
    [record] = [r for r in page["records"] if r["record_id"] == hid]
    assert record["fields"]["address"] == "他填的地址"


def test_a_merge_that_kept_another_value_comes_back_whole(server):
    """Two devices edit one field concurrently; the later clock wins and a review is opened. The
    loser's own change did not take effect as sent, so its pull carries the record."""
    first = server.user_client("village_cadre", VILLAGE)
    second = server.user_client("village_cadre", VILLAGE)
    [hid] = _new_households(first, 1)
    start = second.head()
    early = first.change("household", hid, {"notes": "先写的"})
    late = second.change("household", hid, {"notes": "后写的"})
    ms = int(early["hlc"][:13]) - 60_000
    late["hlc"] = f"{ms:013d}-00000-{second.device_id}"  # its clock is a minute behind: it loses
    assert first.push([early]).status_code == 200
    answer = second.push([late]).json()["results"][0]
    assert answer["outcome"] == "merged_with_conflict", answer
    page = _page(second, start)
    [record] = [r for r in page["records"] if r["record_id"] == hid]
    assert record["fields"]["notes"] == "先写的"


def test_the_desktop_client_keeps_its_values_and_notes_the_seq_of_an_echo(server, tmp_path):
    from tests.test_client_sync_live import Client

    username = server.add_user("village_cadre", VILLAGE)
    pc = Client(tmp_path / "pc.db", server, username)
    pc.sync.sync_now()
    hid = pc.add_household(VILLAGE, 7, "第一次")
    pc.sync.sync_now()
    with pc.sessions.begin() as s:
        s.get(Household, hid).notes = "第二次"
    pc.sync.sync_now()
    with server.session() as s:
        from server.store.tables import RecordVersion

        head = s.get(RecordVersion, ("household", hid))
    with pc.sessions() as s:
        assert s.get(Household, hid).notes == "第二次"
        assert s.get(RecordSeen, ("household", hid)).seq == head.server_seq
