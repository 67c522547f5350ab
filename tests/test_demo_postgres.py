"""The demo township on the city server's PostgreSQL: the COPY fast path stores exactly what the
Core insert path would, and person search works there too (strpos for instr, ids for rowids).
Runs only when TD_TEST_PG_URL points at a PostgreSQL cluster (scripts/test.sh starts one)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.server.databases import PG_URL, fresh_database

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason="TD_TEST_PG_URL not set")]
SIZES = {"households": 40, "tasks": 8, "cases": 30}


def _generate(url: str) -> dict[str, list]:
    import demo
    from server.db import make_server_engine, upgrade

    engine = make_server_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        demo.generate_township(session, seed=3, **SIZES)
        session.commit()
    with engine.connect() as conn:
        tables = {model.__tablename__: conn.execute(text(f"SELECT * FROM {model.__tablename__} ORDER BY id")).all()
                  for _name, model in demo._TABLES}
    engine.dispose()
    return tables


def test_copy_path_stores_what_the_core_path_would(tmp_path, monkeypatch):
    import demo

    with fresh_database("postgresql", tmp_path) as url:
        fast = _generate(url)
    monkeypatch.setattr(demo, "_insert_postgresql", lambda session, model, rows: session.execute(
        demo.insert(model), rows))
    with fresh_database("postgresql", tmp_path) as url:
        core = _generate(url)
    assert fast.keys() == core.keys()
    for table in fast:
        assert fast[table] == core[table], table
    assert len(fast["persons"]) > 100


def test_person_search_on_postgresql(tmp_path):
    from app.services.search import search_persons
    from server.db import make_server_engine

    with fresh_database("postgresql", tmp_path) as url:
        _generate(url)
        engine = make_server_engine(url)
        with Session(engine) as session:
            person = session.execute(text("SELECT name, search_initials, id_number FROM persons LIMIT 1")).one()
            assert person.name in [h.name for h in search_persons(session, person.name, "150422100")]
            assert person.name in [h.name for h in search_persons(session, person.search_initials, "150422100")]
            assert person.name in [h.name for h in search_persons(session, person.id_number[-6:], "")]
        engine.dispose()
