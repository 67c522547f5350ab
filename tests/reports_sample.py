"""A small, fixed register for the report and exchange tests: one township with two villages, three
households (one head named with the Ext-B character 𠮷), visits, tags (one sensitive), a case with
its log and parties, and a task with its village target and linked households. Values are fixed so
tests can look for them in extracted text."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from app.codes import seed_code_entries
from db.ids import tag_assignment_id
from db.models import (
    Case,
    CaseLogEntry,
    CaseParty,
    CaseWhistle,
    Household,
    Person,
    Region,
    TagAssignment,
    Task,
    TaskFeedback,
    TaskLink,
    TaskTarget,
    Visit,
)

TOWNSHIP = "150402001000"
VILLAGE = "150402001201"
OTHER_VILLAGE = "150402001202"
TODAY = dt.date(2026, 11, 27)

HEAD_ID_NUMBER = "11010519491231002X"
HEAD_PHONE = "13812345678"
RARE_NAME = "𠮷祥"


def _regions(session: Session) -> None:
    session.add_all([
        Region(code="150402000000", name="红山区", level=3, parent_code="150400000000"),
        Region(code=TOWNSHIP, name="西屯街道", level=4, parent_code="150402000000"),
        Region(code=VILLAGE, name="西屯村", level=5, parent_code=TOWNSHIP),
        Region(code=OTHER_VILLAGE, name="东郊村", level=5, parent_code=TOWNSHIP),
    ])


def _person(household: Household, name: str, relation: str, id_number: str, gender: str,
            birth: dt.date, phone: str | None = None) -> Person:
    return Person(household_id=household.id, region_code=household.region_code, name=name,
                  id_type="01", id_number=id_number, gender=gender, birth_date=birth, ethnicity="01",
                  relation_to_head=relation, education="61", political_status="13", marital_status="20",
                  phone=phone, residence_type="1", status="1", current_address=household.address)


def _households(session: Session) -> dict[str, object]:
    first = Household(household_no=VILLAGE + "010001", region_code=VILLAGE, address="西屯村一组18号",
                      phone="0476-8331234", household_kind="1", hukou_type="2", last_visit_on=TODAY)
    second = Household(household_no=VILLAGE + "010002", region_code=VILLAGE, address="西屯村一组20号",
                       household_kind="1", hukou_type="2")
    third = Household(household_no=OTHER_VILLAGE + "020001", region_code=OTHER_VILLAGE,
                      address="东郊村二组3号", household_kind="1", hukou_type="2")
    session.add_all([first, second, third])
    session.flush()
    head = _person(first, RARE_NAME, "02", HEAD_ID_NUMBER, "2", dt.date(1949, 12, 31), HEAD_PHONE)
    spouse = _person(first, "王建国", "10", "440524188001010014", "1", dt.date(1880, 1, 1), "13900001111")
    son = _person(first, "王小明", "20", "110101201001010031", "1", dt.date(2010, 1, 1))
    other_head = _person(second, "李秀英", "02", "110101198503070021", "2", dt.date(1985, 3, 7), "13712345678")
    far_head = _person(third, "赵大海", "02", "110101197001010016", "1", dt.date(1970, 1, 1))
    session.add_all([head, spouse, son, other_head, far_head])
    session.flush()
    first.head_person_id, second.head_person_id, third.head_person_id = head.id, other_head.id, far_head.id
    for subject, kind, tag in ((first.id, "household", "nclb"), (spouse.id, "person", "sqjz"),
                               (head.id, "person", "djlr")):
        session.add(TagAssignment(id=tag_assignment_id(subject, tag), subject_type=kind, subject_id=subject,
                                  tag_code=tag, region_code=VILLAGE, start_on=dt.date(2025, 1, 1)))
    session.add(Visit(household_id=first.id, region_code=VILLAGE, visited_on=TODAY, visitor="刘网格",
                      kind="1", findings="老人身体尚可，屋顶漏雨需维修", follow_up="报村委会安排维修"))
    return {"first": first, "second": second, "third": third, "head": head, "spouse": spouse}


def _case(session: Session) -> Case:
    case = Case(case_no="SJ20261120-0001", source="1", request_type="3", category_code="0101",
                title="邻里宅基地界线纠纷", description="两户因院墙界线发生争执，请求村委会调解。",
                occurred_at=dt.datetime(2026, 11, 19, 9, 30), registered_at=dt.datetime(2026, 11, 20, 10, 0),
                place="西屯村一组", region_code=VILLAGE, reporter_name="王建国", reporter_phone="13900001111",
                deadline_on=dt.date(2026, 12, 4), status=50)
    session.add(case)
    session.flush()
    session.add(CaseParty(case_id=case.id, region_code=VILLAGE, name="李秀英", role="对方当事人",
                          phone="13712345678"))
    for at, actor, action, old, new, text in (
        (dt.datetime(2026, 11, 20, 10, 0), "陈科员", "register", None, 10, "12345热线转办"),
        (dt.datetime(2026, 11, 20, 14, 0), "陈科员", "accept", 10, 20, "受理"),
        (dt.datetime(2026, 11, 21, 9, 0), "陈科员", "dispatch", 20, 30, "分派西屯村调委会"),
        (dt.datetime(2026, 11, 21, 15, 0), "刘网格", "sign", 30, 40, "签收"),
        (dt.datetime(2026, 11, 22, 9, 0), "刘网格", "handle", 40, 50, "已上门了解情况，约定周五现场调解"),
    ):
        session.add(CaseLogEntry(case_id=case.id, region_code=VILLAGE, at=at, actor=actor, action=action,
                                 from_status=old, to_status=new, text=text))
    session.add(CaseWhistle(case_id=case.id, region_code=VILLAGE, department_code="zz",
                            summoned_at=dt.datetime(2026, 11, 22, 10, 0),
                            arrived_at=dt.datetime(2026, 11, 22, 11, 30), evaluation="1", comment="到场及时"))
    closed = Case(case_no="SJ20261101-0002", source="3", request_type="2", category_code="0301",
                  title="路灯损坏", registered_at=dt.datetime(2026, 11, 1, 9, 0), region_code=OTHER_VILLAGE,
                  reporter_name="赵大海", deadline_on=dt.date(2026, 11, 8), status=70,
                  closed_at=dt.datetime(2026, 11, 6, 17, 0))
    late = Case(case_no="SJ20261102-0003", source="1", request_type="3", category_code="0101",
                title="噪音扰民", registered_at=dt.datetime(2026, 11, 2, 9, 0), region_code=VILLAGE,
                reporter_name="李秀英", deadline_on=dt.date(2026, 11, 16), status=70,
                closed_at=dt.datetime(2026, 11, 20, 17, 0))
    stuck = Case(case_no="SJ20261105-0004", source="3", request_type="2", category_code="0201",
                 title="废弃厂房消防隐患", registered_at=dt.datetime(2026, 11, 5, 9, 0), region_code=VILLAGE,
                 reporter_name="孙丽华", reporter_phone="13655556666", deadline_on=dt.date(2026, 11, 12),
                 status=30)
    session.add_all([closed, late, stuck])
    return case


def _task(session: Session, households: dict) -> Task:
    task = Task(task_no="RW2026-0088", title="独居老人冬季安全走访", description="逐户查看取暖、用电和燃气安全。",
                department_code="mz", kind="1", priority=1, issued_at=dt.datetime(2026, 11, 20, 8, 0),
                due_at=dt.datetime(2026, 11, 30, 18, 0), region_code=TOWNSHIP, issued_by="民政局王科长")
    session.add(task)
    session.flush()
    target = TaskTarget(task_id=task.id, region_code=VILLAGE, status="20", assignee="刘网格",
                        accepted_at=dt.datetime(2026, 11, 20, 9, 0), handled_count=1, total_count=2)
    session.add(target)
    session.flush()
    session.add_all([
        TaskLink(target_id=target.id, household_id=households["first"].id, region_code=VILLAGE, handled=True,
                 handled_at=dt.datetime(2026, 11, 25, 10, 0), handled_by="刘网格"),
        TaskLink(target_id=target.id, household_id=households["second"].id, region_code=VILLAGE),
        TaskFeedback(target_id=target.id, region_code=VILLAGE, at=dt.datetime(2026, 11, 25, 18, 0),
                     author="刘网格", text="已走访1户，取暖正常。", handled_count=1, total_count=2),
    ])
    return task


def build_sample(session: Session) -> dict[str, object]:
    """Fills a fresh local database and commits; returns the main records by role."""
    seed_code_entries(session)
    _regions(session)
    households = _households(session)
    case = _case(session)
    task = _task(session, households)
    session.commit()
    return {**households, "case": case, "task": task}
