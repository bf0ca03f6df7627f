"""Joint meeting pages (联席会议): the list, planning a meeting, its agenda (hard cases offered,
ordered), recording a case's decision with tasks for member units, and the minutes download.
Each calls the same service and query functions as the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from minyi.core.errors import Forbidden, Invalid, MinyiError, NotFound
from minyi.core.listing import first_href, next_href
from minyi.meetings.documents import render_minutes
from minyi.meetings.queries import (
    candidates,
    convener_choices,
    describe_meeting,
    get_visible_meeting,
    list_meetings,
    member_choices,
    summaries,
)
from minyi.meetings.rules import MAX_TASKS, may_plan_any
from minyi.meetings.service import (
    TaskSpec,
    add_to_agenda,
    move_item,
    plan_meeting,
    record_decision,
    remove_item,
)
from minyi.org.rules import Actor
from minyi.web.i18n import Translator, pick_lang
from minyi.web.pages import PostedForm, WebRoute, fields_of, redirect, render, staff, state_of
from minyi.web.pickers import form_message

router = APIRouter(route_class=WebRoute, include_in_schema=False)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LEVEL_EN = {"district": "District joint meeting", "street": "Street joint meeting"}
TASK_ROWS = 3  # empty task rows on the decision form (more: record, or add on the next form)


def _level_en(level: str) -> str:
    return LEVEL_EN.get(level, "Joint meeting")


def _say(request: Request, exc: MinyiError) -> str:
    return form_message(exc, Translator(pick_lang(request)))


def _local(value: str | None, tz: Any, field: str, label: str) -> datetime | None:
    """A datetime-local field (2026-12-05T09:30) read in the district's time zone."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=tz)
    except ValueError:
        raise Invalid("bad_time", f"{label}的格式不对", field=field) from None


# --- list --------------------------------------------------------------------------------------
@router.get("/console/meetings")
def meetings_page(request: Request, when: str | None = None, cursor: str | None = None) -> Response:
    actor = staff(request)
    st = state_of(request)
    tab = when if when in ("upcoming", "past") else None
    with st.db.reading() as session:
        found = list_meetings(
            session, actor, now=st.clock.now(), when=tab, page_size=100, cursor=cursor
        )
        path = "/console/meetings"
        return render(
            request,
            "console/meetings/list.html",
            level_en=_level_en,
            rows=summaries(session, found.rows, actor),
            total=found.total,
            next_href=next_href(path, found.next_cursor, when=tab),
            first_href=first_href(path, cursor, when=tab),
            tab=tab,
            may_plan=may_plan_any(actor),
        )


# --- plan --------------------------------------------------------------------------------------
def _plan_page(
    request: Request,
    actor: Actor,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    chosen: list[str] | None = None,
) -> Response:
    st = state_of(request)
    if not may_plan_any(actor):
        raise Forbidden("not_organiser", "只有区信联办或街道的工作人员可以安排联席会议")
    with st.db.reading() as session:
        units = member_choices(session)
        conveners = convener_choices(session)
    return render(
        request,
        "console/meetings/plan.html",
        status_code=status_code,
        error=error,
        values=values or {},
        chosen=set(chosen or []),
        units=units,
        streets=[u for u in units if u.group == "street"],
        conveners=conveners,
        street_only=actor.role == "street_staff",
    )


@router.get("/console/meetings/new")
def plan_page(request: Request) -> Response:
    return _plan_page(request, staff(request))


@router.post("/console/meetings")
def post_plan(request: Request, form: PostedForm) -> Response:
    actor = staff(request)
    st = state_of(request)
    fields = fields_of(form)
    chosen = [v for v in form.getlist("units") if isinstance(v, str)]
    try:
        with st.db.unit_of_work() as session:
            meeting = plan_meeting(
                session,
                actor=actor,
                level=fields.get("level", ""),
                street=fields.get("street") or None,
                title=fields.get("title", ""),
                starts_at=_local(fields.get("starts_at"), st.tz, "starts_at", "会议时间"),
                place=fields.get("place", ""),
                convener=fields.get("convener", ""),
                units=chosen,
                now=st.clock.now(),
            )
            meeting_id = meeting.id
    except Forbidden:
        raise
    except MinyiError as exc:
        return _plan_page(
            request,
            actor,
            status_code=422,
            error=_say(request, exc),
            values=fields,
            chosen=chosen,
        )
    return redirect(f"/console/meetings/{meeting_id}?done=planned")


# --- agenda ------------------------------------------------------------------------------------
def _agenda_page(
    request: Request, meeting_id: int, *, status_code: int = 200, error: str | None = None
) -> Response:
    actor = staff(request)
    st = state_of(request)
    now = st.clock.now()
    with st.db.reading() as session:
        meeting = get_visible_meeting(session, meeting_id, actor)
        view = describe_meeting(session, meeting, actor, now=now)
        offered = candidates(session, actor, meeting, now=now) if view["may_organise"] else []
        return render(
            request,
            "console/meetings/agenda.html",
            level_en=_level_en,
            status_code=status_code,
            m=view,
            offered=offered,
            error=error,
            done=request.query_params.get("done"),
        )


