"""The staff inbox, the case page and the forms on it (actions, clocks, attachments)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from minyi.cases.models import Case
from minyi.cases.queries import RANKED_MATCHES, get_visible_case, page_cases, reader_view
from minyi.cases.rules import Action
from minyi.cases.schemas import ActionIn
from minyi.cases.service import act_on_case
from minyi.core.errors import Conflict, Invalid, NotFound
from minyi.intake.attachments import store_attachment
from minyi.intake.models import Attachment
from minyi.org.queries import names_by_code, unit_choices
from minyi.privacy.rules import Show
from minyi.sla.service import extend_case, pause_case, resume_case
from minyi.taxonomy.queries import leaf_choices, leaf_code_of
from minyi.web.case_view import DISPATCH_KINDS, case_page, service_box, summaries
from minyi.web.console_lists import case_filter as list_filter
from minyi.web.console_lists import filter_options, order_of, read_query
from minyi.web.i18n import Translator, pick_lang
from minyi.web.pages import (
    STATUS,
    PostedForm,
    WebRoute,
    redirect,
    render,
    staff,
    staff_form,
    state_of,
)
from minyi.web.pickers import event_unit_codes, form_message, leaf_groups, unit_groups
from minyi.web.uploads import read_uploads

router = APIRouter(route_class=WebRoute, include_in_schema=False)
RANKING_SORTS = frozenset({"urgency", "relevance"})
PAGE_SIZE = 30
CHOOSING_ACTIONS = frozenset({"dispatch", "redispatch"})


@router.get("/console/inbox")
def inbox(request: Request) -> Response:
    """Every case the reader may see, filtered, sorted (most urgent first by default) and paged
    by cursor ("下一页" starts after the last case shown, so a late page costs what the first
    does); the total is exact up to a cap, then estimated. The filters live in the query string,
    so the page links and the export keep them."""
    actor = staff(request)
    state = state_of(request)
    query = read_query(request)
    status_code = 200
    cursor_refused = False
    with state.db.reading(replica=True, reader=actor.username) as session:
        f, errors = list_filter(session, query, state.tz)
        order = order_of(query)
        try:
            found = page_cases(
                session, actor, f, cursor=query.cursor or None, size=PAGE_SIZE, order=order
            )
        except Invalid as exc:
            if exc.code != "bad_cursor":
                raise
            # A link from another sort, or one edited by hand: the first page, and why.
            cursor_refused, status_code = True, 400
            query = replace(query, cursor="")
            found = page_cases(session, actor, f, cursor=None, size=PAGE_SIZE, order=order)
        items = summaries(session, found.rows, actor, state.clock.now())
        options = filter_options(session)
    return render(
        request,
        "console/inbox.html",
        422 if errors else status_code,
        items=items,
        total=found.total,
        next_href=query.href(request.url.path, cursor=found.next_cursor)
        if found.next_cursor
        else None,
        first_href=query.href(request.url.path, cursor="") if query.cursor else None,
        cursor_refused=cursor_refused,
        # A search in an order that ranks (urgency, relevance) ranks only its newest matches
        # (cases.queries.RANKED_MATCHES): say so when there are more, and how to see them all.
        ranked_newest=RANKED_MATCHES
        if query.q
        and query.sort in RANKING_SORTS
        and found.total is not None
        and found.total.value > RANKED_MATCHES
        else None,
        query=query,
        errors=errors,
        **options,
        # Kept for the templates other pages share with the inbox.
        status=query.status,
        q=query.q,
        overdue=bool(query.overdue),
    )


@router.get("/console/cases/{case_id}")
def case(request: Request, case_id: int, done: str | None = None) -> Response:
    return case_page_response(request, case_id, done=done)


def case_page_response(
    request: Request,
    case_id: int,
    *,
    done: str | None = None,
    failed: dict[str, Any] | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The case page; `failed` is a form that was refused, shown again with its message and
    what was typed (the action, its fields, the chosen co-units). Every form on the page that
    is refused comes back through here (`extra`: what its own part of the page needs)."""
    actor = staff(request)
    state = state_of(request)
    with state.db.reading() as session:
        data = case_page(session, case_id, actor, state.clock.now())
        choosing = bool(CHOOSING_ACTIONS & set(data["case"]["allowed_actions"]))
        units = unit_choices(session, DISPATCH_KINDS) if choosing else []
        category_id = session.scalar(select(Case.category_id).where(Case.id == case_id))
        return render(
            request,
            "console/case.html",
            status_code=status_code,
            done=done,
            failed=failed,
            unit_groups=unit_groups(units),
            leaf_groups=leaf_groups(leaf_choices(session)) if choosing else [],
            current_leaf=leaf_code_of(session, category_id),
            unit_name=names_by_code(session, event_unit_codes(data["events"])),
            service_box=service_box(session, case_id, actor),
            **data,
            **extra,
        )


