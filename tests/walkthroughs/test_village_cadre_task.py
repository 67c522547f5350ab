"""A village cadre hands a task of the village to the grid worker who will do it. Seen as demo_cadre
under Xvfb: a target in progress offered 完成 and 退回 only — 指派 was the township's (a village
there), so the cadre could not name who in the village does the 冬季取暖安全检查, and the target
kept naming whoever accepted it. The cadre now has 指派责任人…, which names the person (the village
stays); the township clerk keeps 指派到村…."""

from __future__ import annotations

from db.models import TaskTarget
from demo import DEMO_TOWNSHIP
from tests.walkthroughs.conftest import Desktop
from tests.walkthroughs.test_task_badge import _village_task


def test_a_village_cadre_names_the_grid_worker_who_does_a_task(desktop, township):
    target_id = _village_task(township)
    cadre: Desktop = desktop("village_cadre", township.village, name="cadre-assign")
    with cadre.step("村干部把本村任务指派给网格员"):
        cadre.sync()
        page = cadre.page("tasks")
        page.activate()
        assert page.select_target(target_id)
        button = page.detail.assign_button
        assert button.isVisibleTo(page) and button.text() == "指派责任人…", button.text()
        cadre.dialogs.texts.append("马东博")
        button.click()
        cadre.qtbot.waitUntil(lambda: "马东博" in page.detail.meta.text(), timeout=3000)
        assert cadre.dialogs.asked[-1].startswith("交给谁办理")
        assert page.detail.card.detail.target.assigned_region_code == township.village
        cadre.sync()
        assert cadre.status()["pending"] == "待上传 0 条"
    with township.server.session() as s:
        assert s.get(TaskTarget, target_id).assignee == "马东博"
    clerk: Desktop = desktop("township_staff", DEMO_TOWNSHIP, name="clerk-assign")
    with clerk.step("乡镇干部仍是“指派到村…”"):
        clerk.sync()
        page = clerk.page("tasks")
        page.activate()
        assert page.select_target(target_id)
        assert page.detail.assign_button.text() == "指派到村…" and "马东博" in page.detail.meta.text()
