"""The update channel's server side: a city administrator publishes a signed client build with the CLI
(`township-server publish-build`), the server checks its signature against the release keys the
clients trust (sync/release.py) and keeps the file in the builds directory under its SHA-256; a
client asks for the newest build of its platform above its own version and downloads it from any
offset, so a cut transfer resumes where it stopped."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts import utcnow
from server.config import Settings, data_dir
from server.models import ClientBuild
from sync.release import (
    PLATFORM_PATTERN,
    BuildManifest,
    SignatureInvalid,
    file_digest,
    shipped_public_keys,
    verify_file,
    version_key,
)

READ_BLOCK = 256 * 1024


class PublishRefused(Exception):
    """The build cannot be published; `str()` is the reason for the operator, `code` names it for a
    translated message (version, platform, signature, duplicate)."""

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message)
        self.code = code


def builds_dir(settings: Settings) -> Path:
    return Path(settings.builds_dir) if settings.builds_dir else data_dir() / "builds"


def publish(session: Session, settings: Settings, file: Path, *, version: str, platform: str, signature: str,
            published_by: str, notes: str = "", trusted_keys: list[str] | None = None,
            filename: str | None = None) -> ClientBuild:
    """Check and store one build; refuses an unsigned or wrongly signed file and a version already there.
    `filename` is the name the build is listed under (default: the file's own, as the CLI gives it)."""
    try:
        version_key(version)
    except ValueError:
        raise PublishRefused(f"版本号格式应为 1.2.3：{version}", "version") from None
    if not PLATFORM_PATTERN.match(platform):
        raise PublishRefused(f"平台名称格式应为 linux-x86_64 / windows-amd64：{platform}", "platform")
    sha256, size = file_digest(file)
    manifest = BuildManifest(version, platform, sha256, size)
    try:
        verify_file(file, manifest, signature, shipped_public_keys() if trusted_keys is None else trusted_keys)
    except SignatureInvalid as exc:
        raise PublishRefused(f"签名无效，拒绝发布（{exc}）", "signature") from None
    if session.scalar(select(ClientBuild.id).where(ClientBuild.platform == platform,
                                                    ClientBuild.version == version)):
        raise PublishRefused(f"{platform} 的 {version} 版本已经发布过", "duplicate")
    target = builds_dir(settings) / sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        partial = target.with_suffix(".part")
        shutil.copyfile(file, partial)
        partial.replace(target)
    build = ClientBuild(version=version, platform=platform, filename=(filename or file.name)[:200], sha256=sha256, size=size,
                        signature=signature, notes=notes, published_by=published_by, published_at=utcnow())
    session.add(build)
    session.flush()
    return build


def latest(session: Session, platform: str, above: str) -> ClientBuild | None:
    """The newest build of a platform with a version above `above` (None when the client is current)."""
    floor = version_key(above)
    builds = session.scalars(select(ClientBuild).where(ClientBuild.platform == platform,
                                                       ClientBuild.withdrawn.is_(False))).all()
    newer = [b for b in builds if version_key(b.version) > floor]
    return max(newer, key=lambda b: version_key(b.version), default=None)


def read_from(settings: Settings, build: ClientBuild, offset: int) -> Iterator[bytes]:
    """The build's bytes from `offset` on, in blocks."""
    with (builds_dir(settings) / build.sha256).open("rb") as handle:
        handle.seek(offset)
        while block := handle.read(READ_BLOCK):
            yield block
