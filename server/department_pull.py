"""A department's pull page (decision 0037): the version heads it sees past a cursor, and the tasks
and cases that left its desk in the page's range, read so that the cost follows the department's
own changes — in both the plan made with the values and the generic one a prepared statement
settles on (decision 0035).

What a department sees is decided by relation (server.scope's one department rule: its tasks with
their targets, links and feedback; cases escalated or whistled to it with their log and whistles;
the city-wide code entries), never by region, so no scope index can serve it. The heads of those
entities are indexed apart in server order (server migration 0028, a partial index over only their
rows), and each head found there is tested by looking its own record up (the rule's `head_test`, a
scalar subquery per row, chosen by the head's entity): a page costs the task and case changes of the
range up to its end, not every change of the city since the cursor, and never a whole department's
records. The previous
statement tested `record_id IN (every record of the department)` while scanning the server_seq index
over the whole range: 35–75 ms a page, custom or generic, on the 12,000-household city with a day of
changes (docs/decisions/0037)."""

from __future__ import annotations

import functools

from sqlalchemy import bindparam, case, literal_column, select
from sqlalchemy.orm import Session

from server.scope import DEPARTMENT_ENTITIES, DepartmentRule
from server.store.numbering import current_cursor
from server.store.read import load_records
from server.store.tables import RecordVersion
from sync.pages import Page

# Migration 0028's partial index covers exactly the rows of server.scope.DEPARTMENT_ENTITIES (its
# predicate is that list, written out: a change there needs a migration).
DEPARTMENT_EVICTABLE = ("task", "case")


def _literal(entity: str):
    """An entity name written into the SQL, not bound: the generic plan can then prove the partial
    index's predicate (a parameter could be any entity)."""
    return literal_column(f"'{entity}'")


def _in_entities(entities: tuple[str, ...]):
    return RecordVersion.entity.in_([_literal(e) for e in entities])


def _visible(rule: DepartmentRule, entities: tuple[str, ...]):
    """Whether the department sees the head's record (one of `entities`): the rule's test of that one
    head, chosen by its entity. Only the entities asked for are tested: each test costs planning time."""
    return case(*[(RecordVersion.entity == _literal(entity), rule.head_test(entity)) for entity in entities])


@functools.cache
def _statements():
    """(the heads' statement, the evictions' statement): built once, the department, the range and
    the limit as parameters."""
    rule = DepartmentRule(bindparam("dept"))
    since = (RecordVersion.server_seq > bindparam("cursor"), RecordVersion.server_seq <= bindparam("upper"))
    heads = (select(RecordVersion.entity, RecordVersion.record_id, RecordVersion.server_seq)
             .where(_in_entities(DEPARTMENT_ENTITIES), *since, _visible(rule, DEPARTMENT_ENTITIES).is_(True))
             .order_by(RecordVersion.server_seq).limit(bindparam("limit")))
    # Tasks and cases changed in the range that the department does not see (now): the device drops
    # them if it held them (a case no longer escalated to it, a task moved to another department).
    left = (select(RecordVersion.entity, RecordVersion.record_id)
            .where(_in_entities(DEPARTMENT_EVICTABLE), *since,
                   _visible(rule, DEPARTMENT_EVICTABLE).is_not(True)))
    return heads, left


def department_page(session: Session, department_code: str, cursor: int, limit: int) -> Page:
    """The department's pull page after `cursor`: at most `limit` records in server order, and the
    tasks and cases that left its desk within the page's range (evictions)."""
    heads_query, left_query = _statements()
    upper = current_cursor(session)
    if upper <= cursor:  # nothing new (most pulls): no statement to plan
        return Page(cursor, cursor, False, [], [])
    params = {"dept": department_code, "cursor": cursor, "upper": upper}
    heads = [tuple(r) for r in session.execute(heads_query, {**params, "limit": limit + 1})]
    has_more = len(heads) > limit
    heads = heads[:limit]
    page_end = heads[-1][2] if has_more else max(upper, cursor)
    records = sorted(load_records(session, heads), key=lambda r: r.seq)
    left = sorted(tuple(r) for r in session.execute(left_query, {**params, "upper": page_end})) if page_end > cursor else []
    return Page(cursor, page_end, has_more, records, left)

