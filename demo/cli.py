"""The demo's commands: `township-desk demo` (the one-command demo) and `generate-demo` (the demo
township into a local database).

`township-desk demo`: the one-command demo. It starts an embedded city server (SQLite, loopback,
a free port) in a child process, seeds the demo township and the demo users on first use (cached in
the demo folder afterwards), logs this client in as the demo township staff user and opens the
desktop client on that local database, whose first sync then streams the township in with progress
in the status bar (`--no-window` syncs here instead, with a progress line). Closing the window, a
signal, or the client's death stops the server.

Secrets: the demo token and device key live in an in-memory keyring for this process only, so the
demo works on a machine without an OS keyring and never writes a secret to a file; the client logs
in again (with the published demo password) at each start. That keyring is handed to the demo's
client explicitly and is never offered to `keyring`'s backend discovery: real enrolment uses the OS
keyring, and on a machine without one it is refused rather than kept in memory and lost."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import keyring.backend

from app import paths
from demo.accounts import DEMO_PASSWORD, DEMO_USER, desktop_accounts


class ProcessKeyring(keyring.backend.KeyringBackend):
    """Secrets held in this process's memory only (the demo's stand-in for an OS keyring).

    Every subclass of `KeyringBackend` joins keyring's list of candidates on definition; a priority
    that raises makes this one never viable there, so `keyring.get_keyring()` keeps choosing the OS
    keyring (or its fail backend) whether or not this module was imported. `memory_only` tells the
    client's keyring check that nothing is written anywhere, so it is accepted when handed over."""

    memory_only = True

    @keyring.backend.properties.classproperty
    def priority(cls) -> float:  # noqa: N805 - keyring's class property
        raise RuntimeError("the demo's in-memory keyring is used only when handed over explicitly")

    def __init__(self) -> None:
        super().__init__()
        self._values: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._values.pop((service, username), None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(folder: Path) -> dict[str, str]:
    return dict(os.environ, DATABASE_URL=f"sqlite:///{folder / 'server.db'}",
                TD_SERVER_DATA_DIR=str(folder / "server"), TD_SECRET_KEY="township-desk-demo-only")


def _server_cli(folder: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "server.cli", *args], env=_server_env(folder), check=True)


def prepare_server(folder: Path, households: int | None, fresh: bool = False) -> None:
    """Create and seed the demo server database once; a marker file records a finished seed. The
    demo's work is dated as of its seed (demo/today.py): a seed from an earlier day is said so, and
    `fresh` generates today's instead (the demo's server and client databases made anew)."""
    marker = folder / "seeded"
    if marker.exists() and fresh:
        _start_afresh(folder)
    if marker.exists():
        _upgrade_if_behind(folder)
        _say_if_seeded_earlier(marker.read_text()[:10])
        return
    (folder / "server.db").unlink(missing_ok=True)
    print("首次运行：正在生成演示乡镇（约一分钟）… / first run: generating the demo township…", flush=True)
    extra = ["--households", str(households)] if households else []
    _server_cli(folder, "seed-demo", "--password", DEMO_PASSWORD, *extra)
    marker.write_text(time.strftime("%Y-%m-%d %H:%M:%S"))


def _start_afresh(folder: Path) -> None:
    """--fresh: the demo's databases and their files go; the next lines seed today's demo."""
    import shutil

    for name in ("seeded", "server.db", "server.db-wal", "server.db-shm", "client.db", "client.db-wal",
                 "client.db-shm"):
        (folder / name).unlink(missing_ok=True)
    shutil.rmtree(folder / "server", ignore_errors=True)


def _say_if_seeded_earlier(seeded_on: str) -> None:
    today = time.strftime("%Y-%m-%d")
    if seeded_on < today:
        print(f"演示数据生成于 {seeded_on}，其中的“今天”是那一天；要今天的演示数据，请运行 township-desk demo --fresh"
              f"（重新生成，演示中做的修改不保留）。/ The demo data was generated on {seeded_on} and its "
              "'today' is that day; `township-desk demo --fresh` generates today's (the demo's edits are not kept).",
              flush=True)


def _upgrade_if_behind(folder: Path) -> None:
    """A demo seeded by an earlier version: its database is brought to this version's schema, which
    the server requires before it serves (it would refuse to start, the reason only in server.log)."""
    from sqlalchemy import create_engine

    from server.db import current_revision, head_revision

    engine = create_engine(f"sqlite:///{folder / 'server.db'}")
    try:
        behind = current_revision(engine) != head_revision()
    finally:
        engine.dispose()
    if behind:
        print("正在升级演示服务器数据库… / upgrading the demo server database…", flush=True)
        _server_cli(folder, "upgrade")


def start_server(folder: Path) -> tuple[subprocess.Popen, str]:
    import requests  # only the demo command polls the server; not imported when the parser is built

    port = _free_port()
    log = (folder / "server.log").open("ab")
    # --exit-with-parent: the server ends with this process however it ends (closed, SIGTERM, killed, crashed)
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--exit-with-parent", str(os.getpid())],
                            env=_server_env(folder), stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"演示服务器启动失败，见 {folder / 'server.log'}")
        try:
            if requests.get(f"{url}/api/v1/health", timeout=1).ok:
                return proc, url
        except requests.ConnectionError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("演示服务器在 60 秒内没有响应")


