"""Tasks sent down by departments (条→块) and cases brought up by residents."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, SyncedMixin
from db.fields import declare, refers

_DEFERRED = {"deferrable": True, "initially": "DEFERRED"}


class Task(SyncedMixin, Base):
    """任务 as issued by a department. `region_code` is the issuing scope (the township or village
    code the task is aimed at, or the common prefix of its targets); per-target progress lives in
    TaskTarget. `requested_fields` names register fields for a 一表通 data-verification task."""

    __tablename__ = "tasks"
    __sync_entity__ = "task"
    __sync_kind__ = "record"

    task_no: Mapped[str] = mapped_column(String(30), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    department_code: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(2), default="1")  # 1 走访巡查, 2 数据核采, 3 指令下达
    priority: Mapped[int] = mapped_column(Integer, default=2)  # 1 紧急, 2 一般, 3 低
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True, info=declare(format="region"))
    requested_fields: Mapped[list] = mapped_column(JSON, default=list, info=declare(shape="list", items=str))
    issued_by: Mapped[str] = mapped_column(String(50), default="")
    # The approved request catalogue entry a data request was issued under (报表准入): its name and
    # purpose, shown on the 一表通 form and written into the audit of every answer sent (schema 3).
    request_purpose: Mapped[str] = mapped_column(Text, default="", server_default="", info=declare(since=3))

    # Global search (app/client/global_search.py) scans task titles here, latest deadline first,
    # without reading the table.
    __table_args__ = (Index("ix_tasks_search", "due_at", "deleted", "task_no", "title", "id"),)


class TaskTarget(SyncedMixin, Base):
    """One township's, village's or grid's copy of a task: its status, assignee and progress."""

    __tablename__ = "task_targets"
    __sync_entity__ = "task_target"
    __sync_kind__ = "record"
    # 10 未接收, 20 进行中, 30 已完成, 40 已退回: 已退回 ranks with 已完成 (both end the township's part)
    __sync_status_rank__ = {"10": 1, "20": 2, "30": 3, "40": 3}

    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", **_DEFERRED), index=True,
                                         info=refers("task", scope="read"))
    region_code: Mapped[str] = mapped_column(String(12), index=True, info=declare(format="region"))
    # A target sent to one grid of the village `region_code`: its scope code (db.base.scope_columns),
    # so the grid's workers, the village and the township read it, the village's other grids do not.
    grid_code: Mapped[str | None] = mapped_column(String(15), info=declare(format="grid", since=3))
    status: Mapped[str] = mapped_column(String(2), default="10", info=declare(sync="status"))
    assigned_region_code: Mapped[str | None] = mapped_column(String(12), info=declare(format="region"))
    assignee: Mapped[str | None] = mapped_column(String(50))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    handled_count: Mapped[int] = mapped_column(Integer, default=0)
    total_count: Mapped[int] = mapped_column(Integer, default=0)

    # The inbox counts targets by status within a region scope from this index alone.
    __table_args__ = (Index("ix_task_targets_status_scope", "status", "region_code", "assigned_region_code",
                            "task_id", "deleted"),)


class TaskLink(SyncedMixin, Base):
    """A household linked to a task target (e.g. one of the 30 households to verify), or one person
    of it: a link is found by (target, household), and a person's link also by (target, person)."""

    __tablename__ = "task_links"
    __sync_entity__ = "task_link"
    __sync_kind__ = "record"
    __sync_id_versions__ = (5, 7)  # uuid5 of its content, or a new UUIDv7

    target_id: Mapped[str] = mapped_column(ForeignKey("task_targets.id", **_DEFERRED), index=True,
                                           info=refers("task_target", scope="read"))
    household_id: Mapped[str] = mapped_column(String(36), index=True, info=refers("household"))
    region_code: Mapped[str] = mapped_column(String(12), index=True, info=declare(format="region"))
    handled: Mapped[bool] = mapped_column(Boolean, default=False)
    handled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    handled_by: Mapped[str | None] = mapped_column(String(50))
    # The person the link concerns (schema 3): named when a person is linked (the link is then found
    # by (target, person)), or the household member whose data 一表通 confirmed; `corrected` lists
    # the requested fields that confirmation corrected in the register (printed on the task sheet).
    person_id: Mapped[str | None] = mapped_column(String(36), index=True, info=refers("person", since=3))
    corrected: Mapped[list] = mapped_column(JSON, default=list, server_default="[]",
                                            info=declare(since=3, shape="list", items=str))


