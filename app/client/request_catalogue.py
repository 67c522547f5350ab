"""The department's approved request catalogue (报表准入) as the desktop's issue form offers it: a
data-verification task (数据核采) asks for the fields of one approved entry, and carries that entry's
name and purpose. The catalogue lives on the city server (the city admin approves entries there), so
it is read from `GET /department/catalogue` over the enrolled device's transport — a department user
gets its own department's entries, the city admin (who issues for any department) every department's,
each naming its department; offline, or for any other user, there is none and the form says a data
request cannot be issued."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from db import request_fields

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatalogueChoice:
    id: str
    name: str
    purpose: str
    fields: tuple[str, ...]  # the requestable fields of the entry (unknown ones left out)
    department_code: str = ""  # the department the entry was approved for

    @property
    def request_purpose(self) -> str:
        return f"{self.name}：{self.purpose}" if self.purpose else self.name


def approved_entries(transport_of: Callable[[], object] | None) -> tuple[CatalogueChoice, ...]:
    """The approved entries the signed-in user may issue under (its department's; the city admin's:
    every department's), () offline or when the server refuses."""
    if transport_of is None:
        return ()
    try:
        answer = transport_of().request("GET", "/department/catalogue", params={"state": "approved"})
    except Exception as exc:  # offline, not a department user, an older server: no catalogue to offer
        log.info("request catalogue not available: %s", type(exc).__name__)
        return ()
    entries = answer if isinstance(answer, list) else []
    return tuple(CatalogueChoice(str(e.get("id", "")), str(e.get("name", "")), str(e.get("purpose") or ""),
                                 tuple(f for f in e.get("fields") or () if f in request_fields.REQUESTABLE),
                                 str(e.get("department_code") or ""))
                 for e in entries if isinstance(e, dict) and e.get("id"))
