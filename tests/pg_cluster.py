"""A throwaway PostgreSQL cluster of its own for tests that need what a shared test database cannot
give: WAL archiving, base backups and restores to a point in time (the restore drill), later a standby.

Runs the Debian PostgreSQL binaries as the `postgres` user (root required) in a directory under /tmp
(pytest's own temporary directories are private to root), on a free loopback port, with trust
authentication for 127.0.0.1 only — a test cluster, never a production setting."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PGBIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None) \
    if Path("/usr/lib/postgresql").exists() else None


def available() -> bool:
    return PGBIN is not None and os.geteuid() == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, text=True,
                          **kw)


def scratch_dir(prefix: str) -> Path:
    """A directory the postgres user may use (and root may clean up)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    shutil.chown(path, "postgres")
    return path


class PgCluster:
    """One cluster: `data` is its data directory; `archive`, when given, receives its WAL."""

    def __init__(self, data: Path, port: int | None = None, archive: Path | None = None) -> None:
        self.data, self.port, self.archive = data, port or _free_port(), archive
        self.log = data.parent / f"{data.name}.log"

    @classmethod
    def create(cls, root: Path, archive: Path | None = None) -> PgCluster:
        cluster = cls(root / "data", archive=archive)
        _as_postgres(str(PGBIN / "initdb"), "-D", str(cluster.data), "-U", "postgres", "--auth=trust",
                     "-E", "UTF8", "--locale=C.UTF-8")
        settings = {"listen_addresses": "'127.0.0.1'", "port": str(cluster.port), "fsync": "off",
                    "unix_socket_directories": f"'{root}'", "wal_level": "replica", "max_wal_senders": "4"}
        if archive is not None:
            settings.update(archive_mode="on", archive_timeout="60",
                            archive_command=f"'test ! -f {archive}/%f && cp %p {archive}/%f'")
        cluster.configure(**settings)
        return cluster

    def configure(self, **settings: str) -> None:
        with (self.data / "postgresql.conf").open("a") as conf:
            for name, value in settings.items():
                conf.write(f"{name} = {value}\n")

    def start(self) -> None:
        _as_postgres(str(PGBIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "120", "start")

    def stop(self, mode: str = "fast") -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            _as_postgres(str(PGBIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> list[tuple]:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database,
                             autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def switch_wal(self) -> None:
        """Close the current WAL segment so the archive holds everything written so far."""
        self.execute("SELECT pg_switch_wal()")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            last, = self.execute("SELECT last_archived_wal FROM pg_stat_archiver")[0]
            current, = self.execute("SELECT pg_walfile_name(pg_current_wal_lsn())")[0]
            if last is not None and last < current:
                return
            time.sleep(0.2)
        raise RuntimeError("WAL was not archived in time")

    def base_backup(self, target: Path, label: str = "drill") -> None:
        """pg_basebackup as the docs tell a city to run it (WAL from the archive, not in the backup)."""
        _as_postgres(str(PGBIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                     "-D", str(target), "-X", "none", "-c", "fast", "-l", label)

    @classmethod
    def restore(cls, backup: Path, root: Path, archive: Path, target_time: str | None = None,
                immediate: bool = False) -> PgCluster:
        """A new cluster from a base backup, replaying archived WAL (to `target_time`, or with
        `immediate` only as far as the backup needs to be consistent — the backup itself — else to the
        end), then promoted on a new timeline — docs/OPERATIONS.md's restore."""
        data = root / "restored"
        shutil.copytree(backup, data)
        subprocess.run(["chown", "-R", "postgres:postgres", str(data)], check=True)
        os.chmod(data, 0o700)
        cluster = cls(data, archive=None)
        settings = {"port": str(cluster.port), "restore_command": f"'cp {archive}/%f %p'",
                    "recovery_target_action": "'promote'", "archive_mode": "off"}
        if target_time:
            settings["recovery_target_time"] = f"'{target_time}'"
        elif immediate:
            settings["recovery_target"] = "'immediate'"
        cluster.configure(**settings)
        (data / "recovery.signal").touch()
        subprocess.run(["chown", "postgres:postgres", str(data / "recovery.signal")], check=True)
        cluster.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                if cluster.execute("SELECT pg_is_in_recovery()")[0][0] is False:
                    return cluster
            time.sleep(0.3)
        raise RuntimeError("the restored cluster did not finish recovery:\n" + cluster.log.read_text(errors="replace"))
