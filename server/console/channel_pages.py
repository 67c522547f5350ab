"""The city admin's view of what enters and leaves the platform outside sync: intake channels (the
12345 hotline platform, a WeChat backend …) with their keys — create a key (shown once), rotate one
(a new key, the old one stops) — and how many cases each channel delivered and when it last did.
The update channel's builds have their own page (build_pages)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.console.i18n import request_lang, translator
from server.console.web import ConsoleUser, Denied, form_of, render, require
from server.deps import db_session, settings_of
from server.intake_keys import create_channel_key
from server.models import ChannelKey, ChannelSubmission

router = APIRouter(prefix="/admin", include_in_schema=False)
city_admin = require("city_admin")


def _channels_page(request: Request, who: ConsoleUser, session: Session, status: int = 200, **extra):
    delivered = {channel: (count, last) for channel, count, last in session.execute(
        select(ChannelSubmission.channel, func.count(), func.max(ChannelSubmission.created_at))
        .group_by(ChannelSubmission.channel))}
    keys = list(session.scalars(select(ChannelKey).order_by(ChannelKey.channel, ChannelKey.created_at)))
    return render(request, "admin_channels.html", who, status=status, keys=keys, delivered=delivered,
                  **{"errors": {}, "values": {}, **extra})


@router.get("/channels")
def channels_page(request: Request, who: ConsoleUser = Depends(city_admin), session: Session = Depends(db_session)):
    return _channels_page(request, who, session)


@router.post("/channels")
async def new_channel_key(request: Request, who: ConsoleUser = Depends(city_admin),
                          session: Session = Depends(db_session)):
    form = await form_of(request, who)
    t = translator(request_lang(request))
    channel, name = str(form.get("channel", "")).strip(), str(form.get("name", "")).strip()
    source = str(form.get("source", "1")).strip()
    errors = {}
    if not channel or len(channel) > 20:
        errors["channel"] = t("required")
    if len(name) > 100:
        errors["name"] = t("too_long")
    if not source.isdigit() or len(source) > 2:
        errors["source"] = t("required")
    if errors:
        return _channels_page(request, who, session, status=422, errors=errors, values=form, error=t("field_errors"))
    key = create_channel_key(session, settings_of(request), channel, name, source)
    session.commit()
    return _channels_page(request, who, session, new_key=(channel, key))


@router.post("/channels/{key_id}/rotate")
async def rotate_channel_key(key_id: str, request: Request, who: ConsoleUser = Depends(city_admin),
                             session: Session = Depends(db_session)):
    await form_of(request, who)
    old = session.get(ChannelKey, key_id)
    if old is None or not old.active:
        raise Denied(404)
    key = create_channel_key(session, settings_of(request), old.channel, old.name, old.source_code)
    old.active = False
    session.commit()
    return _channels_page(request, who, session, new_key=(old.channel, key))
