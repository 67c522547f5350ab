"""Test databases for the server suite: a fresh SQLite file, or — when TD_TEST_PG_URL points at a
PostgreSQL cluster whose role may CREATE DATABASE — a fresh database created for the test run and
dropped afterwards, so runs never see each other's data."""

from __future__ import annotations

import contextlib
import os
import uuid

from sqlalchemy import make_url

PG_URL = os.environ.get("TD_TEST_PG_URL", "")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def _admin_conninfo(url) -> dict:
    return {"host": url.host, "port": url.port or 5432, "user": url.username,
            "password": url.password, "dbname": url.database, "autocommit": True}


@contextlib.contextmanager
def fresh_database(backend: str, tmp_path):
    """Yield a database URL that no other test has touched."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'city.db'}"
        return
    import psycopg

    base = make_url(PG_URL)
    name = f"td_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(**_admin_conninfo(base)) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        _drop(base, name)


def _drop(base, name: str) -> None:
    """Drop a test database. An autovacuum worker may still be in it (a test that wrote many rows):
    a role without pg_signal_backend cannot end it, so wait for it to finish and try again."""
    import time

    import psycopg

    for attempt in range(20):
        try:
            with psycopg.connect(**_admin_conninfo(base)) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
            if attempt == 19:
                raise
            time.sleep(0.5)
