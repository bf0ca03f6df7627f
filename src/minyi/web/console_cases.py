"""The staff inbox, the case page and the forms on it (actions, clocks, attachments)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import UploadFile
from starlette.responses import Response

from minyi.cases.models import Case
from minyi.cases.queries import get_visible_case, list_cases, reader_view
from minyi.cases.rules import HANDLING, Action, CaseStatus
from minyi.cases.schemas import ActionIn
from minyi.cases.service import act_on_case
from minyi.privacy.rules import Show
from minyi.core.errors import Invalid, NotFound
from minyi.intake.attachments import store_attachment
from minyi.intake.models import Attachment
from minyi.sla.queries import extend_case, pause_case, resume_case
from minyi.web.case_view import case_page, dispatch_targets, summaries
from minyi.web.console_lists import case_filter as list_filter
from minyi.web.console_lists import filter_options, order_of, read_query
from minyi.web.pages import PostedForm, WebRoute, redirect, render, staff, staff_form, state_of
from minyi.web.uploads import read_uploads

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PAGE_SIZE = 30
OPEN = [CaseStatus.REGISTERED, CaseStatus.ACCEPTED, *HANDLING, CaseStatus.REPLIED]


@router.get("/console/inbox")
def inbox(request: Request) -> Response:
    """Every case the reader may see, filtered, sorted (most urgent first by default) and paged;
    the filters live in the query string, so the page links and the export keep them."""
    actor = staff(request)
    state = state_of(request)
    query = read_query(request)
    with state.db.reading() as session:
        f, errors = list_filter(session, query, state.tz)
        total, rows = list_cases(session, actor, f, page=query.page, page_size=PAGE_SIZE, order=order_of(query))
        items = summaries(session, rows, actor, state.clock.now())
        options = filter_options(session)
    return render(
        request, "console/inbox.html", 422 if errors else 200, items=items, total=total, page=query.page,
        pages=(total + PAGE_SIZE - 1) // PAGE_SIZE, query=query, errors=errors, **options,
        # Kept for the templates other pages share with the inbox.
        status=query.status, q=query.q, overdue=bool(query.overdue),
    )


@router.get("/console/cases/{case_id}")
def case(request: Request, case_id: int, done: str | None = None) -> Response:
    actor = staff(request)
    state = state_of(request)
    with state.db.reading() as session:
        data = case_page(session, case_id, actor, state.clock.now())
        targets = dispatch_targets(session) if "dispatch" in data["case"]["allowed_actions"] else []
        return render(request, "console/case.html", done=done, targets=targets, **data)


def _payload(fields: dict[str, str]) -> ActionIn:
    co = [c.strip() for c in fields.get("co_units", "").replace("，", ",").split(",") if c.strip()]
    try:
        return ActionIn(
            reason=fields.get("reason") or None, text=fields.get("text") or None, note=fields.get("note") or None,
            method=fields.get("method") or None, lead_unit=fields.get("lead_unit") or None, co_units=co or None,
            category=fields.get("category") or None, rating=fields.get("rating") or None,
            comment=fields.get("comment") or None,
            expected_version=int(fields["version"]) if fields.get("version", "").isdigit() else None,
        )
    except ValidationError as exc:
        raise Invalid("invalid_form", "；".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None


@router.post("/console/cases/{case_id}/actions/{action}")
def take_action(request: Request, form: PostedForm, case_id: int, action: str) -> Response:
    actor, state, fields = staff_form(request, form)
    try:
        chosen = Action(action)
    except ValueError:
        raise NotFound("no_such_action", f"no action '{action}'") from None
    body = _payload(fields)
    with state.db.unit_of_work() as session:
        act_on_case(session, case_id, chosen, actor=actor, payload=body.payload(), now=state.clock.now(), expected_version=body.expected_version)
    return redirect(f"/console/cases/{case_id}?done={chosen.value}")


@router.post("/console/cases/{case_id}/clocks/{what}")
def clocks(request: Request, form: PostedForm, case_id: int, what: str) -> Response:
    actor, state, fields = staff_form(request, form)
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        if what == "extend":
            try:
                days = float(fields.get("days", ""))
            except ValueError:
                raise Invalid("bad_days", "请填写延期天数", field="days") from None
            extend_case(session, case_id, actor, milestone=fields.get("milestone", ""), days=days, reason=fields.get("reason", ""), now=now)
        elif what == "pause":
            if not fields.get("reason"):
                raise Invalid("missing_field", "请填写暂停理由", field="reason")
            pause_case(session, case_id, actor, reason=fields["reason"], now=now)
        elif what == "resume":
            resume_case(session, case_id, actor, now=now)
        else:
            raise NotFound("no_such_action", f"no clock action '{what}'")
    return redirect(f"/console/cases/{case_id}?done=clock_{what}")


@router.post("/console/cases/{case_id}/attachments")
def upload(request: Request, form: PostedForm, case_id: int) -> Response:
    actor, state, _ = staff_form(request, form)
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    uploads = read_uploads(files, state.settings)
    if not uploads:
        raise Invalid("missing_file", "请选择文件 (choose a file)", field="files")
    for item in uploads:
        store_attachment(
            state.db, state.settings, case_id=case_id, filename=item.filename, content_type=item.content_type,
            data=item.data, actor=actor, phone_last4=None, now=state.clock.now(),
        )
    return redirect(f"/console/cases/{case_id}?done=attachment")


@router.get("/console/attachments/{attachment_id}")
def attachment(request: Request, attachment_id: int) -> Response:
    actor = staff(request)
    state = state_of(request)
    with state.db.reading() as session:
        row = session.get(Attachment, attachment_id)
        case_id = session.scalar(select(Case.id).where(Case.appeal_id == row.appeal_id)) if row else None
        if row is None or case_id is None:
            raise NotFound("attachment_not_found", f"no attachment {attachment_id}")
        case = get_visible_case(session, case_id, actor)
        # A reader the policy shows no attachments (the accused unit) cannot fetch one either.
        view = reader_view(session, case, actor)
        if view.attachments is Show.HIDDEN:
            raise NotFound("attachment_not_found", f"no attachment {attachment_id}")
        filename = view.show_text(row.filename) or "file"
    path = state.settings.attachments_dir / row.sha256[:2] / row.sha256
    data = path.read_bytes()
    # Served as a download with its checked type: never rendered inline as a page of ours.
    return Response(data, media_type=row.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
    })
