"""A ruled grid flowable for printed forms, drawn straight onto the canvas.

reportlab's Table is general (spans, per-cell style commands, nested flowables) and costs several
times the drawing of its text; a 500-card batch spent most of its time inside it. Our forms need
much less: rows of text cells, a shaded header repeated on every page, shaded label columns or
rows, per-column alignment, and text that wraps inside its column. `Grid` does exactly that: it
measures each cell once, wraps CJK text at any character (Latin words at spaces where it can),
switches to the fallback font per character through `draw_runs`, draws all rules as one path, and
splits between rows across pages. A cell may also hold a small flowable (a check box)."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from app.reports.fonts import MAIN_FONT, draw_runs, font_runs, measure_width, text_runs, text_width

LABEL_FILL = colors.Color(0.93, 0.93, 0.93)
RULE_WIDTH = 0.6
# Punctuation a Chinese line must not start with (避头点): it stays on the previous line instead.
NO_LINE_START = frozenset("，。、；：？！）》」』”’%·…,.;:?!)]")
WIDEST_GLYPH_EM = 1.2  # WenQuanYi's widest glyph is 1.17 em, UMing's and HanaMin's 1 em


def wrap_text(text: str, width: float, size: float) -> list[str]:
    """Greedy line breaking for Chinese text: break anywhere, but not inside a Latin word or number
    when the line has an earlier place to break."""
    return [line for line, _width in measured_lines(text, width, size)]


def measured_lines(text: str, width: float, size: float) -> list[tuple[str, float | None]]:
    """`wrap_text` with each line's width where it was measured (None: measure when drawing)."""
    if "\n" not in text and len(text) * size * WIDEST_GLYPH_EM <= width:
        return [(text, None)]  # fits even if every character were the widest glyph: no need to measure
    lines: list[tuple[str, float | None]] = []
    for paragraph in text.split("\n"):
        full = text_width(paragraph, size)
        if full <= width:
            lines.append((paragraph, full))
            continue
        line = ""
        for ch in paragraph:
            if line and ch not in NO_LINE_START and measure_width(line + ch, size) > width:
                cut = _latin_break(line)
                done = line[:cut].rstrip()
                lines.append((done, text_width(done, size)))
                line = line[cut:].lstrip() + ch
            else:
                line += ch
        lines.append((line, text_width(line, size)))
    return lines


def _latin_break(line: str) -> int:
    """Where to cut a full line: before a trailing Latin word/number if one is running, else at the end."""
    end = len(line)
    cut = end
    while cut > 0 and line[cut - 1].isascii() and line[cut - 1].isalnum():
        cut -= 1
    return cut if 0 < cut < end else end


