"""The department's pages (条): its request catalogue, issuing a task from the region tree, progress
across every target (township × status, overdue first), one task's summary per township and
village (exported to Excel, audited) with drill-down to a target's feedback and
the requested answer fields (personal values masked), extending a deadline, and the progress export
to Excel (audited). Every query is limited to the signed-in department's own tasks."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from db import request_fields
from db.models import CodeEntry, Region, Task
from db.search_keys import name_initials
from server import catalogue, whistles
from server.blobs import ACCEPTED_TYPES, BlobStore, blob_dir
from server.console.i18n import request_lang, translator
from server.console.masking import mask_value
from server.console.region_choice import region_choice
from server.console.web import PREFIX, ConsoleUser, Denied, files_of, form_of, listed, render, require
from server.console.xlsx import workbook_bytes, workbook_sheets
from server.department_work import (
    STATUSES,
    TargetFilter,
    own_target,
    progress_grid,
    region_names,
    target_attachments,
    target_feedback,
    target_rows,
    task_answers,
    task_lines,
    task_summary,
)
from server.deps import db_session, settings_of
from server.intake import beijing_now
from server.pushed_writes import PushRefused, audit
from server.task_files import MAX_FILES, TaskFile, attach_to_targets, check_file
from server.task_issue import (
    FormErrors,
    IssueForm,
    check_form,
    extend_task,
    issue_task,
    remind_target,
    target_action,
)

router = APIRouter(prefix="/dept", include_in_schema=False)
department = require("department")


@router.get("/catalogue")
def catalogue_page(request: Request, who: ConsoleUser = Depends(department), session: Session = Depends(db_session),
                   saved: str = ""):
    t = translator(request_lang(request))
    return render(request, "dept_catalogue.html", who, rows=catalogue.entries(session, who.user.department_code),
                  fields=catalogue.REQUESTABLE_FIELDS, errors={}, values={}, message=t("saved") if saved else "")


@router.post("/catalogue")
async def propose_entry(request: Request, who: ConsoleUser = Depends(department),
                        session: Session = Depends(db_session)):
    form = await form_of(request, who)
    t = translator(request_lang(request))
    proposal = catalogue.Proposal(str(form.get("name", "")), str(form.get("purpose", "")),
                                  tuple(listed(form, "fields")))
    try:
        catalogue.propose(session, who.user.department_code or "", who.user.username, proposal, beijing_now())
    except catalogue.CatalogueError as exc:
        session.rollback()
        return render(request, "dept_catalogue.html", who, status=422,
                      rows=catalogue.entries(session, who.user.department_code), fields=catalogue.REQUESTABLE_FIELDS,
                      errors={exc.field: t(exc.code)}, values=form, error=t("field_errors"))
    session.commit()
    return RedirectResponse(f"{PREFIX}/dept/catalogue?saved=1", status_code=303)


def _region_tree(session: Session, scope: str) -> list[tuple[Region, list[tuple[Region, list[Region]]]]]:
    """Townships with their villages, each village with its grids (网格), inside the user's scope."""
    rows = session.scalars(select(Region).where(Region.code.startswith(scope), Region.level.in_((4, 5, 6)))
                           .order_by(Region.code))
    towns: dict[str, tuple[Region, list]] = {}
    villages: dict[str, tuple[Region, list[Region]]] = {}
    for region in rows:
        if region.level == 4:
            towns[region.code] = (region, [])
        elif region.level == 5 and region.parent_code in towns:
            villages[region.code] = (region, [])
            towns[region.parent_code][1].append(villages[region.code])
        elif region.level == 6 and region.parent_code in villages:
            villages[region.parent_code][1].append(region)
    return list(towns.values())


def _issue_page(request: Request, who: ConsoleUser, session: Session, status: int = 200, **extra):
    approved = catalogue.entries(session, who.user.department_code, "approved")
    return render(request, "dept_issue.html", who, status=status, tree=_region_tree(session, who.scope),
                  places=region_choice(session, who.scope), initials=name_initials,
                  approved=approved, field_labels=catalogue.REQUESTABLE_FIELDS, max_files=MAX_FILES,
                  max_mb=settings_of(request).max_attachment_bytes // 1048576,
                  **{"errors": {}, "values": {"kind": "1", "priority": "2", "workdays": "5"}, **extra})


