"""The plan PostgreSQL settles on for a prepared statement: psycopg prepares a statement run five times
on a connection, and the server may then use a *generic* plan, made without the parameters' values
(decision 0035). `generic_plan` asks for that plan of a statement as SQLAlchemy ran it."""

from __future__ import annotations

import re


def captured(conn) -> list[tuple[str, dict]]:
    """A list that fills with (SQL, parameters) of every statement `conn` runs from now on."""
    from sqlalchemy import event

    statements: list[tuple[str, dict]] = []
    event.listen(conn, "before_cursor_execute",
                 lambda _c, _cur, statement, params, _ctx, _many: statements.append((statement, params)))
    return statements


def generic_plan(conn, statement: str, params: dict) -> str:
    """EXPLAIN of `statement` (psycopg's %(name)s form) prepared and run with `params` under
    plan_cache_mode = force_generic_plan."""
    from psycopg import sql

    names: list[str] = []
    for name in re.findall(r"%\((\w+)\)s", statement):
        if name not in names:
            names.append(name)
    numbered = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", statement).replace("%%", "%")
    raw = conn.connection.driver_connection
    raw.execute("SET plan_cache_mode = force_generic_plan")
    raw.execute("PREPARE td_probe AS " + numbered)
    try:
        values = sql.SQL(", ").join(sql.Literal(params[name]) for name in names).as_string(raw)
        plan = "\n".join(row[0] for row in raw.execute(f"EXPLAIN EXECUTE td_probe({values})" if names
                                                       else "EXPLAIN EXECUTE td_probe"))
    finally:
        raw.execute("DEALLOCATE td_probe")
        raw.execute("RESET plan_cache_mode")
    assert not names or re.search(r"\$\d", plan), plan  # the generic plan indeed
    return plan


def load_analysed(engine, *tables: tuple[type, list[dict]]) -> None:
    """Insert each (model, rows) and commit; on PostgreSQL then ANALYZE, so the planner plans with a
    city's statistics as a city's server does."""
    from sqlalchemy import insert, text
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        for model, rows in tables:
            s.execute(insert(model), rows)
        s.commit()
        if engine.dialect.name == "postgresql":
            s.execute(text("ANALYZE"))
            s.commit()
