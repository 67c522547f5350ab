"""Page layout shared by every printed form: A4 with margins office printers keep (18 mm sides,
20 mm top, 24 mm bottom), a header with the region and print date, a footer with the record's number
and "第 x 页/共 y 页" counted within the record (a batch counts each household's card on its own and
its running page at the right) and the record's QR code (app/reports/qr.py), and a watermark on
every page naming the person, the print time and the purpose, so a stray copy can be traced. Also
the small builders (titles, sections, notes, grids, signature and seal boxes) forms are made of.

A form says which record its pages belong to with a `RecordMark` at the start of its story.

Tables are `Grid`s (app/reports/grid.py), drawn straight onto the canvas: a 500-page batch must stay
close to a plain page loop."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Spacer

from app.reports import qr
from app.reports.flow import KeepWithTail, PageFlow  # noqa: F401  (KeepWithTail: for the forms)
from app.reports.fonts import MAIN_FONT, draw_runs, register_fonts
from app.reports.grid import Grid, SignatureBoxes, TextBlock

PAGE_WIDTH, PAGE_HEIGHT = A4
SIDE_MARGIN = 18 * mm
TOP_MARGIN = 20 * mm
BOTTOM_MARGIN = 24 * mm
QR_SIZE = 17 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * SIDE_MARGIN
WATERMARK_GREY = colors.Color(0.55, 0.55, 0.55)
HEADER_FORM, WATERMARK_FORM = "tdPageHeader", "tdWatermark"


@dataclass(frozen=True)
class PageMarks:
    """What every page carries: header texts and the watermark line."""

    header_left: str  # e.g. the region path "某某镇 · 某某村"
    header_right: str  # e.g. "打印日期 2026-11-27"
    watermark: str  # "张科员 2026-11-27 18:40 用途：入户走访 仅限工作使用"


class RecordMark(Flowable):
    """Zero-size mark at the start of a record's pages: its number for the footer ("事件编号
    SJ…") and its QR code. Pages up to the next mark belong to this record."""

    def __init__(self, number: str, code: qr.FormCode | None = None) -> None:
        super().__init__()
        self.number, self.code = number, code
        self.width = self.height = 0

    def draw(self) -> None:
        canvas = self.canv
        canvas.td_record = (canvas.td_record[0] + 1, self.number, self.code)


def cell(text: object) -> str:
    """A table cell's text (None prints blank); wrapping and fallback fonts are the Grid's job."""
    return "" if text is None else str(text)


def grid_table(rows: Sequence[Sequence[object]], widths: Sequence[float], header_rows: int = 1,
               font_size: float = 9, **options) -> Grid:
    """A ruled table with a shaded header that repeats on every page it spans (options: see Grid)."""
    return Grid(rows, widths, header_rows=header_rows, font_size=font_size, **options)


def field_table(pairs: Sequence[tuple[str, object]], columns: int = 2) -> Grid:
    """A label/value form grid: `columns` pairs per row, labels shaded, long values wrapping."""
    label_w = 24 * mm
    value_w = CONTENT_WIDTH / columns - label_w
    rows = []
    for start in range(0, len(pairs), columns):
        row: list[object] = []
        for label, value in pairs[start:start + columns]:
            row += [label, cell(value)]
        rows.append(row + [""] * (2 * columns - len(row)))
    return Grid(rows, [label_w, value_w] * columns, header_rows=0, font_size=9.5, vpadding=4.5,
                shade_cols=range(0, 2 * columns, 2))


def signature_boxes(labels: Sequence[str], height: float = 24 * mm) -> SignatureBoxes:
    """Boxes to sign by hand: each label above a blank space and a 年 月 日 line."""
    return SignatureBoxes(labels, CONTENT_WIDTH, height)


def title_block(title: str, subtitle: str = "") -> list:
    parts: list = [TextBlock(title, 18, leading=26, align="centre", space_after=2 * mm)]
    if subtitle:
        parts.append(TextBlock(subtitle, 9.5, leading=13, align="centre", space_after=3 * mm))
    return parts


def section(text: str) -> TextBlock:
    """A section heading: kept on the page of what follows it."""
    return TextBlock(text, 11.5, leading=16, space_before=4 * mm, space_after=1.5 * mm, keep_with_next=True)