@router.get("/issue")
def issue_page(request: Request, who: ConsoleUser = Depends(department), session: Session = Depends(db_session)):
    return _issue_page(request, who, session)


async def _task_files(form: dict, max_bytes: int) -> tuple[list[TaskFile], str | None]:
    """The files posted with the task, checked; or the message key of the first that cannot be sent."""
    uploads = files_of(form, "attachments")
    if len(uploads) > MAX_FILES:
        return [], "attachments_too_many"
    files = []
    for upload in uploads:
        checked = check_file(upload.filename or "", await upload.read(max_bytes + 1), max_bytes)
        if isinstance(checked, str):
            return [], checked
        files.append(checked)
    return files, None


@router.post("/issue")
async def issue(request: Request, who: ConsoleUser = Depends(department), session: Session = Depends(db_session)):
    form = await form_of(request, who)
    t = translator(request_lang(request))
    settings = settings_of(request)
    files, file_problem = await _task_files(form, settings.max_attachment_bytes)
    form = {k: v for k, v in form.items() if isinstance(v, str | list) and k not in ("attachments", "attachments[]")}
    values = IssueForm(str(form.get("title", "")), str(form.get("description", "")), str(form.get("kind", "")),
                       str(form.get("priority", "")), str(form.get("workdays", "")),
                       tuple(r[3:] if r.startswith("rg-") else r for r in listed(form, "regions")),
                       str(form.get("catalogue_id", "")), tuple(listed(form, "fields")))
    limits = {"max_mb": settings.max_attachment_bytes // 1048576, "n": MAX_FILES}
    try:
        if file_problem:  # the other fields are checked too, so every problem shows at once
            raise FormErrors({**check_form(session, who.user, values), "attachments": file_problem})
        issued = issue_task(session, who.user, values)
        attach_to_targets(session, who.user, BlobStore(blob_dir(settings)), issued.target_ids, files, beijing_now())
    except FormErrors as exc:
        session.rollback()
        return _issue_page(request, who, session, status=422,
                           errors={k: t(v, **limits) for k, v in exc.errors.items()},
                           values={**form, "regions": values.regions, "fields": values.fields},
                           error=t("field_errors"))
    except PushRefused as exc:
        return _issue_page(request, who, session, status=422, values=form,
                           error=t("refused_by_server", message=exc.text(request_lang(request))))
    session.commit()
    return RedirectResponse(f"{PREFIX}/dept/progress?task={issued.task_id}&issued={len(issued.target_ids)}",
                            status_code=303)


def _filter(township: str, status: str, overdue: str, task: str, offset: int = 0, limit: int = 200) -> TargetFilter:
    return TargetFilter(township=township if township.isdigit() else None,
                        status=status if status in STATUSES else None, overdue_only=overdue == "1",
                        task_id=task or None, limit=limit, offset=max(0, offset))


@router.get("/progress")
def progress(request: Request, who: ConsoleUser = Depends(department), session: Session = Depends(db_session),
             township: str = "", status: str = "", overdue: str = "", task: str = "", offset: int = 0,
             issued: str = ""):
    now = beijing_now()
    dept = who.user.department_code or ""
    t = translator(request_lang(request))
    rows = target_rows(session, dept, _filter(township, status, overdue, task, offset), now)
    # the list of one task (after issuing it, back from one of its targets, or its number clicked) says so
    shown_task = session.scalars(select(Task).where(Task.id == task, Task.department_code == dept,
                                                    Task.deleted.is_(False))).first() if task else None
    return render(request, "dept_progress.html", who, grid=progress_grid(session, dept, now), rows=rows,
                  shown_task=shown_task, towns=region_names(session, {r.target.region_code[:9] for r in rows}),
                  statuses=STATUSES, f={"township": township, "status": status, "overdue": overdue, "task": task},
                  offset=offset, message=t("issued", n=issued) if issued.isdigit() else "")


TASKS_PAGE = 50


@router.get("/tasks")
def tasks_page(request: Request, who: ConsoleUser = Depends(department), session: Session = Depends(db_session),
               q: str = "", offset: int = 0, overdue: str = ""):
    """The department's tasks, latest due first, found by title or number (or only the overdue
    ones), each with its targets counted and leading to its summary."""
    q = q.strip()[:50]
    lines, total = task_lines(session, who.user.department_code or "", beijing_now(), q, max(0, offset), TASKS_PAGE,
                              overdue_only=overdue == "1")
    return render(request, "dept_tasks.html", who, lines=lines, total=total, q=q, offset=max(0, offset),
                  page_size=TASKS_PAGE, overdue=overdue == "1")


@router.get("/tasks/{task_id}")
def task_page(task_id: str, request: Request, who: ConsoleUser = Depends(department),
              session: Session = Depends(db_session), township: str = "", reminded: str = "", saved: str = ""):
    """One task's targets counted per township — done, in progress, not started, returned, overdue,
    with feedback — and, for the township chosen, per village, each opening its target."""
    summary = task_summary(session, who.user.department_code or "", task_id, beijing_now())
    if summary is None:
        raise Denied(404)
    township = township if township in summary.places else ""
    t = translator(request_lang(request))
    return render(request, "dept_task.html", who, s=summary, statuses=STATUSES, township=township,
                  town_name=next((r.name for r in summary.townships if r.code == township), ""),
                  unfinished=_unfinished(summary),
                  message=t("reminded", n=reminded) if reminded.isdigit() else t("saved") if saved else "")


def _unfinished(summary) -> list[str]:
    """The targets of a summary a reminder goes to: not accepted yet or in progress."""
    return [p.target_id for group in summary.places.values() for p in group if set(p.counts) & {"10", "20"}]


@router.post("/tasks/{task_id}/remind")
async def remind_task(task_id: str, request: Request, who: ConsoleUser = Depends(department),
                      session: Session = Depends(db_session)):
    """催办 every unfinished target of the task at once, with one text (each a reminder of its own)."""
    form = await form_of(request, who)
    t = translator(request_lang(request))
    now = beijing_now()
    summary = task_summary(session, who.user.department_code or "", task_id, now)
    if summary is None:
        raise Denied(404)
    back = f"{PREFIX}/dept/tasks/{task_id}"
    targets = _unfinished(summary)
    try:
        for target_id in targets:
            remind_target(session, who.user, target_id, str(form.get("text", "")), now)
    except FormErrors as exc:
        session.rollback()
        return render(request, "error_inline.html", who, status=422, error=t(next(iter(exc.errors.values()))),
                      back=back)
    except PushRefused as exc:
        return render(request, "error_inline.html", who, status=422,
                      error=t("refused_by_server", message=exc.text(request_lang(request))), back=back)
    session.commit()
    return RedirectResponse(f"{back}?reminded={len(targets)}", status_code=303)


def _town_totals(summary, t) -> tuple[str, list[str], list[list]]:
    """The summary's first sheet: the counts the page shows per township, and their total."""
    def counts(row) -> list:
        return [row.total, *(row.counts.get(st, 0) for st in STATUSES), row.overdue, row.with_feedback,
                f"{row.handled}/{row.of}"]
    rows = [[row.name, row.code, *counts(row)] for row in summary.townships]
    if len(summary.townships) > 1:
        rows.append([t("total"), "", *counts(summary.all)])
    return t("township_totals_sheet"), [t("township"), t("region"), t("targets_count"),
                                        *(t("status_" + st) for st in STATUSES), t("overdue"),
                                        t("with_feedback"), t("handled_of")], rows


@router.get("/tasks/{task_id}/summary.xlsx")
def export_task(task_id: str, request: Request, who: ConsoleUser = Depends(department),
                session: Session = Depends(db_session)):
    """The task's summary: its townships' totals as the page counts them (the first sheet), then a
    row per target (village, grid or township) under its township; audited."""
    now = beijing_now()
    summary = task_summary(session, who.user.department_code or "", task_id, now)
    if summary is None:
        raise Denied(404)
    t = translator(request_lang(request))
    towns = {row.code: row.name for row in summary.townships}
    rows = [[towns.get(code, code), place.name, place.code, t("status_" + next(iter(place.counts))),
             f"{place.handled}/{place.of}", t("overdue") if place.overdue else "", place.feedback_count,
             place.last_feedback.strftime("%Y-%m-%d %H:%M") if place.last_feedback else ""]
            for code in sorted(summary.places) for place in summary.places[code]]
    data = workbook_sheets([_town_totals(summary, t), (
        t("summary_sheet"), [t("township"), t("village"), t("region"), t("state"), t("handled_of"), t("overdue"),
                             t("feedback_count"), t("last_feedback")], rows)])
    audit(session, who.user, "export", "task_target", [p.target_id for group in summary.places.values() for p in group],
          f"控制台导出任务汇总 {summary.task.task_no}", summary.task.region_code or "", now)
    session.commit()
    return _xlsx(f"task-{summary.task.task_no}-{now:%Y%m%d-%H%M}.xlsx", data)


def _xlsx(name: str, data: bytes) -> StreamingResponse:
    return StreamingResponse(iter([data]), headers={"Content-Disposition": f'attachment; filename="{quote(name)}"'},
                             media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _code_labels(session: Session, fields: list[str], lang: str) -> dict[str, dict[str, str]]:
    """For the coded fields among `fields`, the city's code table: {field: {code: label}} (a code the
    table lacks is shown as itself)."""
    tables = {f: request_fields.code_table(f) for f in fields if request_fields.code_table(f)}
    if not tables:
        return {}
    rows = session.execute(select(CodeEntry.table, CodeEntry.code, CodeEntry.label_zh, CodeEntry.label_en).where(
        CodeEntry.table.in_(set(tables.values())), CodeEntry.scope_prefix == "", CodeEntry.deleted.is_(False)))
    labels: dict[str, dict[str, str]] = {}
    for table, code, zh, en in rows:
        labels.setdefault(table, {})[code] = (en or zh) if lang == "en" else zh
    return {f: labels.get(table, {}) for f, table in tables.items()}


def _answers_export(request: Request, who: ConsoleUser, session: Session, task_id: str, reason: str | None):
    """The task's 一表通 answers as a spreadsheet, a row per person answered: township, place,
    household number, the requested fields (ID numbers and phones masked unless a reason is given),
    who answered and when. Audited as an export; in full, as a reveal with its reason too."""
    found = task_answers(session, who.user.department_code or "", task_id)
    if found is None:
        raise Denied(404)
    task, answers = found
    lang = request_lang(request)
    t = translator(lang)
    fields = list(task.requested_fields or ())
    labels = [catalogue.REQUESTABLE_FIELDS[f][1 if lang == "en" else 0] if f in catalogue.REQUESTABLE_FIELDS else f
              for f in fields]
    coded = _code_labels(session, fields, lang)
    shown = (lambda f, v: v) if reason else mask_value
    rows = [[a.township_name, a.place_name, a.place, a.household_no,
             *(coded[f].get(v, v) if f in coded else shown(f, v) for f in fields for v in [a.values.get(f, "")]),
             a.author, a.at.strftime("%Y-%m-%d %H:%M")] for a in answers]
    data = workbook_bytes(t("answers"), [t("township"), t("village"), t("region"), t("household_no"), *labels,
                                         t("answered_by"), t("answered_at")], rows)
    now = beijing_now()
    targets = list(dict.fromkeys(a.target_id for a in answers))
    if reason:
        audit(session, who.user, "reveal", "task_answer", targets,
              f"控制台导出一表通答复完整号码 {task.task_no}：{reason[:400]}", task.region_code or "", now)
    audit(session, who.user, "export", "task_answer", targets,
          f"控制台导出一表通答复 {task.task_no}（{len(rows)} 人，{'完整号码' if reason else '已脱敏'}）",
          task.region_code or "", now)
    session.commit()
    return _xlsx(f"answers-{task.task_no}-{now:%Y%m%d-%H%M}{'-full' if reason else ''}.xlsx", data)


@router.get("/tasks/{task_id}/answers.xlsx")
def export_answers(task_id: str, request: Request, who: ConsoleUser = Depends(department),
                   session: Session = Depends(db_session)):
    return _answers_export(request, who, session, task_id, None)


@router.post("/tasks/{task_id}/answers.xlsx")
async def export_answers_in_full(task_id: str, request: Request, who: ConsoleUser = Depends(department),
                                 session: Session = Depends(db_session)):
    """The answers with ID numbers and phones in full: only with a reason, which the audit keeps."""
    form = await form_of(request, who)
    reason = str(form.get("reason", "")).strip()
    if not reason:
        if session.scalars(select(Task.id).where(Task.id == task_id, Task.deleted.is_(False),
                                                 Task.department_code == (who.user.department_code or ""))).first() is None:
            raise Denied(404)
        t = translator(request_lang(request))
        return render(request, "error_inline.html", who, status=422, error=t("reason_required"),
                      back=f"{PREFIX}/dept/tasks/{task_id}")
    return _answers_export(request, who, session, task_id, reason)


@router.get("/targets/{target_id}")
def target_page(target_id: str, request: Request, who: ConsoleUser = Depends(department),
                session: Session = Depends(db_session), saved: str = ""):
    found = own_target(session, who.user.department_code or "", target_id)
    if found is None:
        raise Denied(404)
    target, task = found
    t = translator(request_lang(request))
    entries = target_feedback(session, target, task)
    return render(request, "dept_target.html", who, target=target, task=task, entries=entries,
                  files=target_attachments(session, target), names=region_names(
                      session, {target.region_code, *([target.grid_code] if target.grid_code else [])}),
                  fields=list(task.requested_fields or ()), labels=catalogue.REQUESTABLE_FIELDS,
                  coded=_code_labels(session, list(task.requested_fields or ()), request_lang(request)),
                  mask=mask_value, now=beijing_now(), errors={}, message=t("saved") if saved else "")


@router.get("/targets/{target_id}/files/{attachment_id}")
def target_file(target_id: str, attachment_id: str, request: Request, who: ConsoleUser = Depends(department),
                session: Session = Depends(db_session)):
    """A file attached to the department's own target or its feedback (audited like an export)."""
    found = own_target(session, who.user.department_code or "", target_id)
    files = [f for group in target_attachments(session, found[0]).values() for f in group] if found else []
    file = next((f for f in files if f.id == attachment_id), None)
    store = BlobStore(blob_dir(settings_of(request)))
    if file is None or file.mime not in ACCEPTED_TYPES or not store.received(file.sha256)[1]:
        raise Denied(404)
    audit(session, who.user, "export", "attachment", [file.id], f"控制台查看任务附件 {file.filename}",
          found[0].region_code, beijing_now())
    session.commit()
    name = quote(file.filename or f"{file.id}")
    return StreamingResponse(store.read(file.sha256), media_type=file.mime,
                             headers={"Content-Disposition": f"inline; filename*=UTF-8''{name}",
                                      "X-Content-Type-Options": "nosniff"})


@router.post("/tasks/{task_id}/extend")
async def extend(task_id: str, request: Request, who: ConsoleUser = Depends(department),
                 session: Session = Depends(db_session)):
    form = await form_of(request, who)
    back = str(form.get("back", ""))
    back = back if back.startswith(PREFIX + "/dept/") else f"{PREFIX}/dept/progress"
    t = translator(request_lang(request))
    try:
        extend_task(session, who.user, task_id, dt.date.fromisoformat(str(form.get("due", ""))))
    except ValueError as exc:  # a bad date or FormErrors
        session.rollback()
        key = next(iter(exc.errors.values())) if isinstance(exc, FormErrors) else "required"
        return render(request, "error_inline.html", who, status=422, error=t(key), back=back)
    except PushRefused as exc:
        return render(request, "error_inline.html", who, status=422, error=t("refused_by_server", message=exc.text(request_lang(request))),
                      back=back)
    session.commit()
    return RedirectResponse(back + ("&" if "?" in back else "?") + "saved=1", status_code=303)


@router.post("/targets/{target_id}/{action}")
async def target_move(target_id: str, action: str, request: Request, who: ConsoleUser = Depends(department),
                      session: Session = Depends(db_session)):
    form = await form_of(request, who)
    t = translator(request_lang(request))
    back = f"{PREFIX}/dept/targets/{target_id}"
    try:
        if action == "remind":
            remind_target(session, who.user, target_id, str(form.get("text", "")), beijing_now())
        else:
            target_action(session, who.user, target_id, action)
    except FormErrors as exc:
        session.rollback()
        if exc.errors.get("target") == "not_found":
            raise Denied(404) from exc
        key = next(iter(exc.errors.values()))
        return render(request, "error_inline.html", who, status=409 if key == "step_not_possible" else 422,
                      error=t(key), back=back)
    except PushRefused as exc:
        return render(request, "error_inline.html", who, status=422, error=t("refused_by_server", message=exc.text(request_lang(request))),
                      back=back)
    session.commit()
    return RedirectResponse(back + "?saved=1", status_code=303)


@router.get("/progress.xlsx")
def export_progress(request: Request, who: ConsoleUser = Depends(department), session: Session = Depends(db_session),
                    township: str = "", status: str = "", overdue: str = "", task: str = ""):
    now = beijing_now()
    dept = who.user.department_code or ""
    t = translator(request_lang(request))
    rows = target_rows(session, dept, _filter(township, status, overdue, task, limit=50_000), now)
    data = workbook_bytes(t("progress"), [t("task_no"), t("title"), t("region"), t("state"), t("progress"),
                                          t("due_at"), t("overdue")], (
        [row.task.task_no, row.task.title, f"{row.region_name} {row.target.region_code}",
         t("status_" + row.target.status), f"{row.target.handled_count or 0}/{row.target.total_count or 0}",
         row.task.due_at.strftime("%Y-%m-%d %H:%M"), t("overdue") if row.overdue else ""] for row in rows))
    audit(session, who.user, "export", "task_target", [r.target.id for r in rows],
          f"控制台导出任务进度 {len(rows)} 条", township if township.isdigit() else "", now)
    session.commit()
    name = f"progress-{now:%Y%m%d-%H%M}.xlsx"
    return StreamingResponse(iter([data]), headers={"Content-Disposition": f'attachment; filename="{name}"'},
                             media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@router.get("/whistles")
def whistles_page(request: Request, who: ConsoleUser = Depends(department), session: Session = Depends(db_session),
                  saved: str = ""):
    t = translator(request_lang(request))
    return render(request, "dept_whistles.html", who, rows=whistles.inbox(session, who.user.department_code or ""),
                  message=t("whistle_done") if saved else "")


@router.post("/whistles/{whistle_id}/{step}")
async def whistle_step(whistle_id: str, step: str, request: Request, who: ConsoleUser = Depends(department),
                       session: Session = Depends(db_session)):
    form = await form_of(request, who)
    t = translator(request_lang(request))
    try:
        whistles.take_step(session, who.user, whistle_id, step, str(form.get("text", "")), beijing_now())
    except whistles.StepRefused as exc:
        session.rollback()
        if exc.code == "not_found":
            raise Denied(404) from exc
        return render(request, "dept_whistles.html", who, status=422,
                      rows=whistles.inbox(session, who.user.department_code or ""), error=t(exc.code))
    except PushRefused as exc:
        return render(request, "dept_whistles.html", who, status=422,
                      rows=whistles.inbox(session, who.user.department_code or ""),
                      error=t("refused_by_server", message=exc.text(request_lang(request))))
    session.commit()
    return RedirectResponse(f"{PREFIX}/dept/whistles?saved=1", status_code=303)
