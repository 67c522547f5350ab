"""A village cadre completes a 宣传 task (decision 0050). Before, 完成 was one click with no question
and no report: the department read an empty 【完成】 entry, and the village could not take it back.
Now 完成 asks for a one-line report, says the village cannot undo it, and a blank report or a
cancel completes nothing; right after the village reported (a 一表通 answer, a feedback just sent)
it asks nothing more."""

from __future__ import annotations

from sqlalchemy import select

from db.models import TaskFeedback
from tests.walkthroughs.conftest import Desktop, village_task

TITLE = "冬季防火宣传（完成走查）"


def _publicity_task(township, task_no: str, title: str = TITLE) -> str:
    """An in-progress 宣传 (指令下达) task of the cadre's village with no household to link."""
    return village_task(township, task_no, title, "3")


def _status(page) -> str:
    return page.detail.card.detail.target.status


def test_a_village_cadre_reports_when_completing_a_publicity_task(desktop, township):
    target_id = _publicity_task(township, "RW2026120705001")
    cadre: Desktop = desktop("village_cadre", township.village, name="cadre-complete")
    with cadre.step("村干部点“完成”：先问完成情况，并说明不能撤回；取消则不完成"):
        cadre.sync()
        page = cadre.page("tasks")
        page.activate()
        assert page.select_target(target_id)
        detail = page.detail
        detail.action_buttons["complete"].click()  # the dialog cancelled
        assert "不能撤回" in cadre.dialogs.asked[-1] and "完成情况" in cadre.dialogs.asked[-1]
        assert _status(page) == "20" and "进行中" in detail.meta.text()
        assert cadre.dialogs.shown == []

    with cadre.step("空着确定：说明要写完成情况，任务仍在进行中"):
        cadre.dialogs.texts.append("  ")
        detail.action_buttons["complete"].click()
        assert cadre.dialogs.shown[-1][0] == "error" and "完成情况" in cadre.dialogs.shown[-1][2]
        assert _status(page) == "20"
        assert cadre.status()["pending"] == "待上传 0 条"  # nothing written

    with cadre.step("写一句完成情况：任务完成，部门读到这句话"):
        report = "已在村广播和微信群宣传3次，张贴防火通知12份。"
        cadre.dialogs.texts.append(report)
        detail.action_buttons["complete"].click()
        cadre.qtbot.waitUntil(lambda: "已完成" in detail.meta.text(), timeout=3000)
        entries = [detail.feedback.item(i).text() for i in range(detail.feedback.count())]
        assert any(f"【完成】{report}" in text for text in entries), entries
        cadre.sync()
        assert cadre.status()["pending"] == "待上传 0 条"
    with township.server.session() as s:
        texts = s.scalars(select(TaskFeedback.text).where(TaskFeedback.target_id == target_id)).all()
        assert texts == [f"【完成】{report}"], texts


def test_feedback_just_sent_is_the_report_and_complete_asks_nothing_more(desktop, township):
    target_id = _publicity_task(township, "RW2026120705002", "春节安全宣传（完成走查）")
    cadre: Desktop = desktop("village_cadre", township.village, name="cadre-complete-2")
    with cadre.step("村干部先发送反馈，再点“完成”：不再追问"):
        cadre.sync()
        page = cadre.page("tasks")
        page.activate()
        assert page.select_target(target_id)
        detail = page.detail
        detail.feedback_text.setPlainText("已发放安全宣传单80份。")
        detail.send_feedback()
        cadre.qtbot.waitUntil(lambda: detail.feedback.count() == 1, timeout=3000)
        asked = len(cadre.dialogs.asked)
        detail.action_buttons["complete"].click()
        cadre.qtbot.waitUntil(lambda: "已完成" in detail.meta.text(), timeout=3000)
        assert len(cadre.dialogs.asked) == asked and cadre.dialogs.shown == []
