"""Task links found by (target, household) whatever their row id: on a township generated the way
the demo generates it (links under random ids), a clerk walks a 数据核采 task through 一表通 to
完成; a refused correction leaves the register and the task untouched; a household linked twice
under different ids counts once and the migration's repair folds it on the client and the server."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import MetaData, select

from app.client import Actor, ClientContext
from app.client.one_form import OneFormDesk
from app.client.task_desk import TaskDesk
from app.errors import UserFacingError, ValidationError
from app.rules import task_rules as tr
from app.services.tasks import find_person_link
from db.engine import open_local
from db.ids import new_id
from db.link_repair import repair_task_links, task_link_id, task_person_link_id
from db.models import Person, Task, TaskLink, TaskTarget
from demo import generate_township
from demo.regions import DEMO_TOWNSHIP
from tests.ui_support import DEVICE


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("links") / "template.db"
    engine = open_local(path)
    generate_township(engine, seed=17, households=80, tasks=200, cases=0)
    engine.dispose()
    return path


@pytest.fixture
def context(template, tmp_path):
    shutil.copy(template, tmp_path / "local.db")
    ctx = ClientContext(open_local(tmp_path / "local.db"), Actor("clerk.li", "township_staff", DEMO_TOWNSHIP, DEVICE))
    yield ctx
    ctx.close()


def _open_verification_target(ctx) -> tuple[str, list[str]]:
    """An in-progress 数据核采 target with unhandled links, and its linked household ids."""
    with ctx.sessions() as s:
        rows = s.execute(select(TaskTarget.id, TaskLink.household_id).join(Task, Task.id == TaskTarget.task_id)
                         .join(TaskLink, TaskLink.target_id == TaskTarget.id)
                         .where(Task.kind == "2", TaskTarget.status == tr.IN_PROGRESS, ~TaskLink.deleted,
                                TaskTarget.handled_count < TaskTarget.total_count)).all()
        assert rows, "the demo generator gave no open verification target"
        target_id = rows[0][0]
        linked = [hid for tid, hid in rows if tid == target_id]
        assert all(s.scalar(select(TaskLink.id).where(TaskLink.target_id == target_id,
                                                      TaskLink.household_id == hid)) != task_link_id(target_id, hid)
                   for hid in linked), "the demo's links were expected under their own ids"
        return target_id, linked


def test_seeded_links_walk_through_one_form_to_completed(context):
    target_id, linked = _open_verification_target(context)
    desk, one_form = TaskDesk(context), OneFormDesk(context)
    form = one_form.load(target_id)
    assert {row.household_id for row in form.rows} == set(linked) and form.editable
    for row in form.rows:
        if not row.handled:
            one_form.confirm(target_id, row.household_id, dict(zip((f.name for f in form.fields), row.values,
                                                                  strict=True)))
    one_form.send_answer(target_id, "已逐户核对。")
    view = desk.act(target_id, "complete")
    assert view.status == tr.COMPLETED and view.progress.handled == view.progress.total == len(set(linked))
    card = desk.card(target_id)
    assert all(h.handled for h in card.households) and len(card.households) == len(set(linked))


def test_a_refused_correction_changes_neither_register_nor_task(context):
    target_id, _linked = _open_verification_target(context)
    one_form = OneFormDesk(context)
    form = one_form.load(target_id)
    row = next(r for r in form.rows if not r.handled and r.person_id)
    names = [f.name for f in form.fields]
    with context.sessions() as s:
        before = {name: getattr(s.get(Person, row.person_id), name) for name in names}
    entered = dict(zip(names, row.values, strict=True))
    entered[names[0]] = "不是一个有效的值" * 40  # too long for any register field
    with pytest.raises(ValidationError):
        one_form.confirm(target_id, row.household_id, entered)
    with context.sessions() as s:
        assert {name: getattr(s.get(Person, row.person_id), name) for name in names} == before
    after = one_form.load(target_id)
    assert next(r for r in after.rows if r.household_id == row.household_id).handled is False
    # A valid correction on a target returned meanwhile: refused as a whole, the register unchanged.
    TaskDesk(context).act(target_id, "return", "不属于本村")
    field = next(name for name in ("phone", "current_address") if name in names)
    entered = dict(zip(names, row.values, strict=True)) | {field: "13900000009" if field == "phone" else "新地址1号"}
    with pytest.raises(UserFacingError):
        one_form.confirm(target_id, row.household_id, entered)
    with context.sessions() as s:
        assert {name: getattr(s.get(Person, row.person_id), name) for name in names} == before


def test_a_household_linked_twice_counts_once_and_the_repair_folds_it(context):
    target_id, linked = _open_verification_target(context)
    desk = TaskDesk(context)
    before = desk.card(target_id).detail.target.progress
    # An older client relinked the first household under the derived id: a second live row.
    with context.sessions.begin() as s:
        region = s.scalar(select(TaskLink.region_code).where(TaskLink.target_id == target_id))
        s.add(TaskLink(id=task_link_id(target_id, linked[0]), target_id=target_id, household_id=linked[0],
                       region_code=region, handled=False))
    desk.mark_handled(target_id, linked[0], True)
    progress = desk.card(target_id).detail.target.progress
    assert progress.total == before.total and len(desk.card(target_id).households) == before.total
    with context.engine.begin() as conn:
        assert repair_task_links(conn) == 1
    with context.sessions() as s:
        live = s.scalars(select(TaskLink).where(TaskLink.target_id == target_id,
                                                TaskLink.household_id == linked[0], ~TaskLink.deleted)).all()
        assert [k.id for k in live] == [task_link_id(target_id, linked[0])] and live[0].handled
        assert s.get(TaskTarget, target_id).total_count == before.total


def test_server_migration_repairs_links_like_the_client(tmp_path):
    from demo import generate_township
    from server.db import make_server_engine, upgrade

    # The demo is generated at today's schema, then copied into a database still at revision 0002
    # (the columns it has), as a server would hold it before the repair.
    current = make_server_engine(f"sqlite:///{tmp_path / 'now.db'}")
    upgrade(current)
    generate_township(current, seed=3, households=40, tasks=6, cases=0)
    engine = make_server_engine(f"sqlite:///{tmp_path / 'city.db'}")
    upgrade(engine, "0002")
    _copy_rows(current, engine)
    current.dispose()
    links = MetaData()
    links.reflect(engine, only=["task_links"])
    old_links = links.tables["task_links"]
    with engine.begin() as conn:
        link = conn.execute(select(old_links)).mappings().first()
        conn.execute(old_links.insert().values(
            {**link, "id": task_link_id(link["target_id"], link["household_id"]), "handled": True}))
    upgrade(engine)
    with engine.connect() as conn:
        live = conn.execute(select(TaskLink.id, TaskLink.handled).where(
            TaskLink.target_id == link["target_id"], TaskLink.household_id == link["household_id"],
            ~TaskLink.deleted)).all()
        assert live == [(task_link_id(link["target_id"], link["household_id"]), True)]
    engine.dispose()


def _copy_rows(source, target) -> None:
    """Every row of the tables `target` has, in the columns it has."""
    have, want = MetaData(), MetaData()
    have.reflect(source)
    want.reflect(target)
    with source.connect() as read, target.begin() as write:
        write.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        for table in want.sorted_tables:
            if table.name == "alembic_version" or table.name not in have.tables:
                continue
            columns = [have.tables[table.name].c[c.name] for c in table.columns if c.name in have.tables[table.name].c]
            rows = [dict(row) for row in read.execute(select(*columns)).mappings()]
            if rows:
                write.execute(table.insert(), rows)


def test_two_members_of_a_seeded_household_each_have_a_link_found_by_task_and_person(context):
    """On demo data (links under random ids): linking two members of a linked household gives each a
    link of their own, counted apart, ticked and unlinked apart; a member relinked revives their
    link; the repair never folds two members' links, only a member's duplicate."""
    target_id, linked = _open_verification_target(context)
    desk, one_form = TaskDesk(context), OneFormDesk(context)
    before = desk.card(target_id).detail.target.progress
    household = linked[0]
    with context.sessions() as s:
        first, second = s.scalars(select(Person.id).where(Person.household_id == household, ~Person.deleted,
                                                         Person.status == "1").order_by(Person.id)).all()[:2]
        seeded, was_handled = s.execute(select(TaskLink.id, TaskLink.handled).where(
            TaskLink.target_id == target_id, TaskLink.household_id == household)).one()
    progress = desk.link_persons(target_id, [first, second])
    assert progress.total == before.total + 1  # the household's link became the first's; the second's is new
    with context.sessions() as s:
        assert find_person_link(s, target_id, first).id == seeded
        assert find_person_link(s, target_id, second).id == task_person_link_id(target_id, second)
    rows = [r for r in one_form.load(target_id).rows if r.household_id == household]
    assert sorted(r.person_id for r in rows) == sorted([first, second])
    assert all(len(r.members) == 1 for r in rows)

    desk.mark_handled(target_id, household, True, second)  # the card's tick on the second's row
    card = desk.card(target_id)
    assert {h.person_id: h.handled for h in card.households if h.household_id == household} == {
        first: was_handled, second: True}  # the first keeps what the household's link had
    desk.unlink(target_id, household, second)
    assert desk.card(target_id).detail.target.progress.total == before.total
    with context.sessions() as s:
        assert find_person_link(s, target_id, second) is None and find_person_link(s, target_id, first) is not None
    desk.link_persons(target_id, [second])  # relinked: the same record revived, not yet handled
    with context.sessions() as s:
        revived = find_person_link(s, target_id, second)
        assert revived.id == task_person_link_id(target_id, second) and not revived.handled
        region = revived.region_code
    # An older client wrote the second's link again under another id: folded; the first's is kept.
    with context.sessions.begin() as s:
        s.add(TaskLink(id=new_id(), target_id=target_id, household_id=household, region_code=region,
                       handled=True, person_id=second, corrected=[]))
    assert desk.card(target_id).detail.target.progress.total == before.total + 1
    with context.engine.begin() as conn:
        assert repair_task_links(conn) == 1
    with context.sessions() as s:
        live = s.scalars(select(TaskLink).where(TaskLink.target_id == target_id, TaskLink.household_id == household,
                                                ~TaskLink.deleted)).all()
        assert sorted(k.person_id for k in live) == sorted([first, second])
        assert find_person_link(s, target_id, second).handled  # handled by either, handled after folding
