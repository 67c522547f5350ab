"""工作台 charts, painted with QPainter (no QtCharts dependency): today's work as three figures (tasks
due today, overdue tasks, households overdue for a visit), horizontal stacked bars for cases by
category (open / finished) and task targets by department (done / open / overdue), vertical bars
for cases by status, and two on-time rate rings (tasks completed by their deadline, cases closed by
theirs). Sized to stay readable on a 1366×768 office screen; the figures load on the task runner
each time the dashboard is shown."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QTextLayout, QTextOption
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

GREY, TEXT = QColor("#9e9e9e"), QColor("#333333")


class BarChart(QWidget):
    """Labelled bars, one stacked bar per label; horizontal (long labels) or vertical."""

    def __init__(self, title: str, series: list[tuple[str, str]], horizontal: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.series = series  # (name, colour) per stacked value
        self.horizontal = horizontal
        self.bars = ()
        self.setMinimumSize(QSize(260, 220))

    def set_bars(self, bars) -> None:
        self.bars = tuple(bars)
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QRectF(self.rect()).adjusted(8, 6, -8, -6)
        title_font = QFont(self.font())
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(TEXT)
        painter.drawText(area.adjusted(0, 0, 0, -area.height() + 22), Qt.AlignmentFlag.AlignLeft, self.title)
        painter.setFont(self.font())
        legend_bottom = self._legend(painter, area.adjusted(0, 24, 0, 0))
        body = area.adjusted(0, legend_bottom - area.top() + 4, 0, 0)
        if not any(bar.total for bar in self.bars):
            painter.setPen(GREY)
            painter.drawText(body, Qt.AlignmentFlag.AlignCenter, self.tr("暂无数据"))
            return
        if self.horizontal:
            self._paint_horizontal(painter, body)
        else:
            self._paint_vertical(painter, body)

    def _legend(self, painter: QPainter, area: QRectF) -> float:
        if len(self.series) < 2:
            return area.top()
        x = area.left()
        metrics = painter.fontMetrics()
        for name, colour in self.series:
            painter.fillRect(QRectF(x, area.top() + 4, 10, 10), QColor(colour))
            painter.setPen(TEXT)
            painter.drawText(QRectF(x + 14, area.top(), 120, 18), Qt.AlignmentFlag.AlignVCenter, name)
            x += 24 + metrics.horizontalAdvance(name)
        return area.top() + 20

    def _paint_horizontal(self, painter: QPainter, body: QRectF) -> None:
        bars = self.bars[: max(1, int(body.height() // 22))]  # as many rows as fit, largest first
        metrics = painter.fontMetrics()
        label_width = min(body.width() * 0.35, max(metrics.horizontalAdvance(b.label) for b in bars) + 8)
        value_width = metrics.horizontalAdvance("00000")
        top = max(b.total for b in bars)
        row = min(26.0, body.height() / len(bars))
        span = body.width() - label_width - value_width
        for i, bar in enumerate(bars):
            y = body.top() + i * row
            painter.setPen(TEXT)
            painter.drawText(QRectF(body.left(), y, label_width - 6, row), Qt.AlignmentFlag.AlignRight
                             | Qt.AlignmentFlag.AlignVCenter, metrics.elidedText(bar.label, Qt.TextElideMode.ElideRight,
                                                                                  int(label_width - 6)))
            x = body.left() + label_width
            for value, (_name, colour) in zip(bar.values, self.series, strict=False):
                width = span * value / top
                painter.fillRect(QRectF(x, y + row * 0.18, width, row * 0.64), QColor(colour))
                x += width
            painter.drawText(QRectF(x + 4, y, value_width, row), Qt.AlignmentFlag.AlignVCenter, str(bar.total))

    def _paint_vertical(self, painter: QPainter, body: QRectF) -> None:
        bars = self.bars
        metrics = painter.fontMetrics()
        label_height = metrics.height() + 4
        top = max(b.total for b in bars)
        column = body.width() / len(bars)
        # A label wider than its column (办理中, 已回访 side by side; English words) wraps onto up to
        # three lines under its bar instead of being cut to "办…" — English between words, not "Registere d".
        fonts = [label_font(painter.font(), b.label, column - 4) for b in bars]
        wrapped = [label_lines(font, b.label, column - 4) for font, b in zip(fonts, bars, strict=True)]
        lines = max(len(w) for w in wrapped)
        plot = body.adjusted(0, label_height, 0, -label_height * lines)
        for i, bar in enumerate(bars):
            x = body.left() + i * column
            height = plot.height() * bar.total / top
            colour = QColor(self.series[0][1])
            painter.fillRect(QRectF(x + column * 0.2, plot.bottom() - height, column * 0.6, height), colour)
            painter.setPen(TEXT)
            painter.drawText(QRectF(x, plot.bottom() - height - label_height, column, label_height),
                             Qt.AlignmentFlag.AlignCenter, str(bar.total))
            painter.save()
            painter.setFont(fonts[i])
            for n, part in enumerate(wrapped[i]):
                painter.drawText(QRectF(x + 1, plot.bottom() + 2 + n * metrics.height(), column - 2, label_height),
                                 Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, part)
            painter.restore()


def label_font(font: QFont, text: str, width: float, smallest: float = 7.0) -> QFont:
    """The font a bar's label is drawn in: smaller (down to `smallest` pt) when one of its words alone is
    wider than the column, so "Registered" stays one word rather than "Registere / d"."""
    def widest(candidate: QFont) -> float:
        return max((QFontMetricsF(candidate).horizontalAdvance(word) for word in text.split()), default=0)

    if widest(font) <= width or font.pointSizeF() <= 0:
        return font
    smaller = QFont(font)
    size = font.pointSizeF()
    while size > smallest and widest(smaller) > width:  # hinted advances do not scale linearly
        size = max(smallest, size - 0.25)
        smaller.setPointSizeF(size)
    return smaller


def label_lines(font: QFont, text: str, width: float, most: int = 3) -> list[str]:
    """A bar's label as it wraps under the bar: between words, inside a word only when it alone is wider
    than the column; Chinese between characters. At most `most` lines."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.beginLayout()
    lines: list[str] = []
    while len(lines) < most:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max(width, 1))
        lines.append(text[line.textStart():line.textStart() + line.textLength()].strip())
    layout.endLayout()
    return [part for part in lines if part] or [text]


