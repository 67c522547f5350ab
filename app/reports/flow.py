"""Stacks a form's flowables down A4 pages: the small part of platypus our forms use, without its
general frame and template machinery (which cost a batch of 500 cards more than drawing them).

Handles what the forms are made of: flowables that fit are drawn and the cursor moves down (space
before is dropped at the top of a page); a flowable that does not fit is split (a Grid splits between
rows and repeats its header) or moved to the next page; `KeepTogether` moves its group to a new page
when the group does not fit the rest of this one; `PageBreak` starts a page. Something taller than
a whole page that cannot split is drawn anyway, clipped by the paper, rather than looping forever."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, PageBreak


class PageFlow:
    """Draws flowables into the frame (x, bottom, width, height) of successive pages of `canvas`;
    `on_page(canvas)` runs at the start of every page (headers)."""

    def __init__(self, canvas: Canvas, frame: tuple[float, float, float, float],
                 on_page: Callable[[Canvas], None]) -> None:
        self.canvas, self.on_page = canvas, on_page
        self.x, self.bottom, self.width, self.height = frame
        self.pages = 0
        self._new_page()

    def _new_page(self) -> None:
        if self.pages:
            self.canvas.showPage()
        self.pages += 1
        self.y = self.bottom + self.height
        self.empty = True
        self.on_page(self.canvas)

    @property
    def room(self) -> float:
        return self.y - self.bottom

    def add_all(self, story: Iterable[Flowable]) -> None:
        for flowable in story:
            self.add(flowable)

    def add(self, flowable: Flowable) -> None:
        if isinstance(flowable, PageBreak):
            if not self.empty:
                self._new_page()
            return
        if isinstance(flowable, KeepTogether):
            self._keep_together(flowable._content)
            return
        before = 0 if self.empty else getattr(flowable, "spaceBefore", 0)
        _w, height = flowable.wrap(self.width, self.room - before)
        if height <= self.room - before:
            self._draw(flowable, before, height)
            return
        parts = flowable.split(self.width, self.room - before)
        if parts:
            self.add(parts[0])
            self._new_page()
            self.add_all(parts[1:])
        elif not self.empty:
            self._new_page()
            self.add(flowable)
        else:
            self._draw(flowable, 0, height)  # taller than a page and cannot split: draw what paper holds

    def _draw(self, flowable: Flowable, before: float, height: float) -> None:
        self.y -= before + height
        flowable.drawOn(self.canvas, self.x, self.y)
        self.y -= getattr(flowable, "spaceAfter", 0)
        self.empty = False

    def _keep_together(self, content: list) -> None:
        needed, first = 0.0, True
        for flowable in content:
            needed += 0 if first else getattr(flowable, "spaceBefore", 0)
            needed += flowable.wrap(self.width, self.height)[1] + getattr(flowable, "spaceAfter", 0)
            first = False
        if needed > self.room and not self.empty and needed <= self.height:
            self._new_page()
        self.add_all(content)
