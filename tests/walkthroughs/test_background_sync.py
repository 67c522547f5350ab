"""What a sync the user did not start (the periodic one, the one as the window opens) shows on the
case and task desks. Seen before: the register reloaded after it, the desks did not — a clerk kept
looking at 登记 on a case a colleague had accepted, and at a target's feedback without the
colleague's entry, until they clicked. The desks now reload after it, keeping the case or target
chosen; while the user types an 意见 or a feedback, nothing reloads under them: a small hint says
newer data waits, and saving shows it."""

from __future__ import annotations

import requests
from sqlalchemy import select

from db.models import TaskTarget
from demo import DEMO_TOWNSHIP
from server.intake_keys import create_channel_key
from tests.walkthroughs.conftest import Desktop
from ui.casedesk.dispatch import DispatchForm


def background_sync(pc: Desktop) -> None:
    """A periodic sync: on the sync service's own thread, its outcome reaching the window as events."""
    pc.services.sync.run_in_background(manual=False).join(60)
    pc.window.sync_bar._bridge.drain()


def _post_case(township, key: str, ticket: str, title: str) -> None:
    answer = requests.post(township.server.api + "/intake/cases", headers={"X-Api-Key": key}, json={
        "channel_ref": ticket, "request_type": "3", "category_code": "0201", "title": title,
        "description": "热线转来", "region_code": township.village, "reporter_name": "钱先生",
        "reporter_phone": "13800002222"})
    assert answer.status_code == 200, answer.text


def _queue_count(page, status) -> str:
    for i in range(page.queues.count()):
        if page.queues.item(i).data(256) == status:  # Qt.UserRole
            return page.queues.item(i).text()
    return ""


def test_the_case_desk_shows_what_a_background_sync_brought_and_spares_a_typed_opinion(desktop, township):
    clerk: Desktop = desktop("township_staff", DEMO_TOWNSHIP, name="clerk-bg")
    colleague: Desktop = desktop("township_staff", DEMO_TOWNSHIP, name="colleague-bg")
    with township.server.session() as s:
        key = create_channel_key(s, township.server.settings, "12345", "12345热线平台", "1")
        s.commit()
    _post_case(township, key, "GD20261207-0100", "小区门口路灯不亮（后台同步）")

    with clerk.step("乡镇干部打开热线事件"):
        clerk.sync()
        page = clerk.page("cases")
        page.activate()
        [case] = [c for c in page.cases if c.channel_ref == "GD20261207-0100"]
        assert page.select_case(case.id) and page.detail.detail.case.status == 10

    with colleague.step("同事在另一台电脑上受理并同步"):
        colleague.sync()
        other = colleague.page("cases")
        other.activate()
        other.detail.open(case.id)
        other.detail.bar.opinion.setPlainText("已受理。")
        other.detail.bar.run_default()
        assert other.detail.detail.case.status == 20
        colleague.sync()

    with clerk.step("后台同步后：事件显示受理，仍选中该事件，队列计数更新"):
        registered_before = _queue_count(page, 10)
        background_sync(clerk)
        assert page.detail.detail.case.status == 20, page.detail.title.text()
        assert "受理" in page.detail.title.text()
        chosen = page.table.selectionModel().selectedRows()
        assert chosen and page.list.model.row_at(chosen[0].row()).id == case.id
        assert _queue_count(page, 10) != registered_before, (registered_before, _queue_count(page, 10))
        assert not page.detail.stale.isVisible()

    _post_case(township, key, "GD20261207-0101", "村道积水（后台同步）")
    with clerk.step("正在写意见时后台同步：意见不丢，提示有新数据"):
        page.detail.bar.opinion.setPlainText("请网格员上门查看")
        background_sync(clerk)
        assert page.detail.bar.opinion.toPlainText() == "请网格员上门查看"
        assert page.detail.stale.isVisible() and page.detail.stale.text() == "有新数据，保存后刷新"
        assert "GD20261207-0101" not in {c.channel_ref for c in page.cases}

    with clerk.step("分派（保存意见）后刷新：新事件出现，提示消失"):
        def dispatch(parent, options):
            form = DispatchForm(options, parent)
            form.place.setCurrentIndex(form.place.findData(township.grid))
            return form.values()

        page.detail._dispatch_input = dispatch
        page.detail.bar.buttons["dispatch"].click()
        assert page.detail.detail.case.status == 30
        assert not page.detail.stale.isVisible()
        assert "GD20261207-0101" in {c.channel_ref for c in page.cases}


def test_the_task_desk_shows_a_colleagues_feedback_and_spares_a_typed_one(desktop, township):
    clerk: Desktop = desktop("township_staff", DEMO_TOWNSHIP, name="clerk-task-bg")
    colleague: Desktop = desktop("township_staff", DEMO_TOWNSHIP, name="colleague-task-bg")
    with township.server.session() as s:
        target_id = s.scalar(select(TaskTarget.id).where(TaskTarget.region_code == DEMO_TOWNSHIP + "000"))

    with clerk.step("乡镇干部打开独居老人核实任务"):
        clerk.sync()
        page = clerk.page("tasks")
        page.activate()
        assert page.select_target(target_id)
        assert page.detail.feedback.count() == 0

    with colleague.step("同事反馈进展并同步"):
        colleague.sync()
        other = colleague.page("tasks")
        other.activate()
        assert other.select_target(target_id)
        other.detail.feedback_text.setPlainText("已走访东村12户。")
        other.detail.send_feedback()
        colleague.sync()

    with clerk.step("后台同步后：同事的反馈出现，任务仍打开"):
        background_sync(clerk)
        assert page.detail.card.detail.target.id == target_id
        assert page.current_target_id() == target_id
        assert "已走访东村12户。" in page.detail.feedback.item(0).text()

    with colleague.step("同事再反馈一次"):
        other.detail.feedback_text.setPlainText("西村8户已核实。")
        other.detail.send_feedback()
        colleague.sync()

    with clerk.step("正在写反馈时后台同步：反馈不丢，提示有新数据"):
        page.detail.feedback_text.setPlainText("南村还差3户")
        background_sync(clerk)
        assert page.detail.feedback_text.toPlainText() == "南村还差3户"
        assert page.detail.stale.isVisible()
        assert page.detail.feedback.count() == 1

    with clerk.step("发送反馈后刷新：三条反馈都在"):
        page.detail.send_feedback()
        texts = [page.detail.feedback.item(i).text() for i in range(page.detail.feedback.count())]
        assert len(texts) == 3 and "西村8户已核实。" in " ".join(texts), texts
        assert not page.detail.stale.isVisible()
