"""Sensitive tags (code table "tag", attrs.sensitivity 3: 重点人员 — 社区矫正, 刑满释放, 严重精神障碍, 吸毒,
信访) leave the server only for the roles that need them (city and township admins, as on screen:
app/services/context.py SENSITIVE_TAG_ROLES). Pull pages and snapshot chunks drop such tag
assignments for every other role, so a village laptop never holds them, even in its database file.
The sensitive codes come from the server's own code table, so a township's local sensitive tags
count too."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import CodeEntry
from server.deps import Principal
from sync.pages import PulledRecord

SENSITIVE_LEVEL = 3
SEES_SENSITIVE_TAGS = frozenset({"city_admin", "township_admin"})


def sensitive_tag_codes(session: Session) -> frozenset[str]:
    rows = session.execute(select(CodeEntry.code, CodeEntry.attrs).where(CodeEntry.table == "tag")).all()
    return frozenset(code for code, attrs in rows if _level(attrs) >= SENSITIVE_LEVEL)


def _level(attrs: object) -> int:
    """A tag's sensitivity. Pushes are checked (db.fields: attrs an object, sensitivity an integer);
    a row that still cannot be read counts as sensitive, and never fails a pull."""
    try:
        return int((attrs or {}).get("sensitivity", 1) or 1)  # type: ignore[union-attr]
    except (AttributeError, TypeError, ValueError):
        return SENSITIVE_LEVEL


def hide_sensitive_tags(session: Session, who: Principal, records: list[PulledRecord]) -> list[PulledRecord]:
    """`records` without sensitive tag assignments unless `who` may see them."""
    if who.role in SEES_SENSITIVE_TAGS or not any(r.entity == "tag_assignment" for r in records):
        return records
    hidden = sensitive_tag_codes(session)
    return [r for r in records if r.entity != "tag_assignment" or r.fields.get("tag_code") not in hidden]


def sensitive_write(session: Session, who: Principal, entity: str, fields: dict) -> bool:
    """True when `who` tries to set a sensitive tag it may not see (a forged or outdated client: the
    desktop client already refuses it, app/services/tags.py); the push answers it "forbidden"."""
    if entity != "tag_assignment" or who.role in SEES_SENSITIVE_TAGS or not fields.get("tag_code"):
        return False
    return fields["tag_code"] in sensitive_tag_codes(session)
