"""A department sends a task to single grids (网格) picked from the region tree in the console: the
grid's target keeps its village as region and the grid as its scope code, so that grid's worker
receives it by sync (on its desktop client too) and may report on it, the village cadre and the
township see it, and a worker of the village's other grid does not. A grid outside the tree is
refused with the field's message and nothing is sent."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from db.ids import new_id
from db.models import Region, Task, TaskTarget
from tests.console_support import signed_in, texts
from tests.server.fixtures import server_fixture  # noqa: F401
from tests.test_attachments_live import Desk
from tests.test_console_pages import dept_code
from tests.test_server_sync import pulled

VILLAGE, OTHER_VILLAGE, TOWNSHIP = "150422100207", "150422100208", "150422100"


def _grids(server) -> tuple[str, str]:
    """Two grids of the village as a city's region file names them (level 6, village code + 3 digits)."""
    with server.session() as s:
        have = set(s.scalars(select(Region.code).where(Region.parent_code == VILLAGE, Region.level == 6)))
        for n, name in ((901, "太平村第一网格"), (902, "太平村第二网格")):
            if f"{VILLAGE}{n}" not in have:
                s.add(Region(code=f"{VILLAGE}{n}", name=name, level=6, parent_code=VILLAGE))
        s.commit()
    return f"{VILLAGE}901", f"{VILLAGE}902"


def _records(client) -> set[tuple[str, str]]:
    return set(pulled(client)[0]["records"])


def test_a_task_sent_to_one_grid_reaches_that_grid_only(server, tmp_path):
    first, second = _grids(server)
    clerk = signed_in(server, "department", "150422", dept_code())
    page = clerk.get("/dept/issue").text
    assert f'value="rg-{first}"' in page and "太平村第一网格（网格）" in page
    title = "网格巡查 " + uuid.uuid4().hex[:6]
    r = clerk.post("/dept/issue", {"title": title, "kind": "1", "priority": "2", "workdays": "4",
                                   "regions[]": [f"rg-{first}", f"rg-{OTHER_VILLAGE}"]})
    assert r.status_code == 200 and "任务已下发：2 个对象" in r.text, r.text[:400]
    with server.session() as s:
        task = s.scalars(select(Task).where(Task.title == title)).one()
        targets = {t.grid_code or t.region_code: t for t in s.scalars(select(TaskTarget).where(
            TaskTarget.task_id == task.id))}
    grid_target = targets[first]
    assert (grid_target.region_code, grid_target.grid_code) == (VILLAGE, first)
    assert targets[OTHER_VILLAGE].grid_code is None and task.region_code == TOWNSHIP
    assert "太平村第一网格" in clerk.get(f"/dept/progress?task={task.id}").text

    worker = server.user_client("grid_worker", first)
    other_worker = server.user_client("grid_worker", second)
    cadre = server.user_client("village_cadre", VILLAGE)
    assert {("task", task.id), ("task_target", grid_target.id)} <= _records(worker)
    assert ("task_target", grid_target.id) not in _records(other_worker)
    assert ("task_target", grid_target.id) in _records(cadre)
    assert ("task_target", grid_target.id) in _records(server.user_client("township_staff", TOWNSHIP))
    report = worker.push([worker.change("task_feedback", new_id(), {
        "target_id": grid_target.id, "region_code": VILLAGE, "at": "2026-12-07T10:00:00", "author": "网格员",
        "text": "已巡查", "handled_count": 1, "total_count": 1})])
    assert report.json()["results"][0]["outcome"] == "accepted", report.text
    assert "已巡查" in clerk.get(f"/dept/targets/{grid_target.id}").text

    desk = Desk(tmp_path / "grid.db", server, server.add_user("grid_worker", first), "grid_worker", first)
    desk.sync.sync_now()
    with desk.sessions() as s:
        held = s.get(TaskTarget, grid_target.id)
        assert held is not None and held.grid_code == first
        assert s.get(TaskTarget, targets[OTHER_VILLAGE].id) is None


def test_a_grid_outside_the_tree_is_refused(server):
    clerk = signed_in(server, "department", "150422", dept_code())
    clerk.get("/dept/issue")
    title = "不存在的网格 " + uuid.uuid4().hex[:6]
    r = clerk.post("/dept/issue", {"title": title, "kind": "1", "priority": "2", "workdays": "4",
                                   "regions[]": [f"rg-{VILLAGE}999"]})
    assert r.status_code == 422 and "所选区划不在本部门范围内。" in texts(r.text, "field-error")
    with server.session() as s:
        assert s.scalars(select(Task).where(Task.title == title)).first() is None
