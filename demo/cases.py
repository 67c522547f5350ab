"""Demo cases (事件/诉求) with their append-only handling logs. Each case walks a legal path of the
workflow in app.rules.case_workflow (handled on the spot by the grid, the full dispatch path, a
return, an extension, a rework), one log entry per move, stopping where the timeline reaches the
reference date, so the status of every case is the end of its log. Deadlines come from the request
type (app.rules.deadlines); escalated cases carry 吹哨报到 records; revisited ones a satisfaction."""

from __future__ import annotations

import datetime as dt

from app.codes import resource_entries
from app.rules import case_workflow as wf
from app.rules.deadlines import add_workdays, deadline_workdays
from demo.context import DemoContext
from demo.names import mobile

_SELF = ("self_handle", "close")
_MAIN = ("accept", "dispatch", "sign", "handle", "submit", "approve")
_PATHS = (  # (weight, actions up to 办结): most small matters are settled in the grid (小事不出网格)
    (78, _SELF),
    (15, _MAIN),
    (2.5, ("accept", "dispatch", "return", "accept", "dispatch", "sign", "handle", "submit", "approve")),
    (2.5, ("accept", "dispatch", "sign", "handle", "extend", "approve_extension", "submit", "approve")),
    (2, ("accept", "dispatch", "sign", "handle", "submit", "rework", "submit", "approve")),
)
_HOURS = {"accept": (1, 24), "self_handle": (0, 4), "dispatch": (1, 24), "sign": (1, 48), "return": (2, 48),
          "handle": (1, 24), "extend": (24, 120), "approve_extension": (2, 48), "submit": (24, 200),
          "rework": (4, 48), "approve": (2, 48), "close": (1, 72), "revisit": (24, 168), "archive": (48, 720)}
_SOURCES = {"1": 35, "2": 12, "3": 40, "4": 9, "5": 4}
_REQUEST_TYPES = {"1": 25, "2": 25, "3": 25, "4": 8, "5": 7, "6": 3, "9": 7}
# What residents report, per subcategory of the case_category code table (a title is drawn from its
# own category, never another's).
_ISSUES = {
    "0101": ("与邻居因宅基地边界发生争执", "邻居违规搭建遮挡采光"), "0102": ("夫妻因赡养老人问题发生矛盾", "子女不履行赡养义务"),
    "0103": ("土地流转合同到期后租金未付", "承包地界址不清引发争执"), "0104": ("务工人员工资被拖欠", "工地受伤后赔偿谈不拢"),
    "0105": ("小区物业费争议", "物业长期不维修电梯"), "0201": ("楼道堆放杂物堵塞消防通道", "沿街商铺私拉电线"),
    "0202": ("饭店燃气管道老化有异味", "居民家液化气罐存放不当"), "0203": ("老旧房屋墙体开裂", "危房仍有老人居住"),
    "0204": ("学校门口缺少减速带", "村口弯道视线不良"), "0205": ("河道边坡雨后塌方", "山体有滚石隐患"),
    "0301": ("路边垃圾长期未清运", "垃圾箱满溢无人处理"), "0302": ("养殖场污水直排河沟", "生活污水漫流到路面"),
    "0303": ("田间有人焚烧秸秆", "夜间焚烧秸秆烟雾大"), "0304": ("村内散养家禽影响卫生", "养猪场离民房太近气味大"),
    "0401": ("咨询低保申请条件", "困难家庭申请临时救助"), "0402": ("咨询医保报销政策", "慢性病门诊备案办不下来"),
    "0403": ("独居老人需要上门照护", "咨询居家养老补贴"), "0404": ("返乡人员咨询创业贷款", "求职人员询问公益岗位"),
    "0405": ("外来务工子女入学咨询", "学生上学路远无校车"), "0501": ("村民家中电动车被盗", "仓库粮食被盗"),
    "0502": ("老人接到冒充公检法的诈骗电话", "有人在群里发布刷单诈骗信息"),
    "0503": ("反映有人强揽工程", "举报放高利贷暴力催收"), "0504": ("广场舞音响声音过大", "夜间施工噪声扰民"),
    "0601": ("村内道路破损坑洼", "桥面破损车辆通行困难"), "0602": ("自来水停水多日", "水质浑浊有异味"),
    "0603": ("线路老化经常停电", "电线杆倾斜存在隐患"), "0604": ("村里手机信号差", "宽带安装无人受理"),
    "0605": ("路灯不亮", "路灯白天常亮浪费电"), "0701": ("购买的种子出芽率低", "化肥质量有问题"),
    "0702": ("村内有病死家畜未处理", "咨询牲畜防疫时间"), "0703": ("有人在耕地上建房", "耕地被挖沙取土"),
    "9901": ("其他需要协调的问题", "反映公共设施被占用"),
}
_LOG_TEXT = {"register": "登记事件", "self_handle": "网格员现场处置", "close": "处置完毕，事件办结",
             "accept": "受理并研判", "dispatch": "分派至责任单位", "sign": "责任单位签收", "return": "非本单位职责，退单",
             "handle": "开始处置", "extend": "情况复杂，申请延期", "approve_extension": "同意延期",
             "submit": "处置完毕，提交回单", "rework": "处置不到位，退回重办", "approve": "审核通过，办结",
             "revisit": "电话回访当事人", "archive": "材料齐全，归档"}
