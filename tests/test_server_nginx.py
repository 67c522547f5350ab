"""The pull page cache in a real nginx (Debian's, run here as root on a loopback port with the
configuration `server.nginx` writes) in front of a real city server: a full page one device pulled
is served to the next device of the same view from the cache; a device of another village (another
view) is never served it; a revoked device is refused even a cached page; the head page is never
kept. Skipped without nginx or root."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from server.nginx import nginx_config
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.server.live import free_port

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None or os.geteuid() != 0,
                                reason="needs Debian's nginx and root")
VILLAGE, OTHER_VILLAGE = "150422100207", "150422100208"
LIMIT = 40


@contextlib.contextmanager
def _nginx(tmp_path: Path, upstream: str):
    port = free_port()
    cache = tmp_path / "cache"
    cache.mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_config(upstream, f"127.0.0.1:{port}", str(cache), workers=1))
    process = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(conf), "-g",
                                f"daemon off; user root; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(url + "/api/v1/health", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _pull(url: str, client, cursor: int) -> requests.Response:
    return requests.get(url + "/api/v1/sync/pull", params={"cursor": cursor, "limit": LIMIT},
                        headers=client.headers(), timeout=30)


def test_full_pages_come_from_the_cache_per_view_and_the_token_is_still_checked(server, tmp_path):
    with _nginx(tmp_path, server.url.removeprefix("http://")) as proxy:
        first, second = (server.user_client("village_cadre", VILLAGE) for _ in range(2))
        stranger = server.user_client("village_cadre", OTHER_VILLAGE)
        a = _pull(proxy, first, 0)
        assert a.status_code == 200 and a.json()["has_more"], a.text
        assert a.headers["X-Cache-Status"] == "MISS" and "immutable" in a.headers["Cache-Control"]
        b = _pull(proxy, second, 0)
        assert b.headers["X-Cache-Status"] == "HIT" and b.content == a.content
        assert b.headers["ETag"] == a.headers["ETag"]
        # walking on from a full page's end meets cached pages too
        c = _pull(proxy, second, a.json()["next_cursor"])
        assert c.status_code == 200

        other = _pull(proxy, stranger, 0)
        assert other.status_code == 200 and other.headers["X-Cache-Status"] != "HIT"
        assert all(r["fields"].get("region_code", "").startswith((OTHER_VILLAGE, "")) for r in other.json()["records"])

        admin = server.user_client("township_admin", "150422100")
        assert admin.post(f"/devices/{second.device_id}/revoke", json={"wipe": False}).status_code == 200
        refused = _pull(proxy, second, 0)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "device_revoked"
        anonymous = {k: v for k, v in second.headers().items() if k != "Authorization"}
        assert requests.get(proxy + "/api/v1/sync/pull", params={"cursor": 0, "limit": LIMIT}, headers=anonymous,
                            timeout=30).status_code == 401

        cursor = 0
        while True:  # to the head: the head page is answered fresh every time
            page = _pull(proxy, first, cursor)
            if not page.json()["has_more"]:
                break
            cursor = page.json()["next_cursor"]
        again = _pull(proxy, first, cursor)
        assert again.headers.get("X-Cache-Status") != "HIT" and "no-store" in again.headers["Cache-Control"]
