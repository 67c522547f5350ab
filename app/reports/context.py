"""Who prints what, why, and how much they may see: the `Disclosure` every printed form and export is
made under, and the audit entry each print or export leaves.

Masking is the default (docs/ARCHITECTURE.md, glossary: personal data): ID numbers `110101********1234`, phones
`138****5678`; full values only when the caller passes `reveal=True`, which the service grants only
to roles allowed to see them, and which the audit entry records. Inspection summaries additionally
mask names (张*) and drop sensitive tags (sensitivity level 3, 重点人员)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.rules.masking import mask_id, mask_name, mask_phone
from db.models import AuditEntry

SENSITIVE_LEVEL = 3  # tag sensitivity from which a tag is never printed on an inspection summary


@dataclass(frozen=True)
class Disclosure:
    """The terms of one print/export: user, device, time, purpose and whether full values show."""

    username: str
    purpose: str
    at: dt.datetime
    reveal: bool = False
    mask_names: bool = False
    device_id: str = ""
    display_name: str = ""  # the person's name; the login name prints when there is none

    def id_number(self, value: str | None) -> str:
        if not value:
            return ""
        return value if self.reveal else mask_id(value)

    def phone(self, value: str | None) -> str:
        if not value:
            return ""
        return value if self.reveal else mask_phone(value)

    def name(self, value: str | None) -> str:
        if not value:
            return ""
        return mask_name(value) if self.mask_names else value

    def watermark(self) -> str:
        return f"{self.display_name or self.username}  {self.at:%Y-%m-%d %H:%M}  用途：{self.purpose}  仅限工作使用 请勿外传"

    def audit_reason(self) -> str:
        shown = "含完整证件号码和电话" if self.reveal else "证件号码和电话已脱敏"
        return f"{self.purpose}（{shown}）"


def people_names(session: Session) -> dict[str, str]:
    """Login name -> the person's name, from the account directory the client keeps (db.client
    AccountName); forms print names, never login names, where the directory has one."""
    from db.client import AccountName

    return {u: n for u, n in session.execute(select(AccountName.username, AccountName.display_name)) if n}


def record_audit(session: Session, disclosure: Disclosure, action: str, entity: str,
                 record_ids: list[str], region_code: str) -> AuditEntry:
    """Adds the append-only audit entry of a print or export through the ORM (so it is captured and
    synced up like any change); the caller's transaction commits it."""
    entry = AuditEntry(at=disclosure.at, username=disclosure.username, device_id=disclosure.device_id,
                       action=action, entity=entity, record_ids=list(record_ids),
                       reason=disclosure.audit_reason(), region_code=region_code[:12])
    session.add(entry)
    return entry
