"""What the convergence simulation checks at quiescence (every fault off, every client synced until
nothing moves):
1. every client equals the server for its scope;
2. every acknowledged change id is in the data, the review queue or the rejection log;
3. every log entry (visits, case log, task feedback) exists exactly once on the server and in every
   client in scope;
4. no status was ever seen moving backwards except through an explicit return;
5. the review queue equals the oracle's list of same-field concurrent edits with different values,
   and the server's values equal the oracle's.
It also counts what each example exercised (`RUN_COUNT["tally"]`, printed in the summary)."""

from __future__ import annotations

from sqlalchemy import select

from db.base import synced_models
from db.client import OutboxChange
from db.models import CaseLogEntry, PrintSnapshot, TaskFeedback, Visit
from server.store import region_in_scope
from server.store.tables import AppliedChange, ChangeLogEntry, RecordVersion, ReviewItem
from sync.merge import scope_region
from sync.wire import PUSH_ONLY_ENTITIES, record_fields
from tests.sim import conftest as sim_conftest

LOG_MODELS = {"visit": Visit, "case_log": CaseLogEntry, "task_feedback": TaskFeedback,
              "print_snapshot": PrintSnapshot}


def check_everything(sim) -> None:
    with sim.server.factory() as session:
        server_rows = all_rows(session)
        _tally(session, server_rows, sim)
        _check_clients_equal_server(sim, server_rows)
        _check_acknowledged(sim, session)
        _check_log_entries(sim, session, server_rows)
        _check_status_history(sim, session)
        _check_reviews_and_values(sim, session, server_rows)

def _check_clients_equal_server(sim, server_rows) -> None:
    for client in sim.clients:
        with client.device.factory() as session:
            local = all_rows(session)
        for entity, rows in server_rows.items():
            expected = {i: f for i, f in rows.items() if region_in_scope(scope_region(entity, f), client.scope)}
            actual = {i: f for i, f in local.get(entity, {}).items()
                      if region_in_scope(scope_region(entity, f), client.scope)}
            assert actual == expected, f"client {client.index} ({client.scope}) differs from server on {entity}"

def _check_acknowledged(sim, session) -> None:
    answers = {a.change_id: a for a in session.scalars(select(AppliedChange))}
    logged = {e.change_id: e for e in session.scalars(select(ChangeLogEntry))}
    reviewed = set(session.scalars(select(ReviewItem.change_id)))
    for change_id in sim.oracle.applied.values():
        answer = answers[change_id]
        assert answer.outcome in ("accepted", "merged_with_conflict")
        assert change_id in logged
        if answer.outcome == "merged_with_conflict":
            assert change_id in reviewed
    for client in sim.clients:
        with client.device.factory() as local:
            for row in local.scalars(select(OutboxChange).where(OutboxChange.state == "rejected")):
                assert answers[row.change_id].outcome == "rejected"
                assert answers[row.change_id].code == row.reject_code

def _check_log_entries(sim, session, server_rows) -> None:
    for log_id, entity in sim.log_entries.items():
        assert log_id in server_rows[entity], f"{entity} entry lost"
    for entity, model in LOG_MODELS.items():
        assert len(session.scalars(select(model.id)).all()) == len(server_rows[entity])

def _check_status_history(sim, session) -> None:
    last: dict[str, int] = {}
    for entry in session.scalars(select(ChangeLogEntry).where(ChangeLogEntry.entity == "case")
                                 .order_by(ChangeLogEntry.server_seq)):
        if "status" not in entry.fields:
            continue
        before = last.get(entry.record_id)
        if before is not None and entry.fields["status"] < before:
            assert entry.change_id in sim.returns, "status moved back without an explicit return"
        last[entry.record_id] = entry.fields["status"]

def _check_reviews_and_values(sim, session, server_rows) -> None:
    found = {(r.entity, r.record_id, r.field, r.change_id)
             for r in session.scalars(select(ReviewItem).where(ReviewItem.kind.in_(["conflict", "status_conflict"])))}
    assert found == sim.oracle.expected_reviews
    for (entity, record_id, name), version in sim.oracle.fields.items():
        assert server_rows[entity][record_id][name] == version.value, f"{entity}.{name} differs from oracle"
    versions = {(v.entity, v.record_id) for v in session.scalars(select(RecordVersion))}
    assert versions == {(e, i) for e, rows in server_rows.items() for i in rows}


def _tally(session, server_rows, sim) -> None:
    """Counts of what the example exercised, summed over the run (printed in the summary)."""
    stats = sim_conftest.RUN_COUNT.setdefault("tally", {})
    for kind in session.scalars(select(ReviewItem.kind)):
        stats[kind] = stats.get(kind, 0) + 1
    for entity, rows in server_rows.items():
        stats[entity] = stats.get(entity, 0) + len(rows)
    stats["rejected"] = stats.get("rejected", 0) + len(session.scalars(
        select(AppliedChange.change_id).where(AppliedChange.outcome == "rejected")).all())
    stats["moved"] = stats.get("moved", 0) + len(session.scalars(
        select(ChangeLogEntry.server_seq).where(ChangeLogEntry.old_region_code.is_not(None))).all())


def all_rows(session) -> dict[str, dict[str, dict]]:
    out = {}
    for cls in synced_models():
        if cls.__sync_entity__ in PUSH_ONLY_ENTITIES:
            continue
        out[cls.__sync_entity__] = {obj.id: record_fields(obj) for obj in session.scalars(select(cls))}
    return out


