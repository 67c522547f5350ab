"""Sync figures over real HTTP on loopback: a city server (`township-server serve`, SQLite file) seeded
with the demo township, and a township staff member's PC (the desktop's sync service, its own SQLite
file and an in-memory keyring). Figures: the first sync into the empty client (seconds and records/s)
beside a floor measured in the same run — the same rows read from the server database with sqlite3,
serialised to JSON with the stdlib, parsed again and bulk-inserted with executemany into a fresh
migrated client file, the least any first sync has to do; 1,000 one-field edits made on the PC and
synced up; 1,000 edits made by another device and synced down; a no-op round trip (median of
several); with 2,000 photos attached and uploaded, another PC's first sync (records only, no
previews) beside the first one without them, and its next cycle fetching the 2,000 thumbnails. `ServerLab` (seed, serve, stop) is shared with the server-load group."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench.common import BenchConfig, Figure, median, timed_both

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-pass-2026"
TOWNSHIP = "150422100"
STAFF = "demo_staff"  # the seeded township staff member: the whole township is in scope
EDITS = 1_000
ATTACHMENTS = 2_000
_ENV = {"TD_SECRET_KEY": "bench-secret-key-not-for-production", "TD_ARGON2_TIME_COST": "1",
        "TD_ARGON2_MEMORY_KIB": "1024", "TD_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
        "TD_LOGIN_MAX_FAILURES_ADDRESS": "1000000"}


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ServerLab:
    """A city server on `database_url`: seeded with the demo township by the operator's commands,
    served by uvicorn on a free loopback port (`workers` processes), stopped by its PID."""

    workdir: Path
    database_url: str
    workers: int = 1
    url: str = ""
    env: dict = field(default_factory=dict)
    process: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, **_ENV, "DATABASE_URL": self.database_url,
                    "TD_SERVER_DATA_DIR": str(self.workdir / "server-data")}

    def seed(self, households: int) -> None:
        for argv in (["init-db"], ["import-regions"],
                     ["seed-demo", "--households", str(households), "--password", PASSWORD]):
            subprocess.run([sys.executable, "-m", "server.cli", *argv], cwd=ROOT, env=self.env, check=True,
                           capture_output=True)
        self.settle()

    def settle(self) -> None:
        """VACUUM ANALYZE a freshly seeded PostgreSQL database, as pgbench does before it measures and
        as autovacuum will have long since on a server that has run a while. Otherwise autovacuum works
        through the seed during the measurement, and its CPU counts as the requests' PostgreSQL CPU
        (a push's PostgreSQL CPU per change read 2.59 ms unsettled, 0.82 ms settled, in two runs back to back)."""
        if not self.database_url.startswith("postgresql"):
            return
        import psycopg

        with psycopg.connect(self.database_url.replace("postgresql+psycopg://", "postgresql://"),
                             autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")

    def python(self, code: str) -> str:
        """Run `code` against the server database (in a child process with the server's settings)."""
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=self.env, check=True,
                              capture_output=True, text=True)
        return done.stdout

    @contextlib.contextmanager
    def serving(self) -> Iterator[ServerLab]:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        with open(self.workdir / f"server-{port}.log", "ab") as server_log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--factory", "server.app:create_app", "--host", "127.0.0.1",
                 "--port", str(port), "--workers", str(self.workers), "--no-access-log", "--log-level",
                 "warning"], cwd=ROOT, env=self.env, stdout=server_log, stderr=subprocess.STDOUT)
        try:
            self._wait_until_up()
            yield self
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited; see {self.workdir}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError("the server did not come up")


