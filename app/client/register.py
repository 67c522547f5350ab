"""The register as the desktop client sees it: paged lists with filters, search-as-you-type, code
tables and regions for the filter boxes, and field checks for forms as the user types. Edits of
households and persons (and the audited reveal) are the services of app/services, which the
context builds on the same session factory and actor."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from app.client import browse
from app.client.browse import HouseholdRow, PersonRow, RegionOption, RegisterFilter
from app.codes import CodeBook, table_names
from app.errors import ValidationError
from app.rules.contact import normalise_phone
from app.rules.idnumber import RESIDENT_ID, normalise_document, parse_resident_id
from app.rules.regions import validate_household_no
from app.services.context import beijing_now, optional_text
from app.services.persons import clean_person_fields
from db.fields import spec

if TYPE_CHECKING:
    from app.client.context import ClientContext

SENSITIVE_LEVEL = 3
SEARCH_LIMIT = 500


class RegisterDesk:
    """Read side of the register for the UI: lists, search, regions and code tables."""

    def __init__(self, context: ClientContext) -> None:
        self._context = context

    @property
    def scope(self) -> str:
        return self._context.actor.scope

    # -- lists -------------------------------------------------------------------------------
    def persons_page(self, flt: RegisterFilter, offset: int, limit: int) -> list[PersonRow]:
        if flt.text.strip():
            return self._search_page(flt, offset, limit)
        return self._context.read(lambda s: browse.person_rows(s, self.scope, flt, offset, limit))

    def households_page(self, flt: RegisterFilter, offset: int, limit: int) -> list[HouseholdRow]:
        if flt.visit == "overdue" and flt.household_ids is None:
            # The visit rules (tags, kinds, intervals) live in the household service: it names them.
            due = self._context.households.visits_due(limit=100_000)
            flt = dataclasses.replace(flt, household_ids=tuple(v.household_id for v in due))
        return self._context.read(lambda s: browse.household_rows(s, self.scope, flt, offset, limit))

    def _search_page(self, flt: RegisterFilter, offset: int, limit: int) -> list[PersonRow]:
        # The search ranks and caps its own results (SEARCH_LIMIT): they arrive as one page.
        if offset > 0:
            return []
        return self._context.read(lambda s: browse.search_rows(s, self.scope, flt, SEARCH_LIMIT))

    def search_everything(self, text: str):
        """The window's global search: persons, households, cases and tasks matching `text`."""
        from app.client.global_search import search_everything

        return self._context.read(lambda s: search_everything(s, self.scope, text))

    def sync_states(self, ids: list[str]) -> dict[str, str]:
        """The badge state of each record in `ids` that has one (browse.sync_states)."""
        return self._context.read(lambda s: browse.sync_states(s, list(ids)))

    def duplicate_pair(self, first_id: str, second_id: str):
        """Two persons side by side for the merge view (masked), with what each would carry over."""
        from app.client.review import merge_sides

        return self._context.read(lambda s: merge_sides(s, self.scope, first_id, second_id))

    def summary(self) -> browse.RegisterSummary:
        return self._context.read(lambda s: browse.register_summary(s, self.scope))

    # -- reference data for filters and forms ------------------------------------------------
    def villages(self) -> list[RegionOption]:
        return self._context.read(lambda s: browse.villages(s, self.scope))

    def grids(self, village: str) -> list[RegionOption]:
        return self._context.read(lambda s: browse.grids(s, village, self.scope))

    def region_names(self) -> dict[str, str]:
        return self._context.read(lambda s: browse.region_names(s, self.scope))

    def code_book(self) -> CodeBook:
        """Code tables visible to the actor; sensitive tags only for roles that need them."""
        book = self._context.read(lambda s: CodeBook.load(s, self.scope))
        if not book.entries("tag"):
            book = CodeBook.from_resources()  # a fresh client before its first sync
        if self._context.sees_sensitive_tags:
            return book
        return CodeBook([item for table in table_names() for item in book.entries(table)
                         if not (table == "tag" and item.attrs.get("sensitivity", 0) >= SENSITIVE_LEVEL)])


def check_person_field(field: str, value, id_type: str = RESIDENT_ID, lang: str = "zh_CN") -> str:
    """The message to show next to a person form field for `value`, or "" when it is acceptable.
    Pure rules, no database: cheap enough to run on every keystroke."""
    today = beijing_now().date()
    try:
        if field == "id_number":
            if value:
                if id_type == RESIDENT_ID:
                    parse_resident_id(value, today)
                else:
                    normalise_document(id_type, value, today)
        else:
            clean_person_fields({field: value}, today)
    except ValidationError as error:
        return error.message(lang)
    return ""


def check_household_field(field: str, value, region_code: str | None, lang: str = "zh_CN") -> str:
    """The message to show next to a household form field, or "" when the value is acceptable."""
    try:
        if field == "household_no":
            validate_household_no(value, region_code or None)
        elif field == "phone":
            normalise_phone(value)
        elif field in ("address", "notes"):  # label and length as declared on the column
            declared = spec("household", field)
            optional_text(value, field, declared.label, declared.max_length)
    except ValidationError as error:
        return error.message(lang)
    return ""