_LIN_DONG = (43.98, 119.39)  # 林东镇, for plausible coordinates


def build_cases(ctx: DemoContext, count: int) -> None:
    rng = ctx.rng
    categories = [e.code for e in resource_entries("case_category") if e.parent_code]
    adults = _adults_by_village(ctx)
    registered = sorted(ctx.moment(ctx.days_ago(0, 1095), 7, 21) for _ in range(count))
    departments = [e.code for e in resource_entries("department")]
    for n, registered_at in enumerate(registered, start=1):
        village = rng.choice(ctx.villages)
        path = rng.choices([p for _w, p in _PATHS], weights=[w for w, _p in _PATHS], k=1)[0]
        source = "3" if path is _SELF and rng.random() < 0.8 else _weighted(ctx, _SOURCES)
        case = _case_row(ctx, n, registered_at, village, source, rng.choice(categories), adults)
        escalate = path is not _SELF and rng.random() < 0.08
        if escalate:
            case["escalated_to"] = rng.choice(departments)
        _walk(ctx, case, path)
        ctx.rows["cases"].append(case)
        _parties(ctx, case, adults)
        if escalate:
            _whistle(ctx, case)


def _weighted(ctx: DemoContext, table: dict[str, int]) -> str:
    return ctx.rng.choices(list(table), weights=list(table.values()), k=1)[0]


def _adults_by_village(ctx: DemoContext) -> dict[str, list[dict]]:
    by_village: dict[str, list[dict]] = {}
    for person in ctx.rows["persons"]:
        if person["birth_date"].year <= ctx.as_of.year - 18 and person["status"] == "1":
            by_village.setdefault(person["region_code"], []).append(person)
    return by_village


def _case_row(ctx: DemoContext, n: int, registered_at: dt.datetime, village, source: str, category: str,
              adults: dict[str, list[dict]]) -> dict:
    rng = ctx.rng
    request_type = _weighted(ctx, _REQUEST_TYPES)
    grid = rng.choice(village.grids)
    patrol = source == "3"
    reporter = None if patrol else rng.choice(adults.get(village.code) or [None])
    group = rng.randint(1, village.groups)
    issue = rng.choice(_ISSUES.get(category, _ISSUES["9901"]))
    return {
        "id": ctx.ids.new(), "case_no": f"SJ{registered_at:%Y%m%d}{n:05d}", "source": source,
        "request_type": request_type, "category_code": category, "title": f"{village.name}{group}组{issue}",
        "description": f"{'网格员巡查发现' if patrol else '群众反映'}：{village.name}{group}组{issue}，请协调处理。",
        "occurred_at": registered_at - dt.timedelta(hours=rng.randint(0, 72)), "registered_at": registered_at,
        "place": f"{village.name}{group}组", "region_code": village.code, "grid_code": grid,
        "latitude": round(_LIN_DONG[0] + rng.uniform(-0.12, 0.12), 6),
        "longitude": round(_LIN_DONG[1] + rng.uniform(-0.15, 0.15), 6),
        "reporter_name": reporter["name"] if reporter else ctx.grid_workers[grid],
        "reporter_phone": (reporter["phone"] or mobile(rng)) if reporter else None,
        "reporter_person_id": reporter["id"] if reporter else None,
        "deadline_on": add_workdays(registered_at.date(), deadline_workdays(request_type)),
        "status": 10, "supervised": rng.random() < 0.03, "escalated_to": None, "closed_at": None,
        "satisfaction": None, "satisfaction_comment": "",
        "channel": "12345" if source == "1" else None,
        "channel_ref": f"12345-{registered_at:%Y%m%d}-{n:05d}" if source == "1" else None,
        "deleted": False, "deletion_gen": 0,
    }


