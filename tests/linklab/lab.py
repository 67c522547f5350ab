"""The link lab: a seeded city server in one namespace, the link proxy in front of it, and a village
cadre's client in the other namespace, talking over the tbf-shaped veth pair. `Lab.transfer` runs
one client command (tests/linklab/client_run.py) through a fresh proxy with the given profile and
returns what the client reported with the bytes the proxy forwarded each way.

Profiles: "weak" = 64 kbit/s each way, 800 ms round trip, a 0.4 s stall about every 4 s
(10 % of the time silent, standing in for 10 % loss); "drop" = "weak" plus the link cut once, for
`cut_seconds` (20 s in the full lab), when the bytes towards the client pass `cut_after_down`."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from tests.linklab.netns import CLIENT_ADDRESS, SERVER_ADDRESS, LinkPair, link_pair, stop
from tests.linklab.proxy import Profile

ROOT = Path(__file__).resolve().parents[2]
SERVER_PORT = 8765
PROXY_PORT = 9000
PASSWORD = "lab-pass-2026"
CADRE = "lab_cadre"  # a village cadre of the largest village, made by Lab.seed
WEAK_RATE = "64kbit"
WEAK = Profile(delay=0.4, stall_every=4.0, stall_for=0.4)
_ENV = {"TD_SECRET_KEY": "link-lab-secret-key", "TD_ARGON2_TIME_COST": "1", "TD_ARGON2_MEMORY_KIB": "1024",
        "TD_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
        "PYTHON_KEYRING_BACKEND": "tests.client_sync_support.FileKeyring"}


def drop_profile(cut_after_down: int, cut_seconds: float) -> Profile:
    return replace(WEAK, cut_after_down=cut_after_down, cut_seconds=cut_seconds)


def upload_cuts_profile(cuts_after_up: tuple[int, ...], cut_seconds: float) -> Profile:
    """"weak" with the link cut each time the bytes towards the server pass one of the counts."""
    return replace(WEAK, cut_after_up=tuple(cuts_after_up), cut_seconds=cut_seconds)


@dataclass
class Transfer:
    """One client command's report (client_run's JSON) and the proxy's byte counts."""

    report: dict
    up: int
    down: int
    resets: int
    cut_started: float
    cut_ended: float
    cuts: int = 0

    @property
    def seconds(self) -> float:
        return float(self.report["seconds"])

    def progress_moves_forward(self, phase: str) -> bool:
        done = [p[2] for p in self.report["progress"] if p[1] == phase]
        return all(b >= a for a, b in zip(done, done[1:], strict=False))


