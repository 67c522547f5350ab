"""How the client and the demo end: SIGTERM closes the window like its close button (exit 0), the
demo refuses to start without a display before it starts its server, and the demo's embedded server
stops when the process that started it is killed outright."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(TD_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT), **extra)
    return env


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for its (dead) parent's reaper counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_sigterm_closes_the_window_cleanly(tmp_path):
    client = subprocess.Popen([sys.executable, "-m", "ui.cli"], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=_env(tmp_path, QT_QPA_PLATFORM="offscreen"))
    time.sleep(1)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not (tmp_path / "data" / "township.db").exists():
        time.sleep(0.2)
    time.sleep(2)  # the window is up once the database is opened and the event loop runs
    client.send_signal(signal.SIGTERM)
    _out, err = client.communicate(timeout=30)
    assert client.returncode == 0, err
    assert "Traceback" not in err


def test_demo_without_a_display_starts_nothing(tmp_path):
    done = subprocess.run([sys.executable, "-m", "ui.cli", "demo", "--households", "40"], cwd=ROOT,
                          env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "没有可用的图形显示" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "data" / "demo" / "server.db").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="re-parenting checked on Linux")
def test_embedded_server_dies_with_a_killed_parent(tmp_path):
    launcher = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from demo.cli import _server_cli, start_server
        folder = Path({str(tmp_path / 'demo')!r}); folder.mkdir()
        _server_cli(folder, "init-db")
        server, url = start_server(folder)
        print("PID", server.pid, flush=True)
        import time; time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", launcher], cwd=ROOT, env=_env(tmp_path),
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = parent.stdout.readline()
    while line and not line.startswith("PID "):
        line = parent.stdout.readline()
    server_pid = int(line.split()[1])
    assert _alive(server_pid)
    parent.kill()  # SIGKILL: no finally, no handler runs in the parent
    parent.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _alive(server_pid):
        time.sleep(0.2)
    assert not _alive(server_pid), "the demo's server outlived the client that started it"


def test_the_one_command_demo_end_to_end(tmp_path):
    """`township-desk demo` as a new user runs it (a small township): seeds its server, logs in with the
    demo's own in-memory keyring on a machine without an OS keyring, opens the window, whose first sync
    brings the township in; SIGTERM closes it and the embedded server stops with it."""
    demo = subprocess.Popen([sys.executable, "-m", "ui.cli", "demo", "--households", "40"], cwd=ROOT,
                            env=_env(tmp_path, QT_QPA_PLATFORM="offscreen",
                                     PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        line = demo.stdout.readline()
        if not line:
            break
        seen.append(line)
        if line.startswith("演示服务器"):
            break
    assert seen and seen[-1].startswith("演示服务器 http://127.0.0.1:"), "".join(seen)
    import re

    import requests

    url = re.search(r"http://127\.0\.0\.1:\d+", seen[-1]).group(0)
    assert requests.get(url + "/api/v1/health", timeout=5).ok
    client_db = tmp_path / "data" / "demo" / "client.db"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and _households_in(client_db) == 0:
        time.sleep(0.5)  # the window's own first sync streams the township in
    assert _households_in(client_db) == 40
    demo.send_signal(signal.SIGTERM)
    rest, _ = demo.communicate(timeout=60)
    assert demo.returncode == 0, "".join(seen) + rest
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/api/v1/health", timeout=5)


def _households_in(path: Path) -> int:
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)) as db:
            return db.execute("SELECT count(*) FROM households").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_a_demo_made_by_an_older_version_is_upgraded_before_its_server_starts(tmp_path):
    """After an update, `township-desk demo` stopped at 演示服务器启动失败: the demo's server database,
    seeded by the version before, was one migration behind and the server refuses to serve an old
    schema (the reason only in server.log). The demo upgrades it first."""
    from sqlalchemy import create_engine

    from demo.cli import prepare_server
    from server.db import current_revision, head_revision, upgrade

    folder = tmp_path / "demo"
    folder.mkdir()
    engine = create_engine(f"sqlite:///{folder / 'server.db'}")
    upgrade(engine, "0026")
    (folder / "seeded").write_text("2026-12-01 09:00:00")
    prepare_server(folder, None)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_the_demo_starts_again_after_a_village_login_encrypted_its_database(tmp_path):
    """Logging in as demo_cadre or demo_grid from the demo's settings page encrypts the client database
    (village roles, app/protection.py) with a key kept in the demo's memory only; every later
    `township-desk demo` stopped with a traceback (DatabaseLocked: no_key). The demo sets the file
    aside and starts on a fresh one."""
    from db.engine import open_local

    folder = tmp_path / "data" / "demo"
    open_local(folder / "client.db", key="a-key-only-that-demo-knew").dispose()
    done = subprocess.run([sys.executable, "-m", "ui.cli", "demo", "--households", "20", "--no-window"], cwd=ROOT,
                          env=_env(tmp_path, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "client.db.locked-" in done.stdout
    assert _households_in(folder / "client.db") == 20
    assert list(folder.glob("client.db.locked-*"))


def test_a_demo_seeded_on_an_earlier_day_says_so_and_fresh_makes_todays(tmp_path, capsys):
    """The demo's work is dated as of its seed (its 'today' is the day it was generated): a later
    start says which day that was and how to get today's; --fresh seeds anew and drops the demo's
    client database, whose records belonged to the old seed."""
    from sqlalchemy import create_engine

    from demo.cli import prepare_server
    from server.db import upgrade

    folder = tmp_path / "demo"
    folder.mkdir()
    engine = create_engine(f"sqlite:///{folder / 'server.db'}")
    upgrade(engine)
    engine.dispose()
    (folder / "seeded").write_text("2026-12-01 09:00:00")
    (folder / "client.db").write_bytes(b"old")
    prepare_server(folder, None)
    said = capsys.readouterr().out
    assert "演示数据生成于 2026-12-01" in said and "--fresh" in said, said
    prepare_server(folder, 40, fresh=True)
    assert (folder / "seeded").read_text()[:10] == time.strftime("%Y-%m-%d")
    assert not (folder / "client.db").exists() and _households_in(folder / "server.db") == 40
    prepare_server(folder, None)
    assert "演示数据生成于" not in capsys.readouterr().out