def _walk(ctx: DemoContext, case: dict, path: tuple[str, ...]) -> None:
    """Log the registration, then each move of `path` (and a revisit/archive tail) until the
    timeline passes the reference date; the case's status is where the walk stopped."""
    rng = ctx.rng
    limit = ctx.at(18)
    at = case["registered_at"]
    grid_worker = ctx.grid_workers[case["grid_code"]]
    _log(ctx, case, at, grid_worker, "register", None, 10)
    tail = _tail(rng.random(), path is _SELF)
    for action in path + tail:
        low, high = _HOURS[action]
        step_at = at + dt.timedelta(hours=rng.uniform(low, high))
        if step_at > limit:
            break
        to_status = wf.next_status(case["status"], action)
        actor = grid_worker if action in ("self_handle", "close") else rng.choice(ctx.staff)
        _log(ctx, case, step_at, actor, action, case["status"], to_status)
        _apply(ctx, case, action, step_at, to_status)
        at = step_at


def _tail(roll: float, on_the_spot: bool) -> tuple[str, ...]:
    """After 办结: dispatched cases are mostly revisited and archived; most matters settled on the
    spot by the grid worker stay closed without a formal revisit."""
    revisit, archive_only = (0.15, 0.15) if on_the_spot else (0.6, 0.24)
    if roll < revisit:
        return ("revisit", "archive")
    return ("archive",) if roll < revisit + archive_only else ()


def _apply(ctx: DemoContext, case: dict, action: str, at: dt.datetime, to_status: int) -> None:
    case["status"] = to_status
    if action in ("close", "approve"):
        case["closed_at"] = at
    elif action == "approve_extension":
        case["deadline_on"] = add_workdays(case["deadline_on"], 5)
    elif action == "revisit":
        case["satisfaction"] = ctx.rng.choices("123", weights=(80, 15, 5), k=1)[0]
        case["satisfaction_comment"] = {"1": "处理及时，满意。", "2": "基本解决。", "3": "问题未彻底解决。"}[
            case["satisfaction"]]


def _log(ctx: DemoContext, case: dict, at: dt.datetime, actor: str, action: str, from_status: int | None,
         to_status: int) -> None:
    ctx.rows["case_log"].append({
        "id": ctx.ids.new(), "case_id": case["id"], "region_code": case["region_code"], "at": at,
        "actor": actor, "action": action, "from_status": from_status, "to_status": to_status,
        "text": _LOG_TEXT[action], "deleted": False, "deletion_gen": 0,
    })


def _parties(ctx: DemoContext, case: dict, adults: dict[str, list[dict]]) -> None:
    """Disputes name both sides; other cases sometimes name the person concerned."""
    people = adults.get(case["region_code"]) or []
    count = 2 if case["category_code"].startswith("01") else (1 if ctx.rng.random() < 0.2 else 0)
    for role, person in zip(("申请方", "被申请方"), ctx.rng.sample(people, min(count, len(people))), strict=False):
        ctx.rows["case_parties"].append({
            "id": ctx.ids.new(), "case_id": case["id"], "region_code": case["region_code"],
            "name": person["name"], "role": role, "phone": person["phone"], "person_id": person["id"],
            "deleted": False, "deletion_gen": 0,
        })


def _whistle(ctx: DemoContext, case: dict) -> None:
    dispatched = next((e["at"] for e in reversed(ctx.rows["case_log"])
                       if e["case_id"] == case["id"] and e["action"] == "dispatch"), case["registered_at"])
    arrived = dispatched + dt.timedelta(hours=ctx.rng.uniform(1, 48))
    limit = ctx.at(18)
    ctx.rows["case_whistles"].append({
        "id": ctx.ids.new(), "case_id": case["id"], "region_code": case["region_code"],
        "department_code": case["escalated_to"], "summoned_at": dispatched,
        "arrived_at": arrived if arrived <= limit else None,
        "evaluation": ctx.rng.choice("1122234") if arrived <= limit else None, "comment": "",
        "deleted": False, "deletion_gen": 0,
    })
