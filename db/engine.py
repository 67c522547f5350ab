"""Engines and sessions for the local (client) database.

Opening a local database: if the file exists and is behind the migrations, it is first copied
aside (`<name>.<revision>.bak`), then upgraded to head with alembic; a new file is created at head.
SQLite runs in WAL mode with foreign keys on (deferrable FKs let a sync batch arrive in any order
within one transaction).

Encryption at rest (SQLCipher): the key is 32 random bytes used as a raw key (`x'…'`, no KDF:
it is never typed by a person, so stretching it only slows every connection). A file that is
encrypted is never opened without its key, and a wrong key raises `DatabaseLocked` before anything
touches the file, so a wrong key can never produce a new empty database."""

from __future__ import annotations

import os
import re
import secrets
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import URL, Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

import db.search_keys  # noqa: F401  (installs the search-key hook on every Session)

if TYPE_CHECKING:
    from alembic.config import Config

# alembic (with mako) costs ~0.3 s to import: a client start that finds its database at head
# reads the revision ids itself and imports alembic only when it has to migrate.
_REVISION_LINE = re.compile(r"^(down_)?revision\s*(?::[^=]*)?=\s*['\"]?([\w-]+|None)['\"]?", re.M)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_HEADER = b"SQLite format 3\x00"


class DatabaseLocked(Exception):
    """The local database is encrypted and the key is missing or wrong (`reason`: "no_key" or
    "wrong_key"). The app layer turns this into a translated message."""

    def __init__(self, reason: str, path: Path):
        super().__init__(f"{reason}: {path}")
        self.reason = reason
        self.path = path


def new_database_key() -> str:
    """A fresh SQLCipher raw key in the form SQLCipher's PRAGMA key accepts."""
    return f"x'{secrets.token_hex(32)}'"


def is_encrypted(path: str | Path) -> bool:
    """True when the file exists and is not a plain SQLite file (SQLCipher pages look random)."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return False
    with path.open("rb") as fh:
        return fh.read(16) != SQLITE_HEADER


def _cipher_connect(path: Path, key: str | None):
    import sqlcipher3

    conn = sqlcipher3.connect(str(path))
    conn.execute("PRAGMA cipher_log_level = NONE")
    if key:
        conn.execute(f'PRAGMA key = "{key}"')
    return conn


def check_key(path: str | Path, key: str | None) -> None:
    """Raise DatabaseLocked unless `key` opens the (encrypted) file at `path`."""
    path = Path(path)
    if not is_encrypted(path):
        return
    if not key:
        raise DatabaseLocked("no_key", path)
    import sqlcipher3

    conn = _cipher_connect(path, key)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        raise DatabaseLocked("wrong_key", path) from exc
    finally:
        conn.close()


def encrypt_in_place(path: str | Path, key: str) -> None:
    """Convert a plain local database into an encrypted one without losing a record.

    Exports into a new encrypted file beside it, compares every table's row count, then swaps the
    files atomically; the plain original is removed only after the swap succeeded."""
    path = Path(path)
    if is_encrypted(path):
        raise ValueError("already encrypted")
    tmp = path.with_name(path.name + ".encrypting")
    tmp.unlink(missing_ok=True)
    conn = _cipher_connect(path, None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute(f"ATTACH DATABASE ? AS encrypted KEY \"{key}\"", (str(tmp),))
        conn.execute("SELECT sqlcipher_export('encrypted')")
        user_version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        conn.execute(f"PRAGMA encrypted.user_version = {user_version}")
        tables = [r[0] for r in conn.execute("SELECT name FROM main.sqlite_master WHERE type='table'")]
        for table in tables:
            plain = conn.execute(f'SELECT count(*) FROM main."{table}"').fetchone()[0]
            copied = conn.execute(f'SELECT count(*) FROM encrypted."{table}"').fetchone()[0]
            if plain != copied:
                raise RuntimeError(f"row count differs after export in {table}")
        conn.commit()
        conn.execute("DETACH DATABASE encrypted")
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    os.replace(tmp, path)


def sqlite_url(path: str | Path, key: str | None = None) -> URL:
    if key:
        return URL.create("sqlite+pysqlcipher", password=key, database=str(Path(path).resolve()))
    return URL.create("sqlite+pysqlite", database=str(Path(path).resolve()))


def _set_sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(path: str | Path, key: str | None = None) -> Engine:
    """An engine on a local SQLite (or SQLCipher when `key` is given) file, pragmas applied."""
    # hide_parameters: SQL errors must not carry ID numbers or phones into logs and dialogs.
    engine = create_engine(sqlite_url(path, key), hide_parameters=True)
    event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """The newest revision of db/migrations, read from the revision files (a single linear history)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict((bool(kind), value) for kind, value in _REVISION_LINE.findall(path.read_text("utf-8")))
        if False in found:
            revisions.add(found[False])
            parents.add(found.get(True, "None"))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"client migrations must have exactly one head, found {sorted(heads)}")
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def open_local(path: str | Path, key: str | None = None) -> Engine:
    """Open (creating if needed) a local database and bring it to the head revision, keeping a
    copy of the previous file before any migration touches it. With a `key`, a new file is created
    encrypted and an existing plain file is converted in place first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists() and path.stat().st_size > 0
    check_key(path, key)
    if existed and key and not is_encrypted(path):
        encrypt_in_place(path, key)
    engine = make_engine(path, key)
    current = current_revision(engine)
    if current != head_revision():
        if existed:
            engine.dispose()  # checkpoint the WAL into the file before copying it
            shutil.copy2(path, path.with_name(f"{path.name}.{current or 'base'}.bak"))
        upgrade(engine)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
