"""Page layout shared by every printed form: A4 with margins office printers keep (18 mm sides,
20 mm top and bottom), a header with the region and print date, a footer "第 x 页 共 y 页", and a
watermark on every page naming the user, the print time and the purpose, so a stray copy can be
traced. Also the paragraph styles and small table builders the forms are made of.

Table cells are plain strings where the main font has every character (cheap to lay out: a 500-page
batch must stay close to a plain page loop) and Paragraphs only where text wraps or needs the
fallback font."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from app.reports.fonts import MAIN_FONT, draw_runs, font_runs, para_markup, register_fonts

PAGE_WIDTH, PAGE_HEIGHT = A4
SIDE_MARGIN = 18 * mm
TOP_MARGIN = 20 * mm
BOTTOM_MARGIN = 20 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * SIDE_MARGIN
GRID_COLOUR = colors.black
LABEL_FILL = colors.Color(0.93, 0.93, 0.93)
WATERMARK_GREY = colors.Color(0.55, 0.55, 0.55)

TITLE = ParagraphStyle("title", fontName=MAIN_FONT, fontSize=18, leading=26, alignment=TA_CENTER,
                       spaceAfter=2 * mm)
SUBTITLE = ParagraphStyle("subtitle", fontName=MAIN_FONT, fontSize=9.5, leading=13, alignment=TA_CENTER,
                          spaceAfter=3 * mm)
SECTION = ParagraphStyle("section", fontName=MAIN_FONT, fontSize=11.5, leading=16, spaceBefore=4 * mm,
                         spaceAfter=1.5 * mm)
CELL = ParagraphStyle("cell", fontName=MAIN_FONT, fontSize=9, leading=12)
NOTE = ParagraphStyle("note", fontName=MAIN_FONT, fontSize=8.5, leading=12, textColor=colors.Color(.25, .25, .25))


@dataclass(frozen=True)
class PageMarks:
    """What every page carries: header texts and the watermark line."""

    header_left: str  # e.g. the region path "某某镇 · 某某村"
    header_right: str  # e.g. "打印日期 2026-11-27"
    watermark: str  # "张科员 2026-11-27 18:40 用途：入户走访 仅限工作使用"


def cell(text: object, style: ParagraphStyle = CELL, wrap_over: int = 0) -> object:
    """A table cell: a plain string when the main font covers it and it is short, else a Paragraph
    (fallback fonts, line breaks, long text). `wrap_over` = characters beyond which text wraps."""
    value = "" if text is None else str(text)
    plain = "\n" not in value and (not wrap_over or len(value) <= wrap_over)
    if plain and all(font == MAIN_FONT for font, _ in font_runs(value)):
        return value
    return Paragraph(para_markup(value), style)


def grid_table(rows: Sequence[Sequence[object]], widths: Sequence[float], header_rows: int = 1,
               font_size: float = 9, row_heights: Sequence[float | None] | None = None) -> Table:
    """A ruled table with a shaded header that repeats on every page it spans."""
    table = Table(list(rows), colWidths=list(widths), repeatRows=header_rows, rowHeights=row_heights)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), MAIN_FONT, font_size, font_size + 3),
        ("GRID", (0, 0), (-1, -1), 0.6, GRID_COLOUR),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), LABEL_FILL),
        ("ALIGN", (0, 0), (-1, header_rows - 1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def field_table(pairs: Sequence[tuple[str, object]], columns: int = 2, wrap_over: int = 22) -> Table:
    """A label/value form grid: `columns` pairs per row, labels shaded, values wrapping when long."""
    label_w = 24 * mm
    value_w = CONTENT_WIDTH / columns - label_w
    rows, styles = [], []
    for start in range(0, len(pairs), columns):
        row: list[object] = []
        for label, value in pairs[start:start + columns]:
            row += [label, cell(value, wrap_over=wrap_over)]
        row += [""] * (2 * columns - len(row))
        rows.append(row)
    for col in range(0, 2 * columns, 2):
        styles.append(("BACKGROUND", (col, 0), (col, -1), LABEL_FILL))
        styles.append(("ALIGN", (col, 0), (col, -1), "CENTER"))
    table = Table(rows, colWidths=[label_w, value_w] * columns)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), MAIN_FONT, 9.5, 13),
        ("GRID", (0, 0), (-1, -1), 0.6, GRID_COLOUR),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        *styles,
    ]))
    return table


def signature_boxes(labels: Sequence[str], height: float = 24 * mm) -> Table:
    """Boxes to sign by hand: each label above a blank space and a 年 月 日 line."""
    width = CONTENT_WIDTH / len(labels)
    top = [f"{label}（签字）：" for label in labels]
    bottom = ["年　　月　　日"] * len(labels)
    table = Table([top, [""] * len(labels), bottom], colWidths=[width] * len(labels),
                  rowHeights=[8 * mm, height - 16 * mm, 8 * mm])
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), MAIN_FONT, 9.5, 13),
        ("BOX", (0, 0), (-1, -1), 0.6, GRID_COLOUR),
        ("LINEAFTER", (0, 0), (-2, -1), 0.6, GRID_COLOUR),
        ("ALIGN", (0, 2), (-1, 2), "RIGHT"),
        ("VALIGN", (0, 0), (-1, 0), "TOP"),
        ("RIGHTPADDING", (0, 2), (-1, 2), 8 * mm),
    ]))
    return table


def title_block(title: str, subtitle: str = "") -> list:
    parts = [Paragraph(para_markup(title), TITLE)]
    if subtitle:
        parts.append(Paragraph(para_markup(subtitle), SUBTITLE))
    return parts


def section(text: str) -> Paragraph:
    return Paragraph(para_markup(text), SECTION)


def note(text: str) -> Paragraph:
    return Paragraph(para_markup(text), NOTE)


class CheckBox(Flowable):
    """A printed check box (the font's □ is too small to tick by pen), ticked when `checked`, with an
    optional short text after it (the completion date)."""

    SIDE = 3.6 * mm

    def __init__(self, checked: bool, text: str = "") -> None:
        super().__init__()
        self.checked, self.text = checked, text
        self.width, self.height = self.SIDE + (12 * mm if text else 0), self.SIDE

    def draw(self) -> None:
        c = self.canv
        c.setLineWidth(0.7)
        c.rect(0, 0, self.SIDE, self.SIDE)
        if self.checked:
            c.setLineWidth(1.1)
            c.lines([(0.7 * mm, 1.9 * mm, 1.5 * mm, 0.8 * mm), (1.5 * mm, 0.8 * mm, 3.1 * mm, 3.0 * mm)])
        if self.text:
            draw_runs(c, self.SIDE + 1.2 * mm, 0.6 * mm, self.text, 8)


def gap(height_mm: float) -> Spacer:
    return Spacer(1, height_mm * mm)


class _NumberedCanvas(Canvas):
    """Holds pages back until the end so each footer can say how many pages there are in total, then
    lays the watermark over each finished page (over, not under: shaded table cells would hide it)."""

    marks: PageMarks | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802  (reportlab's name)
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved_pages)
        for number, state in enumerate(self._saved_pages, start=1):
            self.__dict__.update(state)
            draw_runs(self, PAGE_WIDTH / 2, BOTTOM_MARGIN - 10 * mm, f"第 {number} 页  共 {total} 页", 8.5,
                      anchor="centre")
            if self.marks is not None:
                _draw_watermark(self, self.marks.watermark)
            super().showPage()
        super().save()


def _draw_watermark(canvas: Canvas, text: str) -> None:
    canvas.saveState()
    canvas.setFillColor(WATERMARK_GREY)
    canvas.setFillAlpha(0.35)
    canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
    canvas.rotate(35)
    for offset in (-95 * mm, 0, 95 * mm):
        draw_runs(canvas, 0, offset, text, 13, anchor="centre")
    canvas.restoreState()


def _draw_header(canvas: Canvas, marks: PageMarks) -> None:
    canvas.saveState()
    canvas.setFillColor(colors.Color(0.3, 0.3, 0.3))
    y = PAGE_HEIGHT - TOP_MARGIN + 6 * mm
    draw_runs(canvas, SIDE_MARGIN, y, marks.header_left, 8.5)
    draw_runs(canvas, PAGE_WIDTH - SIDE_MARGIN, y, marks.header_right, 8.5, anchor="right")
    canvas.setStrokeColor(colors.Color(0.5, 0.5, 0.5))
    canvas.setLineWidth(0.5)
    canvas.line(SIDE_MARGIN, y - 2 * mm, PAGE_WIDTH - SIDE_MARGIN, y - 2 * mm)
    canvas.restoreState()


def build_pdf(target, story: list, marks: PageMarks, title: str, author: str) -> int:
    """Lays out `story` on A4 pages with header, footer and watermark into `target` (a path or a
    binary file object); returns the number of pages."""
    register_fonts()
    doc = BaseDocTemplate(target, pagesize=A4, leftMargin=SIDE_MARGIN, rightMargin=SIDE_MARGIN,
                          topMargin=TOP_MARGIN, bottomMargin=BOTTOM_MARGIN, title=title, author=author,
                          creator="基层治理工作台", initialFontName=MAIN_FONT)
    frame = Frame(SIDE_MARGIN, BOTTOM_MARGIN, CONTENT_WIDTH, PAGE_HEIGHT - TOP_MARGIN - BOTTOM_MARGIN,
                  id="body", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="form", frames=[frame],
                                       onPage=lambda canvas, _doc: _draw_header(canvas, marks))])
    canvas_class = type("FormCanvas", (_NumberedCanvas,), {"marks": marks})
    doc.build(story, canvasmaker=canvas_class)
    return doc.page
