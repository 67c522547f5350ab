"""The household register: regions, households, persons, tag assignments and visits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, DuplicateKey, SyncedMixin
from db.fields import declare, refers

_DEFERRED = {"deferrable": True, "initially": "DEFERRED"}


class Region(Base):
    """统计用区划: reference data (province … village, plus 15-character grids). Keyed by its code,
    imported on the server and shipped to clients; not edited through sync."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(15), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[int] = mapped_column(Integer)  # 1 province, 2 city, 3 county, 4 township, 5 village, 6 grid
    parent_code: Mapped[str | None] = mapped_column(String(15), index=True)
    urban_rural: Mapped[str | None] = mapped_column(String(3))  # 城乡分类代码, e.g. 111, 220


class Household(SyncedMixin, Base):
    """户: a household with its register number, address and head."""

    __tablename__ = "households"
    __sync_entity__ = "household"
    __sync_kind__ = "record"
    # a second live household of the village with the same number is flagged for review, never
    # refused: two offline PCs may pick the same next number (docs/decisions/0041)
    __sync_duplicate_key__ = DuplicateKey("household_no", {}, "duplicate_hh_no", within=("region_code",))

    household_no: Mapped[str] = mapped_column(String(18), index=True, info=declare(format="household_no"))
    region_code: Mapped[str] = mapped_column(String(12), index=True, info=declare(format="village"))
    grid_code: Mapped[str | None] = mapped_column(String(15), index=True, info=declare(format="grid"))
    household_kind: Mapped[str] = mapped_column(String(1), default="1",
                                                info=declare(label="户别"))  # 1 家庭户, 2 集体户
    # 户口类型 since the 2014 户籍 reform: 3 居民户口 (9 其他); the abolished 1 非农业 / 2 农业 stay
    # in the code table, inactive, for old printouts (client and server migrations map them to 3).
    hukou_type: Mapped[str] = mapped_column(String(1), default="3", info=declare(label="户口类型"))
    address: Mapped[str] = mapped_column(String(200), default="", info=declare(label="住址"))
    phone: Mapped[str | None] = mapped_column(String(30), info=declare(label="联系电话"))
    head_person_id: Mapped[str | None] = mapped_column(String(36), info=refers("person", forward=True))
    last_visit_on: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="", info=declare(label="备注", limit=2000))
    merged_into: Mapped[str | None] = mapped_column(String(36), info=refers("household"))

    # Global search (app/client/global_search.py) scans addresses in this index, not the table: it
    # holds the scope, liveness and number the lookup filters and sorts on.
    __table_args__ = (Index("ix_households_search", "region_code", "grid_code", "deleted", "merged_into",
                            "household_no", "address"),)


def _person_search_keys(row: dict) -> dict[str, str]:
    """A person row's derived search keys (db.search_keys), for loads that bypass the flush hook."""
    from db.search_keys import person_search_keys  # db.search_keys imports this module

    return person_search_keys(row.get("name") or "", row.get("id_number"), row.get("phone"))


