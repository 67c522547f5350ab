"""Client builds from the update channel: learn of a newer signed build, download it in the background
in resumable pieces (a weak link that breaks loses nothing already on disk), verify the release-key
signature and the SHA-256 (sync/release.py), and keep it staged until the next start, when the user
is offered to install it. A build brought on a USB stick (the build file and its `.sig.json`) is
checked the same way. A build that fails verification is never kept: it is deleted, the user is told,
and the refusal is written to the audit trail that syncs to the city.

Files: <data dir>/updates/<sha256>.part while downloading; <data dir>/updates/<version>-<platform>/
holding the build and manifest.json once verified."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from app.errors import UserFacingError
from sync.release import (
    BuildManifest,
    SignatureInvalid,
    shipped_public_keys,
    this_platform,
    verify_file,
    version_key,
)
from sync.update_channel import AvailableBuild, UpdateChannel

log = logging.getLogger("app.updates")
MANIFEST = "manifest.json"


def installed_version() -> str:
    try:
        return metadata.version("township-desk")
    except metadata.PackageNotFoundError:  # a frozen build without dist-info
        return "0.0.0"


@dataclass(frozen=True)
class StagedBuild:
    """A verified build waiting to be installed at the next start."""

    version: str
    platform: str
    path: Path
    sha256: str
    size: int
    signature: str


class UpdateService:
    def __init__(self, folder: Path, *, channel: UpdateChannel | None = None, current_version: str | None = None,
                 platform: str | None = None, trusted_keys: Iterable[str] | None = None,
                 on_refused: Callable[[str, str], None] | None = None) -> None:
        """`on_refused(version, reason)` records a refused build (the app writes an audit entry)."""
        self.folder = folder
        self.channel = channel
        self.current_version = current_version or installed_version()
        self.platform = platform or this_platform()
        self._trusted = list(trusted_keys) if trusted_keys is not None else None
        self._on_refused = on_refused

    @property
    def trusted_keys(self) -> list[str]:
        return self._trusted if self._trusted is not None else shipped_public_keys()

    def check(self) -> AvailableBuild | None:
        """The newest build above this client's version, or None (asks the server)."""
        if self.channel is None:
            return None
        return self.channel.latest(self.platform, self.current_version)

    def fetch(self, build: AvailableBuild, progress: Callable[[int, int], None] | None = None) -> StagedBuild:
        """Download (resuming whatever a cut transfer left) and verify; returns the staged build."""
        if self.channel is None:
            raise UserFacingError("not_enrolled")
        self._check_manifest_fields(build.version, build.platform)
        staged = self._staged_at(build.version, build.platform)
        if staged is not None and staged.sha256 == build.sha256:
            return staged
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f"{build.sha256}.part"
        have = partial.stat().st_size if partial.exists() else 0
        if have > build.size:
            partial.unlink()
            have = 0
        if have < build.size:
            with partial.open("ab") as out:
                for piece in self.channel.download(build.id, have):
                    out.write(piece)
                    have += len(piece)
                    if progress:
                        progress(have, build.size)
        manifest = BuildManifest(build.version, build.platform, build.sha256, build.size)
        return self._stage(partial, build.filename, manifest, build.signature)

    def import_file(self, file: Path) -> StagedBuild:
        """Stage a build brought on a USB stick: `file` plus `file.sig.json` ({version, platform,
        sha256, size, signature}) written by `township-desk update export`."""
        try:
            meta = json.loads(Path(f"{file}.sig.json").read_text(encoding="utf-8"))
            manifest = BuildManifest(str(meta["version"]), str(meta["platform"]), str(meta["sha256"]),
                                     int(meta["size"]))
            signature = str(meta["signature"])
        except (OSError, ValueError, KeyError, TypeError):
            raise UserFacingError("update_file_unreadable") from None
        self._check_manifest_fields(manifest.version, manifest.platform)
        self.folder.mkdir(parents=True, exist_ok=True)
        copy = self.folder / f"{manifest.sha256}.usb"
        shutil.copyfile(file, copy)
        return self._stage(copy, file.name, manifest, signature)

    def staged(self) -> StagedBuild | None:
        """The newest verified build above this client's version, checked again (a file changed on disk
        since it was downloaded is refused and removed)."""
        candidates = []
        for meta_file in self.folder.glob(f"*/{MANIFEST}") if self.folder.exists() else ():
            try:
                staged = _read_staged(meta_file)
                if staged.platform == self.platform and version_key(staged.version) > version_key(
                        self.current_version):
                    candidates.append(staged)
            except (OSError, ValueError, TypeError, KeyError):
                continue
        for staged in sorted(candidates, key=lambda s: version_key(s.version), reverse=True):
            manifest = BuildManifest(staged.version, staged.platform, staged.sha256, staged.size)
            try:
                verify_file(staged.path, manifest, staged.signature, self.trusted_keys)
                return staged
            except (SignatureInvalid, OSError) as exc:
                self._refuse(staged.path.parent, staged.version, str(exc))
        return None

    def discard(self, staged: StagedBuild) -> None:
        shutil.rmtree(staged.path.parent, ignore_errors=True)

    def export_to(self, staged: StagedBuild, folder: Path) -> Path:
        """Copy a verified build and its `.sig.json` to a folder (a USB stick for offline villages)."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / staged.path.name
        shutil.copyfile(staged.path, target)
        meta = {"version": staged.version, "platform": staged.platform, "sha256": staged.sha256,
                "size": staged.size, "signature": staged.signature}
        Path(f"{target}.sig.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        return target

    def install(self, staged: StagedBuild, install_root: Path) -> Path:
        """Install a staged build, verified once more just before: an installer program (.exe, .msi) is
        started and the client should quit so it can replace the files; an archive (.zip, .tar.gz) of
        the one-folder build is unpacked beside the running one, in `township-desk-<version>/`, whose
        path is returned for the next start."""
        manifest = BuildManifest(staged.version, staged.platform, staged.sha256, staged.size)
        try:
            verify_file(staged.path, manifest, staged.signature, self.trusted_keys)
        except SignatureInvalid as exc:
            self._refuse(staged.path.parent, staged.version, str(exc))
        if staged.path.suffix.lower() in (".exe", ".msi"):
            import subprocess

            subprocess.Popen([str(staged.path)], close_fds=True)  # noqa: S603 — a verified, signed build
            return staged.path
        target = install_root.parent / f"township-desk-{staged.version}"
        if target.exists():
            shutil.rmtree(target)
        shutil.unpack_archive(str(staged.path), str(target))
        return target

    # --- internals --------------------------------------------------------------------------------------

    def _check_manifest_fields(self, version: str, platform: str) -> None:
        try:
            version_key(version)
        except ValueError:
            raise UserFacingError("update_file_unreadable") from None
        if platform != self.platform:
            raise UserFacingError("update_wrong_platform", platform=platform)

    def _staged_at(self, version: str, platform: str) -> StagedBuild | None:
        meta_file = self.folder / f"{version}-{platform}" / MANIFEST
        return _read_staged(meta_file) if meta_file.exists() else None

    def _stage(self, download: Path, filename: str, manifest: BuildManifest, signature: str) -> StagedBuild:
        try:
            verify_file(download, manifest, signature, self.trusted_keys)
        except SignatureInvalid as exc:
            self._refuse(download, manifest.version, str(exc))
        target = self.folder / f"{manifest.version}-{manifest.platform}"
        target.mkdir(parents=True, exist_ok=True)
        name = Path(filename).name or "build"
        download.replace(target / name)
        staged = StagedBuild(manifest.version, manifest.platform, target / name, manifest.sha256, manifest.size,
                             signature)
        meta = {**asdict(staged), "path": name}
        (target / MANIFEST).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        log.info("update %s for %s verified and staged", manifest.version, manifest.platform)
        return staged

    def _refuse(self, path: Path, version: str, reason: str) -> None:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        log.warning("update %s refused: %s", version, reason)
        if self._on_refused:
            self._on_refused(version, reason)
        raise UserFacingError("update_bad_signature", version=version)


def _read_staged(meta_file: Path) -> StagedBuild:
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    return StagedBuild(**{**meta, "path": meta_file.parent / meta["path"]})


def refusal_recorder(context) -> Callable[[str, str], None]:
    """`on_refused` for a desktop client: each refused build becomes an audit entry (action
    update_refused) that syncs to the city, so a forged or damaged build is seen there too."""
    from app.services.context import beijing_now
    from db.models import AuditEntry

    actor = context.actor

    def record(version: str, reason: str) -> None:
        context.write(lambda session: session.add(AuditEntry(
            at=beijing_now(), username=actor.username, device_id=actor.device_id, action="update_refused",
            entity="client_build", record_ids=[], reason=f"{version}: {reason}"[:500],
            region_code=actor.scope[:12])))

    return record


def client_update_service(context, enrolment=None) -> UpdateService:
    """The desktop's UpdateService: builds kept in the data directory, refusals audited; with an
    `enrolment` (app.enrolment.EnrolmentService) it can ask the city server, else it works offline."""
    from app import paths

    channel = UpdateChannel(enrolment.transport()) if enrolment is not None else None
    return UpdateService(paths.data_dir() / "updates", channel=channel, on_refused=refusal_recorder(context))
