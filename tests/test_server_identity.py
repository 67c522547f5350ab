"""The server's identity over HTTP: every API answer names the installation and the epoch of its
database; a device naming another installation is refused; a restore starts a new epoch — by the
`restored` command, by putting back a copy from `township-server backup` (SQLite), or detected when a
device pulls from beyond the highest change held — and each start is recorded with who and why."""

from __future__ import annotations

import contextlib
import os
import re
import shutil

import requests

from db.ids import new_id
from tests.server.databases import fresh_database
from tests.server.live import live_server, server_cli
from tests.server.numbers import household_no

VILLAGE = "150422100201"


def _identity(server) -> tuple[str, str, int]:
    answer = requests.get(server.api + "/health", timeout=10)
    return (answer.headers["X-Installation-Id"], answer.headers["X-Server-Epoch"],
            int(answer.headers["X-Epoch-Base"]))


def _households(client, n: int) -> None:
    changes = [client.change("household", new_id(), {"household_no": household_no(VILLAGE), "region_code": VILLAGE,
                                                     "address": "幸福路"}) for _ in range(n)]
    answer = client.push(changes)
    assert answer.status_code == 200 and all(r["outcome"] == "accepted" for r in answer.json()["results"]), answer.text


def test_identity_headers_foreign_devices_and_the_restored_command(tmp_path):
    with fresh_database("sqlite", tmp_path) as url, live_server(url, tmp_path) as server:
        installation, epoch, base = _identity(server)
        assert _identity(server) == (installation, epoch, base)  # stable
        staff = server.user_client("township_staff", "150422100")
        foreign = requests.get(server.api + "/sync/pull", params={"cursor": 0},
                               headers={**staff.headers(), "X-Installation-Id": new_id()}, timeout=10)
        assert foreign.status_code == 409 and foreign.json()["error"]["code"] == "foreign_installation"
        assert "另一个城市服务器" in foreign.json()["error"]["message"]
        own = requests.get(server.api + "/sync/pull", params={"cursor": 0},
                           headers={**staff.headers(), "X-Installation-Id": installation}, timeout=10)
        assert own.status_code == 200 and own.headers["X-Server-Epoch"] == epoch
        _households(staff, 3)
        code, out = server_cli(url, "restored", "--reason", "restored last night's base backup", "--by", "city_admin")
        assert code == 0 and "新纪元" in out
        import time

        time.sleep(5.5)  # the workers re-read the identity every few seconds
        new_installation, new_epoch, new_base = _identity(server)
        assert new_installation == installation and new_epoch != epoch and new_base >= 3
        code, out = server_cli(url, "epochs")
        assert "restored last night's base backup" in out and "city_admin" in out


def test_a_sqlite_backup_put_back_announces_a_new_epoch(tmp_path):
    with fresh_database("sqlite", tmp_path) as url:
        db_file = url.removeprefix("sqlite:///")
        with live_server(url, tmp_path) as server:
            installation, epoch, _ = _identity(server)
            staff = server.user_client("township_staff", "150422100")
            _households(staff, 2)
            code, out = server_cli(url, "backup", str(tmp_path / "nightly.db"))
            assert code == 0 and "已备份" in out
            backed_up_to = int(re.search(r"至变更序号 (\d+)", out).group(1))
            _households(staff, 3)  # work after the backup: the restore loses it
            assert _identity(server)[1] == epoch  # taking a backup changes nothing on the running server
            head_before = staff.pull(cursor=backed_up_to).json()["next_cursor"]
            assert head_before > backed_up_to
        shutil.copyfile(tmp_path / "nightly.db", db_file)
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(db_file + suffix)
        (tmp_path / "after").mkdir()
        with live_server(url, tmp_path / "after") as restored:
            again, new_epoch, base = _identity(restored)
            assert again == installation and new_epoch != epoch
            assert base == backed_up_to < head_before  # devices re-offer what lies above the restored point
            code, out = server_cli(url, "backup", str(tmp_path / "nightly.db"))
            assert code == 2 and "不会覆盖" in out


def test_a_pull_from_beyond_the_log_starts_an_epoch_once(tmp_path):
    import time

    with fresh_database("sqlite", tmp_path) as url, live_server(url, tmp_path) as server:
        _, epoch, _ = _identity(server)
        staff = server.user_client("township_staff", "150422100")
        _households(staff, 2)
        old_client = staff.get("/sync/pull", params={"cursor": 10_000, "limit": 10})
        assert old_client.status_code == 200  # names no epoch: an older client, nothing it could act on
        time.sleep(5.5)
        assert _identity(server)[1] == epoch
        knows = requests.get(server.api + "/sync/pull", params={"cursor": 10_000, "limit": 10}, timeout=10,
                             headers={**staff.headers(), "X-Server-Epoch": epoch})
        assert knows.status_code == 200
        import time

        time.sleep(5.5)
        _, detected, _ = _identity(server)
        assert detected != epoch
        other = server.user_client("village_cadre", VILLAGE)
        again = requests.get(server.api + "/sync/pull", params={"cursor": 20_000, "limit": 10}, timeout=10,
                             headers={**other.headers(), "X-Server-Epoch": epoch})  # still names the old one
        assert again.status_code == 200  # it learns of the new epoch itself: no second one
        time.sleep(5.5)
        assert _identity(server)[1] == detected
        code, out = server_cli(url, "epochs")
        assert out.count("pulled after") == 1 and staff.device_id in out


def test_backup_refused_on_postgresql_and_check_explains_sqlite(tmp_path):
    code, out = server_cli("postgresql+psycopg://city:pw@127.0.0.1:1/none", "backup", str(tmp_path / "x.db"))
    assert code == 2 and "pg_basebackup" in out
    code, out = server_cli(f"sqlite:///{tmp_path / 'trial.db'}", "backup-check")
    assert code == 0 and "township-server backup" in out