def note(text: str) -> TextBlock:
    return TextBlock(text, 8.5, leading=12, grey=0.25)


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
    """Holds pages back until the end so each footer can say how many pages its record has, then
    lays the watermark over each finished page (over, not under: shaded table cells would hide it)."""

    marks: PageMarks | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict] = []
        self.td_record: tuple[int, str, qr.FormCode | None] = (0, "", None)  # (mark count, number, code)

    def showPage(self) -> None:  # noqa: N802  (reportlab's name)
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        if self.marks is not None:  # the same on every page: drawn once, placed on each page by reference
            _define_form(self, WATERMARK_FORM, lambda: _draw_watermark(self, self.marks.watermark))
        records = [state["td_record"] for state in self._saved_pages]
        per_record = {record[0]: sum(1 for r in records if r[0] == record[0]) for record in records}
        batch = len({r[0] for r in records}) > 1
        seen: dict[int, int] = {}
        for number, state in enumerate(self._saved_pages, start=1):
            self.__dict__.update(state)
            key, record_no, code = state["td_record"]
            seen[key] = seen.get(key, 0) + 1
            _draw_footer(self, record_no, code, seen[key], per_record[key],
                         f"本批第 {number} 页/共 {len(records)} 页" if batch else "")
            if self.marks is not None:
                _place_watermark(self)
            super().showPage()
        super().save()


def _draw_footer(canvas: Canvas, record_no: str, code: qr.FormCode | None, page: int, pages: int,
                 batch: str) -> None:
    """Record number at the left, 第 x 页/共 y 页 in the middle, the QR code at the right."""
    y = BOTTOM_MARGIN - 9 * mm
    draw_runs(canvas, PAGE_WIDTH / 2, y, f"第 {page} 页/共 {pages} 页", 9, anchor="centre")
    if record_no:
        draw_runs(canvas, SIDE_MARGIN, y, record_no, 8.5)
    if batch:
        draw_runs(canvas, PAGE_WIDTH - SIDE_MARGIN - QR_SIZE - 3 * mm, y, batch, 7.5, anchor="right")
    if code is not None:
        payload = code.payload()
        name = "tdQR" + payload.replace(":", "_")
        if name not in canvas.td_qr_forms:
            canvas.td_qr_forms.add(name)
            qr.define_form(canvas, name, payload, QR_SIZE)
        canvas.saveState()
        canvas.translate(PAGE_WIDTH - SIDE_MARGIN - QR_SIZE, BOTTOM_MARGIN - QR_SIZE - 3 * mm)
        canvas.doForm(name)
        canvas.restoreState()


def _define_form(canvas: Canvas, name: str, draw: Callable[[], None]) -> None:
    """Records what `draw` puts on a page as a PDF form XObject (one content stream in the file);
    `canvas.doForm(name)` then places it on a page for a few bytes, where drawing it again on every
    page of a 500-page batch cost as much as a column of a table."""
    canvas.beginForm(name)
    draw()
    canvas.endForm()


def _place_watermark(canvas: Canvas) -> None:
    """The watermark form over the finished page, translucent. The transparency is set here, on the
    page: reportlab writes no ExtGState resources for a form, so an alpha set inside it is lost."""
    canvas.saveState()
    canvas.setFillAlpha(0.35)
    canvas.doForm(WATERMARK_FORM)
    canvas.restoreState()


def _draw_watermark(canvas: Canvas, text: str) -> None:
    canvas.saveState()
    canvas.setFillColor(WATERMARK_GREY)
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


def build_pdf(target, story: Iterable, marks: PageMarks, title: str, author: str) -> int:
    """Lays out `story` (a list, or a generator for long batches) on A4 pages with header, footer and watermark into `target` (a path or a
    binary file object); returns the number of pages."""
    register_fonts()
    canvas = _NumberedCanvas(target, pagesize=A4, initialFontName=MAIN_FONT)
    canvas.marks = marks
    canvas.td_qr_forms = set()
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setCreator("基层治理工作台")
    frame = (SIDE_MARGIN, BOTTOM_MARGIN, CONTENT_WIDTH, PAGE_HEIGHT - TOP_MARGIN - BOTTOM_MARGIN)
    _define_form(canvas, HEADER_FORM, lambda: _draw_header(canvas, marks))
    flow = PageFlow(canvas, frame, lambda c: c.doForm(HEADER_FORM))
    flow.add_all(story)
    canvas.showPage()
    canvas.save()
    return flow.pages