class Pc:
    """A township PC as the desktop runs it: own database, enrolled, capturing edits."""

    def __init__(self, path: Path, url: str, username: str) -> None:
        from app.enrolment import SecretStore
        from app.sync_service import client_sync
        from db.engine import open_local, session_factory
        from sync.capture import install_capture
        from tests.client_sync_support import MemoryKeyring

        self.engine = open_local(path)
        self.sessions = session_factory(self.engine)
        self.enrolment, self.sync = client_sync(self.engine, self.sessions, SecretStore(MemoryKeyring()))
        install_capture(self.sessions, self.enrolment.device_id())
        self.enrolment.enrol(url, username, PASSWORD, device_name="基准测试电脑")

    def records(self) -> int:
        from sqlalchemy import func, select

        from db.base import synced_models

        with self.sessions() as session:
            return sum(session.scalar(select(func.count()).select_from(cls)) for cls in synced_models())

    def edit_households(self, count: int, tag: str) -> list[str]:
        """`count` households' notes changed, one change each, as the household form saves them."""
        from sqlalchemy import select

        from db.models import Household

        with self.sessions.begin() as session:
            households = session.scalars(select(Household).order_by(Household.id).limit(count)).all()
            for n, household in enumerate(households):
                household.notes = f"{tag}第{n}户走访后更新"
            return [h.id for h in households]


def plain_floor(server_db: Path, workdir: Path) -> tuple[float, float, int]:
    """(wall s, CPU s, rows): the synced tables' rows read from the server database, dumped to JSON,
    parsed and inserted with executemany into a fresh migrated client file."""
    from db.base import synced_models
    from db.engine import open_local

    target = workdir / "floor-first-sync.db"
    open_local(target).dispose()
    tables = [cls.__tablename__ for cls in synced_models()]
    rows = 0

    def move() -> None:
        nonlocal rows
        source, sink = sqlite3.connect(server_db), sqlite3.connect(target)
        try:
            with sink:
                for table in tables:
                    wanted = {r[1] for r in sink.execute(f"PRAGMA table_info({table})")}
                    columns = [r[1] for r in source.execute(f"PRAGMA table_info({table})") if r[1] in wanted]
                    names = ", ".join(f'"{c}"' for c in columns)
                    data = source.execute(f'SELECT {names} FROM "{table}"').fetchall()
                    text = json.dumps({"table": table, "columns": columns, "rows": data}, ensure_ascii=False)
                    parsed = json.loads(text)
                    sink.executemany(f'INSERT OR REPLACE INTO "{table}" ({names}) VALUES '
                                     f"({', '.join('?' * len(columns))})", parsed["rows"])
                    rows += len(data)
        finally:
            source.close()
            sink.close()

    wall, cpu = timed_both(move)
    return wall, cpu, rows


def push_as_other_device(url: str, username: str, household_ids: list[str]) -> int:
    """Another device edits the households' notes: raw wire changes pushed over HTTP; accepted count."""
    from db.ids import new_id
    from sync.wire import SCHEMA_VERSION

    device = str(uuid.uuid4())
    r = requests.post(url + "/api/v1/login", json={"username": username, "password": PASSWORD,
                                                   "device_id": device, "device_name": "另一台电脑"}, timeout=60)
    r.raise_for_status()
    headers = {"Authorization": f"Bearer {r.json()['token']}", "X-Schema-Version": str(SCHEMA_VERSION)}
    accepted = 0
    for start in range(0, len(household_ids), 500):
        changes = []
        for seq, hid in enumerate(household_ids[start:start + 500], start + 1):
            ms = int(time.time() * 1000)
            changes.append({"change_id": new_id(), "device_id": device, "device_seq": seq, "entity": "household",
                            "record_id": hid, "op": "upsert", "fields": {"notes": f"另一台电脑第{seq}次修改"},
                            "base": {}, "hlc": f"{ms:013d}-{0:05d}-{device}", "schema_version": SCHEMA_VERSION})
        answer = requests.post(url + "/api/v1/sync/push", json={"changes": changes}, headers=headers, timeout=300)
        answer.raise_for_status()
        accepted += sum(1 for res in answer.json()["results"] if res.get("outcome") != "rejected")
    return accepted


