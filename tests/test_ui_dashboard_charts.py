"""工作台 charts: the figures behind them on the demo township (cases by category and status, task
targets by department, on-time rates, today's work) and the painted panel at 1366×768 — every chart
shows its data, labels are readable, an empty chart says so."""
# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

from PySide6.QtGui import QImage
from sqlalchemy import func, select

from app.client.work_charts import Bar, Rate, WorkChartsDesk
from app.rules import task_rules as tr
from app.services.context import beijing_now
from db.models import Case, Task, TaskTarget
from tests.ui_support import context, demo_template  # noqa: F401
from ui.dashboard.charts import BarChart, RateRing, WorkChartsPanel
from ui.tasks import ImmediateTaskRunner


def test_chart_figures_add_up_to_the_records(context):
    charts = WorkChartsDesk(context).charts()
    with context.sessions() as s:
        cases = s.scalar(select(func.count()).select_from(Case).where(~Case.deleted))
        targets = s.execute(select(TaskTarget.status)).scalars().all()
    assert sum(bar.total for bar in charts.cases_by_category) == cases
    assert sum(bar.total for bar in charts.cases_by_status) == cases
    assert all(bar.label for bar in charts.cases_by_category) and "矛盾纠纷" in {b.label for b in charts.cases_by_category}
    counted = sum(bar.total for bar in charts.tasks_by_department)
    assert counted == sum(1 for status in targets if status != tr.RETURNED)
    done = sum(bar.values[0] for bar in charts.tasks_by_department)
    assert done == charts.task_rate.finished == sum(1 for status in targets if status == tr.COMPLETED)
    assert 0 <= charts.task_rate.on_time <= charts.task_rate.finished
    assert WorkChartsDesk(context).visits_overdue() > 0  # the demo has households never visited
    totals = [bar.total for bar in charts.tasks_by_department]
    assert totals == sorted(totals, reverse=True)


def test_sql_counts_agree_with_the_records_counted_in_python(context):
    now = beijing_now()
    charts = WorkChartsDesk(context, clock=lambda: now).charts()
    with context.sessions() as s:
        targets = s.execute(select(TaskTarget.status, TaskTarget.completed_at, Task.due_at)
                            .join(Task, Task.id == TaskTarget.task_id)).all()
        cases = s.execute(select(Case.closed_at, Case.deadline_on)).all()
    assert charts.task_rate.on_time == sum(1 for st, done, due in targets if st == tr.COMPLETED and done <= due)
    assert charts.case_rate == Rate(sum(1 for closed, limit in cases if closed and limit and closed.date() <= limit),
                                    sum(1 for closed, _limit in cases if closed))
    open_targets = [due for st, _done, due in targets if st in (tr.NOT_ACCEPTED, tr.IN_PROGRESS)]
    assert charts.tasks_overdue == sum(1 for due in open_targets if due < now)
    assert charts.tasks_due_today == sum(1 for due in open_targets if due.date() == now.date() and due >= now)


def test_rates_and_today_follow_the_clock(context):
    late = WorkChartsDesk(context, clock=lambda: beijing_now() + dt.timedelta(days=3650)).charts()
    assert late.tasks_due_today == 0 and late.tasks_overdue == sum(b.values[1] + b.values[2]
                                                                   for b in late.tasks_by_department)
    assert Rate(3, 4).percent == 75.0 and Rate(0, 0).percent is None
    assert Bar("x", (1, 2, 3)).total == 6


def _drawn_colours(widget) -> set:
    image: QImage = widget.grab().toImage()
    return {image.pixel(x, y) for x in range(0, image.width(), 5) for y in range(0, image.height(), 5)}


def test_panel_paints_every_chart_on_an_office_screen(qtbot, context):
    panel = WorkChartsPanel(WorkChartsDesk(context), ImmediateTaskRunner(), lambda e: (_ for _ in ()).throw(e))
    qtbot.addWidget(panel)
    panel.resize(1234, 420)
    panel.show()
    panel.activate()
    assert panel.today["visits"].value.text() not in ("…", "")
    assert panel.by_category.bars and panel.by_department.bars and panel.by_status.bars
    for chart in (panel.by_category, panel.by_department, panel.by_status, panel.task_rate):
        assert chart.width() >= 150 and chart.height() >= 140, chart
        assert len(_drawn_colours(chart)) > 4, chart
    assert panel.task_rate.caption().startswith("按期 ")


def test_an_empty_chart_says_so(qtbot):
    chart = BarChart("事件按类别", [("件数", "#5c6bc0")])
    ring = RateRing("任务按期完成率")
    for widget in (chart, ring):
        qtbot.addWidget(widget)
        widget.resize(300, 220)
        widget.show()
    chart.set_bars([Bar("矛盾纠纷", (0,))])
    assert len(_drawn_colours(chart)) > 1  # title and the "暂无数据" text, no bars
    assert ring.caption() == "暂无已办结的记录"


def test_the_dashboard_of_the_main_window_shows_the_charts(qtbot, context, tmp_path):
    from app.client.startup import ClientServices
    from ui import settings as opts
    from ui.app import Shell, build_main_window

    settings = opts.Settings.at_path(str(tmp_path / "settings.ini"))
    window = build_main_window(Shell(context, ImmediateTaskRunner(), settings, services=ClientServices(context=context)))
    qtbot.addWidget(window)
    window.resize(1366, 740)
    window.show()
    dashboard = window.show_page("dashboard")
    assert isinstance(dashboard.charts, WorkChartsPanel)
    assert dashboard.charts.by_status.bars and dashboard.charts.today["visits"].value.text() != "…"
    assert dashboard.charts.by_category.height() >= 200  # room for the bars under the register figures


def test_cases_by_status_reads_in_english_as_the_other_charts_do(qtbot, context, qapp):
    """In the English interface 事件按状态's bars were still 登记, 办结, 归档 under English titles and
    the English category and department bars (seen on the demo's dashboard at 1366×768)."""
    from ui import i18n

    translators = i18n.install(qapp, "en")
    try:
        panel = WorkChartsPanel(WorkChartsDesk(context), ImmediateTaskRunner(), lambda e: (_ for _ in ()).throw(e))
        qtbot.addWidget(panel)
        panel.activate()
        labels = [bar.label for bar in panel.by_status.bars]
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)
    assert labels and "Closed" in labels and not any("\u4e00" <= ch <= "\u9fff" for label in labels for ch in label)


def test_english_bar_labels_wrap_between_words(qapp):
    """Under 事件按状态 the English labels broke inside words: “Registere / d”, “Handled i / n the grid”
    (seen at 1366×768 under Xvfb)."""
    from PySide6.QtGui import QFont, QFontMetrics

    from ui.dashboard.charts import label_font, label_lines

    font = QFont()
    metrics = QFontMetrics(font)
    for label in ("Registered", "Handled in the grid", "Revisited"):
        width = metrics.horizontalAdvance("Registered") + 2  # a column as wide as the longest word
        lines = label_lines(font, label, width)
        assert " ".join(lines) == label and all(w in label.split() for line in lines for w in line.split()), lines
    assert label_lines(font, "网格自办", metrics.horizontalAdvance("网格") + 2) == ["网格", "自办"]
    for share in (0.8, 0.85, 0.9, 0.95):  # the demo's column at 1366 px is about 0.85 of the word
        narrow = metrics.horizontalAdvance("Registered") * share
        smaller = label_font(font, "Registered", narrow)
        assert label_lines(smaller, "Registered", narrow) == ["Registered"], (share, smaller.pointSizeF())
    assert label_font(font, "登记", narrow) is font