class Grid(Flowable):
    """Rows of cells (text or a small flowable) in columns of fixed widths, ruled, with shading."""

    def __init__(self, rows: Sequence[Sequence[object]], widths: Sequence[float], *, header_rows: int = 1,
                 font_size: float = 9, padding: float = 3, vpadding: float | None = None,
                 shade_cols: Sequence[int] = (),
                 shade_rows: Sequence[int] = (), align: dict[int, str] | None = None,
                 min_heights: Sequence[float | None] | None = None) -> None:
        super().__init__()
        self.rows = [[c if isinstance(c, Flowable) else ("" if c is None else str(c)) for c in row]
                     for row in rows]
        self.widths = list(widths)
        self.header_rows = header_rows
        self.font_size, self.leading, self.padding = font_size, font_size * 1.3, padding
        self.vpadding = padding if vpadding is None else vpadding
        self.shade_cols = set(shade_cols)
        self.shade_rows = {r % len(self.rows) for r in shade_rows} if self.rows else set()
        self.align = align or {}
        self.min_heights = list(min_heights or [])
        self.width = sum(self.widths)
        self._layout: list[tuple[float, list]] | None = None

    def _measure(self) -> list[tuple[float, list]]:
        """Per row: its height and each cell's lines (or flowable)."""
        if self._layout is None:
            self._layout = []
            for index, row in enumerate(self.rows):
                cells, height = [], 0.0
                for value, width in zip(row, self.widths, strict=False):
                    if isinstance(value, Flowable):
                        _w, h = value.wrap(width - 2 * self.padding, 1000)
                        cells.append(value)
                        height = max(height, h)
                    else:
                        lines = measured_lines(value, width - 2 * self.padding, self.font_size) if value else []
                        cells.append(lines)
                        height = max(height, max(len(lines), 1) * self.leading)
                height += 2 * self.vpadding
                if index < len(self.min_heights) and self.min_heights[index]:
                    height = max(height, self.min_heights[index])
                self._layout.append((height, cells))
        return self._layout

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.height = sum(h for h, _ in self._measure())
        return self.width, self.height

    def start_height(self) -> float:
        """The header rows and the first row: what must fit under a heading that keeps with the grid."""
        return sum(h for h, _ in self._measure()[:self.header_rows + 1])

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        return self.split_leaving(avail_height, 0)

    def split_leaving(self, avail_height: float, keep: int) -> list[Flowable]:
        """Splits between rows so the first part fits `avail_height` and at least `keep` body rows go
        to the second part (with the header repeated); [] when no such split exists."""
        layout = self._measure()
        used, fit = 0.0, 0
        for height, _cells in layout:
            if used + height > avail_height:
                break
            used += height
            fit += 1
        fit = min(fit, len(layout) - keep)
        if fit <= self.header_rows or fit >= len(layout):
            return []  # nothing useful fits here: let the frame move the grid to the next page
        head = list(range(self.header_rows))
        return [self._part(list(range(fit))), self._part(head + list(range(fit, len(self.rows))))]

    def _part(self, indexes: list[int]) -> Grid:
        """A piece of this grid (the given original rows) after a page break."""
        mins = self.min_heights + [None] * (len(self.rows) - len(self.min_heights))
        return Grid([self.rows[i] for i in indexes], self.widths, header_rows=self.header_rows,
                    font_size=self.font_size, padding=self.padding, vpadding=self.vpadding,
                    shade_cols=tuple(self.shade_cols),
                    shade_rows=[n for n, i in enumerate(indexes) if i in self.shade_rows], align=self.align,
                    min_heights=[mins[i] for i in indexes])

    def draw(self) -> None:
        layout = self._measure()
        canvas = self.canv
        tops, y = [], self.height
        for height, _cells in layout:
            tops.append(y)
            y -= height
        self._draw_fills(canvas, layout, tops)
        text = canvas.beginText()
        for index, (height, cells) in enumerate(layout):
            self._draw_row(canvas, text, index, tops[index], height, cells)
        canvas.drawText(text)
        self._draw_rules(canvas, tops)

    def _draw_fills(self, canvas, layout, tops) -> None:
        canvas.saveState()
        canvas.setFillColor(LABEL_FILL)
        x_starts = [sum(self.widths[:i]) for i in range(len(self.widths))]
        for index, (height, _cells) in enumerate(layout):
            if index < self.header_rows or index in self.shade_rows:
                canvas.rect(0, tops[index] - height, self.width, height, stroke=0, fill=1)
                continue
            for col in self.shade_cols:
                canvas.rect(x_starts[col], tops[index] - height, self.widths[col], height, stroke=0, fill=1)
        canvas.restoreState()

    def _draw_row(self, canvas, text, index: int, top: float, height: float, cells: list) -> None:
        x = 0.0
        header = index < self.header_rows
        for col, (cell, width) in enumerate(zip(cells, self.widths, strict=False)):
            if isinstance(cell, Flowable):
                _w, h = cell.wrap(width - 2 * self.padding, height)
                cell.drawOn(canvas, x + self.padding, top - height / 2 - h / 2)
            else:
                align = "centre" if header or col in self.shade_cols else self.align.get(col, "left")
                block = len(cell) * self.leading
                baseline = top - (height - block) / 2 - self.font_size
                anchor_x = {"left": x + self.padding, "centre": x + width / 2,
                            "right": x + width - self.padding}[align]
                for line, line_width in cell:
                    if line:
                        text_runs(text, anchor_x, baseline, line, self.font_size, align, line_width)
                    baseline -= self.leading
            x += width

    def _draw_rules(self, canvas, tops) -> None:
        canvas.saveState()
        canvas.setLineWidth(RULE_WIDTH)
        canvas.setStrokeColor(colors.black)
        path = canvas.beginPath()
        bottom = tops[-1] - self._measure()[-1][0] if tops else 0
        for y in [*tops, bottom]:
            path.moveTo(0, y)
            path.lineTo(self.width, y)
        x = 0.0
        for width in [0.0, *self.widths]:
            x += width
            path.moveTo(x, self.height)
            path.lineTo(x, bottom)
        canvas.drawPath(path, stroke=1, fill=0)
        canvas.restoreState()


