"""The update channel in the city console: the city admin lists the client builds, uploads a build
the release manager signed (the file and its signature, as `township-server publish-build` takes
them — the same `server.updates.publish` checks the signature against the release keys the clients
trust, so an unsigned or wrongly signed file is refused here as there) and withdraws or reinstates
one. Every publication, withdrawal and reinstatement is audited in the admin's name.

The upload is streamed to a temporary file beside the builds (never held in memory), at most
`Settings.max_build_bytes`; the temporary file is removed whatever the outcome."""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.console.i18n import request_lang, translator
from server.console.web import PREFIX, ConsoleUser, Denied, files_of, form_of, render, require
from server.deps import db_session, settings_of
from server.intake import beijing_now
from server.models import ClientBuild
from server.pushed_writes import audit
from server.updates import PublishRefused, builds_dir, publish
from sync.release import PLATFORM_PATTERN, version_key

router = APIRouter(prefix="/admin", include_in_schema=False)
city_admin = require("city_admin")
COPY_BLOCK = 1024 * 1024


def _page(request: Request, who: ConsoleUser, session: Session, status: int = 200, **extra):
    builds = session.scalars(select(ClientBuild).order_by(ClientBuild.platform, ClientBuild.published_at.desc()))
    return render(request, "admin_builds.html", who, status=status, builds=list(builds),
                  **{"errors": {}, "values": {}, **extra})


@router.get("/builds")
def builds_page(request: Request, who: ConsoleUser = Depends(city_admin), session: Session = Depends(db_session),
                saved: str = ""):
    t = translator(request_lang(request))
    return _page(request, who, session, message=t("saved") if saved else "")


def _field_errors(form: dict, has_file: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not has_file:
        errors["file"] = "build_file_required"
    try:
        version_key(str(form.get("version", "")).strip())
    except ValueError:
        errors["version"] = "build_version"
    if not PLATFORM_PATTERN.match(str(form.get("platform", "")).strip()):
        errors["platform"] = "build_platform"
    if not str(form.get("signature", "")).strip():
        errors["signature"] = "required"
    if len(str(form.get("notes", ""))) > 2000:
        errors["notes"] = "too_long"
    return errors


async def _spool(upload, folder: Path, limit: int) -> Path | None:
    """The upload copied to a temporary file in `folder`; None (and nothing left) when over `limit`."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"upload-{secrets.token_hex(8)}.part"
    size = 0
    with target.open("wb") as out:
        while block := await upload.read(COPY_BLOCK):
            size += len(block)
            if size > limit:
                break
            out.write(block)
    if size > limit:
        target.unlink(missing_ok=True)
        return None
    return target


@router.post("/builds")
async def upload_build(request: Request, who: ConsoleUser = Depends(city_admin), session: Session = Depends(db_session)):
    form = await form_of(request, who)
    t = translator(request_lang(request))
    settings = settings_of(request)
    files = files_of(form, "file")
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}
    errors = _field_errors(form, bool(files))

    def refused(field_errors: dict[str, str]):
        return _page(request, who, session, status=422, values=values, error=t("field_errors"),
                     errors={k: t(v, max_mb=settings.max_build_bytes // 1048576) for k, v in field_errors.items()})

    if errors:
        return refused(errors)
    spooled = await _spool(files[0], builds_dir(settings) / "incoming", settings.max_build_bytes)
    if spooled is None:
        return refused({"file": "build_too_large"})
    version, platform = values["version"].strip(), values["platform"].strip()
    try:
        build = publish(session, settings, spooled, version=version, platform=platform,
                        signature=values["signature"].strip(), published_by=who.user.username,
                        notes=values.get("notes", "").strip(), filename=Path(files[0].filename or "build").name)
    except PublishRefused as exc:
        session.rollback()
        field = {"version": "version", "platform": "platform", "duplicate": "version"}.get(exc.code, "signature")
        return refused({field: f"build_{exc.code}"})
    finally:
        spooled.unlink(missing_ok=True)
    audit(session, who.user, "publish", "client_build", [build.id],
          f"控制台发布客户端 {platform} {version}（{build.filename}，SHA-256 {build.sha256[:16]}…）", "", beijing_now())
    session.commit()
    return RedirectResponse(f"{PREFIX}/admin/builds?saved=1", status_code=303)


@router.post("/builds/{build_id}/{action}")
async def build_action(build_id: str, action: str, request: Request, who: ConsoleUser = Depends(city_admin),
                       session: Session = Depends(db_session)):
    await form_of(request, who)
    build = session.get(ClientBuild, build_id)
    if build is None or action not in ("withdraw", "reinstate"):
        raise Denied(404)
    build.withdrawn = action == "withdraw"
    label = "撤回" if build.withdrawn else "恢复"
    audit(session, who.user, action, "client_build", [build.id],
          f"控制台{label}客户端 {build.platform} {build.version}", "", beijing_now())
    session.commit()
    return RedirectResponse(f"{PREFIX}/admin/builds?saved=1", status_code=303)
