"""The signed update channel end to end with a small fake build: the release manager signs it, the city
administrator publishes it with the CLI (a wrongly signed file is refused there), a client learns of
it from a live server, downloads it over a link that breaks mid-transfer and resumes without starting
over, verifies it and keeps it for the next start; a build whose signature does not verify on the
client — forged on the server or altered on disk — is refused, deleted and reported, and a build
brought on a USB stick is checked the same way."""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest

from app.errors import UserFacingError
from app.updates import UpdateService
from server.cli import main as server_main
from server.models import ClientBuild
from sync import release
from sync.http_transport import HttpTransport, Offline
from sync.update_channel import UpdateChannel
from sync.wire import SCHEMA_VERSION
from tests.server.databases import fresh_database
from tests.server.live import live_server

PLATFORM = "linux-x86_64"


@pytest.fixture(name="keys")
def release_keys(tmp_path, monkeypatch):
    """A release key pair made for the test; the client and the server trust only its public half."""
    private, public = release.new_release_key()
    folder = tmp_path / "release_keys"
    folder.mkdir()
    (folder / "test.pub").write_text(public)
    (tmp_path / "release.key").write_text(private)
    monkeypatch.setattr(release, "RELEASE_KEYS_DIR", folder)
    return tmp_path / "release.key", public


@pytest.fixture(name="city")
def city_server(tmp_path):
    with fresh_database("sqlite", tmp_path) as url, live_server(url, tmp_path, TD_BUILDS_DIR=str(tmp_path / "builds")) as s:
        yield s


