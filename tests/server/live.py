"""A real city server for tests: a fresh database (SQLite file or a new PostgreSQL database),
migrated and seeded in-process, then uvicorn started as its own process on a free loopback port and
stopped by its PID. Tests talk to it with requests and may open their own sessions on the same
database to arrange data (users, regions, records) that the API does not create."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

from server.config import Settings, load_settings
from server.db import make_server_engine, session_factory, upgrade
from sync.wire import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[2]
# Cheap argon2 for tests: the throttle and hash logic are the same, only slower in production.
TEST_ENV = {"TD_SECRET_KEY": "test-secret-key-for-the-suite", "TD_ARGON2_TIME_COST": "1",
            "TD_ARGON2_MEMORY_KIB": "1024", "TD_LOG_LEVEL": "INFO",
            # Every test client comes from 127.0.0.1: the per-address limit is tested on its own.
            "TD_LOGIN_MAX_FAILURES_ADDRESS": "100000",
            # The leader's figures live (tests check them right after making cases); the cache has its own test.
            "TD_CONSOLE_OUTCOMES_SECONDS": "0"}
PASSWORD = "correct horse 9"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    database_url: str
    settings: Settings
    process: subprocess.Popen
    log_path: Path
    engine: object = field(default=None)

    @property
    def api(self) -> str:
        return self.url + "/api/v1"

    def session(self):
        return session_factory(self.engine)()

    def add_user(self, role: str, scope: str = "", department: str | None = None,
                 username: str | None = None) -> str:
        from server.accounts import create_user

        username = username or f"{role[:6]}_{uuid.uuid4().hex[:8]}"
        with self.session() as s:
            create_user(s, self.settings, username, PASSWORD, role, scope, department)
            s.commit()
        return username

    def login(self, username: str, password: str = PASSWORD, device_id: str | None = None) -> Client:
        device_id = device_id or str(uuid.uuid4())
        r = requests.post(self.api + "/login", json={"username": username, "password": password,
                                                     "device_id": device_id, "device_name": "测试电脑"})
        assert r.status_code == 200, r.text
        return Client(self, r.json()["token"], device_id)

    def user_client(self, role: str, scope: str = "", department: str | None = None) -> Client:
        return self.login(self.add_user(role, scope, department))

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@dataclass
class Client:
    server: LiveServer
    token: str
    device_id: str
    device_seq: int = 0

    def headers(self, **extra: str) -> dict:
        return {"Authorization": f"Bearer {self.token}", "X-Schema-Version": str(SCHEMA_VERSION), **extra}

    def get(self, path: str, **kw) -> requests.Response:
        return requests.get(self.server.api + path, headers=self.headers(), timeout=60, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        headers = {**self.headers(), **kw.pop("headers", {})}
        return requests.post(self.server.api + path, headers=headers, timeout=60, **kw)

    def change(self, entity: str, record_id: str, fields: dict, op: str = "upsert",
               base: dict | None = None) -> dict:
        """A wire change from this client's device with the next device_seq."""
        from db.ids import new_id

        self.device_seq += 1
        ms = int(time.time() * 1000)
        return {"change_id": new_id(), "device_id": self.device_id, "device_seq": self.device_seq,
                "entity": entity, "record_id": record_id, "op": op, "fields": fields, "base": base or {},
                "hlc": f"{ms:013d}-{0:05d}-{self.device_id}", "schema_version": SCHEMA_VERSION}

    def push(self, changes: list[dict]) -> requests.Response:
        return self.post("/sync/push", json={"changes": changes})

    def pull(self, cursor: int = 0, limit: int = 500) -> requests.Response:
        return self.get("/sync/pull", params={"cursor": cursor, "limit": limit})

    def head(self) -> int:
        """Pull from 0 to the head of this client's view: the cursor reached."""
        cursor = 0
        while True:
            page = self.pull(cursor, 2000).json()
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return cursor


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 90  # a loaded 2-core machine starts uvicorn slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited:\n" + log_path.read_text(errors="replace"))
        with contextlib.suppress(requests.RequestException):
            if requests.get(url + "/api/v1/health", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("server did not come up:\n" + log_path.read_text(errors="replace"))


def _prepare(engine) -> None:
    """What `township-server init-db && township-server import-regions` do."""
    from resources import region_extract_file
    from server.adopt import adopt_unversioned
    from server.codes import seed_city_codes
    from server.regions import import_regions, read_region_file

    upgrade(engine)
    with session_factory(engine)() as s:
        seed_city_codes(s)
        import_regions(s, read_region_file(region_extract_file()))
        adopt_unversioned(s)
        s.commit()


@contextlib.contextmanager
def live_server(database_url: str, tmp_path: Path, port: int | None = None, **env_overrides: str):
    """Migrate `database_url`, start uvicorn on it (on `port`, else a free one), yield a LiveServer,
    stop it by PID."""
    env = {**os.environ, **TEST_ENV, "DATABASE_URL": database_url, **env_overrides,
           "TD_SERVER_DATA_DIR": str(tmp_path / "data")}
    settings_env = {k: v for k, v in env.items() if k.startswith("TD_") or k == "DATABASE_URL"}
    with _patched_environ(settings_env):
        settings = load_settings()
    engine = make_server_engine(database_url)
    _prepare(engine)
    port = port or free_port()
    log_path = tmp_path / f"server-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "server.app:create_app", "--host", "127.0.0.1",
             "--port", str(port), "--no-access-log", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", database_url, settings, process, log_path, engine)
    try:
        _wait_until_up(server.url, process, log_path)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        engine.dispose()


@contextlib.contextmanager
def app_in_process(database_url: str, tmp_path: Path, monkeypatch, **env_overrides: str):
    """The server app made in this process on `database_url` (migrated and seeded as `live_server`
    does), for a TestClient: yields (app, lab), `lab` a LiveServer without a process (to add users
    and open sessions). The app's engine is disposed at the end."""
    from server.app import create_app

    for key, value in {**TEST_ENV, "DATABASE_URL": database_url, "TD_SERVER_DATA_DIR": str(tmp_path / "data"),
                       **env_overrides}.items():
        monkeypatch.setenv(key, value)
    app = create_app(load_settings())
    try:
        _prepare(app.state.engine)
        yield app, LiveServer("", database_url, app.state.settings, None, tmp_path / "log",  # type: ignore[arg-type]
                              app.state.engine)
    finally:
        app.state.engine.dispose()


def log_in(http, username: str, device_id: str | None = None) -> dict[str, str]:
    """`username` logged in through `http` (a TestClient) as a device: its sync requests' headers."""
    login = http.post("/api/v1/login", json={"username": username, "password": PASSWORD,
                                             "device_id": device_id or str(uuid.uuid4()), "device_name": "x"})
    return {"Authorization": f"Bearer {login.json()['token']}", "X-Schema-Version": str(SCHEMA_VERSION)}


@contextlib.contextmanager
def _patched_environ(values: dict[str, str]):
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def server_cli(database_url: str, *args: str) -> tuple[int, str]:
    """`township-server ARGS` in this process against `database_url`, as an operator runs it: the exit
    code and what it printed (stdout and stderr)."""
    import io

    from server.cli import main

    out = io.StringIO()
    with _patched_environ({"DATABASE_URL": database_url}), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(out):
        code = main(list(args))
    return code, out.getvalue()
