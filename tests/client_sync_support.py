"""Test helpers for client sync (engineer G's tests): an in-memory keyring backend that claims to be
secure, and a plaintext stand-in that does not."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Secrets in a dict: a secure-ranked backend for tests only."""

    priority = 10

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        self.secrets.pop((service, username), None)


class PlaintextLikeKeyring(MemoryKeyring):
    """Ranks itself as keyring ranks plaintext file backends (below 1): must be refused."""

    priority = 0.5


class FileKeyring(MemoryKeyring):
    """Secrets in a JSON file named by TD_TEST_KEYRING_FILE, so separate test processes (the kill
    tests' client drivers) share one keyring. Test use only: it stores secrets in the clear."""

    priority = 1

    def _path(self) -> Path:
        return Path(os.environ["TD_TEST_KEYRING_FILE"])

    def _load(self) -> dict:
        path = self._path()
        return json.loads(path.read_text()) if path.exists() else {}

    def get_password(self, service, username):
        return self._load().get(f"{service}|{username}")

    def set_password(self, service, username, password):
        data = self._load()
        data[f"{service}|{username}"] = password
        tmp = self._path().with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(self._path())

    def delete_password(self, service, username):
        data = self._load()
        data.pop(f"{service}|{username}", None)
        self._path().write_text(json.dumps(data))


def enrolled_client(path, server, username: str):
    """A fresh PC enrolled with the live `server` as `username`, opened the way the desktop client
    opens it (app.client.startup.open_client) and synced once: its ClientServices."""
    from app.client.startup import open_client
    from app.enrolment import SecretStore
    from app.sync_service import client_sync
    from db.engine import open_local, session_factory
    from tests.server.live import PASSWORD

    store = SecretStore(MemoryKeyring())
    engine = open_local(path)
    enrolment, _sync = client_sync(engine, session_factory(engine), store)
    enrolment.enrol(server.url, username, PASSWORD, device_name="测试电脑")
    engine.dispose()
    services = open_client(path, secrets=store)
    services.sync.sync_now()
    return services


def count_requests(monkeypatch) -> list[str]:
    """The "METHOD /path" (under /api/v1, no query) of every HTTP request made through requests from
    now on, in order, as a list the caller reads and clears."""
    import requests

    asked: list[str] = []
    real = requests.Session.request

    def counting(self, method, url, *args, **kwargs):
        asked.append(f"{method} {url.split('/api/v1', 1)[-1].split('?')[0]}")
        return real(self, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", counting)
    return asked