class Person(SyncedMixin, Base):
    """人员: a member of a household. `region_code`/`grid_code` follow the household so scope is a
    prefix test on the row itself. The `search_*` columns are derived locally and never synced."""

    __tablename__ = "persons"
    __sync_entity__ = "person"
    __sync_kind__ = "record"
    # a second live person with the same resident ID number is flagged for review, never refused
    __sync_duplicate_key__ = DuplicateKey("id_number", {"id_type": "01"}, "duplicate_id")
    __sync_derive__ = staticmethod(_person_search_keys)

    household_id: Mapped[str | None] = mapped_column(
        ForeignKey("households.id", **_DEFERRED), index=True, info=refers("household")
    )
    region_code: Mapped[str] = mapped_column(String(12), index=True, info=declare(format="village"))
    grid_code: Mapped[str | None] = mapped_column(String(15), info=declare(format="grid"))
    name: Mapped[str] = mapped_column(String(50), info=declare(label="姓名"))
    id_type: Mapped[str] = mapped_column(String(2), default="01",
                                         info=declare(label="证件类型", codes="id_type"))  # 01 居民身份证 …
    id_number: Mapped[str | None] = mapped_column(String(32), index=True, info=declare(label="证件号码"))
    gender: Mapped[str | None] = mapped_column(String(1), info=declare(label="性别", codes="gender"))
    birth_date: Mapped[dt.date | None] = mapped_column(Date, info=declare(label="出生日期"))
    ethnicity: Mapped[str | None] = mapped_column(String(2), info=declare(label="民族", codes="ethnicity"))
    relation_to_head: Mapped[str | None] = mapped_column(String(2), info=declare(label="与户主关系",
                                                                                  codes="relation_to_head"))
    education: Mapped[str | None] = mapped_column(String(2), info=declare(label="文化程度", codes="education"))
    political_status: Mapped[str | None] = mapped_column(String(2), info=declare(label="政治面貌",
                                                                                  codes="political_status"))
    marital_status: Mapped[str | None] = mapped_column(String(2), info=declare(label="婚姻状况",
                                                                                codes="marital_status"))
    hukou_address: Mapped[str] = mapped_column(String(200), default="", info=declare(label="户籍地"))
    current_address: Mapped[str] = mapped_column(String(200), default="", info=declare(label="现住址"))
    phone: Mapped[str | None] = mapped_column(String(30), info=declare(label="联系电话"))
    residence_type: Mapped[str] = mapped_column(String(2), default="1", info=declare(
        label="人员类别", codes="residence_type"))  # 人员类别, 4 外出 among them
    status: Mapped[str] = mapped_column(String(2), default="1", info=declare(
        label="人员状态", codes="person_status"))  # 人员状态: 1 在册, 3 迁出, 4 死亡
    # Life events: 迁入 (from where, when), 迁出 (when, to which region or place), 死亡 (when).
    # life events, new in schema version 2 (older clients are served without them)
    moved_in_on: Mapped[dt.date | None] = mapped_column(Date, info=declare(since=2, label="迁入日期"))
    moved_in_from: Mapped[str] = mapped_column(String(100), default="", server_default="",
                                               info=declare(since=2, label="迁入自"))
    moved_out_on: Mapped[dt.date | None] = mapped_column(Date, info=declare(since=2, label="迁出日期"))
    moved_out_to: Mapped[str] = mapped_column(String(100), default="", server_default="",
                                              info=declare(since=2, label="迁往"))
    died_on: Mapped[dt.date | None] = mapped_column(Date, info=declare(since=2, label="死亡日期"))
    notes: Mapped[str] = mapped_column(Text, default="", info=declare(label="备注", limit=2000))
    merged_into: Mapped[str | None] = mapped_column(String(36), info=refers("person"))
    # Derived search keys (kept in step by db.search_keys on every flush; never on the wire).
    search_initials: Mapped[str] = mapped_column(String(60), default="", info=declare(sync=False))
    search_id_rev: Mapped[str] = mapped_column(String(32), default="", info=declare(sync=False))
    search_phone_rev: Mapped[str] = mapped_column(String(30), default="", info=declare(sync=False))

    __table_args__ = (
        Index("ix_persons_region_initials", "region_code", "search_initials"),
        # Covering index for name-substring search: scanned instead of the table (app/services/search.py).
        Index("ix_persons_region_name", "region_code", "name"),
        Index("ix_persons_search_id_rev", "search_id_rev"),
        Index("ix_persons_search_phone_rev", "search_phone_rev"),
    )


class TagAssignment(SyncedMixin, Base):
    """标签 on a person or household, with its validity dates. The id is derived from
    (subject, tag) so concurrent adds of the same tag are the same record (set semantics);
    removal is the tombstone."""

    __tablename__ = "tag_assignments"
    __sync_entity__ = "tag_assignment"
    __sync_kind__ = "set_element"
    __sync_id_versions__ = (5, 7)  # uuid5 of its content, or a new UUIDv7

    subject_type: Mapped[str] = mapped_column(String(10), info=declare(format="subject_type"))
    subject_id: Mapped[str] = mapped_column(String(36), index=True,
                                            info=refers("person", "household", by="subject_type", parent=True))
    tag_code: Mapped[str] = mapped_column(String(20), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True, info=declare(format="village"))
    start_on: Mapped[dt.date | None] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)


class PersonDistinction(SyncedMixin, Base):
    """不是同一人: two persons shown as likely duplicates that a clerk judged to be different people,
    so the duplicate scan never proposes the pair again on any PC. The id is derived from the pair
    (db.ids.person_distinction_id): both orders and concurrent decisions are one record; undoing it
    is the tombstone."""

    __tablename__ = "person_distinctions"
    __sync_entity__ = "person_distinction"
    __sync_kind__ = "set_element"
    __sync_since__ = 2  # new in schema version 2: older clients are served without these decisions
    __sync_id_versions__ = (5,)

    first_person_id: Mapped[str] = mapped_column(String(36), index=True, info=refers("person"))
    second_person_id: Mapped[str] = mapped_column(String(36), index=True, info=refers("person"))
    region_code: Mapped[str] = mapped_column(String(12), index=True, info=declare(format="village"))
    decided_by: Mapped[str] = mapped_column(String(50), default="")


class Visit(SyncedMixin, Base):
    """走访记录: append-only note of a visit to a household."""

    __tablename__ = "visits"
    __sync_entity__ = "visit"
    __sync_kind__ = "append_only"

    household_id: Mapped[str] = mapped_column(ForeignKey("households.id", **_DEFERRED), index=True,
                                              info=refers("household", parent=True))
    region_code: Mapped[str] = mapped_column(String(12), index=True, info=declare(format="village"))
    visited_on: Mapped[dt.date] = mapped_column(Date)
    visitor: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(2), default="1")  # 1 入户, 2 电话, 3 集中
    findings: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
