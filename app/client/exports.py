"""Exporting a list as the clerk sees it, for the desktop client and `township-desk export`: the
list's declaration (app.exchange.lists) with the labels of this township, the rows paged through the
same query the list page runs with its filters, and one audited, masked workbook written by
`ExchangeService.export_list`. Widgets hand in the page's own paged query (`fetch(offset, limit)`);
the command line asks `fetcher` for the same queries by list name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.client import browse
from app.client.browse import RegisterFilter
from app.codes import CodeBook
from app.errors import UserFacingError
from app.exchange import lists
from app.exchange.gc_pause import paused_gc
from app.exchange.service import ExchangeService, ExportResult, Progress

if TYPE_CHECKING:
    from app.client.context import ClientContext

LIST_NAMES = ("persons", "households", "tasks", "cases", "review")
Fetch = Callable[[int, int], list]


class ListExports:
    """The export action behind every list: spec by name, rows by the page's query, one workbook."""

    def __init__(self, context: ClientContext) -> None:
        self._context = context

    @property
    def service(self) -> ExchangeService:
        return ExchangeService(self._context.sessions, self._context.actor)

    def spec(self, name: str) -> lists.ListSpec:
        if name not in LIST_NAMES:
            raise UserFacingError("export_unknown_list", name=name, names="、".join(LIST_NAMES))
        scope = self._context.actor.scope
        if name == "tasks":
            return lists.task_spec()
        if name == "review":
            return lists.review_spec()
        regions = self._context.read(lambda s: browse.region_names(s, scope))
        if name == "households":
            return lists.household_spec(regions)
        if name == "cases":
            return lists.case_spec(regions)
        return lists.person_spec(self._context.read(lambda s: CodeBook.load(s, scope)), regions)

    def export(self, name: str, fetch: Fetch, output: Path, purpose: str,
               progress: Progress | None = None) -> ExportResult:
        """All rows `fetch` gives (page by page), masked, with an audit entry naming them.
        `progress(phase, done, total)`: ("read", rows read, 0) after each page, then ("write", rows
        written, rows in all); it may raise to cancel, leaving no file and no audit entry."""
        spec = self.spec(name)
        report = progress or (lambda _phase, _done, _total: None)
        rows: list = []
        with paused_gc():
            report("read", 0, 0)
            for page in lists.page_lists(fetch):
                rows += page
                report("read", len(rows), 0)
        return self.service.export_list(Path(output), spec.title, list(spec.columns), rows, purpose,
                                        spec.entity, [lists.record_id(r) for r in rows], progress=progress)

    def fetcher(self, name: str, flt: RegisterFilter | None = None, review=None) -> Fetch:
        """The list page's query for `name` with the register filter (persons, households) applied."""
        flt = flt or RegisterFilter()
        desk = self._context.register
        if name == "persons":
            return lambda offset, limit: desk.persons_page(flt, offset, limit)
        if name == "households":
            return lambda offset, limit: desk.households_page(flt, offset, limit)
        if name == "cases":
            from app.client.case_desk import CaseDesk

            cases = CaseDesk(self._context)
            return lambda offset, limit: cases.page(None, flt.text, offset, limit)
        if name == "tasks":
            from app.client.task_desk import TaskDesk
            from app.services.task_inbox import InboxQuery

            tasks, query = TaskDesk(self._context), InboxQuery(text=flt.text, village_code=flt.village or None)
            return lambda offset, limit: tasks.inbox_page(query, offset, limit)
        if name == "review" and review is not None:
            items = review.open_items()
        else:
            raise UserFacingError("export_unknown_list", name=name, names="、".join(LIST_NAMES))
        return lambda offset, limit: items[offset:offset + limit]
