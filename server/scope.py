"""Who may read and write what (roles: docs/ARCHITECTURE.md "Glossary"), checked on every push, pull, snapshot and view.

| role | reads | writes |
|---|---|---|
| city_admin | everything (prefix "") | everything; city-wide code entries |
| township_admin | records whose region starts with its 9-digit prefix; city + own code entries | same records; local code entries with its own prefix |
| township_staff | as township_admin | same records, no code entries |
| village_cadre | its village (12-digit prefix) | its village's records, no tasks, no code entries |
| grid_worker | its grid (15-digit prefix): its households, persons and cases, plus the village-level records above it | records of its grid, and its village's records that belong to no grid (visits, tags, case log) |
| department | tasks it issued with their targets, links and feedback; cases escalated or whistled to it with their log and whistles; city code entries — never the register | its own tasks and their targets, aimed inside its region scope; new feedback entries (reminders) on its own targets; log entries and whistle arrivals on cases escalated to it |

A record is in a region scope when its scope code starts with the user's prefix. The scope code is
the record's grid code when it has one (households, persons, cases), else its region code (code
entries: their scope prefix) — see db.base.scope_columns. A grid code outside the record's own
village is refused; a write must be in scope both before (the stored record) and after (the change),
so nobody can move a record into or out of their jurisdiction unseen. Department visibility is
decided from the current rows, looked up in bulk per page."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from db.models import Attachment, Case, CaseLogEntry, CaseWhistle, Task, TaskFeedback, TaskLink, TaskTarget
from server.deps import Principal
from server.store.tables import RecordVersion

REGION_ROLES = ("city_admin", "township_admin", "township_staff", "village_cadre", "grid_worker")
REGISTER_WRITERS_NO_TASKS = ("village_cadre", "grid_worker")
DEPARTMENT_TASK_ENTITIES = ("task", "task_target", "task_link", "task_feedback")
DEPARTMENT_CASE_ENTITIES = ("case", "case_log", "case_whistle")


def read_prefix(who: Principal) -> str | None:
    """The region prefix a user reads by, or None for department users (visibility by relation)."""
    if who.role == "department":
        return None
    return who.scope_prefix


def in_prefix(region_code: str | None, prefix: str) -> bool:
    return (region_code or "").startswith(prefix)


def code_entry_visible(who: Principal, scope_prefix: str) -> bool:
    """City-wide entries for everyone; a township's local entries for users inside that township."""
    if scope_prefix == "":
        return True
    if who.role == "department":
        return False
    return who.role == "city_admin" or (who.scope_prefix or "").startswith(scope_prefix)


def may_write_region(who: Principal, entity: str, region_code: str | None) -> bool:
    """Region rule for writes by the region roles (departments go through DepartmentView)."""
    if who.role not in REGION_ROLES:
        return False
    region_code = region_code or ""
    if entity == "code_entry":
        if who.role == "city_admin":
            return True
        return who.role == "township_admin" and region_code == who.scope_prefix
    if entity == "task" and who.role in REGISTER_WRITERS_NO_TASKS:
        return False
    prefix = read_prefix(who) or ""
    if region_code.startswith(prefix):
        return True
    # Records without a grid level (visits, tags, case log entries) carry their village's code.
    return who.role == "grid_worker" and region_code == prefix[:12]


