"""The application context built once at client startup: it owns the local database engine and its
session factory, knows the current actor (username, role, region scope, device) and builds the
facades the UI is handed through constructors (no global application object). Every facade call is
one short transaction on a fresh session, so it can run on the task runner's database thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.services.context import REVEAL_ROLES, SENSITIVE_TAG_ROLES, Actor
from app.services.households import HouseholdService
from app.services.persons import PersonService
from app.services.tags import TagService
from db.engine import open_local, session_factory
from db.models import Region
from sync.capture import install_capture

T = TypeVar("T")


class ClientContext:
    """The local database plus the actor, and the facades built on them."""

    def __init__(self, engine: Engine, actor: Actor) -> None:
        self.engine = engine
        self.actor = actor
        self._sessions = session_factory(engine)
        self._scope_name: str | None = None
        self._outbox_listeners: list[Callable[[], None]] = []
        # Every local write must land in the outbox (docs/ARCHITECTURE.md, "Capture"); whoever shows the
        # pending counts hears of every commit that changed it.
        install_capture(self._sessions, actor.device_id, on_outbox_changed=self._outbox_changed,
                        username=actor.username)
        # Imported here: the facades import this module for ClientContext's type.
        from app.client.register import RegisterDesk
        from app.client.status import LocalStatus
        from app.client.work import WorkDesk

        self.register = RegisterDesk(self)
        self.status = LocalStatus(self)
        self.work = WorkDesk(self)
        self.persons = PersonService(self._sessions, actor)
        self.households = HouseholdService(self._sessions, actor)
        self.tags = TagService(self._sessions, actor)
        self._reports = None

    @classmethod
    def open(cls, path: str | Path, actor: Actor, key: str | None = None) -> ClientContext:
        """Open (creating and migrating if needed) the local database at `path`."""
        return cls(open_local(path, key), actor)

    def on_outbox_changed(self, listener: Callable[[], None]) -> None:
        """Call `listener` (on the committing thread) after every commit that changed the outbox."""
        self._outbox_listeners.append(listener)

    def _outbox_changed(self) -> None:
        for listener in list(self._outbox_listeners):
            listener()

    def write(self, operation: Callable[[Session], T]) -> T:
        """Run `operation` in one transaction, committed when it returns."""
        with self._sessions.begin() as session:
            return operation(session)

    def read(self, operation: Callable[[Session], T]) -> T:
        """Run a read-only `operation` on a fresh session."""
        with self._sessions() as session:
            return operation(session)

    @property
    def sessions(self):
        """The session factory, for the app/ services built on this context."""
        return self._sessions

    @property
    def reports(self):
        """The printing service, built on first use: reportlab and the fonts cost a noticeable
        part of a cold start and most sessions print nothing."""
        if self._reports is None:
            from app.reports.service import ReportService

            self._reports = ReportService(self._sessions, self.actor)
        return self._reports

    @property
    def attachments(self):
        """Files on records (app/attachments/service.py), kept beside the local database."""
        from app.attachments.service import AttachmentService
        from sync.attachments import blob_dir_for

        return AttachmentService(self._sessions, self.actor, blob_dir_for(self.engine))

    @property
    def scans(self):
        """Signed scans linked back to the printed record (app/attachments/scans.py)."""
        from app.attachments.scans import ScanService
        from sync.attachments import blob_dir_for

        return ScanService(self._sessions, self.actor, blob_dir_for(self.engine))

    @property
    def scope_name(self) -> str:
        """The name of the region the actor works in (e.g. 林东镇), "" when unknown locally."""
        if not self._scope_name:  # unknown before the first sync brings the regions: asked again
            # Region codes are stored at 12 characters: a 9-digit township scope is 150422100000.
            codes = {self.actor.scope, self.actor.scope.ljust(12, "0")}
            self._scope_name = self.read(
                lambda s: s.scalar(select(Region.name).where(Region.code.in_(codes)))) or ""
        return self._scope_name

    @property
    def may_reveal(self) -> bool:
        """Whether the actor's role may see full ID numbers and phones (audited, with a reason)."""
        return self.actor.role in REVEAL_ROLES

    @property
    def sees_sensitive_tags(self) -> bool:
        return self.actor.role in SENSITIVE_TAG_ROLES

    def close(self) -> None:
        self.engine.dispose()

