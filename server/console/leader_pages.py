"""The leader's read-only pages (also the city admin's, and a township admin's for its own
township): outcomes by township and category, 吹哨 response by department, trends by month, the
village burden, and the case lists behind each figure. The scope is the user's region prefix,
applied in every query (server.outcomes)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from server import outcomes
from server.console.i18n import request_lang
from server.console.region_choice import picked, region_choice
from server.console.web import ConsoleUser, render, require
from server.department_work import region_names
from server.deps import db_session, settings_of
from server.intake import beijing_now

router = APIRouter(prefix="/leader", include_in_schema=False)
readers = require("leader", "city_admin", "township_admin")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@router.get("")
def overview(request: Request, who: ConsoleUser = Depends(readers), session: Session = Depends(db_session)):
    figures = outcomes.cached_overview(session, who.scope, beijing_now(),
                                       settings_of(request).console_outcomes_seconds)
    return render(request, "leader_overview.html", who, towns=figures.towns, categories=figures.categories, pct=_pct,
                  whistles=figures.whistles, computed_at=figures.computed_at,
                  departments=outcomes.code_labels(session, "department", request_lang(request) == "en"),
                  categories_en=outcomes.code_labels(session, "case_category", True) if request_lang(request) == "en"
                  else {}, months=figures.months)


@router.get("/burden")
def burden(request: Request, who: ConsoleUser = Depends(readers), session: Session = Depends(db_session),
           weeks: int = 12, township: str = "", village: str = ""):
    """The burden of the user's area, or of one township or village of it (a city's thousands of
    villages are otherwise one list)."""
    weeks = min(max(weeks, 1), 52)
    place = picked(who.scope, township, village)
    return render(request, "leader_burden.html", who, weeks=weeks, places=region_choice(session, who.scope, place),
                  departments=outcomes.code_labels(session, "department", request_lang(request) == "en"),
                  rows=outcomes.burden(session, place or who.scope, beijing_now().date(), weeks))


@router.get("/cases")
def cases(request: Request, who: ConsoleUser = Depends(readers), session: Session = Depends(db_session),
          township: str = "", category: str = "", month: str = "", which: str = "all"):
    f = outcomes.CaseFilter(township if township.isdigit() else "", category[:10], month[:7],
                            which if which in ("all", "overdue") else "all")
    rows = outcomes.case_list(session, who.scope, f, beijing_now().date())
    town = region_names(session, {f.township}).get(f.township, f.township) if f.township else ""
    return render(request, "leader_cases.html", who, rows=rows, f=f, labels=outcomes.code_labels(session, "case_category", request_lang(request) == "en"),
                  town=town, names=region_names(session, {c.region_code[:12] for c in rows if c.region_code}),
                  today=beijing_now().date())
