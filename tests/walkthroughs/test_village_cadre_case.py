"""A village cadre registers what a resident came to the village committee about. Seen as demo_cadre
under Xvfb: 登记事件 opened on 来源 12345热线 — the code table's first entry — though a village never
types a hotline case (those arrive through the hotline's channel); a cadre who did not notice filed
a resident's visit as a 12345 ticket. The form now starts on 来访 for a village cadre (网格巡查 for a
grid worker, as before)."""

from __future__ import annotations

from tests.walkthroughs.conftest import Desktop
from tests.walkthroughs.test_grid_worker import FilledCaseForm


def test_a_village_cadre_registers_a_residents_visit(desktop, township):
    pc: Desktop = desktop("village_cadre", township.village, name="cadre-visit")
    with pc.step("村干部登记群众来访反映的事件"):
        pc.sync()
        page = pc.page("cases")
        page.activate()
        page._forms = filled = FilledCaseForm()
        page.new_button.click()
        assert pc.dialogs.shown == [], pc.dialogs.shown
        assert filled.source == "来访", filled.source
        case = page.detail.detail.case
        assert case.source == "2" and case.region_code == township.village
        assert case.id in {c.id for c in page.cases}
