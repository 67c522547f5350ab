"""The demo household register: households numbered as docs/ARCHITECTURE.md's glossary says
(village code + group + sequence),
their members with valid ID numbers whose birth dates and genders match the family plan, tags at
plausible rates (低保 ~3% of households, 残疾 ~2%, 党员 ~6% of adults, a few key persons) and
visits, twice a year for ordinary households and monthly for those that need care."""

from __future__ import annotations

import datetime as dt

from db.ids import tag_assignment_id
from db.search_keys import person_search_keys
from demo import families as fam
from demo.context import DemoContext
from demo.names import landline, mobile
from demo.regions import Village

_ETHNICITY = {"01": 82, "02": 15, "11": 2, "03": 1}  # 汉, 蒙古, 满, 回: 巴林左旗 is mostly Han
_EDUCATION = (  # (born before, {GB/T 4658 code: weight})
    (1960, {"83": 15, "81": 45, "71": 30, "61": 8, "31": 2}),
    (1980, {"81": 20, "71": 50, "61": 18, "44": 5, "31": 5, "21": 2}),
    (2000, {"81": 5, "71": 40, "61": 20, "44": 10, "31": 15, "21": 9, "14": 1}),
    (9999, {"71": 25, "61": 25, "44": 15, "31": 20, "21": 14, "14": 1}),
)
_MIGRANT_PLACES = ("赤峰市红山区", "赤峰市松山区", "呼和浩特市", "北京市", "天津市", "沈阳市", "通辽市", "大连市")
_CARE_TAGS = {"nclb", "czdb", "tkgy", "dsr", "jcdx", "kclr", "djlr", "sqjz"}
_FINDINGS = ("家中情况稳定，生活正常。", "了解近期生产生活情况，无特殊困难。", "宣传防诈骗知识，发放宣传单。",
             "核实家庭人口信息，与登记一致。", "老人身体状况一般，已提醒按时服药。", "反映自来水压力不足，已记录。",
             "宣传医保缴费政策。", "检查用电用火安全，未发现隐患。", "了解外出务工人员近况。")
_FOLLOW_UPS = ("", "", "", "下次走访复核。", "联系村医上门随访。", "协调供水站检修。")


# Relations that share the head's family name (children take the father's name in most families).
_FAMILY_NAME_RELATIONS = {fam.HEAD, fam.SON, fam.DAUGHTER, fam.GRANDCHILD, fam.FATHER, fam.YOUNGER_BROTHER,
                          fam.YOUNGER_SISTER}


def _weighted(ctx: DemoContext, table: dict[str, int]) -> str:
    return ctx.rng.choices(list(table), weights=list(table.values()), k=1)[0]


def _birth_date(ctx: DemoContext, age: int) -> dt.date:
    """A birth date making the person exactly `age` on the reference date."""
    day = ctx.as_of
    if (day.month, day.day) == (2, 29):  # the anniversary must exist in every year
        day = day - dt.timedelta(days=1)
    anniversary = day.replace(year=day.year - age)
    return anniversary - dt.timedelta(days=ctx.rng.randrange(365))


def _education(ctx: DemoContext, age: int, born: int) -> str | None:
    if age < 6:
        return None
    if age <= 18:
        return "80" if age <= 12 else "70" if age <= 15 else "60"
    return _weighted(ctx, next(table for limit, table in _EDUCATION if born < limit))


def _political(ctx: DemoContext, age: int, gender: str) -> str:
    roll = ctx.rng.random()
    if age >= 18 and roll < (0.065 if gender == "1" else 0.03):
        return "01"
    if age >= 18 and roll < 0.08:
        return "02"
    if 14 <= age <= 28 and roll < 0.35:
        return "03"
    return "13"


def _marital(ctx: DemoContext, member: fam.Member, relations: frozenset[str]) -> str:
    """GB/T 2261.2 status consistent with who else lives in the household."""
    if member.relation in (fam.HEAD, fam.SPOUSE) and fam.SPOUSE in relations:
        return "20"
    if member.relation == fam.DAUGHTER_IN_LAW:
        return "20"
    if member.relation in (fam.FATHER, fam.MOTHER):
        return "20" if {fam.FATHER, fam.MOTHER} <= relations else "30"
    if member.age < 20:
        return "10"
    if member.age >= 60:
        return ctx.rng.choice(("30", "30", "20", "40"))
    return "20" if ctx.rng.random() < (0.7 if member.age >= 25 else 0.2) else "10"