class RateRing(QWidget):
    """An on-time rate as a ring with the percentage and the counts under it."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.rate = None
        self.setMinimumSize(QSize(150, 150))

    def set_rate(self, rate) -> None:
        self.rate = rate
        self.update()

    def caption(self) -> str:
        if self.rate is None or self.rate.percent is None:
            return self.tr("暂无已办结的记录")
        return self.tr("按期 %1 / 共 %2").replace("%1", str(self.rate.on_time)).replace("%2", str(self.rate.finished))

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = QRectF(self.rect()).adjusted(6, 4, -6, -4)
        painter.setPen(TEXT)
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(QRectF(area.left(), area.top(), area.width(), 20), Qt.AlignmentFlag.AlignCenter, self.title)
        size = min(area.width(), area.height() - 46)
        ring = QRectF(area.center().x() - size / 2, area.top() + 24, size, size).adjusted(8, 8, -8, -8)
        painter.setPen(QPen(QColor("#e0e0e0"), 12))
        painter.drawArc(ring, 0, 360 * 16)
        percent = self.rate.percent if self.rate is not None else None
        if percent is not None:
            colour = "#2e7d32" if percent >= 90 else "#ef6c00" if percent >= 70 else "#c62828"
            painter.setPen(QPen(QColor(colour), 12, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
            painter.drawArc(ring, 90 * 16, int(-percent / 100 * 360 * 16))
        big = QFont(self.font())
        big.setPointSize(self.font().pointSize() + 6)
        big.setBold(True)
        painter.setFont(big)
        painter.setPen(TEXT)
        painter.drawText(ring, Qt.AlignmentFlag.AlignCenter, "—" if percent is None else f"{percent:.0f}%")
        painter.setFont(self.font())
        painter.drawText(QRectF(area.left(), ring.bottom() + 10, area.width(), 20), Qt.AlignmentFlag.AlignCenter,
                         self.caption())


class ClickableFrame(QFrame):
    """A dashboard tile that opens the list behind its figure when clicked (or Enter/Space when
    focused with Tab)."""

    clicked = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
            return
        super().keyPressEvent(event)


class _TodayFigure(ClickableFrame):
    def __init__(self, title: str, colour: str) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.value = QLabel("…")
        self.value.setStyleSheet(f"font-size: 22px; font-weight: bold; color: {colour};")
        caption = QLabel(title)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 4)
        layout.addWidget(self.value)
        layout.addWidget(caption, 1)


class WorkChartsPanel(QWidget):
    """The work half of the dashboard; `activate()` loads the figures through the runner."""

    def __init__(self, desk, runner, on_error, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._desk, self._runner, self._on_error = desk, runner, on_error
        self.today = {"due_today": _TodayFigure(self.tr("今日到期任务"), "#ef6c00"),
                      "overdue": _TodayFigure(self.tr("已超期任务"), "#c62828"),
                      "visits": _TodayFigure(self.tr("应走访未走访的户"), "#1f4e79")}
        self.by_category = BarChart(self.tr("事件按类别"), [(self.tr("办理中"), "#1f6fb2"), (self.tr("已办结"), "#90caf9")])
        self.by_status = BarChart(self.tr("事件按状态"), [(self.tr("件数"), "#5c6bc0")], horizontal=False)
        self.by_department = BarChart(self.tr("任务按部门"), [(self.tr("已完成"), "#66bb6a"), (self.tr("办理中"), "#1f6fb2"),
                                                          (self.tr("已超期"), "#e53935")])
        self.task_rate = RateRing(self.tr("任务按期完成率"))
        self.case_rate = RateRing(self.tr("事件按期办结率"))
        strip = QHBoxLayout()
        for figure in self.today.values():
            strip.addWidget(figure)
        rings = QVBoxLayout()
        rings.addWidget(self.task_rate)
        rings.addWidget(self.case_rate)
        grid = QGridLayout()
        grid.addWidget(self.by_category, 0, 0)
        grid.addWidget(self.by_department, 0, 1)
        grid.addWidget(self.by_status, 0, 2)
        grid.addLayout(rings, 0, 3)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 3)
        grid.setColumnStretch(3, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(strip)
        layout.addLayout(grid, 1)

    def activate(self) -> None:
        self._runner.run_db(self._desk.charts, self._show)
        # The visit rule walks every household: a job of its own so the charts need not wait.
        self._runner.run_db(self._desk.visits_overdue, self._show_visits)

    def _show_visits(self, count, error) -> None:
        if error is not None:
            self._on_error(error)
            return
        self.today["visits"].value.setText(f"{count:,}")

    def _show(self, charts, error) -> None:
        from ui.casedesk.labels import status_text  # the case desk's names, not its page: no cold-start cost

        if error is not None:
            self._on_error(error)
            return
        self.today["due_today"].value.setText(str(charts.tasks_due_today))
        self.today["overdue"].value.setText(str(charts.tasks_overdue))
        self.by_category.set_bars(charts.cases_by_category)
        self.by_status.set_bars(replace(bar, label=status_text(bar.key)) for bar in charts.cases_by_status)
        self.by_department.set_bars(charts.tasks_by_department)
        self.task_rate.set_rate(charts.task_rate)
        self.case_rate.set_rate(charts.case_rate)
