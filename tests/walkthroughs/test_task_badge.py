"""A village cadre's report on a task shows 待上传 until it is uploaded, in the inbox and on the task,
as a case just worked on and a household just edited do. Before, the task list showed nothing: a
cadre who reported back offline could not tell, on the list or the task, that the city had not got
it yet (the status bar counted 待上传 1 条, but of what?)."""

from __future__ import annotations

from tests.walkthroughs.conftest import Desktop, village_task

TITLE = "冬季取暖安全检查（待上传走查）"


def _village_task(township) -> str:
    """An in-progress 应急 task of the cadre's village, due in three days; its target's id."""
    return village_task(township, "RW2026120700901", TITLE, "1")


def _title_cell(page, target_id: str) -> str:
    model = page.model
    row = next(r for r in range(model.rowCount()) if model.row_at(r).view.id == target_id)
    return model.index(row, 0).data()


def test_a_report_not_yet_uploaded_shows_on_the_task_list_and_the_task(desktop, township):
    target_id = _village_task(township)
    cadre: Desktop = desktop("village_cadre", township.village, name="cadre-badge")
    with cadre.step("任务：本村进行中的任务，没有待上传的标记"):
        cadre.sync()
        page = cadre.page("tasks")
        page.activate()
        assert page.select_target(target_id)
        assert _title_cell(page, target_id) == TITLE
        assert "待上传" not in page.detail.meta.text()

    with cadre.step("发送反馈后，列表和任务都显示“待上传”"):
        page.detail.feedback_text.setPlainText("已入户检查12户，2户炉具老化已提醒更换。")
        page.detail.send_feedback()
        cadre.wait_pending("待上传 1 条")
        cadre.qtbot.waitUntil(lambda: _title_cell(page, target_id) == f"待上传 · {TITLE}", timeout=3000)
        assert "· 待上传" in page.detail.meta.text(), page.detail.meta.text()

    with cadre.step("同步后标记消失"):
        cadre.sync()
        assert cadre.status()["pending"] == "待上传 0 条"
        cadre.qtbot.waitUntil(lambda: _title_cell(page, target_id) == TITLE, timeout=3000)
        page.select_target(target_id)
        assert "待上传" not in page.detail.meta.text()
