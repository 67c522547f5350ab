"""Developer tool: regenerate the initial alembic revision(s) from the models.

Only while nothing has been released: once a database exists in the field, add a new revision
instead (`alembic revision --autogenerate`). Usage: python scripts/regen_initial_migrations.py [client|server|all]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def regen_client() -> None:
    from db.engine import alembic_config, make_engine

    for old in (ROOT / "db/migrations/versions").glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Path(tmp) / "gen.db")
        command.revision(alembic_config(engine), message="initial schema", autogenerate=True, rev_id="0001")
        engine.dispose()


def regen_server() -> None:
    from server.db import alembic_config, make_server_engine  # type: ignore[import-not-found]

    for old in (ROOT / "server/migrations/versions").glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_server_engine(f"sqlite:///{tmp}/gen.db")
        command.revision(alembic_config(engine), message="initial schema", autogenerate=True, rev_id="0001")
        engine.dispose()


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    if which in ("client", "all"):
        regen_client()
    if which in ("server", "all") and (ROOT / "server/migrations").exists():
        regen_server()
