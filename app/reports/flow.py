"""Stacks a form's flowables down A4 pages: the small part of platypus our forms use, without its
general frame and template machinery (which cost a batch of 500 cards more than drawing them).

Handles what the forms are made of: flowables that fit are drawn and the cursor moves down (space
before is dropped at the top of a page); a flowable that does not fit is split (a Grid splits between
rows and repeats its header) or moved to the next page; `KeepTogether` moves its group to a new page
when the group does not fit the rest of this one; `PageBreak` starts a page. Something taller than
a whole page that cannot split is drawn anyway, clipped by the paper, rather than looping forever.

Keep-with rules, so an inspector never finds a heading or a signature block on its own:
- a flowable with `keepWithNext` (section headings) moves to the next page unless the start of
  what follows it (a grid's header and first row, or the whole of anything else) fits under it;
- `KeepWithTail(lead, tail)`: the tail (a signature and stamp block) never starts a page by itself:
  when it does not fit after the lead, the lead's last grid is split so that at least
  `KEEP_ROWS` of its rows go over with the tail (and short leads go over whole, headings included).
Zero-height marks (a record's number for the footer, batch progress) draw without filling a page."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, PageBreak

KEEP_ROWS = 2  # rows of the last table that go to the next page with a signature block


class KeepWithTail(Flowable):
    """`lead` (headings and the table the form ends with) and `tail` (the signature block): see the
    module docstring. Only PageFlow knows how to lay it out."""

    def __init__(self, lead: list[Flowable], tail: list[Flowable]) -> None:
        super().__init__()
        self.lead, self.tail = list(lead), list(tail)


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
        heading = None
        for flowable in story:
            if heading is not None:
                self._keep_with_next(heading, flowable)
                heading = None
            elif getattr(flowable, "keepWithNext", False):
                heading = flowable
            else:
                self.add(flowable)
        if heading is not None:
            self.add(heading)

    def add(self, flowable: Flowable) -> None:
        if isinstance(flowable, PageBreak):
            if not self.empty:
                self._new_page()
            return
        if isinstance(flowable, KeepTogether):
            self._keep_together(flowable._content)
            return
        if isinstance(flowable, KeepWithTail):
            self._keep_with_tail(flowable.lead, flowable.tail)
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
        if height or before:
            self.empty = False

    def _height(self, flowables: list[Flowable], first: bool) -> float:
        """The height a group takes in the frame (space before its first member dropped when `first`)."""
        needed = 0.0
        for flowable in flowables:
            needed += 0 if first else getattr(flowable, "spaceBefore", 0)
            needed += flowable.wrap(self.width, self.height)[1] + getattr(flowable, "spaceAfter", 0)
            first = False
        return needed

    def _start_height(self, flowable: Flowable) -> float:
        """What must fit under a heading: a grid's header and first row, else the whole flowable."""
        if isinstance(flowable, KeepWithTail):
            return self._start_height(flowable.lead[0])
        if isinstance(flowable, KeepTogether):
            return self._height(flowable._content, True)
        start = getattr(flowable, "start_height", None)
        height = start() if start else flowable.wrap(self.width, self.height)[1]
        return getattr(flowable, "spaceBefore", 0) + min(height, self.height / 2)

    def _keep_with_next(self, heading: Flowable, following: Flowable) -> None:
        if isinstance(following, PageBreak):
            self.add(heading)
            self.add(following)
            return
        needed = self._height([heading], self.empty) + self._start_height(following)
        if needed > self.room and not self.empty:
            self._new_page()
        self.add(heading)
        self.add(following)

    def _keep_with_tail(self, lead: list[Flowable], tail: list[Flowable]) -> None:
        """Lays out `lead` then `tail` so the tail never stands alone at the top of a page."""
        tail_height = self._height(tail, False)
        *heads, last = lead
        if self._height(lead, self.empty) + tail_height <= self.room:
            self.add_all([*lead, *tail])
            return
        room_for_last = self.room - self._height(heads, self.empty) - (
            getattr(last, "spaceBefore", 0) if heads or not self.empty else 0)
        leaving = getattr(last, "split_leaving", None)
        parts = leaving(room_for_last, KEEP_ROWS) if leaving and room_for_last > 0 else []
        if parts:
            self.add_all(heads)
            self.add(parts[0])
            self._new_page()
            self._keep_with_tail([parts[1]], tail)
        elif not self.empty:
            self._new_page()
            self._keep_with_tail(lead, tail)
        else:  # on a fresh page and nothing can be split off: plain flow
            self.add_all([*lead, *tail])

    def _keep_together(self, content: list) -> None:
        needed = self._height(content, True)
        if needed > self.room and not self.empty and needed <= self.height:
            self._new_page()
        self.add_all(content)