def _cli(server, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = dict(os.environ)
    os.environ.update({"DATABASE_URL": server.database_url, "TD_BUILDS_DIR": server.settings.builds_dir})
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = server_main(list(args))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return code, out.getvalue(), err.getvalue()


def _fake_build(tmp_path: Path, size: int = 3 * 1024 * 1024 + 17) -> Path:
    build = tmp_path / "township-desk-0.2.0-linux.zip"
    build.write_bytes(os.urandom(size))
    return build


def _publish(server, build: Path, key_file: Path, version: str = "0.2.0") -> None:
    code, signature, _ = _cli(server, "sign-build", str(build), "--version", version, "--platform", PLATFORM,
                              "--key", str(key_file))
    assert code == 0
    code, out, err = _cli(server, "publish-build", str(build), "--version", version, "--platform", PLATFORM,
                          "--signature", signature.strip(), "--by", "city_admin")
    assert code == 0, err
    assert "已发布" in out


def _client(server, tmp_path: Path, refused: list) -> UpdateService:
    client = server.user_client("township_staff", "150422100")
    transport = HttpTransport(server.url, schema_version=SCHEMA_VERSION, token=client.token)
    return UpdateService(tmp_path / "client-updates", channel=UpdateChannel(transport), current_version="0.1.0",
                         platform=PLATFORM, on_refused=lambda version, reason: refused.append((version, reason)))


class BreakingChannel(UpdateChannel):
    """The weak link: the first download is cut after `cut_at` bytes; counts every byte sent."""

    def __init__(self, inner: UpdateChannel, cut_at: int) -> None:
        super().__init__(inner.transport)
        self.cut_at, self.sent, self.offsets = cut_at, 0, []

    def download(self, build_id: str, offset: int):
        self.offsets.append(offset)
        for piece in super().download(build_id, offset):
            self.sent += len(piece)  # on the wire, whether or not it reaches the disk
            if len(self.offsets) == 1 and self.sent > self.cut_at:
                raise Offline("offline", "link dropped")
            yield piece


def test_publish_download_resume_verify_and_offer(city, keys, tmp_path):
    key_file, _public = keys
    build = _fake_build(tmp_path)
    _publish(city, build, key_file)
    refused: list = []
    service = _client(city, tmp_path, refused)
    available = service.check()
    assert available is not None and available.version == "0.2.0" and available.size == build.stat().st_size
    service.channel = BreakingChannel(service.channel, cut_at=build.stat().st_size // 2)
    with pytest.raises(Offline):
        service.fetch(available)
    staged = service.fetch(available)  # resumes from the bytes already on disk
    assert service.channel.offsets[1] > 0, "the second attempt must resume, not start over"
    resent = service.channel.sent - build.stat().st_size
    assert 0 < resent <= 256 * 1024  # only the piece in flight when the link dropped
    assert staged.path.read_bytes() == build.read_bytes() and not refused
    assert service.staged() == staged  # offered at the next start
    assert UpdateService(service.folder, current_version="0.2.0", platform=PLATFORM).staged() is None
    assert _client(city, tmp_path / "other", []).check() is not None  # another device sees it too


def test_a_wrongly_signed_build_is_not_published(city, keys, tmp_path):
    build = _fake_build(tmp_path, 4096)
    other_private, _ = release.new_release_key()
    (tmp_path / "other.key").write_text(other_private)
    _code, signature, _ = _cli(city, "sign-build", str(build), "--version", "0.3.0", "--platform", PLATFORM,
                               "--key", str(tmp_path / "other.key"))
    code, _out, err = _cli(city, "publish-build", str(build), "--version", "0.3.0", "--platform", PLATFORM,
                           "--signature", signature.strip(), "--by", "city_admin")
    assert code == 2 and "签名无效" in err
    with city.session() as s:
        assert s.query(ClientBuild).count() == 0
    assert not any((Path(city.settings.builds_dir)).glob("*")) if Path(city.settings.builds_dir).exists() else True


def test_a_forged_signature_is_refused_by_the_client_and_reported(city, keys, tmp_path):
    key_file, _ = keys
    build = _fake_build(tmp_path, 50_000)
    _publish(city, build, key_file, "0.4.0")
    with city.session() as s:  # someone with database access swaps the signature for another key's
        row = s.query(ClientBuild).filter_by(version="0.4.0").one()
        other_private, _ = release.new_release_key()
        row.signature = release.sign(release.BuildManifest("0.4.0", PLATFORM, row.sha256, row.size), other_private)
        s.commit()
    refused: list = []
    service = _client(city, tmp_path, refused)
    with pytest.raises(UserFacingError) as err:
        service.fetch(service.check())
    assert err.value.code == "update_bad_signature" and refused and refused[0][0] == "0.4.0"
    assert service.staged() is None and not list(service.folder.rglob("*.part"))


def test_a_staged_build_altered_on_disk_is_refused_at_start(city, keys, tmp_path):
    key_file, _ = keys
    _publish(city, _fake_build(tmp_path, 20_000), key_file, "0.5.0")
    refused: list = []
    service = _client(city, tmp_path, refused)
    staged = service.fetch(service.check())
    with staged.path.open("r+b") as handle:
        handle.write(b"MZ-tampered")
    with pytest.raises(UserFacingError):
        service.staged()
    assert refused and not staged.path.exists()


def test_usb_build_checked_like_a_download(keys, tmp_path):
    key_file, _ = keys
    build = _fake_build(tmp_path, 10_000)
    digest, size = release.file_digest(build)
    manifest = release.BuildManifest("0.6.0", PLATFORM, digest, size)
    meta = {"version": "0.6.0", "platform": PLATFORM, "sha256": digest, "size": size,
            "signature": release.sign(manifest, key_file.read_text().strip())}
    Path(f"{build}.sig.json").write_text(json.dumps(meta))
    service = UpdateService(tmp_path / "usb-updates", current_version="0.1.0", platform=PLATFORM)
    assert service.import_file(build).version == "0.6.0" and service.staged().version == "0.6.0"
    carried = service.export_to(service.staged(), tmp_path / "stick")  # an online PC carries it on
    village = UpdateService(tmp_path / "village-updates", current_version="0.1.0", platform=PLATFORM)
    assert village.import_file(carried).sha256 == digest
    wrong = dict(meta, version="0.7.0")  # relabelled: the signature covers the version
    Path(f"{build}.sig.json").write_text(json.dumps(wrong))
    with pytest.raises(UserFacingError):
        service.import_file(build)
    with pytest.raises(UserFacingError):
        UpdateService(tmp_path / "x", current_version="0.1.0", platform="windows-amd64").import_file(build)


def test_cli_refuses_a_build_no_shipped_key_signed(keys, tmp_path):
    """`township-desk update import` trusts only the release keys shipped with the client."""
    import subprocess
    import sys

    key_file, _ = keys
    build = _fake_build(tmp_path, 5_000)
    digest, size = release.file_digest(build)
    signature = release.sign(release.BuildManifest("9.0.0", release.this_platform(), digest, size),
                             key_file.read_text().strip())
    Path(f"{build}.sig.json").write_text(json.dumps({"version": "9.0.0", "platform": release.this_platform(),
                                                     "sha256": digest, "size": size, "signature": signature}))
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "TD_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-m", "ui.cli", "update", "import", str(build)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "签名校验失败" in done.stderr and "Traceback" not in done.stderr
    assert not list((tmp_path / "data" / "updates").rglob("*"))
    nothing = subprocess.run([sys.executable, "-m", "ui.cli", "update", "export", str(tmp_path / "stick")],
                             cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert nothing.returncode == 2 and "没有已校验的新版本" in nothing.stderr
