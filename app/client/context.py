"""The application context built once at client startup: it owns the local database engine and its
session factory, knows the current actor (username, role, region scope, device) and builds the
facades the UI is handed through constructors (no global application object). Every facade call is
one short transaction on a fresh session, so it can run on the task runner's database thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.engine import open_local, session_factory

T = TypeVar("T")

# Roles that may see full ID numbers and phones on an explicit, audited request (GLOSSARY.md
# "Personal data rules"): township staff who handle the register, not village cadres or departments.
REVEAL_ROLES = frozenset({"city_admin", "township_admin", "township_staff"})
ROLE_LABELS = {
    "city_admin": "市级管理员", "department": "部门用户", "township_admin": "乡镇管理员",
    "township_staff": "乡镇工作人员", "village_cadre": "村（社区）干部", "grid_worker": "网格员",
}


@dataclass(frozen=True)
class Actor:
    """Who is working: the signed-in user, their role and region scope (a code prefix)."""

    username: str
    role: str
    scope: str
    device_id: str = ""
    display_name: str = ""

    @property
    def may_reveal(self) -> bool:
        return self.role in REVEAL_ROLES

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


class ClientContext:
    """The local database plus the actor, and the facades built on them."""

    def __init__(self, engine: Engine, actor: Actor) -> None:
        self.engine = engine
        self.actor = actor
        self._sessions = session_factory(engine)
        _install_change_capture(self._sessions, actor)
        # Imported here: the facades import this module for ClientContext's type.
        from app.client.register import RegisterDesk
        from app.client.status import LocalStatus

        self.register = RegisterDesk(self)
        self.status = LocalStatus(self)

    @classmethod
    def open(cls, path: str | Path, actor: Actor, key: str | None = None) -> ClientContext:
        """Open (creating and migrating if needed) the local database at `path`."""
        return cls(open_local(path, key), actor)

    def write(self, operation: Callable[[Session], T]) -> T:
        """Run `operation` in one transaction, committed when it returns."""
        with self._sessions.begin() as session:
            return operation(session)

    def read(self, operation: Callable[[Session], T]) -> T:
        """Run a read-only `operation` on a fresh session."""
        with self._sessions() as session:
            return operation(session)

    def close(self) -> None:
        self.engine.dispose()


def _install_change_capture(sessions, actor: Actor) -> None:
    """Every local write must land in the outbox (DESIGN.md "Capture"); the hook lives in sync/."""
    try:
        from sync.capture import install_capture
    except ImportError:  # sync/ not installed in this build stage: nothing to capture into
        return
    install_capture(sessions, actor.device_id)
