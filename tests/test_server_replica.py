"""Pulls and snapshots from a real PostgreSQL hot standby: a primary and a standby made with
pg_basebackup (streaming replication, standby.signal) on loopback, a city server on the primary
with TD_REPLICA_URL naming the standby, and desktop clients syncing through it. A device reads its
own push at once even while the standby's replay is paused (the read goes to the primary), and
reads from the standby again once it has caught up. Needs root and PostgreSQL's binaries; marked
slow (about 30 s): `python -m pytest -m slow tests/test_server_replica.py`."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

from db.ids import new_id
from db.models import Household
from tests.server.live import free_port, live_server

PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not PG_BIN or os.geteuid() != 0,
                                                     reason="needs PostgreSQL's binaries and root")]
VILLAGE = "150422100201"
AS_PG = ["runuser", "-u", "postgres", "--"]


def _run(*argv: str) -> None:
    subprocess.run([*AS_PG, *argv], check=True, capture_output=True)


@contextlib.contextmanager
def primary_and_standby():
    """(primary URL, standby URL, standby superuser conninfo) of a fresh streaming pair."""
    pg_bin, root = str(PG_BIN[-1]), Path(tempfile.mkdtemp(prefix="td-replica-"))
    shutil.chown(root, "postgres")
    primary, standby = free_port(), free_port()
    _run(f"{pg_bin}/initdb", "-D", f"{root}/primary", "-U", "postgres", "--auth-local=trust",
         "--auth-host=trust", "-E", "UTF8", "--locale=C.UTF-8")
    with open(root / "primary" / "pg_hba.conf", "a") as hba:
        hba.write("host replication postgres 127.0.0.1/32 trust\n")
    common = f"-k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
    started = []
    try:
        _run(f"{pg_bin}/pg_ctl", "-D", f"{root}/primary", "-l", f"{root}/primary.log", "-w", "-o",
             f"-p {primary} {common} -c wal_level=replica -c max_wal_senders=4", "start")
        started.append("primary")
        subprocess.run(["psql", "-h", str(root), "-p", str(primary), "-U", "postgres", "-qc",
                        "CREATE ROLE city LOGIN PASSWORD 'citypw'", "-c", "CREATE DATABASE citydb OWNER city"],
                       check=True, capture_output=True)
        _run(f"{pg_bin}/pg_basebackup", "-h", "127.0.0.1", "-p", str(primary), "-U", "postgres",
             "-D", f"{root}/standby", "-R", "-X", "stream")  # -R: standby.signal + primary_conninfo
        _run(f"{pg_bin}/pg_ctl", "-D", f"{root}/standby", "-l", f"{root}/standby.log", "-w", "-o",
             f"-p {standby} {common} -c hot_standby=on", "start")
        started.append("standby")
        url = "postgresql+psycopg://city:citypw@127.0.0.1:{}/citydb"
        yield url.format(primary), url.format(standby), f"host=127.0.0.1 port={standby} user=postgres dbname=citydb"
    finally:
        for name in reversed(started):
            subprocess.run([*AS_PG, f"{pg_bin}/pg_ctl", "-D", f"{root}/{name}", "-m", "immediate", "stop"],
                           capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


def _replay(conninfo: str, paused: bool) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")


def _pull_all(client, cursor: int = 0) -> tuple[dict, set[str], int]:
    """(records by id, where the pages were read from, next cursor)."""
    records, sources = {}, set()
    while True:
        r = client.pull(cursor, 2000)
        assert r.status_code == 200, r.text
        sources.add(r.headers["X-TD-Read-From"])
        page = r.json()
        records.update({rec["record_id"]: rec for rec in page["records"]})
        records.update({e[1]: {"echo": e[2]} for e in page.get("echoes", [])})
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return records, sources, cursor


def test_pulls_and_snapshots_from_a_standby_never_behind_the_devices_own_push(tmp_path):
    from tests.test_client_sync_live import Client

    with primary_and_standby() as (primary_url, standby_url, standby_admin), \
            live_server(primary_url, tmp_path, TD_REPLICA_URL=standby_url, TD_REPLICA_WAIT_MS="300") as server:
        cadre = server.user_client("village_cadre", VILLAGE)
        hid = new_id()
        r = cadre.push([cadre.change("household", hid, {"household_no": f"{VILLAGE}770001",
                                                       "region_code": VILLAGE})])
        assert r.json()["results"][0]["outcome"] == "accepted"
        seen, sources, cursor = _pull_all(cadre)
        assert hid in seen and "standby" in sources  # the standby caught up within the wait

        _replay(standby_admin, paused=True)  # a standby that lags: it replays nothing
        try:
            late = new_id()
            assert cadre.push([cadre.change("household", late, {"household_no": f"{VILLAGE}770002",
                                                               "region_code": VILLAGE})]).status_code == 200
            seen, sources, cursor = _pull_all(cadre, cursor)
            assert late in seen and sources == {"primary"}  # never behind its own push
        finally:
            _replay(standby_admin, paused=False)

        # desktop clients: a first sync (snapshot) and ordinary syncs through the standby
        staff = server.add_user("township_staff", "150422100")
        one = Client(tmp_path / "one.db", server, staff)
        one.sync.sync_now()
        made = one.add_household(VILLAGE, 3, "经由备库")
        one.sync.sync_now()
        two = Client(tmp_path / "two.db", server, staff)
        two.sync.sync_now()
        with two.sessions() as s:
            assert s.get(Household, made).notes == "经由备库"
            assert s.get(Household, late) is not None and s.get(Household, hid) is not None
        _, sources, _ = _pull_all(cadre, cursor)
        assert "standby" in sources
