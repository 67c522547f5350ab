"""The peer beside our first sync: PouchDB (npm registry: pouchdb-core with the memory adapter,
express-pouchdb as the CouchDB-protocol server, installed by `npm install` in bench/peer/) replicating
the same township records over loopback into a fresh in-memory PouchDB, timed in the same run as our
first sync. The records are the synced tables' rows of the sync group's city server (seeded here if
that group did not run), one JSON document per row with `_id` = table:id. The server is loaded before
timing starts; the figure is the replication alone. Skipped in `--quick` and where node or the npm
packages are missing (the reason is printed)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

from bench.bench_sync import ServerLab, log
from bench.common import BenchConfig, Figure

PEER = Path(__file__).resolve().parent / "peer"


def unavailable_reason() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    missing = [p for p in ("pouchdb-core", "pouchdb-adapter-memory", "express-pouchdb", "express")
               if not (PEER / "node_modules" / p).is_dir()]
    if missing:
        return f"npm packages missing ({', '.join(missing)}): run `npm install` in {PEER}"
    return None


def export_records(server_db: Path, target: Path) -> int:
    """The synced tables' rows as NDJSON documents; returns how many."""
    from db.base import synced_models

    count = 0
    conn = sqlite3.connect(server_db)
    conn.row_factory = sqlite3.Row
    try:
        with open(target, "w", encoding="utf-8") as out:
            for cls in synced_models():
                table = cls.__tablename__
                for row in conn.execute(f'SELECT * FROM "{table}"'):
                    doc = dict(row)
                    doc["_id"] = f"{table}:{doc['id']}"
                    out.write(json.dumps(doc, ensure_ascii=False) + "\n")
                    count += 1
    finally:
        conn.close()
    return count


def city_database(cfg: BenchConfig) -> Path:
    path = cfg.workdir / "sync" / "city.db"
    if not path.exists():
        log(f"# pouchdb: seeding a city server with {cfg.households} households (the sync group did not run)")
        ServerLab(cfg.workdir / "sync", f"sqlite:///{path}").seed(cfg.households)
    return path


def replicate(records: Path) -> dict:
    server = subprocess.Popen(["node", "peer.js", "serve", str(records)], cwd=PEER, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        if not line:
            raise RuntimeError("the PouchDB server did not start: " + server.stderr.read()[-2000:])
        port = json.loads(line)["port"]
        done = subprocess.run(["node", "peer.js", "replicate", f"http://127.0.0.1:{port}/township"], cwd=PEER,
                              capture_output=True, text=True, timeout=3600, check=False)
        if done.returncode != 0:
            raise RuntimeError("PouchDB replication failed: " + done.stderr[-2000:])
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(timeout=20)


def run(cfg: BenchConfig) -> Iterator[Figure]:
    if cfg.quick:
        log("# pouchdb: not in --quick (a peer comparison, needs the npm packages of bench/peer)")
        return
    reason = unavailable_reason()
    if reason:
        log(f"# pouchdb: skipped: {reason}")
        return
    records = cfg.workdir / "pouchdb-records.ndjson"
    count = export_records(city_database(cfg), records)
    log(f"# pouchdb: replicating {count} documents from express-pouchdb on loopback")
    result = replicate(records)
    yield Figure("peer_pouchdb_replication", result["seconds"], "s")
    yield Figure("peer_pouchdb_docs_per_s", result["docs"] / result["seconds"], "docs/s")
    yield Figure("peer_pouchdb_docs", result["docs"], "docs")
    ours = getattr(cfg, "sync_first_sync_seconds", None)
    if ours:
        # ours beside the peer: here the "floor" column holds PouchDB's time (target: ratio <= 0.2)
        yield Figure("peer_first_sync_ours_vs_pouchdb", ours, "s", result["seconds"])


if __name__ == "__main__":
    for figure in run(BenchConfig()):
        print(figure.line(), flush=True)
