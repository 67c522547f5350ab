"""A case registered on a PC before it syncs: its number is made on the PC (township code, date, the
PC's three-character tag, a sequence) and is final — the city server keeps it, so the clerk may give
it to the resident at once. What the clerk could not see was that the case had not reached the city
yet: the list and the panel showed it like any other while it waited in the outbox (only the status
bar's count moved). It now carries the register's badge, · 待上传, in the list and after its number,
gone after the sync, the number unchanged."""

from __future__ import annotations

from app.client.case_desk import NewCase
from demo import DEMO_TOWNSHIP
from tests.walkthroughs.conftest import Desktop


class OneCase:
    def __init__(self, case: NewCase) -> None:
        self.case = case

    def new_case(self, parent, desk, runner, on_error, choices, **_again):
        return self.case


def test_a_case_registered_before_the_sync_says_it_waits_and_keeps_its_number(desktop, township):
    clerk: Desktop = desktop("township_staff", DEMO_TOWNSHIP, name="clerk-number")
    clerk.sync()
    page = clerk.page("cases")
    page.activate()
    with clerk.step("乡镇干部登记一件事件，尚未同步：列表和详情都标着待上传"):
        page._forms = OneCase(NewCase(source="3", request_type="3", category_code="0201", title="村口路灯不亮（编号）",
                                      region_code=township.village, description="路灯坏了三天"))
        page.create_new()
        case = page.detail.detail.case
        number = case.case_no
        assert number.startswith(DEMO_TOWNSHIP) and "待上传" in page.detail.meta.text(), page.detail.meta.text()
        row = next(r for r in range(page.list.model.rowCount()) if page.list.model.row_at(r).id == case.id)
        assert page.list.model.index(row, 0).data() == "待上传 · 村口路灯不亮（编号）"  # ahead: seen in a narrow column

    with clerk.step("同步后：标记消失，编号不变"):
        clerk.sync()
        assert page.detail.detail.case.case_no == number
        assert "待上传" not in page.detail.meta.text(), page.detail.meta.text()
        row = next(r for r in range(page.list.model.rowCount()) if page.list.model.row_at(r).id == case.id)
        assert page.list.model.index(row, 0).data() == "村口路灯不亮（编号）"
