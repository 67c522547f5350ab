"""Demo tasks sent down by city departments (条→块): each aimed at some or all villages of the
township, one target per village with its own status, assignee and progress counted in households
handled, linked households for visit and data-verification tasks, and append-only feedback. Statuses
follow app.rules.task_rules and the timeline: old tasks are done or returned, a share of what went
overdue in the last three weeks is still open, later ones are mostly in progress, and some recent
tasks fall due on the reference day itself, so an inbox holds due-today, upcoming, overdue and done
work."""

from __future__ import annotations

import datetime as dt

from app.rules import task_rules as tr
from demo.context import DemoContext
from demo.regions import Village

# department code → (kind, title, requested register fields for 一表通 data verification)
_TEMPLATES: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "mz": (("1", "困难群众走访慰问", ()), ("2", "低保对象家庭情况核查", ("phone", "residence_type", "current_address")),
           ("1", "特困供养人员探访", ())),
    "ga": (("2", "实有人口信息核采", ("id_number", "current_address", "residence_type")),
           ("3", "重点时段治安巡防部署", ())),
    "wj": (("2", "65岁以上老人健康档案核对", ("phone", "current_address")), ("1", "家庭医生签约随访", ())),
    "xf": (("3", "重点信访事项化解", ()), ("1", "信访老户回访", ())),
    "zz": (("1", "网格矛盾纠纷排查", ()), ("3", "平安建设宣传", ())),
    "yj": (("1", "汛期安全隐患排查", ()), ("1", "冬季取暖安全检查", ()), ("3", "防灾减灾应急演练", ())),
    "rs": (("2", "外出务工人员信息核实", ("phone", "current_address", "residence_type")),
           ("3", "城乡居民养老保险缴费动员", ())),
    "tyjr": (("2", "退役军人信息采集", ("phone", "current_address")), ("1", "退役军人节日走访", ())),
    "nync": (("1", "防返贫监测户走访", ()), ("2", "耕地种植情况核查", ("phone", "current_address", "residence_type"))),
    "cl": (("2", "持证残疾人状况核查", ("phone", "residence_type")),),
}
# What each data request is for (its request catalogue entry's purpose, shown on the 一表通 form).
_PURPOSES = {"低保对象家庭情况核查": "低保年度复核，核实在册对象的联系方式、住址与人员类别",
             "实有人口信息核采": "实有人口管理，核对证件、现住址与人员类别",
             "65岁以上老人健康档案核对": "老年人健康管理服务，核对联系方式与现住址",
             "外出务工人员信息核实": "劳务输出服务与就业统计，核实外出人员联系方式与去向",
             "退役军人信息采集": "退役军人服务保障，采集联系方式与现住址",
             "耕地种植情况核查": "耕地种植补贴发放，核实承包户联系方式、住址与在家情况",
             "持证残疾人状况核查": "残疾人两项补贴复核，核实联系方式与人员类别"}
_FEEDBACK = ("已按要求完成入户。", "部分农户外出，已电话联系。", "信息已核实并更新。", "已完成，无异常情况。",
             "存在个别问题，已登记并跟进。")


def build_tasks(ctx: DemoContext, count: int) -> None:
    rng = ctx.rng
    heads_by_village = _heads_by_village(ctx)
    issue_days = sorted(ctx.days_ago(0, 730) for _ in range(count))
    departments = list(_TEMPLATES)
    for n, issued_on in enumerate(issue_days, start=1):
        department = rng.choice(departments)
        kind, title, fields = rng.choice(_TEMPLATES[department])
        issued_at = ctx.moment(issued_on)
        priority = rng.choices((1, 2, 3), weights=(15, 70, 15), k=1)[0]
        due_at = _due_at(ctx, issued_at, priority)
        villages = ctx.villages if rng.random() < 0.05 else rng.sample(ctx.villages, rng.randint(1, 6))
        task_id = ctx.ids.new()
        ctx.rows["tasks"].append({
            "id": task_id, "task_no": f"RW{issued_on:%Y%m%d}{n:05d}", "title": f"关于开展{title}工作的通知",
            "description": f"请各村（社区）于{due_at:%Y年%m月%d日}前完成{title}，并及时反馈。",
            "department_code": department, "kind": kind, "priority": priority, "issued_at": issued_at,
            "due_at": due_at,
            "region_code": villages[0].code if len(villages) == 1 else ctx.township + "000",
            "requested_fields": list(fields), "issued_by": ctx.names.full(rng.choice("12")),
            "request_purpose": f"{title}：{_PURPOSES[title]}" if kind == "2" else "",
            "deleted": False, "deletion_gen": 0,
        })
        for village in villages:
            _build_target(ctx, task_id, kind, fields, issued_at, due_at, village, heads_by_village)


def _due_at(ctx: DemoContext, issued_at: dt.datetime, priority: int) -> dt.datetime:
    """Urgent tasks in 1-3 days, others in 5-30; of the tasks issued in the last month about one in
    eight is due on the reference day itself (at 17:30), so an inbox opens on work due today."""
    rng = ctx.rng
    due_at = issued_at + dt.timedelta(days=rng.randint(1, 3) if priority == 1 else rng.randint(5, 30))
    if (ctx.as_of - issued_at.date()).days <= 30 and rng.random() < 0.12:
        due_at = dt.datetime.combine(ctx.as_of, dt.time(17, 30))
    return due_at


