"""Today's work in the demo's own village and grid (those of demo_cadre and demo_grid): the random
timeline spreads 2,000 tasks and 8,000 cases over two and three years and thirty-two villages, so
the first village's inbox could hold nothing open and its cases were all closed — a village cadre
logging into the demo saw nothing to do. Added when the demo is generated for use today (its `now`
set), after every random row, so a seed's other rows stay as they were:

- tasks of the village: one due today and half done (with yesterday's report), one overdue, one
  sent down this morning and not yet accepted (a 一表通 data request), one 宣传 task in progress;
- cases of the village: one a grid worker registered this morning (to accept at the township),
  one dispatched to the village yesterday (to sign), one in hand for four days (a 求助 of five
  working days: due about now), one
  being handled on the spot by the grid worker (to close).

Every time is before `now`; deadlines count from it."""

from __future__ import annotations

import datetime as dt

from app.rules import case_workflow as wf
from app.rules import task_rules as tr
from app.rules.deadlines import add_workdays, deadline_workdays
from demo.cases import _adults_by_village, _apply, _case_row, _log
from demo.context import DemoContext
from demo.tasks import _PURPOSES, _feedback

# (department, kind, title, requested fields, issued days ago, due in days (0: today 17:30), status,
#  share of linked households handled)
_TASKS = (
    ("yj", "1", "冬季取暖安全检查", (), 3, 0, tr.IN_PROGRESS, 0.5),
    ("nync", "1", "防返贫监测户走访", (), 12, -2, tr.IN_PROGRESS, 0.6),
    ("mz", "2", "低保对象家庭情况核查", ("phone", "residence_type", "current_address"), 0, 5, tr.NOT_ACCEPTED, 0),
    ("zz", "3", "平安建设宣传", (), 5, 4, tr.IN_PROGRESS, 0),
)
# (category, issue, source, request type, registered (days ago, hour, minute), actions with the hours
#  after registration they were taken)
_CASES = (
    ("0605", "路灯不亮", "3", "3", (0, 8, 50), ()),
    ("0602", "自来水停水多日", "1", "1", (1, 9, 10), (("accept", 1), ("dispatch", 3))),
    ("0201", "楼道堆放杂物堵塞消防通道", "2", "2", (4, 10, 20),
     (("accept", 1), ("dispatch", 2), ("sign", 5), ("handle", 24))),
    ("0301", "路边垃圾长期未清运", "3", "3", (0, 9, 30), (("self_handle", 0.5),)),
)


def build_day_of_work(ctx: DemoContext) -> None:
    if ctx.now is None or not ctx.villages:
        return
    village = ctx.villages[0]
    grid = village.grids[0]
    heads = [(h["id"], next((p for p in ctx.rows["persons"] if p["id"] == h["head_person_id"]), None))
             for h in ctx.rows["households"] if h["grid_code"] == grid]
    for n, task in enumerate(_TASKS, start=1):
        _task(ctx, n, village, grid, heads, *task)
    adults = _adults_by_village(ctx)
    for n, case in enumerate(_CASES, start=1):
        _case(ctx, n, village, grid, adults, *case)


def _task(ctx: DemoContext, n: int, village, grid: str, heads: list, department: str, kind: str, title: str,
          fields: tuple[str, ...], issued_days_ago: int, due_in: int, status: str, done_share: float) -> None:
    now = ctx.now
    issued_at = min(dt.datetime.combine(now.date() - dt.timedelta(days=issued_days_ago), dt.time(8, 40)),
                    now - dt.timedelta(minutes=20))
    due_at = dt.datetime.combine(now.date() + dt.timedelta(days=due_in), dt.time(17, 30))
    task_id = ctx.ids.new()
    ctx.rows["tasks"].append({
        "id": task_id, "task_no": f"RW{issued_at:%Y%m%d}{90000 + n:05d}", "title": f"关于开展{title}工作的通知",
        "description": f"请{village.name}于{due_at:%Y年%m月%d日}前完成{title}，并及时反馈。",
        "department_code": department, "kind": kind, "priority": 1 if due_in <= 0 else 2, "issued_at": issued_at,
        "due_at": due_at, "region_code": village.code, "requested_fields": list(fields),
        "issued_by": ctx.names.full("1"),
        "request_purpose": f"{title}：{_PURPOSES[title]}" if kind == "2" else "",
        "deleted": False, "deletion_gen": 0,
    })
    worker = ctx.grid_workers[grid]
    accepted_at = None if status == tr.NOT_ACCEPTED else issued_at + dt.timedelta(hours=2)
    linked = heads[:6] if kind in ("1", "2") else []
    done = round(len(linked) * done_share)
    handled = [i < done for i in range(len(linked))]
    target_id = ctx.ids.new()
    for (household_id, _head), ticked in zip(linked, handled, strict=True):
        ctx.rows["task_links"].append({
            "id": ctx.ids.new(), "target_id": target_id, "household_id": household_id,
            "region_code": village.code, "handled": ticked,
            "handled_at": min(now, accepted_at + dt.timedelta(hours=20)) if ticked else None,
            "handled_by": worker if ticked else None, "deleted": False, "deletion_gen": 0,
        })
    progress = tr.progress(handled)
    ctx.rows["task_targets"].append({
        "id": target_id, "task_id": task_id, "region_code": village.code, "status": status,
        "assigned_region_code": village.code, "assignee": worker if accepted_at else None,
        "accepted_at": accepted_at, "completed_at": None, "handled_count": progress.handled,
        "total_count": progress.total, "deleted": False, "deletion_gen": 0,
    })
    if accepted_at is not None and done:
        _feedback(ctx, target_id, village.code, worker, accepted_at, None, linked, handled, fields)
        ctx.rows["task_feedback"][-1]["at"] = min(now - dt.timedelta(hours=1), accepted_at + dt.timedelta(hours=22))


def _case(ctx: DemoContext, n: int, village, grid: str, adults: dict, category: str, issue: str, source: str,
          request_type: str, registered: tuple[int, int, int], actions: tuple[tuple[str, float], ...]) -> None:
    days_ago, hour, minute = registered
    registered_at = dt.datetime.combine(ctx.now.date() - dt.timedelta(days=days_ago), dt.time(hour, minute))
    last = registered_at + dt.timedelta(hours=max((after for _a, after in actions), default=0))
    if last >= ctx.now:  # a demo started before office hours: the same case a day earlier
        registered_at -= dt.timedelta(days=1)
    case = _case_row(ctx, 90000 + n, registered_at, village, source, category, adults)
    group = 1 + n % max(1, village.groups)
    case.update({
        "grid_code": grid, "request_type": request_type, "title": f"{village.name}{group}组{issue}",
        "description": f"{'网格员巡查发现' if source == '3' else '群众反映'}：{village.name}{group}组{issue}，请协调处理。",
        "place": f"{village.name}{group}组", "supervised": False,
        "deadline_on": add_workdays(registered_at.date(), deadline_workdays(request_type)),
    })
    worker = ctx.grid_workers[grid]
    _log(ctx, case, registered_at, worker, "register", None, 10)
    for action, after in actions:
        at = registered_at + dt.timedelta(hours=after)
        to_status = wf.next_status(case["status"], action)
        _log(ctx, case, at, worker if action in ("self_handle", "close") else ctx.staff[0], action,
             case["status"], to_status)
        _apply(ctx, case, action, at, to_status)
    if case["reporter_person_id"] is None:  # a patrol's report: the grid worker of this grid
        case["reporter_name"] = worker
    ctx.rows["cases"].append(case)