class TextBlock(Flowable):
    """A heading or note: plain text in one style, wrapped to the frame, drawn with `draw_runs` (no
    markup parsing, which made Paragraph the slowest part of a batch of cards)."""

    def __init__(self, text: str, size: float, *, leading: float | None = None, align: str = "left",
                 space_before: float = 0, space_after: float = 0, grey: float = 0,
                 keep_with_next: bool = False) -> None:
        super().__init__()
        self.keepWithNext = keep_with_next
        self.text, self.size, self.leading = text, size, leading or size * 1.4
        self.align, self.grey = align, grey
        self.spaceBefore, self.spaceAfter = space_before, space_after
        self.lines: list[str] = []

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        self.lines = wrap_text(self.text, avail_width, self.size)
        self.height = len(self.lines) * self.leading
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setFillGray(self.grey)
        x = {"left": 0, "centre": self.width / 2, "right": self.width}[self.align]
        baseline = self.height - self.size
        text = canvas.beginText()
        for line in self.lines:
            text_runs(text, x, baseline, line, self.size, anchor=self.align)
            baseline -= self.leading
        canvas.drawText(text)
        canvas.restoreState()


class SignatureBoxes(Flowable):
    """Boxes to sign by hand: a label at the top of each, a 年 月 日 line at the bottom right. A label
    ending in （盖章） marks a box for a unit's seal: it is made at least STAMP_BOX wide and the row at
    least as tall, so a 42 mm 公章 fits over its date line as seals are placed."""

    STAMP_BOX = 48 * mm

    def __init__(self, labels: Sequence[str], width: float, height: float = 24 * mm, font_size: float = 9.5):
        super().__init__()
        self.labels, self.width, self.font_size = list(labels), width, font_size
        stamps = [label.endswith("（盖章）") for label in self.labels]
        self.height = max(height, self.STAMP_BOX) if any(stamps) else height
        stamp_width = max(self.STAMP_BOX, width / len(self.labels))
        other = (width - stamp_width * sum(stamps)) / max(1, len(self.labels) - sum(stamps))
        self.box_widths = [stamp_width if stamp else other for stamp in stamps]

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setLineWidth(RULE_WIDTH)
        canvas.rect(0, 0, self.width, self.height)
        x = 0.0
        for index, (label, box) in enumerate(zip(self.labels, self.box_widths, strict=True)):
            if index:
                canvas.line(x, 0, x, self.height)
            caption = label if label.endswith("（盖章）") else f"{label}（签字）"
            draw_runs(canvas, x + 2 * mm, self.height - 2 * mm - self.font_size, f"{caption}：", self.font_size)
            draw_runs(canvas, x + box - 6 * mm, 2.5 * mm, "年　　月　　日", self.font_size, anchor="right")
            x += box
        canvas.restoreState()


def main_font_only(text: str) -> bool:
    return all(font == MAIN_FONT for font, _ in font_runs(text))
