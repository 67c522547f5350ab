"""Tags (标签) on persons and households, with validity dates. A tag assignment's id is derived
from (subject, tag) (`db.ids.tag_assignment_id`), so the same tag added on two devices is one
record and tags merge as a set. Removing a tag is a tombstone; adding it again restores the same
record with `deletion_gen` + 1, so sync can tell the re-add from a stale removal.

Sensitive tags (code table "tag", attrs.sensitivity 3: 重点人员 and its children) are shown to, and
may be set by, only the roles in `SENSITIVE_TAG_ROLES`; welfare tags (level 2) follow the normal
register rights. Sensitivity comes from the synced code table, or the shipped resource when the
local table is still empty (a fresh client before its first sync)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.codes import CodeBook
from app.errors import PermissionDenied, UserFacingError, ValidationError
from app.services.context import REGISTER_WRITERS, SENSITIVE_TAG_ROLES, Actor, ServiceBase, code_book
from db.ids import tag_assignment_id
from db.models import Household, Person, TagAssignment

TAG_TABLE = "tag"
SENSITIVE_LEVEL = 3
SUBJECTS = {"person": Person, "household": Household}


@dataclass(frozen=True)
class TagView:
    id: str
    subject_type: str
    subject_id: str
    tag_code: str
    label: str
    sensitivity: int
    start_on: dt.date | None
    end_on: dt.date | None
    active: bool  # within its validity dates today


def _tag_view(tag: TagAssignment, book: CodeBook, today: dt.date) -> TagView:
    active = (tag.start_on is None or tag.start_on <= today) and (tag.end_on is None or today <= tag.end_on)
    return TagView(id=tag.id, subject_type=tag.subject_type, subject_id=tag.subject_id, tag_code=tag.tag_code,
                   label=book.label(TAG_TABLE, tag.tag_code, tag.tag_code),
                   sensitivity=int(book.attr(TAG_TABLE, tag.tag_code, "sensitivity", 1) or 1),
                   start_on=tag.start_on, end_on=tag.end_on, active=active)


def visible_tags(session: Session, actor: Actor, subjects: Iterable[tuple[str, str]],
                 today: dt.date) -> tuple[TagView, ...]:
    """The live tags of the given (subject_type, subject_id) pairs the actor may see."""
    ids = [subject_id for _kind, subject_id in subjects]
    if not ids:
        return ()
    book = code_book(session, actor.scope)
    rows = session.scalars(select(TagAssignment).where(TagAssignment.subject_id.in_(ids), ~TagAssignment.deleted)
                           .order_by(TagAssignment.subject_id, TagAssignment.tag_code))
    views = (_tag_view(row, book, today) for row in rows)
    sees_sensitive = actor.role in SENSITIVE_TAG_ROLES
    return tuple(v for v in views if sees_sensitive or v.sensitivity < SENSITIVE_LEVEL)


class TagService(ServiceBase):
    """Add and remove tags on persons and households."""

    def tag(self, subject_type: str, subject_id: str, tag_code: str, start_on: dt.date | None = None,
            end_on: dt.date | None = None) -> TagView:
        """Add a tag (or restore a removed one, or change the dates of a live one)."""
        self._require_role(REGISTER_WRITERS, "tag")
        if start_on and end_on and end_on < start_on:
            raise ValidationError("end_on", "tag_dates")
        with self._unit_of_work() as session:
            subject = self._subject(session, subject_type, subject_id)
            book = self._check_tag(session, tag_code)
            record_id = tag_assignment_id(subject.id, tag_code)
            tag = session.get(TagAssignment, record_id)
            if tag is None:
                tag = TagAssignment(id=record_id, subject_type=subject_type, subject_id=subject.id, tag_code=tag_code,
                                    region_code=subject.region_code, start_on=start_on, end_on=end_on)
                session.add(tag)
            else:
                if tag.deleted:
                    tag.deleted = False
                    tag.deletion_gen = (tag.deletion_gen or 0) + 1
                for field, value in (("start_on", start_on), ("end_on", end_on),
                                     ("region_code", subject.region_code)):
                    if getattr(tag, field) != value:
                        setattr(tag, field, value)
            session.flush()
            return _tag_view(tag, book, self.today())

    def untag(self, subject_type: str, subject_id: str, tag_code: str) -> None:
        """Remove a tag (tombstone: the record stays so the removal syncs and merges as a set)."""
        self._require_role(REGISTER_WRITERS, "untag")
        with self._unit_of_work() as session:
            subject = self._subject(session, subject_type, subject_id)
            self._check_tag(session, tag_code)
            tag = session.get(TagAssignment, tag_assignment_id(subject.id, tag_code))
            if tag is None or tag.deleted:
                raise UserFacingError("tag_not_assigned")
            tag.deleted = True

    def tags_of(self, subject_type: str, subject_id: str) -> tuple[TagView, ...]:
        with self._read() as session:
            subject = self._subject(session, subject_type, subject_id)
            return visible_tags(session, self.actor, [(subject_type, subject.id)], self.today())

    def _subject(self, session: Session, subject_type: str, subject_id: str):
        model = SUBJECTS.get(subject_type)
        if model is None:
            raise ValueError(f"unknown tag subject {subject_type!r}")
        return self._get(session, model, subject_id, subject_type)

    def _check_tag(self, session: Session, tag_code: str) -> CodeBook:
        book = code_book(session, self.actor.scope)
        item = book.get(TAG_TABLE, tag_code)
        if item is None:
            raise ValidationError("tag_code", "code_unknown", label="标签", value=tag_code)
        if int(item.attrs.get("sensitivity", 1)) >= SENSITIVE_LEVEL and self.actor.role not in SENSITIVE_TAG_ROLES:
            raise PermissionDenied("tag")
        return book