@router.get("/console/meetings/{meeting_id}")
def agenda_page(request: Request, meeting_id: int) -> Response:
    return _agenda_page(request, meeting_id)


@router.post("/console/meetings/{meeting_id}/items")
def post_item(request: Request, meeting_id: int, form: PostedForm) -> Response:
    actor = staff(request)
    st = state_of(request)
    fields = fields_of(form)
    case_id = fields.get("case_id", "")
    try:
        with st.db.unit_of_work() as session:
            add_to_agenda(
                session,
                meeting_id,
                actor=actor,
                case_id=int(case_id) if case_id.isdigit() else None,
                tracking_no=fields.get("tracking_no") or None,
                reasons=fields.get("reasons") or None,
                now=st.clock.now(),
            )
    except (Forbidden, NotFound):
        raise
    except MinyiError as exc:
        return _agenda_page(request, meeting_id, status_code=422, error=_say(request, exc))
    return redirect(f"/console/meetings/{meeting_id}?done=added#agenda")


@router.post("/console/meetings/{meeting_id}/items/{item_id}/move")
def post_move(request: Request, meeting_id: int, item_id: int, form: PostedForm) -> Response:
    actor = staff(request)
    st = state_of(request)
    position = fields_of(form).get("position", "")
    if not position.isdigit():
        return _agenda_page(request, meeting_id, status_code=422, error="请填写议题的新位置")
    with st.db.unit_of_work() as session:
        move_item(session, meeting_id, item_id, actor=actor, position=int(position))
    return redirect(f"/console/meetings/{meeting_id}#agenda")


@router.post("/console/meetings/{meeting_id}/items/{item_id}/remove")
def post_remove(request: Request, meeting_id: int, item_id: int, form: PostedForm) -> Response:
    actor = staff(request)
    st = state_of(request)
    fields_of(form)
    try:
        with st.db.unit_of_work() as session:
            remove_item(session, meeting_id, item_id, actor=actor)
    except (Forbidden, NotFound):
        raise
    except MinyiError as exc:
        return _agenda_page(request, meeting_id, status_code=409, error=_say(request, exc))
    return redirect(f"/console/meetings/{meeting_id}#agenda")


# --- decision ----------------------------------------------------------------------------------
def _decision_page(
    request: Request,
    meeting_id: int,
    item_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    actor = staff(request)
    st = state_of(request)
    with st.db.reading() as session:
        meeting = get_visible_meeting(session, meeting_id, actor)
        view = describe_meeting(session, meeting, actor, now=st.clock.now())
    item = next((i for i in view["items"] if i["id"] == item_id), None)
    if item is None:
        raise NotFound("item_not_found", "本次会议没有这个议题")
    return render(
        request,
        "console/meetings/decision.html",
        level_en=_level_en,
        status_code=status_code,
        m=view,
        item=item,
        error=error,
        values=values or {},
        rows=range(TASK_ROWS),
    )


@router.get("/console/meetings/{meeting_id}/items/{item_id}")
def decision_page(request: Request, meeting_id: int, item_id: int) -> Response:
    return _decision_page(request, meeting_id, item_id)


@router.post("/console/meetings/{meeting_id}/items/{item_id}/decision")
def post_decision(request: Request, meeting_id: int, item_id: int, form: PostedForm) -> Response:
    actor = staff(request)
    st = state_of(request)
    fields = fields_of(form)
    try:
        tasks = [
            TaskSpec(
                fields.get(f"unit_{n}", ""),
                fields.get(f"text_{n}", ""),
                _local(fields.get(f"deadline_{n}"), st.tz, "tasks", "办理时限"),
            )
            for n in range(MAX_TASKS)
            if fields.get(f"unit_{n}") or fields.get(f"text_{n}")
        ]
        with st.db.unit_of_work() as session:
            record_decision(
                session,
                meeting_id,
                item_id,
                actor=actor,
                decision=fields.get("decision", ""),
                tasks=tasks,
                now=st.clock.now(),
            )
    except (Forbidden, NotFound):
        raise
    except MinyiError as exc:
        return _decision_page(
            request, meeting_id, item_id, status_code=422, error=_say(request, exc), values=fields
        )
    return redirect(f"/console/meetings/{meeting_id}?done=decided#item-{item_id}")


# --- minutes -----------------------------------------------------------------------------------
@router.get("/console/meetings/{meeting_id}/minutes.docx")
def minutes(request: Request, meeting_id: int) -> Response:
    actor = staff(request)
    st = state_of(request)
    now = st.clock.now()
    with st.db.reading() as session:
        meeting = get_visible_meeting(session, meeting_id, actor)
        data = describe_meeting(session, meeting, actor, now=now, for_minutes=True)
    document = render_minutes(data, tz=st.tz, made_at=now)
    label = quote(f"{data['level_label']}会议纪要.docx")
    return Response(
        document,
        media_type=DOCX,
        headers={
            "Content-Disposition": (
                f'attachment; filename="meeting-{meeting_id}-minutes.docx"; '
                f"filename*=UTF-8''{label}"
            )
        },
    )
