"""The update channel in the window: a verified build waiting is offered at start; after a sync a newer
build is fetched and the user told; a build whose signature does not verify is refused, the user is
told, and an audit entry (update_refused) is written to sync to the city."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from sqlalchemy import select

from app.updates import UpdateService, refusal_recorder
from db.models import AuditEntry
from sync import release
from sync.update_channel import AvailableBuild, UpdateChannel
from tests.ui_support import (  # noqa: F401
    ScriptedDialogs,
    context,
    demo_template,
)
from ui.tasks import ImmediateTaskRunner
from ui.update_offer import UpdateOffer

PLATFORM = "linux-x86_64"


@pytest.fixture(name="key")
def release_key(tmp_path, monkeypatch):
    private, public = release.new_release_key()
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "k.pub").write_text(public)
    monkeypatch.setattr(release, "RELEASE_KEYS_DIR", tmp_path / "keys")
    return private


def _signed(tmp_path: Path, key: str, version: str) -> tuple[Path, dict]:
    build = tmp_path / f"township-desk-{version}.zip"
    build.write_bytes(os.urandom(20_000))
    digest, size = release.file_digest(build)
    meta = {"version": version, "platform": PLATFORM, "sha256": digest, "size": size,
            "signature": release.sign(release.BuildManifest(version, PLATFORM, digest, size), key)}
    return build, meta


class ServedChannel(UpdateChannel):
    """The server's answers for one build, without a network."""

    def __init__(self, build: Path, meta: dict) -> None:
        super().__init__(transport=None)
        self.build, self.meta = build, meta

    def latest(self, platform, version):
        return AvailableBuild(id="b1", filename=self.build.name, notes="", **self.meta)

    def download(self, build_id, offset):
        yield self.build.read_bytes()[offset:]


def _offer(qtbot, context, folder: Path, channel, dialogs) -> tuple[UpdateOffer, list]:  # noqa: F811
    errors: list = []
    window = QWidget()
    qtbot.addWidget(window)

    def make(online: bool) -> UpdateService:
        return UpdateService(folder, channel=channel if online else None, current_version="0.1.0",
                             platform=PLATFORM, on_refused=refusal_recorder(context))

    return UpdateOffer(make, ImmediateTaskRunner(), dialogs, window, errors.append), errors


def test_fetched_after_sync_then_offered_at_start(qtbot, context, key, tmp_path):  # noqa: F811
    build, meta = _signed(tmp_path, key, "0.3.0")
    dialogs = ScriptedDialogs()
    offer, errors = _offer(qtbot, context, tmp_path / "updates", ServedChannel(build, meta), dialogs)
    offer.after_sync()
    assert not errors and dialogs.shown[-1][0] == "info" and "0.3.0" in dialogs.shown[-1][2]
    dialogs.confirms.append(False)  # the user says not now
    offer.offer_waiting()
    assert dialogs.asked and "0.3.0" in dialogs.asked[-1] and "现在安装" in dialogs.asked[-1]


def test_a_forged_build_is_refused_told_and_audited(qtbot, context, key, tmp_path):  # noqa: F811
    build, meta = _signed(tmp_path, key, "0.4.0")
    other, _ = release.new_release_key()
    meta["signature"] = release.sign(release.BuildManifest("0.4.0", PLATFORM, meta["sha256"], meta["size"]), other)
    dialogs = ScriptedDialogs()
    offer, errors = _offer(qtbot, context, tmp_path / "updates", ServedChannel(build, meta), dialogs)
    offer.after_sync()
    assert [e.code for e in errors] == ["update_bad_signature"] and not dialogs.shown
    entries = context.read(lambda s: s.scalars(select(AuditEntry).where(AuditEntry.action == "update_refused")).all())
    assert len(entries) == 1 and entries[0].reason.startswith("0.4.0")
    offer.offer_waiting()
    assert not dialogs.asked  # nothing waits to be offered
    assert not list((tmp_path / "updates").rglob("*.part"))
