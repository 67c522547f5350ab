"""The client side of a link-lab run, started inside the client's namespace: a village cadre's PC with
its own SQLite file and a per-run file keyring (tests.client_sync_support.FileKeyring). `first-sync`
enrols and syncs until the first sync is complete, retrying a failed cycle after a pause as the
desktop's periodic sync would; `edits N` changes one field (the household notes) on N households
through the app's household service and syncs them up. Each prints one JSON line: wall seconds,
cycles, failures, records held, and every progress event (so the lab can check progress only ever
moves forward). `photo` attaches a phone photo of about `--photo-bytes` to a household and syncs until
its bytes are up, editing one household between cycles: it reports the photo's size, the bytes the
client sent for it (re-sent ones included) and how many edits reached the server meanwhile."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from sqlalchemy import func, select

from app.enrolment import EnrolmentService, SecretStore
from app.errors import UserFacingError
from app.services.context import Actor
from app.services.households import HouseholdService
from app.sync_service import SyncFailed, SyncFinished, SyncProgress, SyncService
from db.base import synced_models
from db.engine import open_local, session_factory
from db.models import Household
from sync.capture import install_capture
from sync.http_transport import HttpTransport
from sync.wire import SCHEMA_VERSION

RETRY_PAUSE = 2.0  # seconds between a failed cycle and the next (the desktop's offline interval is longer)


class Driver:
    def __init__(self, db: str, url: str) -> None:
        self.url = url
        self.engine = open_local(db)
        self.sessions = session_factory(self.engine)
        self.enrolment = EnrolmentService(
            self.sessions, SecretStore(), lambda u: HttpTransport(u, schema_version=SCHEMA_VERSION))
        self.device_id = self.enrolment.device_id()
        install_capture(self.sessions, self.device_id)
        self.service = SyncService(self.engine, self.sessions, self.device_id, self.enrolment.transport)
        self.started = time.monotonic()
        self.progress: list[list] = []
        self.failures: list[str] = []
        self.pushed = 0
        self.service.subscribe(self._note)

    def _note(self, event) -> None:
        at = round(time.monotonic() - self.started, 2)
        if isinstance(event, SyncProgress):
            self.progress.append([at, event.phase, event.done, event.total])
        elif isinstance(event, SyncFinished):
            self.pushed += event.pushed
        elif isinstance(event, SyncFailed):
            self.failures.append(event.code)

    def sync_until_done(self, deadline: float) -> int:
        """Cycles until one finishes; returns how many were run."""
        cycles = 0
        while True:
            cycles += 1
            try:
                self.service.sync_now()
                return cycles
            except UserFacingError as exc:
                if exc.code != "server_unreachable" or time.monotonic() > deadline:
                    raise
                time.sleep(RETRY_PAUSE)

    def records(self) -> int:
        with self.sessions() as session:
            return sum(session.scalar(select(func.count()).select_from(cls)) for cls in synced_models())

    def edit_notes(self, count: int, actor: Actor) -> int:
        """`count` one-field edits, each its own change; a small village's households take several."""
        households = HouseholdService(self.sessions, actor)
        with self.sessions() as session:
            ids = list(session.scalars(select(Household.id).where(Household.region_code.startswith(actor.scope))
                                       .order_by(Household.id).limit(count)))
        for n in range(count):
            households.edit(ids[n % len(ids)], notes=f"实验室第{n}次走访后更新")
        return count


    def upload_photo(self, actor: Actor, photo_bytes: int, deadline: float) -> dict:
        """Attach a photo, then sync cycle after cycle (one household edit before each) until the
        photo's bytes are on the server."""
        import tempfile
        from pathlib import Path

        from app.attachments.files import prepare
        from app.attachments.service import AttachmentService
        from db.client import BlobTransfer
        from sync.attachments import blob_dir_for
        from tests.attachment_support import phone_photo

        edge = int(3200 * (photo_bytes / 3_000_000) ** 0.5)
        photo = phone_photo(Path(tempfile.mkdtemp()) / "IMG_lab.jpg", size=(edge, edge * 3 // 4), grain=2)
        households = HouseholdService(self.sessions, actor)
        with self.sessions() as session:
            ids = list(session.scalars(select(Household.id).where(Household.region_code.startswith(actor.scope))
                                       .order_by(Household.id).limit(50)))
        service = AttachmentService(self.sessions, actor, blob_dir_for(self.engine))
        view = service.keep("household", ids[0], prepare(photo))
        self.started = time.monotonic()
        sent = resent = edits = cycles = 0
        edits_pushed = []
        while True:
            households.edit(ids[(edits + 1) % len(ids)], notes=f"上传照片期间第{edits}次修改")
            edits += 1
            before = self.pushed
            cycles += self.sync_until_done(deadline)
            stats = getattr(self.service, "last_blob_stats", None)
            if stats is not None:
                sent += stats.bytes_sent
                resent += stats.bytes_resent
            edits_pushed.append([round(time.monotonic() - self.started, 1), self.pushed - before])
            with self.sessions() as session:
                state = session.get(BlobTransfer, view.id).state
            if state == "uploaded" or time.monotonic() > deadline:
                break
        return {"photo_bytes": view.size, "photo_sent": sent, "photo_resent_by_hash": resent, "state": state,
                "edits": edits, "edits_pushed": edits_pushed, "photo_cycles": cycles}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.linklab.client_run")
    parser.add_argument("command", choices=("first-sync", "edits", "photo", "sync"))
    parser.add_argument("--db", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--scope", required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--deadline", type=float, default=900.0)
    parser.add_argument("--photo-bytes", type=int, default=3_000_000)
    args = parser.parse_args(argv)
    driver = Driver(args.db, args.url)
    deadline = time.monotonic() + args.deadline
    result: dict = {"command": args.command}
    if args.command == "first-sync":
        driver.enrolment.enrol(args.url, args.user, os.environ["TD_LAB_PASSWORD"], device_name="村委会电脑")
        driver.started = time.monotonic()  # the figure is the sync, not the login
        result["cycles"] = driver.sync_until_done(deadline)
    elif args.command == "sync":  # one plain sync (after a server restore: the re-offer)
        result["cycles"] = driver.sync_until_done(deadline)
        result["pending"] = driver.service.pending_count()
    elif args.command == "photo":
        actor = Actor(args.user, "village_cadre", args.scope, driver.device_id)
        result.update(driver.upload_photo(actor, args.photo_bytes, deadline))
    else:
        actor = Actor(args.user, "village_cadre", args.scope, driver.device_id)
        result["edited"] = driver.edit_notes(args.count, actor)
        driver.started = time.monotonic()
        result["cycles"] = driver.sync_until_done(deadline)
        result["pending"] = driver.service.pending_count()
    result.update(pushed=driver.pushed, seconds=round(time.monotonic() - driver.started, 2), records=driver.records(),
                  failures=driver.failures, progress=driver.progress)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
