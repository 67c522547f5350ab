"""PageFlow, the page stacking under every printed form: page breaks, keep-together groups, space
before dropped at a page top, splitting, and no endless loop on something taller than a page."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, PageBreak, Spacer

from app.reports.flow import PageFlow
from app.reports.grid import Grid

FRAME = (50.0, 50.0, 400.0, 700.0)


def flow() -> tuple[PageFlow, list[int]]:
    starts: list[int] = []
    page_flow = PageFlow(Canvas(io.BytesIO(), pagesize=A4), FRAME, lambda _c: starts.append(1))
    return page_flow, starts


def test_page_break_starts_a_page_only_after_content():
    page_flow, starts = flow()
    page_flow.add_all([PageBreak(), Spacer(1, 100), PageBreak(), PageBreak(), Spacer(1, 100)])
    assert page_flow.pages == 2 and len(starts) == 2


def test_keep_together_moves_the_group_when_it_does_not_fit():
    page_flow, _ = flow()
    page_flow.add(Spacer(1, 600))
    page_flow.add(KeepTogether([Spacer(1, 60), Spacer(1, 60)]))
    assert page_flow.pages == 2 and page_flow.room == 700 - 120


def test_space_before_is_dropped_at_the_top_of_a_page():
    page_flow, _ = flow()
    spaced = Spacer(1, 100)
    spaced.spaceBefore = 50
    page_flow.add(spaced)
    assert page_flow.room == 600
    second = Spacer(1, 100)
    second.spaceBefore = 50
    page_flow.add(second)
    assert page_flow.room == 450


def test_a_long_grid_splits_over_pages_and_a_giant_does_not_loop():
    page_flow, _ = flow()
    rows = [["序号", "内容"]] + [[str(n), "一行"] for n in range(200)]
    page_flow.add(Grid(rows, [100, 300]))
    assert page_flow.pages > 3
    giant, _ = flow()
    giant.add(Spacer(1, 5000))
    assert giant.pages == 1
