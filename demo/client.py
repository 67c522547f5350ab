"""A small demo township generated into a fresh local database and opened as a client context, for
the screenshot tool (`python -m ui.screenshots`): the database work stays below ui/."""

from __future__ import annotations

from pathlib import Path

from app.client import Actor, ClientContext
from app.services.context import beijing_now
from db.engine import open_local
from demo import generate_township
from demo.regions import DEMO_TOWNSHIP


def demo_context(directory: Path, households: int = 300) -> ClientContext:
    """A township clerk's context on `households` generated households in `directory/screens.db`."""
    engine = open_local(directory / "screens.db")
    generate_township(engine, seed=2026, households=households, tasks=40, cases=120, as_of=beijing_now().date())
    actor = Actor("wang.clerk", "township_staff", DEMO_TOWNSHIP, "device-screens")
    return ClientContext(engine, actor)
