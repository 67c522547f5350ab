"""The case desk's 待上传 badge after the title, as the clerk sees it at 1366×768: the title column
is 190 px and a case's title usually longer, so the view cut the row's end — the badge with it — and
a case just accepted looked like any other (seen on the demo: "龙凤沟村1组楼道堆放杂物堵…"). The badge
now goes ahead of the title: "待上传 · 龙凤沟村1组…"."""

from __future__ import annotations

from tests.walkthroughs.conftest import Desktop


def _shown(view, index) -> str:
    """The cell's text as the view paints it: elided to the column's width with the view's mode."""
    width = view.columnWidth(index.column()) - 8  # the cell's margins
    return view.fontMetrics().elidedText(index.data(), view.textElideMode(), width)


def test_a_case_just_worked_on_shows_its_badge_in_the_list(desktop, township):
    pc: Desktop = desktop("township_staff", township.village[:9], name="clerk-badge")
    pc.sync()
    page = pc.page("cases")
    page.activate()
    with pc.step("回访一件标题较长的事件：列表里看得到 · 待上传"):
        view = page.list.view
        while page.list.model.canFetchMore():
            page.list.model.fetchMore()
        case = next(c for c in page.cases if c.status == 70 and view.fontMetrics().horizontalAdvance(c.title)
                    > view.columnWidth(0) - 60)
        assert page.select_case(case.id)
        page.detail.bar.opinion.setPlainText("电话回访，群众满意。")
        pc.dialogs.choices.append(0)  # 居民满意度: the first answer
        page.detail.bar.run_default()
        pc.qtbot.waitUntil(lambda: "待上传" in (page.list.model.index(page.cases.index(
            next(c for c in page.cases if c.id == case.id)), 0).data() or ""), timeout=3000)
        row = [c.id for c in page.cases].index(case.id)
        shown = _shown(view, page.list.model.index(row, 0))
        assert shown.startswith("待上传 · " + case.title[:2]), shown
