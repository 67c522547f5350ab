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
decided from the current rows by one rule (DEPARTMENT_WAYS, DepartmentRule), written as SQL
for a set of records (snapshot, push) or per version head (the pull, server.department_pull)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from db.models import Attachment, Case, CaseLogEntry, CaseWhistle, Task, TaskFeedback, TaskLink, TaskTarget
from server.deps import Principal
from server.store.tables import RecordVersion

REGION_ROLES = ("city_admin", "township_admin", "township_staff", "village_cadre", "grid_worker")
REGISTER_WRITERS_NO_TASKS = ("village_cadre", "grid_worker")


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


# What a department sees, decided by relation (never by region): the one statement of the rule
# (decision 0040). Each entity's way up to the record whose owner decides — a task it issued, or a
# case escalated or whistled to it — and who owns a task or a case; DepartmentRule writes it as SQL in
# each form its readers need.
DEPARTMENT_WAYS: dict[str, tuple[type, ...]] = {
    "task": (Task,),
    "task_target": (TaskTarget, Task),
    "task_link": (TaskLink, TaskTarget, Task),
    "task_feedback": (TaskFeedback, TaskTarget, Task),
    "case": (Case,),
    "case_log": (CaseLogEntry, Case),
    "case_whistle": (CaseWhistle, Case),
}
# The owner of a task or a case: (model, its column naming the department) — the record's own column,
# or a row below it naming it (a whistle, 吹哨, naming the department on its case).
DEPARTMENT_OWNERS: dict[type, tuple[tuple[type, str], ...]] = {
    Task: ((Task, "department_code"),),
    Case: ((Case, "escalated_to"), (CaseWhistle, "department_code")),
}
# The column of a record below naming the record above, by the model above.
_NAMED_BY = {Task: "task_id", TaskTarget: "target_id", Case: "case_id"}
# Everything a department's view holds: the city-wide code entries too (`_city_wide`).
DEPARTMENT_ENTITIES = ("code_entry", *DEPARTMENT_WAYS)


def _city_wide() -> ColumnElement:
    """The code entries a department sees: the city's (a version head's region "")."""
    return RecordVersion.region_code == ""


@functools.cache
def _apart(model: type):
    """`model`'s rows that name an owner, in a head's lookup: apart from the rows the head's record is
    joined to (whistles are the only such rows). Made once: a new alias adapts its columns again on
    every use (2 ms a reference check)."""
    return aliased(model, name="whistled")


class DepartmentRule:
    """The department rule as SQL for one department (`dept`: its code, or a bound parameter in a
    statement built once), in the two forms of the same relations its readers need:
    - over sets of records (`condition`, `ids`, `heads`: the snapshot, the escalated-case list, a push's
      reference checks): the records above as `IN` subqueries, a whistle's cases as one `IN` set;
    - per version head (`head_test`: the pull, decision 0037): the record looked up by its id and
      joined up to its owner, a whistle by its case (`EXISTS` on the case's index). A scalar subquery
      runs per head, where an IN or EXISTS test PostgreSQL may answer by building the department's
      whole set first (a seq scan of the case log); the set form the other way round would test
      every case of the city by a lookup of its whistles."""

    def __init__(self, dept: Any):
        self.dept = dept

    def owns(self, owner: type, per_row: bool = False) -> ColumnElement:
        """Whether a row of `owner` (Task, Case) is the department's; `per_row`: its rows below that
        may name the department looked up by the row's id, else taken as one set."""
        tests = []
        for model, column in DEPARTMENT_OWNERS[owner]:
            if model is owner:
                tests.append(getattr(owner, column) == self.dept)
                continue
            below = _apart(model) if per_row else model
            names, named = getattr(below, _NAMED_BY[owner]), getattr(below, column) == self.dept
            tests.append(exists().where(names == owner.id, named) if per_row
                         else owner.id.in_(select(names).where(named)))
        return or_(*tests)

    def condition(self, entity: str) -> ColumnElement:
        """A condition on `entity`'s own rows: the record above it (by its column) is one the
        department sees, up to the owner."""
        return self._condition(DEPARTMENT_WAYS[entity])

    def _condition(self, way: tuple[type, ...]) -> ColumnElement:
        model, *above = way
        if not above:
            return self.owns(model)
        return getattr(model, _NAMED_BY[above[0]]).in_(select(above[0].id).where(self._condition(tuple(above))))

    def row_test(self, entity: str) -> ColumnElement:
        """`condition`'s answer for a few rows of `entity` taken by id (a push's checks): each row's
        way up looked up by primary keys and its owner by `owns(per_row=True)`, a whistle by its
        case's index. The set form read every whistle of the city (no index on the department) to
        build the department's cases, in the push's generic plans (decision 0044)."""
        model, *above = DEPARTMENT_WAYS[entity]
        if not above:
            return self.owns(model, per_row=True)
        looked_up, below = select(above[0].id).where(above[0].id == getattr(model, _NAMED_BY[above[0]])), above[0]
        for up in above[1:]:
            looked_up, below = looked_up.join(up, up.id == getattr(below, _NAMED_BY[up])), up
        return exists(looked_up.where(self.owns(above[-1], per_row=True)))

    def ids(self, entity: str):
        """The ids of `entity`'s records the department sees (a subquery)."""
        return select(DEPARTMENT_WAYS[entity][0].id).where(self.condition(entity))

    def heads(self, entity: str) -> ColumnElement | None:
        """The version heads of `entity` the department sees, as a set (None: none of that entity)."""
        if entity == "code_entry":
            return _city_wide()
        return RecordVersion.record_id.in_(self.ids(entity)) if entity in DEPARTMENT_WAYS else None

    def head_test(self, entity: str) -> ColumnElement:
        """Whether the department sees the record of a version head of `entity` (one of
        DEPARTMENT_ENTITIES): its owner looked up for that one record through its way up; NULL when
        the record is gone."""
        if entity == "code_entry":
            return _city_wide()
        model, *above = DEPARTMENT_WAYS[entity]
        looked_up = select(self.owns(above[-1] if above else model, per_row=True))
        if above:
            looked_up, below = looked_up.select_from(model), model
            for up in above:
                looked_up, below = looked_up.join(up, up.id == getattr(below, _NAMED_BY[up])), up
        return looked_up.where(model.id == RecordVersion.record_id).scalar_subquery()


class DepartmentView:
    """Visibility and write rights of one department user, answered from the current rows."""

    def __init__(self, session: Session, department_code: str, scope_prefix: str = ""):
        self.session = session
        self.dept = department_code
        self.scope_prefix = scope_prefix  # where its tasks may be aimed (a county department: 6 digits)
        self.rule = DepartmentRule(department_code)

    def visible_ids(self, entity: str, record_ids: Iterable[str]) -> set[str]:
        """Which of `record_ids` of a task's or a case's family the department sees (none of others)."""
        ids = list(set(record_ids))
        if not ids or entity not in DEPARTMENT_WAYS:
            return set()
        model = DEPARTMENT_WAYS[entity][0]
        return set(self.session.scalars(select(model.id).where(model.id.in_(ids), self.rule.row_test(entity))))

    def own_case_ids(self):
        return self.rule.ids("case")

    def snapshot_condition(self, entity: str) -> ColumnElement | None:
        """SQL over the version heads selecting what the department sees of `entity` (None: none),
        so its snapshot never reads the register at all."""
        return self.rule.heads(entity)

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