@dataclass
class Lab:
    workdir: Path
    households: int
    snapshot_chunk: int | None = None  # the server's TD_SNAPSHOT_CHUNK (CI scales it down with its data)
    pair: LinkPair | None = None
    scope: str = ""
    clients: int = 0
    env: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, **_ENV, "TD_SERVER_DATA_DIR": str(self.workdir / "server"),
                    "DATABASE_URL": f"sqlite:///{self.workdir / 'city.db'}", "TD_LAB_PASSWORD": PASSWORD}
        if self.snapshot_chunk:
            self.env["TD_SNAPSHOT_CHUNK"] = str(self.snapshot_chunk)

    def seed(self) -> None:
        """init-db, import-regions and seed-demo, as an operator would (host side, no network)."""
        for argv in (["init-db"], ["import-regions"],
                     ["seed-demo", "--households", str(self.households), "--password", PASSWORD]):
            subprocess.run([sys.executable, "-m", "server.cli", *argv], cwd=ROOT, env=self.env, check=True,
                           capture_output=True)
        done = subprocess.run([sys.executable, "-c", _SCOPE_OF_CADRE], cwd=ROOT, env=self.env, check=True,
                              capture_output=True, text=True)
        self.scope = done.stdout.strip()

    @contextlib.contextmanager
    def running(self, rate: str | None = WEAK_RATE) -> Iterator[Lab]:
        """The namespaces (shaped to `rate`) with the city server serving inside; all removed after."""
        with link_pair(rate) as pair, open(self.workdir / "server.log", "ab") as log:
            self.pair = pair
            try:
                self._serve(log)
                yield self
            finally:
                self.pair = None

    def _serve(self, log, timeout: float = 60.0) -> None:
        self._log = log
        self._server = self.pair.spawn(self.pair.server_ns, [
            sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(SERVER_PORT)],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        try:
            self._wait_for_port(self.pair.server_ns, "127.0.0.1", SERVER_PORT, timeout)
        except RuntimeError:
            log.flush()
            tail = (self.workdir / "server.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the city server did not start:\n{tail}") from None

    def backup(self, target: Path) -> None:
        """`township-server backup` of the running server's database, as the city administrator runs it."""
        subprocess.run([sys.executable, "-m", "server.cli", "backup", str(target)], cwd=ROOT, env=self.env,
                       check=True, capture_output=True)

    def restore(self, backup: Path) -> None:
        """Stop the server, put `backup` back over its database, start it again at the same address."""
        stop(self._server)
        database = self.workdir / "city.db"
        shutil.copyfile(backup, database)
        for suffix in ("-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        self._serve(self._log, timeout=300.0)  # a restored database is checked before serving

    def _wait_for_port(self, namespace: str, host: str, port: int, timeout: float = 60.0) -> None:
        probe = (f"import socket,time\nend=time.monotonic()+{timeout}\n"
                 "while time.monotonic()<end:\n"
                 f"    try: socket.create_connection(('{host}',{port}),1).close(); break\n"
                 "    except OSError: time.sleep(0.2)\nelse: raise SystemExit(1)\n")
        done = self.pair.run(namespace, [sys.executable, "-c", probe], timeout=timeout + 10)
        if done.returncode != 0:
            raise RuntimeError(f"nothing listening on {host}:{port}; see {self.workdir / 'server.log'}")

    def transfer(self, command: str, profile: Profile, client: str | None = None, count: int = 200,
                 deadline: float = 900.0, photo_bytes: int = 3_000_000) -> Transfer:
        """Run `client_run <command>` over the link behind a fresh proxy playing `profile`. A new
        `client` name means a new PC (own database and keyring); the same name reuses one."""
        assert self.pair is not None, "use inside Lab.running()"
        if client is None:
            self.clients += 1
            client = f"pc{self.clients}"
        stats = self.workdir / f"proxy-{client}-{command}.json"
        ready = stats.with_suffix(".ready")
        ready.unlink(missing_ok=True)
        proxy = self.pair.spawn(self.pair.server_ns, [
            sys.executable, "-m", "tests.linklab.proxy", "--listen", f"{SERVER_ADDRESS}:{PROXY_PORT}",
            "--upstream", f"127.0.0.1:{SERVER_PORT}", "--stats", str(stats), "--ready", str(ready),
            "--delay", str(profile.delay), "--stall-every", str(profile.stall_every),
            "--stall-for", str(profile.stall_for), "--cut-after-down", str(profile.cut_after_down),
            "--cut-seconds", str(profile.cut_seconds), "--seed", str(profile.seed),
            "--cut-after-up", ",".join(str(n) for n in profile.cut_after_up)], cwd=ROOT, env=self.env)
        try:
            self._wait_for_file(ready, proxy)
            env = {**self.env, "TD_TEST_KEYRING_FILE": str(self.workdir / f"keyring-{client}.json")}
            done = self.pair.run(self.pair.client_ns, [
                sys.executable, "-m", "tests.linklab.client_run", command, "--db",
                str(self.workdir / f"{client}.db"), "--url", f"http://{SERVER_ADDRESS}:{PROXY_PORT}",
                "--user", CADRE, "--scope", self.scope, "--count", str(count), "--deadline", str(deadline),
                "--photo-bytes", str(photo_bytes)],
                timeout=deadline + 120, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True)
        finally:
            stop(proxy)
        if done.returncode != 0:
            raise RuntimeError(f"client {command} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        counts = json.loads(stats.read_text())
        report = json.loads(done.stdout.strip().splitlines()[-1])
        return Transfer(report, counts["up"], counts["down"], counts["resets"], counts["cut_started"],
                        counts["cut_ended"], counts.get("cuts", 0))

    @staticmethod
    def _wait_for_file(path: Path, process: subprocess.Popen, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while not path.exists():
            if process.poll() is not None or time.monotonic() > end:
                raise RuntimeError("the link proxy did not start")
            time.sleep(0.05)


# The lab's cadre looks after the township's largest village (the demo cadre's may be a small one).
_SCOPE_OF_CADRE = f"""
from sqlalchemy import func, select
from db.models import Household
from server.accounts import create_user
from server.config import load_settings
from server.db import make_server_engine, session_factory
settings = load_settings()
engine = make_server_engine(settings.database_url)
with session_factory(engine)() as s:
    village = s.scalar(select(Household.region_code).group_by(Household.region_code)
                       .order_by(func.count().desc(), Household.region_code).limit(1))
    create_user(s, settings, "{CADRE}", "{PASSWORD}", "village_cadre", village)
    s.commit()
    print(village)
"""

__all__ = ["CLIENT_ADDRESS", "Lab", "Transfer", "WEAK", "drop_profile", "upload_cuts_profile"]
