"""What every service needs to know about who is acting and when: the `Actor` (username, role,
region scope prefix, device id, department), the role rules shared by the services, a clock that
tests can replace, and the unit-of-work helper so each user action is one transaction.

Services take a `sessionmaker` and an `Actor` in their constructor (docs/ARCHITECTURE.md "Conventions") and return frozen
dataclasses, never ORM objects, so the UI never holds a live database object across threads.
Every write goes through the ORM (session.add / attribute assignment): the sync change-capture
hook listens on ORM flushes, so raw SQL or bulk writes would bypass the outbox."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from app.codes import CodeBook
from app.errors import NotFoundError, PermissionDenied, ScopeError, ValidationError
from app.rules.regions import in_scope

CITY_ADMIN = "city_admin"
DEPARTMENT = "department"
TOWNSHIP_ADMIN = "township_admin"
TOWNSHIP_STAFF = "township_staff"
VILLAGE_CADRE = "village_cadre"
GRID_WORKER = "grid_worker"
ROLES = (CITY_ADMIN, DEPARTMENT, TOWNSHIP_ADMIN, TOWNSHIP_STAFF, VILLAGE_CADRE, GRID_WORKER)

# Who may write the household register: everyone working a territory; departments (条) see
# only the tasks they issue and the cases escalated to them, never the register.
REGISTER_WRITERS = frozenset({CITY_ADMIN, TOWNSHIP_ADMIN, TOWNSHIP_STAFF, VILLAGE_CADRE, GRID_WORKER})
# Who may see full ID numbers and phones on an explicit, audited request.
REVEAL_ROLES = frozenset({CITY_ADMIN, TOWNSHIP_ADMIN, TOWNSHIP_STAFF, VILLAGE_CADRE})
# Who reviews conflicts and duplicates (待审): the city server lists its review items to these only
# (server/routers/review.py REVIEWERS; tests/walkthroughs/test_review_page_roles.py holds the two equal). A village cadre
# or grid worker sees which of their records wait (冲突待审) but the township decides.
REVIEW_ROLES = frozenset({CITY_ADMIN, TOWNSHIP_ADMIN, TOWNSHIP_STAFF})
# Who may see sensitive tags (重点人员: sensitivity level 3).
SENSITIVE_TAG_ROLES = frozenset({CITY_ADMIN, TOWNSHIP_ADMIN})
BEIJING = dt.timezone(dt.timedelta(hours=8))
# The transaction `atomic` opened on this thread, with the sessionmaker it came from.
_ATOMIC: ContextVar[tuple[sessionmaker, Session] | None] = ContextVar("atomic_unit_of_work", default=None)


@contextmanager
def atomic(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction around several service calls: every service built on the same `sessions`
    joins it (its own unit of work only flushes), so the calls commit together or not at all."""
    outer = _ATOMIC.get()
    if outer is not None and outer[0] is sessions:
        yield outer[1]
        return
    with sessions.begin() as session:
        token = _ATOMIC.set((sessions, session))
        try:
            yield session
        finally:
            _ATOMIC.reset(token)


def beijing_now() -> dt.datetime:
    """Business times are naive Beijing time (decision 0001)."""
    return dt.datetime.now(BEIJING).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True)
class Actor:
    """The signed-in user as services see them. `scope` is a region-code prefix ("" = everything,
    6 county, 9 township, 12 village, 15 grid); `department_code` is set for department users."""

    username: str
    role: str
    scope: str
    device_id: str = ""
    department_code: str | None = None
    display_name: str = ""  # the person's name (陈晓燕) for forms and watermarks; username when unset

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")


class ServiceBase:
    """Constructor-injected dependencies shared by the services: sessions, actor and clock."""

    def __init__(self, sessions: sessionmaker[Session], actor: Actor,
                 clock: Callable[[], dt.datetime] = beijing_now) -> None:
        self._sessions = sessions
        self.actor = actor
        self._clock = clock

    def now(self) -> dt.datetime:
        return self._clock()

    def today(self) -> dt.date:
        return self._clock().date()

    @contextmanager
    def _unit_of_work(self) -> Iterator[Session]:
        """One user action = one transaction: committed on success, rolled back on any error
        (inside `atomic`, the enclosing transaction decides)."""
        with atomic(self._sessions) as session:
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        outer = _ATOMIC.get()
        if outer is not None and outer[0] is self._sessions:
            yield outer[1]
            return
        with self._sessions() as session:
            yield session

    def _require_role(self, allowed: frozenset[str] | set[str], action: str) -> None:
        if self.actor.role not in allowed:
            raise PermissionDenied(action)

    def _check_scope(self, region_code: str | None, grid_code: str | None = None) -> None:
        if not in_scope(self.actor.scope, region_code, grid_code):
            raise ScopeError()

    def _get(self, session: Session, model: type, record_id: str, entity: str, *,
             allow_deleted: bool = False):
        """Load a record by id, refusing missing, deleted (unless allowed) and out-of-scope ones."""
        obj = session.get(model, record_id) if record_id else None
        if obj is None or (obj.deleted and not allow_deleted):
            raise NotFoundError(entity, record_id)
        self._check_scope(obj.region_code, getattr(obj, "grid_code", None))
        return obj


def device_tag(device_id: str) -> str:
    """Three base-36 characters derived from the device id: numbers made offline on different
    devices (case and task numbers) then differ even when two devices count the same day."""
    if not device_id:
        return "000"
    value = int.from_bytes(hashlib.sha256(device_id.encode()).digest()[:4], "big") % 36**3
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "".join(digits[value // 36**i % 36] for i in (2, 1, 0))


def code_book(session: Session, scope: str) -> CodeBook:
    """The code tables visible in `scope`; the shipped resources when the local table is still empty
    (a fresh client before its first sync)."""
    book = CodeBook.load(session, scope)
    return book if book.entries("request_type") or book.entries("tag") else CodeBook.from_resources()


def check_code(book: CodeBook, table: str, code: str | None, field: str, label: str) -> str:
    """`code` if it is an active entry of `table`; ValidationError on `field` otherwise."""
    item = book.get(table, code or "")
    if item is None or not item.active:
        raise ValidationError(field, "code_unknown", label=label, value=str(code or ""))
    return item.code


def require_text(value: str | None, field: str, label: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(field, "required", label=label)
    if len(value) > max_length:
        raise ValidationError(field, "too_long", label=label, max=max_length)
    return value


def optional_text(value: str | None, field: str, label: str, max_length: int) -> str:
    value = (value or "").strip()
    if len(value) > max_length:
        raise ValidationError(field, "too_long", label=label, max=max_length)
    return value