def _payload(fields: dict[str, str], co_units: list[str]) -> ActionIn:
    try:
        return ActionIn(
            reason=fields.get("reason") or None,
            text=fields.get("text") or None,
            note=fields.get("note") or None,
            method=fields.get("method") or None,
            lead_unit=fields.get("lead_unit") or None,
            co_units=co_units or None,
            category=fields.get("category") or None,
            rating=fields.get("rating") or None,
            comment=fields.get("comment") or None,
            expected_version=int(fields["version"])
            if fields.get("version", "").isdigit()
            else None,
        )
    except ValidationError as exc:
        raise Invalid(
            "invalid_form",
            "；".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()),
        ) from None


def _co_units(form: FormData) -> list[str]:
    """The co-units as the picker posts them (one value each); a typed list of codes split on commas."""
    values = [v for v in form.getlist("co_units") if isinstance(v, str)]
    return [c.strip() for v in values for c in v.replace("，", ",").split(",") if c.strip()]


@router.post("/console/cases/{case_id}/actions/{action}")
def take_action(request: Request, form: PostedForm, case_id: int, action: str) -> Response:
    actor, state, fields = staff_form(request, form)
    try:
        chosen = Action(action)
    except ValueError:
        raise NotFound("no_such_action", f"no action '{action}'") from None
    co_units = _co_units(form)
    try:
        body = _payload(fields, co_units)
        with state.db.unit_of_work() as session:
            act_on_case(
                session,
                case_id,
                chosen,
                actor=actor,
                payload=body.payload(),
                now=state.clock.now(),
                expected_version=body.expected_version,
            )
    except (Invalid, Conflict) as exc:
        # Refused: the same page again, the message on the form and what was typed kept.
        t = Translator(pick_lang(request))
        failed = {
            "action": chosen.value,
            "message": form_message(exc, t),
            "fields": fields,
            "co_units": co_units,
        }
        return case_page_response(
            request, case_id, failed=failed, status_code=STATUS.get(exc.kind, 400)
        )
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
            extend_case(
                session,
                case_id,
                actor,
                milestone=fields.get("milestone", ""),
                days=days,
                reason=fields.get("reason", ""),
                now=now,
            )
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
            state.db,
            state.settings,
            case_id=case_id,
            filename=item.filename,
            content_type=item.content_type,
            data=item.data,
            actor=actor,
            phone_last4=None,
            now=state.clock.now(),
        )
    return redirect(f"/console/cases/{case_id}?done=attachment")


@router.get("/console/attachments/{attachment_id}")
def attachment(request: Request, attachment_id: int) -> Response:
    actor = staff(request)
    state = state_of(request)
    with state.db.reading() as session:
        row = session.get(Attachment, attachment_id)
        case_id = (
            session.scalar(select(Case.id).where(Case.appeal_id == row.appeal_id)) if row else None
        )
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
    return Response(
        data,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        },
    )
