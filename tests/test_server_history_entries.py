"""A history entry keeps the old values it replaced (sync_change_log.previous, server migration 0027):
the feed every PC follows after each sync and a record's history show old → new without reading
the record's earlier entries, so an entry costs the same on a record with a long history. Entries
from before the migration (no old values) are still replayed from the record's whole log, with the
same result as before. Written from the wire contract against a live server, SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from db.ids import new_id
from db.models import Household
from server.store.tables import ChangeLogEntry
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.test_server_hostile import household_no, results

VILLAGE = "150422104201"  # a village no other test writes in
GRID = VILLAGE + "001"


def _feed_entry(reader, seq: int) -> dict:
    feed = reader.get("/history/feed", params={"after": seq - 1, "limit": 50})
    assert feed.status_code == 200, feed.text
    [entry] = [e for e in feed.json()["entries"] if e["server_seq"] == seq]
    return {c["field"]: (c["old"], c["new"]) for c in entry["changes"]}


def _address_edits(cadre, hid: str, count: int) -> list[int]:
    seqs = []
    for n in range(1, count + 1):
        [answer] = results(cadre.push([cadre.change("household", hid, {"address": f"幸福路{n}号"})]))
        assert answer["outcome"] == "accepted", answer
        seqs.append(answer["server_seq"])
    return seqs


def _new_household(cadre) -> str:
    hid = new_id()
    [answer] = results(cadre.push([cadre.change("household", hid, {
        "household_no": household_no(VILLAGE), "region_code": VILLAGE, "grid_code": GRID, "address": "幸福路0号",
        "phone": "13912345678"})]))
    assert answer["outcome"] == "accepted", answer
    return hid


def test_an_entry_shows_its_old_values_without_the_records_earlier_entries(server):
    cadre = server.user_client("village_cadre", VILLAGE)
    hid = _new_household(cadre)
    seqs = _address_edits(cadre, hid, 12)
    [answer] = results(cadre.push([cadre.change("household", hid, {"phone": "13800001111", "address": "幸福路99号"})]))
    last = answer["server_seq"]
    with server.session() as s:  # the record's earlier entries gone: the last one still knows its old values
        s.execute(delete(ChangeLogEntry).where(ChangeLogEntry.record_id == hid, ChangeLogEntry.server_seq < last))
        s.commit()
    expected = {"address": ("幸福路12号", "幸福路99号"), "phone": ("139****5678", "138****1111")}
    assert _feed_entry(cadre, last) == expected
    [entry] = cadre.get(f"/history/household/{hid}").json()
    assert entry["server_seq"] == last and {c["field"]: (c["old"], c["new"]) for c in entry["changes"]} == expected
    assert seqs == sorted(seqs)


def test_entries_from_before_old_values_were_kept_are_replayed_as_before(server):
    cadre = server.user_client("village_cadre", VILLAGE)
    hid = _new_household(cadre)
    seqs = _address_edits(cadre, hid, 3)
    new_values = cadre.get(f"/history/household/{hid}").json()
    with server.session() as s:  # as the log of a database upgraded to migration 0027 holds them
        s.execute(update(ChangeLogEntry).where(ChangeLogEntry.record_id == hid).values(previous=None))
        s.commit()
    assert cadre.get(f"/history/household/{hid}").json() == new_values
    assert _feed_entry(cadre, seqs[1]) == {"address": ("幸福路1号", "幸福路2号")}
    older = cadre.get(f"/history/household/{hid}", params={"before": seqs[2], "limit": 1}).json()
    assert [e["server_seq"] for e in older] == [seqs[1]]
    assert {c["field"]: (c["old"], c["new"]) for c in older[0]["changes"]} == {"address": ("幸福路1号", "幸福路2号")}
    # a newer edit on that record carries its old values again; the feed mixes both kinds in one page
    [answer] = results(cadre.push([cadre.change("household", hid, {"address": "幸福路4号"})]))
    feed = cadre.get("/history/feed", params={"after": seqs[0], "limit": 50}).json()["entries"]
    mine = [(e["server_seq"], {c["field"]: (c["old"], c["new"]) for c in e["changes"]})
            for e in feed if e["record_id"] == hid]
    assert mine == [(seqs[1], {"address": ("幸福路1号", "幸福路2号")}), (seqs[2], {"address": ("幸福路2号", "幸福路3号")}),
                    (answer["server_seq"], {"address": ("幸福路3号", "幸福路4号")})]


def test_a_record_loaded_outside_the_push_shows_its_loaded_value_as_old(server):
    """A household loaded in bulk (a roster imported on the server, the seed) has no entries of its
    own; its first edit shows what the register held, not an empty old value."""
    cadre = server.user_client("village_cadre", VILLAGE)
    hid = _new_household(cadre)
    with server.session() as s:  # the value as a bulk load leaves it: in the row, not in the log
        s.execute(update(Household).where(Household.id == hid).values(address="和平街7号"))
        s.commit()
    [answer] = results(cadre.push([cadre.change("household", hid, {"address": "和平街8号"})]))
    assert _feed_entry(cadre, answer["server_seq"]) == {"address": ("和平街7号", "和平街8号")}
    with server.session() as s:
        assert s.scalar(select(ChangeLogEntry.previous).where(
            ChangeLogEntry.server_seq == answer["server_seq"])) == {"address": "和平街7号"}


def test_the_feed_goes_no_further_than_the_pcs_pull_cursor_and_does_not_work_it_out(server):
    """A PC sends its pull cursor as `upper`: the feed stops there (the next call starts from it) and
    the server reads no bound of its own — on PostgreSQL that is a read of the lock table, the
    costliest statement of a feed request under load."""
    import uuid

    from sqlalchemy import event

    from server.auth_cache import Principal
    from server.routers.history import history_feed

    cadre = server.user_client("village_cadre", VILLAGE)
    hid = _new_household(cadre)
    seqs = _address_edits(cadre, hid, 3)
    page = cadre.get("/history/feed", params={"after": seqs[0] - 1, "upper": seqs[1]}).json()
    assert [e["server_seq"] for e in page["entries"] if e["record_id"] == hid] == seqs[:2]
    assert page["next"] == seqs[1] and not page["has_more"]
    assert cadre.get("/history/feed", params={"after": seqs[1], "upper": seqs[1]}).json() == {
        "entries": [], "next": seqs[1], "has_more": False}
    assert cadre.get("/history/feed", params={"after": 0, "upper": -1}).status_code == 422
    who = Principal("u", "cadre", "village_cadre", VILLAGE, None, str(uuid.uuid4()))
    with server.session() as s:
        statements: list[str] = []
        event.listen(s.connection(), "before_cursor_execute",
                     lambda _c, _cur, statement, *_rest: statements.append(statement))
        feed = history_feed(after=seqs[1], limit=50, upper=seqs[2], who=who, session=s)
    assert [e["server_seq"] for e in feed["entries"]] == [seqs[2]]
    assert not [st for st in statements if "td_sync_upper" in st or "sync_counter" in st], statements
