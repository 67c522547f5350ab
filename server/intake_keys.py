"""API keys of outside intake channels (12345 hotline platform, WeChat service backend …): made
once, shown once, stored only as HMAC-SHA256 with the server's secret key, like device tokens."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts import token_hash, utcnow
from server.config import Settings
from server.errors import ApiError
from server.models import ChannelKey

KEY_PREFIX = "tdk_"


def create_channel_key(session: Session, settings: Settings, channel: str, name: str,
                       source_code: str = "1") -> str:
    """A new key for `channel`; several keys per channel may be live (rotation without downtime)."""
    if not channel or len(channel) > 20:
        raise ValueError("channel name must be 1–20 characters")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ChannelKey(channel=channel, name=name, key_hash=token_hash(settings, key),
                           source_code=source_code, created_at=utcnow()))
    session.flush()
    return key


def channel_for_key(session: Session, settings: Settings, key: str | None) -> ChannelKey:
    if not key:
        raise ApiError(401, "bad_api_key")
    found = session.scalar(select(ChannelKey).where(ChannelKey.key_hash == token_hash(settings, key)))
    if found is None or not found.active:
        raise ApiError(401, "bad_api_key")
    return found