class DepartmentView:
    """Visibility and write rights of one department user, answered from the current rows."""

    def __init__(self, session: Session, department_code: str, scope_prefix: str = ""):
        self.session = session
        self.dept = department_code
        self.scope_prefix = scope_prefix  # where its tasks may be aimed (a county department: 6 digits)

    def visible_ids(self, entity: str, record_ids: Iterable[str]) -> set[str]:
        ids = list(set(record_ids))
        if not ids:
            return set()
        if entity in DEPARTMENT_TASK_ENTITIES:
            return self._task_family(entity, ids)
        if entity in DEPARTMENT_CASE_ENTITIES:
            return self._case_family(entity, ids)
        return set()

    def _task_family(self, entity: str, ids: list[str]) -> set[str]:
        own_task = select(Task.id).where(Task.department_code == self.dept)
        if entity == "task":
            return set(self.session.scalars(select(Task.id).where(Task.id.in_(ids), Task.id.in_(own_task))))
        own_target = select(TaskTarget.id).where(TaskTarget.task_id.in_(own_task))
        if entity == "task_target":
            return set(self.session.scalars(
                select(TaskTarget.id).where(TaskTarget.id.in_(ids), TaskTarget.id.in_(own_target))))

        model = TaskFeedback if entity == "task_feedback" else TaskLink
        return set(self.session.scalars(
            select(model.id).where(model.id.in_(ids), model.target_id.in_(own_target))))

    def own_case_ids(self):
        whistled = select(CaseWhistle.case_id).where(CaseWhistle.department_code == self.dept)
        return select(Case.id).where(or_(Case.escalated_to == self.dept, Case.id.in_(whistled)))

    def _case_family(self, entity: str, ids: list[str]) -> set[str]:
        own = self.own_case_ids()
        if entity == "case":
            return set(self.session.scalars(select(Case.id).where(Case.id.in_(ids), Case.id.in_(own))))

        model = CaseLogEntry if entity == "case_log" else CaseWhistle
        return set(self.session.scalars(select(model.id).where(model.id.in_(ids), model.case_id.in_(own))))

    def snapshot_condition(self, entity: str) -> ColumnElement | None:
        """SQL over the version heads selecting what the department sees of `entity` (None: none),
        so its snapshot never reads the register at all."""
        own_task = select(Task.id).where(Task.department_code == self.dept)
        own_target = select(TaskTarget.id).where(TaskTarget.task_id.in_(own_task))
        own_case = self.own_case_ids()
        ids = {
            "task": own_task,
            "task_target": own_target,
            "task_link": select(TaskLink.id).where(TaskLink.target_id.in_(own_target)),
            "task_feedback": select(TaskFeedback.id).where(TaskFeedback.target_id.in_(own_target)),
            "case": own_case,
            "case_log": select(CaseLogEntry.id).where(CaseLogEntry.case_id.in_(own_case)),
            "case_whistle": select(CaseWhistle.id).where(CaseWhistle.case_id.in_(own_case)),
        }
        if entity == "code_entry":
            return RecordVersion.region_code == ""
        return RecordVersion.record_id.in_(ids[entity]) if entity in ids else None

    def may_write(self, entity: str, record_id: str, fields: dict) -> bool:
        """Departments issue tasks and targets, attach files to their own targets (sent down with the
        task), add feedback entries to their own targets (催办, a reminder the township reads with the
        target's feedback) and report on cases escalated to them."""
        if entity in ("task", "task_target") and not in_prefix(
                fields.get("region_code", self.scope_prefix), self.scope_prefix):
            return False
        if entity == "task":
            existing = self.session.get(Task, record_id)
            owner = existing.department_code if existing else fields.get("department_code")
            return owner == self.dept and fields.get("department_code", self.dept) == self.dept
        if entity == "task_target":
            existing = self.session.get(TaskTarget, record_id)
            task_id = existing.task_id if existing else fields.get("task_id")
            task = self.session.get(Task, task_id) if task_id else None
            # A target may arrive in the same batch as its task, before the task row exists.
            return task is None or task.department_code == self.dept
        if entity == "task_feedback":
            if self.session.get(TaskFeedback, record_id) is not None:
                return False  # append-only: a department adds entries, never changes one
            target = self.session.get(TaskTarget, fields.get("target_id") or "")
            task = self.session.get(Task, target.task_id) if target is not None else None
            return (task is not None and task.department_code == self.dept
                    and fields.get("region_code") == target.region_code)
        if entity == "attachment":  # a file sent down with its own task: on a target, in the target's region
            if self.session.get(Attachment, record_id) is not None:
                return False
            target = self.session.get(TaskTarget, fields.get("owner_id") or "")
            task = self.session.get(Task, target.task_id) if target is not None else None
            return (fields.get("owner_entity") == "task_target" and task is not None
                    and task.department_code == self.dept and fields.get("region_code") == target.region_code
                    and fields.get("grid_code") == target.grid_code)
        if entity in ("case_log", "case_whistle"):
            model = CaseLogEntry if entity == "case_log" else CaseWhistle
            existing = self.session.get(model, record_id)
            case_id = existing.case_id if existing else fields.get("case_id")
            return bool(case_id) and case_id in self.visible_ids("case", [case_id])
        return False


ASSIGNED_ENTITIES = ("task", "task_target", "task_feedback")


def assigned_targets_condition(entity: str, prefix: str) -> ColumnElement | None:
    """For a village (or grid) reader: township-level task targets the township assigned to its
    village, their tasks and their feedback, are in its scope although their region is the
    township's."""
    if len(prefix) < 12 or entity not in ASSIGNED_ENTITIES:
        return None
    assigned = select(TaskTarget.id).where(TaskTarget.assigned_region_code.startswith(prefix[:12]))
    if entity == "task":
        return RecordVersion.record_id.in_(
            select(TaskTarget.task_id).where(TaskTarget.assigned_region_code.startswith(prefix[:12])))
    if entity == "task_target":
        return RecordVersion.record_id.in_(assigned)
    return RecordVersion.record_id.in_(select(TaskFeedback.id).where(TaskFeedback.target_id.in_(assigned)))
