"""Server configuration: declared once, typed, with defaults, read from the environment or a TOML file.

Precedence: environment variables (TD_*, DATABASE_URL) over the TOML file named by TD_SERVER_CONFIG
(or `--config`) over defaults. The embedded default database is a SQLite file in the platform's
user data directory, so `township-server init-db && township-server serve` works with no setup; a
city data centre points DATABASE_URL at PostgreSQL (postgresql+psycopg://…). When no secret key is
configured one is generated once and kept (mode 0600) beside the default database, so tokens and
channel keys survive restarts.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from platformdirs import user_data_dir


def data_dir() -> Path:
    return Path(os.environ.get("TD_SERVER_DATA_DIR") or user_data_dir("township-server", "TownshipDesk"))


@dataclass(frozen=True)
class Settings:
    database_url: str = ""
    secret_key: str = ""
    token_lifetime_hours: int = 24 * 30  # a village laptop may stay offline for weeks
    max_body_bytes: int = 8 * 1024 * 1024
    max_bundle_bytes: int = 64 * 1024 * 1024  # a USB bundle may carry weeks of village work
    builds_dir: str = ""  # published client builds (update channel); default: "builds" in the data dir
    blob_dir: str = ""  # attachment bytes by SHA-256; default: "blobs" in the data dir (docs/SERVER.md: S3)
    max_attachment_bytes: int = 20 * 1024 * 1024  # one attachment at most this large
    max_build_bytes: int = 512 * 1024 * 1024  # a client build uploaded in the city console
    signing_key_file: str = ""  # Ed25519 key answer bundles are signed with; default: in the data dir
    min_schema_version: int = 1  # clients below this schema version are told to upgrade (HTTP 426)
    max_batch: int = 500
    max_pull_limit: int = 2000
    snapshot_chunk: int = 2000
    pull_note_seconds: int = 300  # how often a device's pull position is written (server/tombstones.py)
    login_window_seconds: int = 900
    login_max_failures_user: int = 5
    login_max_failures_address: int = 20
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    clock_skew_seconds: int = 300
    # A device creating this many persons a day whose ID number is held outside its scope: an audit alarm.
    duplicate_alarm_per_day: int = 10
    console_idle_minutes: int = 30  # a console session ends after this long without a request
    console_session_hours: int = 10  # and in any case this long after login (a working day)
    console_outcomes_seconds: int = 300  # the leader's outcome figures are recomputed at most this often
    auth_cache_seconds: int = 5  # how long a process trusts a token it checked (server.auth_cache)
    # ... and how long it keeps one while it hears every change to who may use a token (server.auth_changes)
    auth_cache_hold_seconds: int = 900
    replica_url: str = ""  # a PostgreSQL hot standby that serves pulls and snapshots (server.replica)
    replica_wait_ms: int = 500  # how long a read waits for the standby to catch up before using the primary
    log_level: str = "INFO"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


_ENV_NAMES = {f.name: "TD_" + f.name.upper() for f in fields(Settings)}
_ENV_NAMES["database_url"] = "DATABASE_URL"


def _coerce(name: str, raw: object) -> object:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    if kind == "int":
        return int(raw)  # type: ignore[arg-type]
    return str(raw)


def load_settings(config_file: str | Path | None = None, **overrides: object) -> Settings:
    """Settings from defaults < TOML file < environment < explicit overrides."""
    values: dict[str, object] = {}
    path = config_file or os.environ.get("TD_SERVER_CONFIG")
    if path:
        with open(path, "rb") as fh:
            table = tomllib.load(fh)
        known = {f.name for f in fields(Settings)}
        unknown = set(table) - known
        if unknown:
            raise ValueError(f"unknown settings in {path}: {sorted(unknown)}")
        values.update({k: _coerce(k, v) for k, v in table.items()})
    for name, env in _ENV_NAMES.items():
        if env in os.environ:
            values[name] = _coerce(name, os.environ[env])
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(**values)  # type: ignore[arg-type]
    if not settings.database_url:
        db_file = data_dir() / "city.db"
        settings = dataclasses.replace(settings, database_url=f"sqlite:///{db_file}")
    if not settings.secret_key:
        settings = dataclasses.replace(settings, secret_key=_stored_secret())
    return settings


def _stored_secret() -> str:
    path = data_dir() / "secret.key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