def _usable_client_database(folder: Path) -> Path:
    """The demo client's database file. One an earlier demo encrypted (a village cadre or grid worker
    logged in from its settings page, app/protection.py) cannot open again: its key lived in that
    demo's memory only, and the demo stopped with a traceback at every start after. It is set aside,
    and the demo starts on a fresh database; everything that demo synced is on the demo server."""
    from db.engine import is_encrypted

    path = folder / "client.db"
    if not is_encrypted(path):
        return path
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for suffix in ("", "-wal", "-shm"):
        old = folder / f"client.db{suffix}"
        if old.exists():
            old.rename(folder / f"client.db{suffix}.locked-{stamp}")
    print(f"上次演示中登录过村级账号，演示数据库已随之加密，密钥只在上次演示的内存里；原文件另存为 client.db.locked-{stamp}，"
          "现用新的演示数据库（同步过的数据都在演示服务器上）。/ The last demo's database was encrypted under a "
          "village login whose key lived in that demo's memory; it was set aside and the demo starts afresh.",
          flush=True)
    return path


def enrol_and_sync(folder: Path, url: str, secrets, sync_now: bool = True) -> Path:
    """Log the demo client in and (with `sync_now`) bring its local database up to date; returns its
    path. Without it the window's own first sync fetches the township, with progress in its status bar,
    so the window shows without waiting for it."""
    from app.cli_sync import ProgressBar
    from app.sync_service import client_sync
    from db.engine import open_local, session_factory
    from sync.capture import install_capture

    path = _usable_client_database(folder)
    engine = open_local(path)
    sessions = session_factory(engine)
    enrolment, sync = client_sync(engine, sessions, secrets)
    install_capture(sessions, enrolment.device_id())
    # the demo starts as its clerk, whose township holds whatever a demo account left unsent
    enrolment.enrol(url, DEMO_USER, DEMO_PASSWORD, device_name="demo", switch_with_unsent=True)
    print(f"已登录演示账号 {DEMO_USER} / logged in", flush=True)
    if sync_now:
        print("正在同步演示数据… / syncing the demo township…", flush=True)
        sync.subscribe(ProgressBar())
        sync.sync_now()
    engine.dispose()
    return path


def _cmd_demo(args: argparse.Namespace) -> int:
    from app.enrolment import SecretStore

    problem = None if args.no_window else args.display_problem()
    if problem:  # before anything starts: Qt would abort the process and leave the server behind
        from app.errors import UserFacingError

        raise UserFacingError("no_display", detail=problem)
    folder = Path(args.folder) if args.folder else paths.data_dir() / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    prepare_server(folder, args.households, args.fresh)
    server, url = start_server(folder)
    try:
        secrets = SecretStore(ProcessKeyring())
        path = enrol_and_sync(folder, url, secrets, sync_now=args.no_window)
        print(f"演示服务器 {url}；演示账号 {DEMO_USER} / {DEMO_PASSWORD}", flush=True)
        if args.no_window:
            return 0
        if args.open_window is None:
            from app.errors import UserFacingError

            raise UserFacingError("no_desktop")
        return args.open_window(database_path=path, secrets=secrets, demo_accounts=desktop_accounts(),
                                demo_password=DEMO_PASSWORD)  # named on the login form: the demo only
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def _cmd_generate_demo(args: argparse.Namespace) -> int:
    from db.engine import open_local
    from demo import generate_township

    target = Path(args.database) if args.database else paths.local_db_path()
    engine = open_local(target)
    started = time.perf_counter()
    summary = generate_township(engine, seed=args.seed, scale=args.scale)
    print(f"生成完成 / generated in {time.perf_counter() - started:.1f} s → {target}")
    if summary is not None:
        print(summary)
    return 0


def add_commands(sub) -> None:
    demo = sub.add_parser("demo", help="本机演示：启动内置城市服务器和演示乡镇并打开客户端 / one-command demo")
    demo.add_argument("--folder", help="demo data folder (default: <user data>/demo)")
    demo.add_argument("--households", type=int, help="smaller demo township (default: full size, ~12,000)")
    demo.add_argument("--no-window", action="store_true", help="prepare and sync only, do not open the window")
    demo.add_argument("--fresh", action="store_true",
                      help="generate today's demo anew (the demo's earlier edits are not kept)")
    demo.set_defaults(func=_cmd_demo)

    gen = sub.add_parser("generate-demo", help="生成演示乡镇数据 / generate the demo township into a local db")
    gen.add_argument("--database", help="SQLite file (default: the local database)")
    gen.add_argument("--seed", type=int, default=2026)
    gen.add_argument("--scale", type=float, default=1.0, help="1.0 = about 12,000 households")
    gen.set_defaults(func=_cmd_generate_demo)
