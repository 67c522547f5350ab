"""A client process for the kill-safety tests (tests/test_kill_sync.py): opens its own SQLite file,
optionally enrols, makes random offline edits through the app services (each edit its own
transaction, written to a journal once committed), then runs one sync cycle, printing every sync
event as a line on stdout so the test can kill -9 it in the middle of a chosen phase.

TD_CLOCK_OFFSET_MS shifts this process's wall clock (time.time / time.time_ns, which the HLC and
UUIDv7 read), to play a PC whose clock is days ahead. Secrets come from the keyring backend named
by PYTHON_KEYRING_BACKEND (the tests use a per-client file keyring)."""

from __future__ import annotations

import os
import time

_OFFSET_MS = int(os.environ.get("TD_CLOCK_OFFSET_MS", "0"))
if _OFFSET_MS:  # before anything reads the clock
    _real_time, _real_time_ns = time.time, time.time_ns
    time.time = lambda: _real_time() + _OFFSET_MS / 1000  # type: ignore[assignment]
    time.time_ns = lambda: _real_time_ns() + _OFFSET_MS * 1_000_000  # type: ignore[assignment]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402

from sqlalchemy import select  # noqa: E402

from app.enrolment import EnrolmentService, SecretStore  # noqa: E402
from app.errors import UserFacingError  # noqa: E402
from app.services.context import Actor  # noqa: E402
from app.services.households import HouseholdService  # noqa: E402
from app.sync_service import CycleLimits, SyncFinished, SyncProgress, SyncService  # noqa: E402
from db.client import OutboxChange  # noqa: E402
from db.engine import open_local, session_factory  # noqa: E402
from db.models import Household  # noqa: E402
from sync.capture import install_capture  # noqa: E402
from sync.http_transport import HttpTransport, RetryPolicy, Timeouts  # noqa: E402
from sync.wire import SCHEMA_VERSION  # noqa: E402

VILLAGES = ("150422100201", "150422100202", "150422100203")
TOWNSHIP = "150422100"


def _transport(url: str) -> HttpTransport:
    # Few, short retries: a killed server should make this client give up quickly.
    return HttpTransport(url, schema_version=SCHEMA_VERSION, timeouts=Timeouts(2, 20),
                         retry=RetryPolicy(attempts=2, base_delay=0.05, max_delay=0.2))


def _last_change_id(sessions) -> str:
    with sessions() as s:
        return s.scalar(select(OutboxChange.change_id).order_by(OutboxChange.device_seq.desc()).limit(1))


def _edit(service: HouseholdService, sessions, rng: random.Random, client: int, label: str) -> dict:
    """One random edit; returns its journal entry (written only after the commit)."""
    with sessions() as s:
        known = list(s.scalars(select(Household.id).where(Household.deleted.is_(False))))
    roll = rng.random()
    if roll < 0.3 or not known:
        village = rng.choice(VILLAGES)
        number = f"{village}{client:02d}{rng.randrange(10_000):04d}"
        with sessions() as s:
            if s.scalar(select(Household.id).where(Household.household_no == number)):
                return _edit(service, sessions, rng, client, label)
        view = service.create(number, village, notes=label)
        return {"op": "create", "record_id": view.id, "value": label, "change_id": _last_change_id(sessions)}
    record_id = rng.choice(known)
    if roll < 0.8:
        service.edit(record_id, notes=label)
        return {"op": "notes", "record_id": record_id, "value": label, "change_id": _last_change_id(sessions)}
    visit = service.add_visit(record_id, dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(300)),
                              findings=label)
    return {"op": "visit", "record_id": visit.id, "household_id": record_id, "value": label,
            "change_id": _last_change_id(sessions)}


def _say(*parts: object) -> None:
    print(*parts, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--journal", required=True)
    parser.add_argument("--client", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--edits", type=int, default=0)
    parser.add_argument("--enrol", action="store_true")
    parser.add_argument("--no-sync", action="store_true")
    parser.add_argument("--batch", type=int, default=10)
    args = parser.parse_args(argv)

    engine = open_local(args.db)
    sessions = session_factory(engine)
    enrolment = EnrolmentService(sessions, SecretStore(), _transport)
    device_id = enrolment.device_id()
    install_capture(sessions, device_id)
    if args.enrol and enrolment.current() is None:
        enrolment.enrol(args.server, args.user, os.environ["TD_TEST_PASSWORD"])
    actor = Actor(args.user, "township_staff", TOWNSHIP, device_id)
    households = HouseholdService(sessions, actor)
    rng = random.Random(args.seed)
    with open(args.journal, "a", encoding="utf-8") as journal:
        for i in range(args.edits):
            entry = _edit(households, sessions, rng, args.client, f"c{args.client}-s{args.seed}-{i}")
            journal.write(json.dumps(entry, ensure_ascii=False) + "\n")
            journal.flush()
    _say("EDITED", args.edits)
    if args.no_sync:
        return 0
    service = SyncService(engine, sessions, device_id, enrolment.transport,
                          CycleLimits(push_batch=args.batch, pull_page=args.batch))
    service.subscribe(lambda e: _say("EVENT", e.phase, e.done, e.total) if isinstance(e, SyncProgress) else None)
    try:
        done: SyncFinished = service.sync_now()
    except UserFacingError as exc:
        _say("FAILED", exc.code)
        return 3
    _say("DONE", done.pushed, done.pulled, service.pending_count())
    return 0


if __name__ == "__main__":
    sys.exit(main())
