"""`township-server` end to end, as an operator runs it: init-db, import-regions, create-user,
create-channel, seed-demo (small) and serve — then the demo users log in and pull their township."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import uuid

import requests

from server.cli import main
from tests.server.live import ROOT, TEST_ENV, _wait_until_up, free_port


def cli(env: dict, *args: str) -> str:
    """One `township-server` command, run in-process (main() exactly as the entry point calls it)."""
    out = io.StringIO()
    with _environ(env), contextlib.redirect_stdout(out):
        assert main(list(args)) == 0
    return out.getvalue()


@contextlib.contextmanager
def _environ(values: dict):
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_operator_commands_give_a_working_service(tmp_path):
    env = {**os.environ, **TEST_ENV, "TD_SERVER_DATA_DIR": str(tmp_path / "data"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'city.db'}"}
    unmigrated = subprocess.run([sys.executable, "-m", "server.cli", "serve"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
    assert unmigrated.returncode == 2 and "init-db" in unmigrated.stderr  # refuses an empty database
    assert "代码表" in cli(env, "init-db")
    assert "行政区划" in cli(env, "import-regions")
    cli(env, "create-user", "li_si", "--role", "township_staff", "--scope", "150422100", "--password", "s3cret-pass")
    key = cli(env, "create-channel", "wechat", "--name", "微信服务号", "--source", "4").strip().splitlines()[-1]
    out = cli(env, "seed-demo", "--households", "40", "--password", "demo-pass-1")
    assert "demo_cadre" in out and "demo_mz" in out
    assert "已存在" in cli(env, "seed-demo", "--households", "40")  # a second run changes nothing
    port = free_port()
    with open(tmp_path / "serve.log", "wb") as log:  # the child keeps its own handle
        server = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port)], cwd=ROOT,
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base, server, tmp_path / "serve.log")
        r = requests.post(base + "/api/v1/login", json={"username": "demo_cadre", "password": "demo-pass-1",
                                                        "device_id": str(uuid.uuid4())})
        assert r.status_code == 200, r.text
        page = requests.get(base + "/api/v1/sync/pull", params={"limit": 2000}, headers={
            "Authorization": f"Bearer {r.json()['token']}", "X-Schema-Version": "1"}).json()
        village = r.json()["user"]["scope_prefix"]
        households = [x for x in page["records"] if x["entity"] == "household"]
        assert households and all(h["fields"]["region_code"].startswith(village) for h in households)
        staff = requests.post(base + "/api/v1/login", json={"username": "li_si", "password": "s3cret-pass",
                                                            "device_id": str(uuid.uuid4())})
        assert staff.status_code == 200
        assert re.fullmatch(r"tdk_[\w-]+", key)
        feed = requests.get(base + "/api/v1/intake/status", headers={"X-Api-Key": key})
        assert feed.status_code == 200
        announced = (tmp_path / "serve.log").read_text(encoding="utf-8")
        assert f"sqlite:///{tmp_path / 'city.db'}" in announced and "/api/v1/docs" in announced
        docs = requests.get(base + "/docs")  # follows the redirect to the offline Swagger UI
        assert docs.url.endswith("/api/v1/docs") and "/api/v1/docs-assets/swagger-ui-bundle.js" in docs.text
    finally:
        server.terminate()
        server.wait(timeout=10)