def build_register(ctx: DemoContext) -> None:
    """Households, persons, tags and visits of every village, appended to `ctx.rows`."""
    for village in ctx.villages:
        sequence_in_group: dict[int, int] = {}
        for n in range(village.households):
            group = 1 + n * village.groups // max(1, village.households)
            sequence_in_group[group] = sequence_in_group.get(group, 0) + 1
            grid = village.grids[n * len(village.grids) // max(1, village.households)]
            _build_household(ctx, village, group, sequence_in_group[group], grid)


def _build_household(ctx: DemoContext, village: Village, group: int, seq: int, grid: str) -> None:
    rng = ctx.rng
    collective = rng.random() < 0.003
    members = fam.plan_collective(rng) if collective else fam.plan_family(rng, fam.household_size(rng))
    household_id = ctx.ids.new()
    address = f"{village.name}{group}组{rng.randint(1, 160)}号"
    away = (not collective and 25 <= members[0].age <= 50 and rng.random() < 0.2)
    persons = _build_members(ctx, members, household_id, village, grid, address, away)
    tags = _household_tags(ctx, household_id, village, members, persons, away)
    last_visit = _build_visits(ctx, household_id, village.code, grid, tags)
    head = persons[0]
    ctx.rows["households"].append({
        "id": household_id, "household_no": f"{village.code}{group:02d}{seq:04d}",
        "region_code": village.code, "grid_code": grid, "household_kind": "2" if collective else "1",
        # 居民户口 since the 2014 reform; the draw that once chose 农业/非农业 stays, so the rest of
        # the township is generated as before.
        "hukou_type": "3" if rng.random() < 1.0 else "9", "address": address,
        "phone": head["phone"] or (landline(rng) if rng.random() < 0.3 else None),
        "head_person_id": head["id"], "last_visit_on": last_visit, "notes": "", "merged_into": None,
        "deleted": False, "deletion_gen": 0,
    })
    ctx.rows["persons"].extend(persons)


def _build_members(ctx: DemoContext, members: list[fam.Member], household_id: str, village: Village,
                   grid: str, address: str, away: bool) -> list[dict]:
    rng = ctx.rng
    surname = ctx.names.surname()
    spouse_surname = ctx.names.surname()
    base_ethnicity = _weighted(ctx, _ETHNICITY)
    relations = frozenset(m.relation for m in members)
    rows = []
    for member in members:
        if member.relation in _FAMILY_NAME_RELATIONS:
            name = ctx.names.full(member.gender, surname)
        elif member.relation == fam.SPOUSE:
            name = ctx.names.full(member.gender, spouse_surname)
        else:  # mother, daughter-in-law, other relatives: their own family names
            name = ctx.names.full(member.gender)
        rows.append(_person_row(ctx, member, name, household_id, village, grid, address,
                                base_ethnicity if rng.random() < 0.9 else _weighted(ctx, _ETHNICITY),
                                relations, away and member.relation in (fam.HEAD, fam.SPOUSE)))
    return rows


def _person_row(ctx: DemoContext, member: fam.Member, name: str, household_id: str, village: Village,
                grid: str, address: str, ethnicity: str, relations: frozenset[str], away: bool) -> dict:
    rng = ctx.rng
    birth = _birth_date(ctx, member.age)
    id_number = ctx.resident_ids.new(birth, member.gender)
    migrant = away or (18 <= member.age <= 45 and member.relation not in (fam.HEAD, fam.SPOUSE)
                       and rng.random() < 0.12)
    phone = mobile(rng) if 16 <= member.age <= 75 and rng.random() < 0.85 else None
    hukou_address = ctx.address_prefix + address
    row = {
        "id": ctx.ids.new(), "household_id": household_id, "region_code": village.code, "grid_code": grid,
        "name": name, "id_type": "01", "id_number": id_number, "gender": member.gender,
        "birth_date": birth, "ethnicity": ethnicity, "relation_to_head": member.relation,
        "education": _education(ctx, member.age, birth.year),
        "political_status": _political(ctx, member.age, member.gender),
        "marital_status": _marital(ctx, member, relations),
        "hukou_address": hukou_address,
        "current_address": f"{rng.choice(_MIGRANT_PLACES)}（务工）" if migrant else hukou_address,
        "phone": phone, "residence_type": "4" if migrant else ("3" if rng.random() < 0.03 else "1"),
        "status": "1", "notes": "", "merged_into": None,
        "deleted": False, "deletion_gen": 0,
    }
    row.update(person_search_keys(name, id_number, phone))
    return row


def _tag(ctx: DemoContext, subject_type: str, subject_id: str, tag: str, region: str) -> None:
    ctx.rows["tag_assignments"].append({
        "id": tag_assignment_id(subject_id, tag), "subject_type": subject_type, "subject_id": subject_id,
        "tag_code": tag, "region_code": region, "start_on": ctx.days_ago(30, 2500), "end_on": None,
        "deleted": False, "deletion_gen": 0,
    })


def _household_tags(ctx: DemoContext, household_id: str, village: Village, members: list[fam.Member],
                    persons: list[dict], away: bool) -> set[str]:
    """Tags of the household and its members; returns every tag code given (for visit frequency)."""
    rng, given = ctx.rng, set()
    elderly = all(m.age >= 60 for m in members)
    for tag, rate in (("nclb", 0.06 if elderly else 0.025), ("tph", 0.04), ("jcdx", 0.008)):
        if rng.random() < rate:
            _tag(ctx, "household", household_id, tag, village.code)
            given.add(tag)
    for member, person in zip(members, persons, strict=True):
        for tag in _person_tags(ctx, member, person, members, elderly, away):
            _tag(ctx, "person", person["id"], tag, village.code)
            given.add(tag)
    return given


def _person_tags(ctx: DemoContext, member: fam.Member, person: dict, members: list[fam.Member],
                 elderly: bool, away: bool) -> list[str]:
    rng, tags = ctx.rng, []
    if person["political_status"] in ("01", "02"):
        tags.append("dy")
    if rng.random() < (0.05 if member.age >= 60 else 0.015):
        tags.append("cjr")
    if len(members) == 1 and member.age >= 60:
        tags.append("djlr")
        if rng.random() < 0.12:
            tags.append("tkgy")
    elif elderly and len(members) >= 2:
        tags.append("kclr")
    if away and member.relation in (fam.SON, fam.DAUGHTER) and member.age < 16:
        tags.append("lset")  # both parents work away from home: a left-behind child
    if member.gender == "1" and 25 <= member.age <= 70 and rng.random() < 0.02:
        tags.append("tyjr")
    if member.relation == fam.HEAD and rng.random() < 0.02:
        tags.append("dsr")
    if member.age < 18 and rng.random() < 0.0008:
        tags.append("kger")
    if member.age >= 18:
        tags.extend(_key_person_tags(ctx))
    return tags


def _key_person_tags(ctx: DemoContext) -> list[str]:
    roll = ctx.rng.random()
    for tag, upper in (("sqjz", 0.0002), ("xmsf", 0.0005), ("jsza", 0.0011), ("xd", 0.0012), ("xfry", 0.0015)):
        if roll < upper:
            return ["zdry", tag]
    return []


def _build_visits(ctx: DemoContext, household_id: str, region: str, grid: str, tags: set[str]) -> dt.date | None:
    rng = ctx.rng
    if tags & _CARE_TAGS:
        days = sorted({rng.randint(0, 30) + 30 * k for k in range(rng.randint(4, 7))})
    else:
        days = sorted({rng.randint(0, 365) for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 3)))})
    for offset in days:
        ctx.rows["visits"].append({
            "id": ctx.ids.new(), "household_id": household_id, "region_code": region,
            "visited_on": ctx.as_of - dt.timedelta(days=offset), "visitor": ctx.grid_workers[grid],
            "kind": rng.choices(("1", "2", "3"), weights=(70, 25, 5), k=1)[0],
            "findings": rng.choice(_FINDINGS), "follow_up": rng.choice(_FOLLOW_UPS),
            "deleted": False, "deletion_gen": 0,
        })
    return ctx.as_of - dt.timedelta(days=days[0]) if days else None
