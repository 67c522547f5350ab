"""Opening the client at startup: the local database, who this device belongs to (its enrolment,
kept in the local sync state so it is known offline), and the services the window is built from.
A device that was never enrolled can still open, as a guest whose scope matches no region, so the
user reaches the settings page to log in without seeing anyone's data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.client.context import ClientContext
from app.client.review import ReviewQueue
from app.enrolment import EnrolmentService, SecretStore, read_enrolment
from app.protection import DatabaseKeys, finish_remote_wipe, open_protected, protect_on_open, start_escrow
from app.services.context import GRID_WORKER, Actor
from app.sync_service import OutboxReview, SyncService, client_sync
from db.engine import open_local, session_factory

# A scope no region code starts with: a guest sees and may change nothing in the register.
GUEST_SCOPE = "-"


@dataclass(frozen=True)
class ClientServices:
    """What the window needs beyond the context; parts are None until the device is enrolled or
    until the part exists (sync needs a server, the conflict list needs the review source)."""

    context: ClientContext | None = None
    sync: SyncService | Any = None
    outbox: OutboxReview | None = None
    conflicts: Any = None
    enrolment: EnrolmentService | None = None
    enrolled: bool | None = None


def open_client(path: str | Path, key: str | None = None, allow_unenrolled: bool = False,
                secrets: SecretStore | None = None) -> ClientServices:
    """Open the local database at `path` as its enrolled user; without an enrolment, return an empty
    `ClientServices` unless `allow_unenrolled`, then open it as a guest."""
    keys = DatabaseKeys(secrets)
    # The key comes from the keyring; a missing or wrong one is a UserFacingError, never a new database.
    engine = open_local(path, key) if key else open_protected(path, keys)
    with session_factory(engine)() as session:
        enrolment = read_enrolment(session)
    if enrolment is None:
        finish_remote_wipe(path, engine, keys)  # a wiped device: the file and its key go, the user is told
    if enrolment is not None:  # village laptops are encrypted before any data is shown (app/protection.py)
        engine = protect_on_open(path, engine, enrolment.role, keys)
    if enrolment is None and not allow_unenrolled:
        engine.dispose()
        return ClientServices()
    if enrolment is not None:
        actor = Actor(enrolment.username, enrolment.role, enrolment.scope, enrolment.device_id,
                      enrolment.department_code, display_name=enrolment.display_name)
    else:
        actor = Actor("guest", GRID_WORKER, GUEST_SCOPE)
    context = ClientContext(engine, actor)
    enrolment_service, sync = client_sync(engine, context.sessions, secrets)
    if enrolment is not None:
        start_escrow(path, context.sessions, keys, enrolment_service)
    conflicts = ReviewQueue(context, enrolment_service.transport) if enrolment is not None else None
    return ClientServices(context=context, sync=sync, outbox=OutboxReview(context.sessions, actor),
                          conflicts=conflicts, enrolment=enrolment_service, enrolled=enrolment is not None)
