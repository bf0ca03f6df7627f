"""心理服务 and 话聊: records, sessions, follow-ups, risk levels, 话聊 requested on a case and held,
the counselling a case shows, and the figures. Notes reach only their author and the author's
supervisor (minyi.privacy.rules.counselling_notes); every other reader gets counts and dates."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter

from minyi.api.deps import CurrentActor, State
from minyi.api.errors import ApiRoute, refusals
from minyi.api.state import AppState
from minyi.cases.queries import get_visible_case
from minyi.core.errors import Forbidden, Invalid
from minyi.counselling.queries import (
    case_counselling,
    describe_records,
    describe_talks,
    get_record,
    get_talk,
    list_records,
    list_talks,
    may_use,
    record_detail,
    service_figures,
)
from minyi.counselling.schemas import (
    CaseCounsellingOut,
    FiguresOut,
    FollowUpDoneIn,
    FollowUpIn,
    RecordDetailOut,
    RecordOut,
    RiskIn,
    SessionIn,
    TalkHoldIn,
    TalkOut,
    TalkPlanIn,
    TalkRequestIn,
    WalkInIn,
    record_out,
)
from minyi.counselling.service import (
    cancel_talk,
    close_record,
    complete_follow_up,
    hold_session,
    hold_talk,
    open_record,
    plan_follow_up,
    plan_talk,
    request_talk,
    set_risk,
    take_appointment,
)
from minyi.org.rules import Actor

router = APIRouter(tags=["counselling"], route_class=ApiRoute)
BASE = "/api/v1/counselling"


def _today(state: AppState) -> date:
    return state.clock.now().astimezone(state.tz).date()


def _detail(state: AppState, actor: Actor, record_id: int) -> dict[str, Any]:
    with state.db.reading() as session:
        record = get_record(session, actor, record_id)
        return record_out(record_detail(session, actor, record, today=_today(state)))


def _talk(state: AppState, actor: Actor, talk_id: int) -> dict[str, Any]:
    with state.db.reading() as session:
        return describe_talks(session, actor, [get_talk(session, actor, talk_id)])[0]


def _user(state: AppState, actor: Actor) -> None:
    with state.db.reading() as session:
        if not may_use(session, actor):
            raise Forbidden(
                "not_counselling_reader", "心理服务仅对心理咨询师、督导和区级工作人员开放"
            )


@router.get(
    BASE + "/records",
    response_model=list[RecordOut],
    summary="Counselling records the reader may see (no note; the client through the policy)",
    responses=refusals(),
)
def get_records(actor: CurrentActor, state: State, status: str | None = None) -> list[Any]:
    _user(state, actor)
    with state.db.reading() as session:
        rows = list_records(session, actor, status=status)
        return [record_out(d) for d in describe_records(session, actor, rows, today=_today(state))]


@router.post(
    BASE + "/records",
    response_model=RecordDetailOut,
    status_code=201,
    summary="Take a walk-in client in (a counsellor at the site); a self-harm flag on the case "
    "starts the record at 高",
    responses=refusals(403, 404, 422),
)
def post_record(body: WalkInIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        record = open_record(
            session,
            actor,
            site_id=body.site_id,
            name=body.name,
            phone=body.phone,
            case_id=body.case_id,
            now=state.clock.now(),
        )
        record_id = record.id
    return _detail(state, actor, record_id)


@router.post(
    BASE + "/appointments/{appointment_id}/take",
    response_model=RecordDetailOut,
    summary="The client of a counselling appointment booked with this counsellor",
    responses=refusals(403, 404, 409),
)
def post_take(appointment_id: int, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        record_id = take_appointment(session, actor, appointment_id, now=state.clock.now()).id
    return _detail(state, actor, record_id)


@router.get(
    BASE + "/records/{record_id}",
    response_model=RecordDetailOut,
    summary="A record with its sessions and follow-ups; notes only for author and supervisor",
    responses=refusals(404),
)
def get_record_detail(record_id: int, actor: CurrentActor, state: State) -> dict[str, Any]:
    return _detail(state, actor, record_id)


@router.post(
    BASE + "/records/{record_id}/sessions",
    response_model=RecordDetailOut,
    status_code=201,
    summary="Record a session held (the booked appointment is marked attended)",
    responses=refusals(403, 404, 409, 422),
)
def post_session(
    record_id: int, body: SessionIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        hold_session(
            session,
            actor,
            record_id,
            held_at=body.held_at or now,
            minutes=body.minutes,
            notes=body.notes,
            room_id=body.room_id,
            appointment_id=body.appointment_id,
            now=now,
        )
    return _detail(state, actor, record_id)


@router.post(
    BASE + "/records/{record_id}/risk",
    response_model=RecordDetailOut,
    summary="Set the risk level (低/中/高/危急); 危急 notifies the supervisor",
    responses=refusals(403, 404, 422),
)
def post_risk(record_id: int, body: RiskIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        set_risk(session, actor, record_id, body.risk_level, now=state.clock.now())
    return _detail(state, actor, record_id)


@router.post(
    BASE + "/records/{record_id}/close",
    response_model=RecordDetailOut,
    summary="Close a record (结案)",
    responses=refusals(403, 404, 409),
)
def post_close(record_id: int, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        close_record(session, actor, record_id, now=state.clock.now())
    return _detail(state, actor, record_id)


@router.post(
    BASE + "/records/{record_id}/follow-ups",
    response_model=RecordDetailOut,
    status_code=201,
    summary="Plan a follow-up (回访)",
    responses=refusals(403, 404, 409, 422),
)
def post_follow_up(
    record_id: int, body: FollowUpIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        plan_follow_up(
            session,
            actor,
            record_id,
            due_on=body.due_on,
            today=_today(state),
            now=state.clock.now(),
        )
    return _detail(state, actor, record_id)


@router.post(
    BASE + "/follow-ups/{follow_up_id}/done",
    response_model=RecordDetailOut,
    summary="Record a follow-up done, with the counsellor's private note",
    responses=refusals(403, 404, 409, 422),
)
def post_follow_up_done(
    follow_up_id: int, body: FollowUpDoneIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        row = complete_follow_up(
            session, actor, follow_up_id, notes=body.notes, now=state.clock.now()
        )
        record_id = row.record_id
    return _detail(state, actor, record_id)


@router.get(
    BASE + "/talks",
    response_model=list[TalkOut],
    summary="话聊 the reader may see: summary shared, counsellor's notes private",
    responses=refusals(),
)
def get_talks(
    actor: CurrentActor, state: State, case_id: int | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    with state.db.reading() as session:
        return describe_talks(
            session, actor, list_talks(session, actor, case_id=case_id, status=status)
        )


@router.post(
    BASE + "/talks",
    response_model=TalkOut,
    status_code=201,
    summary="Ask for a 话聊 on a case (a leader, the dispatcher or a counsellor); logged on the case",
    responses=refusals(403, 404, 409),
)
def post_talk(body: TalkRequestIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        talk_id = request_talk(session, actor, body.case_id, now=state.clock.now()).id
    return _talk(state, actor, talk_id)


@router.post(
    BASE + "/talks/{talk_id}/plan",
    response_model=TalkOut,
    summary="Plan a 话聊: the counsellor names the lawyer, the mediator, the time and room",
    responses=refusals(403, 404, 409, 422),
)
def post_talk_plan(
    talk_id: int, body: TalkPlanIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        plan_talk(
            session,
            actor,
            talk_id,
            site_id=body.site_id,
            starts_at=body.starts_at,
            lawyer=body.lawyer,
            mediator=body.mediator,
            room_id=body.room_id,
            now=state.clock.now(),
        )
    return _talk(state, actor, talk_id)


@router.post(
    BASE + "/talks/{talk_id}/hold",
    response_model=TalkOut,
    summary="Record a 话聊 held: the shared summary and the counsellor's private notes",
    responses=refusals(403, 404, 409, 422),
)
def post_talk_hold(
    talk_id: int, body: TalkHoldIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        hold_talk(
            session,
            actor,
            talk_id,
            minutes=body.minutes,
            summary=body.summary,
            notes=body.notes,
            now=state.clock.now(),
        )
    return _talk(state, actor, talk_id)


@router.post(
    BASE + "/talks/{talk_id}/cancel",
    response_model=TalkOut,
    summary="Cancel a 话聊 not yet held",
    responses=refusals(403, 404, 409),
)
def post_talk_cancel(talk_id: int, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        cancel_talk(session, actor, talk_id, now=state.clock.now())
    return _talk(state, actor, talk_id)


@router.get(
    BASE + "/cases/{case_id}",
    response_model=CaseCounsellingOut,
    summary="What a case shows of its counselling: sessions held and their dates, 话聊; no note",
    responses=refusals(404),
)
def get_case_counselling(case_id: int, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.reading() as session:
        get_visible_case(session, case_id, actor)
        return case_counselling(session, actor, case_id)


@router.get(
    BASE + "/figures",
    response_model=FiguresOut,
    summary="心理服务 figures over [since, until): counts only",
    responses=refusals(422),
)
def get_figures(
    actor: CurrentActor, state: State, since: date | None = None, until: date | None = None
) -> dict[str, Any]:
    _user(state, actor)
    today = _today(state)
    first = since or today.replace(day=1)
    last = until or today + timedelta(days=1)
    if last <= first:
        raise Invalid("invalid_period", "结束日期须晚于开始日期", field="until")
    with state.db.reading() as session:
        return service_figures(
            session,
            since=datetime.combine(first, time(0), tzinfo=state.tz),
            until=datetime.combine(last, time(0), tzinfo=state.tz),
        )
