"""Joint meetings (区信联办 / 街道信访工作联席会议): plan, set the agenda from the hard cases,
record decisions whose tasks land in units' to-do lists with clocks, download the minutes."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from minyi.api.cursor import PageCursor
from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.meetings.documents import render_minutes
from minyi.meetings.queries import (
    candidates,
    describe_meeting,
    get_visible_meeting,
    list_meetings,
    summaries,
)
from minyi.meetings.schemas import (
    AgendaIn,
    CandidateOut,
    DecisionIn,
    MeetingIn,
    MeetingOut,
    MeetingPage,
    MoveIn,
)
from minyi.meetings.service import (
    TaskSpec,
    add_to_agenda,
    move_item,
    plan_meeting,
    record_decision,
    remove_item,
)
from minyi.org.rules import Actor

router = APIRouter(prefix="/api/v1/meetings", tags=["meetings"], route_class=ApiRoute)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get(
    "",
    response_model=MeetingPage,
    summary="Joint meetings the reader may read",
    responses=refusals(),
)
def get_meetings(
    actor: CurrentActor,
    session: ReadSession,
    state: State,
    when: Literal["upcoming", "past"] | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: PageCursor = None,
) -> dict[str, Any]:
    found = list_meetings(
        session,
        actor,
        now=state.clock.now(),
        when=when,
        page=page,
        page_size=page_size,
        cursor=cursor,
    )
    return {**found.page_fields(), "items": summaries(session, found.rows, actor)}


@router.post(
    "",
    response_model=MeetingOut,
    status_code=201,
    summary="Plan a joint meeting: level, time, place, convener, member units",
    responses=refusals(422),
)
def post_meeting(body: MeetingIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        meeting = plan_meeting(
            session,
            actor=actor,
            level=body.level,
            street=body.street,
            title=body.title,
            starts_at=body.starts_at,
            place=body.place,
            convener=body.convener,
            units=body.units,
            now=now,
        )
        return describe_meeting(session, meeting, actor, now=now)


@router.get(
    "/{meeting_id}",
    response_model=MeetingOut,
    summary="A meeting with its agenda, decisions and tasks, through the privacy policy",
    responses=refusals(404),
)
def get_meeting(
    meeting_id: int, actor: CurrentActor, session: ReadSession, state: State
) -> dict[str, Any]:
    meeting = get_visible_meeting(session, meeting_id, actor)
    return describe_meeting(session, meeting, actor, now=state.clock.now())


@router.get(
    "/{meeting_id}/candidates",
    response_model=list[CandidateOut],
    summary="Hard cases to offer for the agenda (escalated, overdue, crowd, key, repeat, backlog)",
    responses=refusals(404),
)
def get_candidates(
    meeting_id: int,
    actor: CurrentActor,
    session: ReadSession,
    state: State,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:
    meeting = get_visible_meeting(session, meeting_id, actor)
    return [
        asdict(c) for c in candidates(session, actor, meeting, now=state.clock.now(), limit=limit)
    ]


@router.post(
    "/{meeting_id}/items",
    response_model=MeetingOut,
    status_code=201,
    summary="Put a case on the agenda (at the end)",
    responses=refusals(404, 409, 422),
)
def post_item(meeting_id: int, body: AgendaIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        add_to_agenda(
            session,
            meeting_id,
            actor=actor,
            case_id=body.case_id,
            tracking_no=body.tracking_no,
            reasons=body.reasons,
            now=now,
        )
        return _meeting(session, meeting_id, actor, now)


@router.post(
    "/{meeting_id}/items/{item_id}/move",
    response_model=MeetingOut,
    summary="Move an agenda item to a position (1 = first)",
    responses=refusals(404, 422),
)
def post_move(
    meeting_id: int, item_id: int, body: MoveIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        move_item(session, meeting_id, item_id, actor=actor, position=body.position)
        return _meeting(session, meeting_id, actor, now)


@router.delete(
    "/{meeting_id}/items/{item_id}",
    response_model=MeetingOut,
    summary="Take an undecided case off the agenda",
    responses=refusals(404, 409),
)
def delete_item(meeting_id: int, item_id: int, actor: CurrentActor, state: State) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        remove_item(session, meeting_id, item_id, actor=actor)
        return _meeting(session, meeting_id, actor, now)


@router.post(
    "/{meeting_id}/items/{item_id}/decision",
    response_model=MeetingOut,
    summary="Record the decision on a case and the tasks (with deadlines) it gives member units",
    responses=refusals(404, 409, 422),
)
def post_decision(
    meeting_id: int, item_id: int, body: DecisionIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        record_decision(
            session,
            meeting_id,
            item_id,
            actor=actor,
            decision=body.decision,
            tasks=[TaskSpec(t.unit, t.text, t.deadline) for t in body.tasks],
            now=now,
        )
        return _meeting(session, meeting_id, actor, now)


@router.get(
    "/{meeting_id}/minutes.docx",
    summary="The minutes (会议纪要, .docx), each case's text as every member unit may read it",
    response_class=Response,
    responses=refusals(404) | {200: {"content": {DOCX: {}}}},
)
def minutes_docx(
    meeting_id: int, actor: CurrentActor, session: ReadSession, state: State
) -> Response:
    now = state.clock.now()
    meeting = get_visible_meeting(session, meeting_id, actor)
    data = describe_meeting(session, meeting, actor, now=now, for_minutes=True)
    document = render_minutes(data, tz=state.tz, made_at=now)
    name = f"meeting-{meeting.id}-minutes.docx"
    label = quote(f"{data['level_label']}会议纪要.docx")
    return Response(
        document,
        media_type=DOCX,
        headers={
            "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{label}"
        },
    )


def _meeting(session: Session, meeting_id: int, actor: Actor, now: datetime) -> dict[str, Any]:
    return describe_meeting(
        session, get_visible_meeting(session, meeting_id, actor), actor, now=now
    )
