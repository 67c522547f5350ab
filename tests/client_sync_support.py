"""Test helpers for client sync (engineer G's tests): an in-memory keyring backend that claims to be
secure, and a plaintext stand-in that does not."""

from __future__ import annotations

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