def run(cfg: BenchConfig) -> Iterator[Figure]:
    lab = ServerLab(cfg.workdir / "sync", f"sqlite:///{cfg.workdir / 'sync' / 'city.db'}")
    log(f"# sync: seeding the city server with {cfg.households} households")
    lab.seed(cfg.households)
    edits = min(EDITS, max(10, cfg.households // 2))
    with lab.serving():
        pc = Pc(lab.workdir / "pc.db", lab.url, STAFF)
        wall, cpu = timed_both(pc.sync.sync_now)
        wall_first = wall
        records = pc.records()
        cfg.sync_first_sync_seconds = wall  # the peer group compares PouchDB with it
        floor_wall, floor_cpu, floor_rows = plain_floor(lab.workdir / "city.db", lab.workdir)
        yield Figure("sync_first_sync", wall, "s", floor_wall)
        yield Figure("sync_first_sync_cpu_client", cpu, "s", floor_cpu)
        yield Figure("sync_first_sync_records_per_s", records / wall, "records/s", floor_rows / floor_wall)
        yield Figure("sync_first_sync_records", records, "records")
        pc.sync.sync_now()  # settles the snapshot's tail before the incremental figures
        ids = pc.edit_households(edits, "基准")
        wall, cpu = timed_both(pc.sync.sync_now)
        yield Figure(f"sync_incremental_up_{len(ids)}_edits", wall, "s")
        yield Figure(f"sync_incremental_up_{len(ids)}_edits_cpu_client", cpu, "s")
        accepted = push_as_other_device(lab.url, STAFF, ids)
        wall, cpu = timed_both(pc.sync.sync_now)
        yield Figure(f"sync_incremental_down_{accepted}_edits", wall, "s")
        yield Figure(f"sync_incremental_down_{accepted}_edits_cpu_client", cpu, "s")
        samples = []
        for _ in range(5 if cfg.quick else 15):
            samples.append(timed_both(pc.sync.sync_now)[0] * 1000)
        yield Figure("sync_noop_round_trip_p50", median(samples), "ms")
        yield from attachment_figures(lab, pc, wall_first, ATTACHMENTS if not cfg.quick else 200)
        pc.engine.dispose()


def attachment_figures(lab: ServerLab, pc: Pc, first_wall: float, count: int) -> Iterator[Figure]:
    """`count` photos attached on the PC and uploaded; then another PC's first sync, which takes the
    attachment records but no previews, beside this PC's first sync without them (the floor; target
    ≤ 1.1×), and the next cycle that fetches the `count` thumbnails."""
    import io

    from PIL import Image
    from sqlalchemy import select

    from app.attachments.files import prepare
    from app.attachments.service import AttachmentService
    from app.services.context import Actor
    from db.client import BlobTransfer
    from db.models import Household
    from sync.attachments import blob_dir_for

    service = AttachmentService(pc.sessions, Actor(STAFF, "township_staff", TOWNSHIP), blob_dir_for(pc.engine))
    with pc.sessions() as session:
        owners = list(session.scalars(select(Household.id).order_by(Household.id).limit(count)))
    folder = lab.workdir / "photos"
    folder.mkdir(exist_ok=True)
    for n in range(count):
        image = Image.new("RGB", (640, 480), ((n * 37) % 256, (n * 91) % 256, (n * 13) % 256))
        image.paste((255, 255, 255), (8 * (n % 80), 8 * (n // 80), 8 * (n % 80) + 8, 8 * (n // 80) + 8))  # each its own
        path = folder / f"IMG_{n:05d}.jpg"
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=80)
        path.write_bytes(buffer.getvalue())
        service.keep("household", owners[n % len(owners)], prepare(path), caption=f"走访照片{n}")
    log(f"# sync: uploading {count} photos")
    for _cycle in range(50):
        pc.sync.sync_now()
        with pc.sessions() as session:
            if not session.scalar(select(BlobTransfer.attachment_id).where(BlobTransfer.state != "uploaded").limit(1)):
                break
    (lab.workdir / "pc2").mkdir(exist_ok=True)  # its own folder: attachment files live beside the database
    other = Pc(lab.workdir / "pc2" / "pc.db", lab.url, STAFF)
    wall = timed_both(other.sync.sync_now)[0]
    yield Figure(f"sync_first_sync_with_{count}_attachments", wall, "s", first_wall)
    thumbs = timed_both(other.sync.sync_now)[0]
    kept = len(list(blob_dir_for(other.engine).glob("*"))) if blob_dir_for(other.engine).is_dir() else 0
    yield Figure(f"sync_next_cycle_{count}_thumbnails", thumbs, "s")
    yield Figure("sync_thumbnails_fetched", kept, "files")
    other.engine.dispose()


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    config = BenchConfig.quick_sizes() if quick else BenchConfig()
    for figure in run(config):
        print(figure.line(), flush=True)