class TaskFeedback(SyncedMixin, Base):
    """反馈: append-only entry reported back up to the department."""

    __tablename__ = "task_feedback"
    __sync_entity__ = "task_feedback"
    __sync_kind__ = "append_only"

    target_id: Mapped[str] = mapped_column(ForeignKey("task_targets.id", **_DEFERRED), index=True,
                                           info=refers("task_target", scope="read", parent=True))
    region_code: Mapped[str] = mapped_column(String(12), index=True, info=declare(format="region"))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    author: Mapped[str] = mapped_column(String(50))
    text: Mapped[str] = mapped_column(Text, default="")
    handled_count: Mapped[int] = mapped_column(Integer, default=0)
    total_count: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[dict] = mapped_column(JSON, default=dict, info=declare(shape="object"))  # 一表通 answers per household


class Case(SyncedMixin, Base):
    """事件/诉求 with its workflow status (codes of the glossary in docs/ARCHITECTURE.md, numeric so they sort)."""

    __tablename__ = "cases"
    __sync_entity__ = "case"
    __sync_kind__ = "record"

    case_no: Mapped[str] = mapped_column(String(30), index=True)
    source: Mapped[str] = mapped_column(String(2))
    request_type: Mapped[str] = mapped_column(String(2))
    category_code: Mapped[str] = mapped_column(String(10), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    region_code: Mapped[str] = mapped_column(String(12), index=True, info=declare(format="region"))
    grid_code: Mapped[str | None] = mapped_column(String(15), info=declare(format="grid"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    reporter_name: Mapped[str] = mapped_column(String(50), default="")
    reporter_phone: Mapped[str | None] = mapped_column(String(30))
    reporter_person_id: Mapped[str | None] = mapped_column(String(36), info=refers("person"))
    deadline_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    status: Mapped[int] = mapped_column(Integer, default=10, index=True, info=declare(sync="status"))
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)  # 督办
    escalated_to: Mapped[str | None] = mapped_column(String(20), index=True)  # department code
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    satisfaction: Mapped[str | None] = mapped_column(String(1))  # 1 满意, 2 基本满意, 3 不满意
    satisfaction_comment: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str | None] = mapped_column(String(20))
    channel_ref: Mapped[str | None] = mapped_column(String(64), index=True)  # 12345 / WeChat ticket number
    # 分派: the village (12) or grid (15) the case was dispatched to, and the named person there.
    dispatched_to: Mapped[str | None] = mapped_column(String(15), info=declare(format="place", since=2))
    assignee: Mapped[str | None] = mapped_column(String(50), info=declare(since=2))
    repeat_of: Mapped[str | None] = mapped_column(String(36), index=True,  # 重复诉求: the original case
                                                     info=refers("case", scope="read", since=2))

    # Global search (app/client/global_search.py) walks this newest first, testing the scope and the
    # title or number inside the index, and stops at the few it shows.
    __table_args__ = (Index("ix_cases_search", "registered_at", "region_code", "grid_code", "deleted", "case_no",
                            "title", "id"),)


class CaseParty(SyncedMixin, Base):
    """当事人: a party involved in a case."""

    __tablename__ = "case_parties"
    __sync_entity__ = "case_party"
    __sync_kind__ = "record"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", **_DEFERRED), index=True,
                                         info=refers("case", parent=True))
    region_code: Mapped[str] = mapped_column(String(12), index=True, info=declare(format="region"))
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(20), default="")
    phone: Mapped[str | None] = mapped_column(String(30))
    person_id: Mapped[str | None] = mapped_column(String(36), info=refers("person"))


class CaseLogEntry(SyncedMixin, Base):
    """处置记录: append-only handling log (who, when, action, text)."""

    __tablename__ = "case_log"
    __sync_entity__ = "case_log"
    __sync_kind__ = "append_only"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", **_DEFERRED), index=True,
                                         info=refers("case", parent=True))
    region_code: Mapped[str] = mapped_column(String(12), index=True, info=declare(format="region"))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[int | None] = mapped_column(Integer)
    to_status: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")


class CaseWhistle(SyncedMixin, Base):
    """吹哨报到: one department summoned to a case, its arrival and the township's evaluation."""

    __tablename__ = "case_whistles"
    __sync_entity__ = "case_whistle"
    __sync_kind__ = "record"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", **_DEFERRED), index=True,
                                         info=refers("case", parent=True))
    region_code: Mapped[str] = mapped_column(String(12), index=True, info=declare(format="region"))
    department_code: Mapped[str] = mapped_column(String(20))
    summoned_at: Mapped[dt.datetime] = mapped_column(DateTime)
    arrived_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    evaluation: Mapped[str | None] = mapped_column(String(1))  # 1 好, 2 较好, 3 一般, 4 差
    comment: Mapped[str] = mapped_column(Text, default="")