def _heads_by_village(ctx: DemoContext) -> dict[str, list[tuple[str, dict, str]]]:
    """Per village its households: (id, head, household number)."""
    heads = {p["id"]: p for p in ctx.rows["persons"] if p["relation_to_head"] == "02"}
    by_village: dict[str, list[tuple[str, dict, str]]] = {}
    for household in ctx.rows["households"]:
        head = heads.get(household["head_person_id"])
        by_village.setdefault(household["region_code"], []).append(
            (household["id"], head, household["household_no"]))
    return by_village


def _target_status(ctx: DemoContext, issued_at: dt.datetime, due_at: dt.datetime) -> str:
    """Old work is done (or was returned); what went overdue lately is partly still open; what is
    due later is mostly in progress, a fresh one often not accepted yet, some finished early."""
    now = ctx.at(9)
    roll = ctx.rng.random()
    if due_at < now:
        if now - due_at > dt.timedelta(days=21):
            return tr.COMPLETED if roll < 0.95 else tr.RETURNED
        return tr.COMPLETED if roll < 0.65 else tr.RETURNED if roll < 0.70 else tr.IN_PROGRESS
    if issued_at > now - dt.timedelta(days=2):
        return tr.NOT_ACCEPTED if roll < 0.5 else tr.IN_PROGRESS if roll < 0.95 else tr.COMPLETED
    return tr.IN_PROGRESS if roll < 0.75 else tr.COMPLETED if roll < 0.95 else tr.NOT_ACCEPTED


def _build_target(ctx: DemoContext, task_id: str, kind: str, fields: tuple[str, ...],
                  issued_at: dt.datetime, due_at: dt.datetime, village: Village,
                  heads_by_village: dict[str, list[tuple[str, dict, str]]]) -> None:
    rng = ctx.rng
    status = _target_status(ctx, issued_at, due_at)
    latest = max(issued_at + dt.timedelta(minutes=30), ctx.at(9))
    latest = min(latest, ctx.now) if ctx.now is not None else latest
    accepted_at = None if status == tr.NOT_ACCEPTED else \
        min(issued_at + dt.timedelta(hours=rng.randint(1, 48)), latest)
    completed_at = None
    if status == tr.COMPLETED:
        now = ctx.at(9)
        late = rng.random() < 0.1
        completed_at = due_at + dt.timedelta(hours=rng.randint(1, 72)) if late else \
            accepted_at + (min(due_at, now) - accepted_at) * rng.uniform(0.2, 0.95)
        completed_at = max(min(completed_at, now), accepted_at)
    target_id = ctx.ids.new()
    candidates = heads_by_village.get(village.code, [])
    linked = rng.sample(candidates, min(len(candidates), rng.randint(2, 12))) if kind in ("1", "2") else []
    handled_flags = _handled_flags(ctx, status, len(linked))
    assignee = ctx.grid_workers[village.grids[0]] if status != tr.NOT_ACCEPTED else None
    for (household_id, _head, _no), handled in zip(linked, handled_flags, strict=True):
        ctx.rows["task_links"].append({
            "id": ctx.ids.new(), "target_id": target_id, "household_id": household_id,
            "region_code": village.code, "handled": handled,
            "handled_at": (completed_at or ctx.moment(ctx.as_of)) if handled else None,
            "handled_by": assignee if handled else None, "deleted": False, "deletion_gen": 0,
        })
    progress = tr.progress(handled_flags)
    ctx.rows["task_targets"].append({
        "id": target_id, "task_id": task_id, "region_code": village.code, "status": status,
        "assigned_region_code": village.code, "assignee": assignee, "accepted_at": accepted_at,
        "completed_at": completed_at, "handled_count": progress.handled, "total_count": progress.total,
        "deleted": False, "deletion_gen": 0,
    })
    if accepted_at is not None and status in (tr.IN_PROGRESS, tr.COMPLETED):
        _feedback(ctx, target_id, village.code, assignee, accepted_at, completed_at, linked, handled_flags,
                  fields)


def _handled_flags(ctx: DemoContext, status: str, count: int) -> list[bool]:
    if status == tr.COMPLETED:
        return [True] * count
    if status == tr.IN_PROGRESS:
        done = ctx.rng.randint(0, count)
        return [i < done for i in range(count)]
    return [False] * count


def _feedback(ctx: DemoContext, target_id: str, region: str, author: str, accepted_at: dt.datetime,
              completed_at: dt.datetime | None, linked: list[tuple[str, dict, str]], handled: list[bool],
              fields: tuple[str, ...]) -> None:
    """One or two append-only reports; the last one carries the progress and 一表通 answers."""
    entries = 2 if completed_at is not None and ctx.rng.random() < 0.4 else 1
    total, done = len(linked), sum(handled)
    end = completed_at or ctx.at(17)
    for i in range(entries):
        last = i == entries - 1
        count = done if last else done // 2
        answers = {}
        if fields and last:  # in the shape the desktop sends (app.client.one_form.send_answer)
            answers = {"fields": list(fields), "households": {
                no: {f: str(head[f] or "") for f in fields}
                for (_hid, head, no), h in zip(linked, handled, strict=True) if h and head is not None}}
        ctx.rows["task_feedback"].append({
            "id": ctx.ids.new(), "target_id": target_id, "region_code": region,
            "at": accepted_at + (end - accepted_at) * ((i + 1) / entries), "author": author,
            "text": ctx.rng.choice(_FEEDBACK), "handled_count": count, "total_count": total,
            "answers": answers, "deleted": False, "deletion_gen": 0,
        })
