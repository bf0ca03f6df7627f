"""Leaders' receptions (下沉接访 / 领导接访日): schedule and publish, the citizens who booked or
walked in (through the privacy policy), the record, each matter raised as a case, home visits,
per-leader figures, 分片包联 links; and the public side: published receptions and booking."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.api.state import AppState
from minyi.core.errors import Invalid
from minyi.org.rules import Actor
from minyi.receptions.queries import (
    booking_by_ref,
    citizens,
    describe,
    home_visits,
    leader_figures,
    list_receptions,
    public_receptions,
    visible_reception,
)
from minyi.receptions.rules import Slot
from minyi.receptions.schemas import (
    AreaLinkIn,
    AreaLinkOut,
    BookIn,
    BookingOut,
    CancelIn,
    CitizenOut,
    HomeVisitIn,
    HomeVisitOut,
    LeaderFiguresOut,
    PublicReceptionOut,
    RaisedOut,
    RaiseIn,
    ReceptionDetailOut,
    ReceptionList,
    ReceptionOut,
    RecordIn,
    ScheduleIn,
    WalkInIn,
    figures_out,
    public_out,
)
from minyi.receptions.service import (
    add_walk_in,
    book,
    cancel_booking,
    cancel_reception,
    link_area,
    mark_came,
    publish_reception,
    raise_matter,
    raised,
    record_home_visit,
    record_reception,
    schedule_reception,
    unlink_area,
)

router = APIRouter(tags=["receptions"], route_class=ApiRoute)
STAFF = "/api/v1/receptions"
PUBLIC = "/api/v1/public/receptions"


def _detail(state: AppState, actor: Actor, reception_id: int) -> dict[str, Any]:
    with state.db.reading() as session:
        r = visible_reception(session, actor, reception_id)
        d = describe(session, [r], now=state.clock.now())[0]
        return {
            **d,
            "citizens": citizens(session, actor, r),
            "home_visits": home_visits(session, actor, r),
        }


@router.get(
    STAFF,
    response_model=ReceptionList,
    summary="Receptions the reader may see, latest first",
    responses=refusals(),
)
def get_receptions(
    actor: CurrentActor,
    session: ReadSession,
    state: State,
    leader_id: int | None = None,
    status: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    total, rows = list_receptions(
        session, actor, leader_id=leader_id, status=status, page=page, page_size=page_size
    )
    return {
        "total": total,
        "page": page,
        "page_size": page_size,
        "items": describe(session, rows, now=state.clock.now()),
    }


@router.post(
    STAFF,
    response_model=ReceptionOut,
    status_code=201,
    summary="Schedule a leader's reception with its time slots (published at once by default)",
    responses=refusals(403, 404, 422),
)
def post_reception(body: ScheduleIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        r = schedule_reception(
            session,
            actor=actor,
            leader=body.leader,
            area=body.area,
            place=body.place,
            topic=body.topic,
            slots=[Slot(s.starts_at, s.ends_at, s.capacity) for s in body.slots],
            publish=body.publish,
            now=now,
            tz=state.tz,
        )
        return describe(session, [r], now=now)[0]


@router.get(
    STAFF + "/figures",
    response_model=list[LeaderFiguresOut],
    summary="Per leader: receptions held, people received, cases raised, solved and held",
    responses=refusals(),
)
def get_figures(actor: CurrentActor, session: ReadSession) -> list[dict[str, Any]]:
    return [figures_out(f) for f in leader_figures(session)]


@router.post(
    STAFF + "/areas",
    response_model=AreaLinkOut,
    summary="Link a leader to a street or community (分片包联); administrators only",
    responses=refusals(403, 404),
)
def post_area(body: AreaLinkIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        link_area(session, actor=actor, leader=body.leader, area=body.area)
    return {"leader": body.leader, "area": body.area, "linked": True}


@router.post(
    STAFF + "/areas/unlink",
    response_model=AreaLinkOut,
    summary="Unlink a leader from a street or community",
    responses=refusals(403, 404),
)
def post_area_unlink(body: AreaLinkIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        unlink_area(session, actor=actor, leader=body.leader, area=body.area)
    return {"leader": body.leader, "area": body.area, "linked": False}


@router.get(
    STAFF + "/{reception_id}",
    response_model=ReceptionDetailOut,
    summary="A reception with its citizens and home visits, through the privacy policy",
    responses=refusals(404),
)
def get_reception(reception_id: int, actor: CurrentActor, state: State) -> dict[str, Any]:
    return _detail(state, actor, reception_id)


@router.post(
    STAFF + "/{reception_id}/publish",
    response_model=ReceptionOut,
    summary="Publish a scheduled reception on the portal",
    responses=refusals(403, 404, 409),
)
def post_publish(reception_id: int, actor: CurrentActor, state: State) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        r = publish_reception(session, reception_id, actor=actor, now=now)
        return describe(session, [r], now=now)[0]


@router.post(
    STAFF + "/{reception_id}/cancel",
    response_model=ReceptionOut,
    summary="Cancel a reception that has not taken place",
    responses=refusals(403, 404, 409),
)
def post_cancel(reception_id: int, actor: CurrentActor, state: State) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        r = cancel_reception(session, reception_id, actor=actor, now=now)
        return describe(session, [r], now=now)[0]


@router.post(
    STAFF + "/{reception_id}/walk-ins",
    response_model=CitizenOut,
    status_code=201,
    summary="Record a citizen who came without booking (one who booked is marked as came)",
    responses=refusals(403, 404, 409, 422),
)
def post_walk_in(
    reception_id: int, body: WalkInIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        b = add_walk_in(
            session,
            reception_id,
            actor=actor,
            name=body.name,
            phone=body.phone,
            matter=body.matter,
            people=body.people,
            now=state.clock.now(),
        )
        booking_id = b.id
    return next(c for c in _detail(state, actor, reception_id)["citizens"] if c["id"] == booking_id)


@router.post(
    STAFF + "/{reception_id}/record",
    response_model=ReceptionDetailOut,
    summary="Record the reception: who came, people received, what it was about",
    responses=refusals(403, 404, 409, 422),
)
def post_record(
    reception_id: int, body: RecordIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        for booking_id in body.came:
            b = mark_came(session, booking_id, actor=actor, now=now)
            if b.reception_id != reception_id:
                raise Invalid("booking_elsewhere", "该预约不属于本次接访", field="came")
        record_reception(
            session, reception_id, actor=actor, people=body.people, summary=body.summary, now=now
        )
    return _detail(state, actor, reception_id)


@router.post(
    STAFF + "/bookings/{booking_id}/case",
    response_model=RaisedOut,
    summary="Raise a citizen's matter as a case on the reception channel (held by the leader or followed)",
    responses=refusals(403, 404, 409, 422),
)
async def post_case(
    booking_id: int, body: RaiseIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    await raise_matter(state, actor, booking_id, hold=body.hold)
    return await run_in_threadpool(_raised, state, booking_id)


def _raised(state: AppState, booking_id: int) -> dict[str, Any]:
    with state.db.reading() as session:
        return raised(session, booking_id)


@router.post(
    STAFF + "/{reception_id}/home-visits",
    response_model=HomeVisitOut,
    status_code=201,
    summary="Record a home visit (家访) after the reception",
    responses=refusals(403, 404, 409, 422),
)
def post_home_visit(
    reception_id: int, body: HomeVisitIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        v = record_home_visit(
            session,
            reception_id,
            actor=actor,
            booking_id=body.booking_id,
            visited_at=body.visited_at,
            place=body.place,
            people=body.people,
            notes=body.notes,
            now=state.clock.now(),
        )
        visit_id = v.id
    return next(
        v for v in _detail(state, actor, reception_id)["home_visits"] if v["id"] == visit_id
    )


# --- public --------------------------------------------------------------------------------
@router.get(
    PUBLIC,
    response_model=list[PublicReceptionOut],
    summary="Published receptions from today on",
    responses=refusals(public=True),
)
def get_public(state: State, session: ReadSession) -> list[dict[str, Any]]:
    now = state.clock.now()
    rows = public_receptions(session, today=now.astimezone(state.tz).date(), now=now)
    return [public_out(r) for r in rows]


@router.post(
    PUBLIC + "/bookings",
    response_model=BookingOut,
    status_code=201,
    summary="Book a slot; the same phone again answers the first booking",
    responses=refusals(404, 409, 422, 429, public=True),
)
def post_booking(body: BookIn, request: Request, state: State) -> dict[str, Any]:
    ref, created = book(
        state.db,
        client=request.client.host if request.client else "unknown",
        slot_id=body.slot_id,
        name=body.name,
        phone=body.phone,
        matter=body.matter,
        now=state.clock.now(),
    )
    return _confirmation(state, ref) | {"created": created}


@router.post(
    PUBLIC + "/bookings/{ref}/cancel",
    response_model=BookingOut,
    summary="Cancel a booking with its number and the phone's last four digits (throttled)",
    responses=refusals(404, 409, 422, 429, public=True),
)
def post_cancel_booking(ref: str, body: CancelIn, request: Request, state: State) -> dict[str, Any]:
    cancelled = cancel_booking(
        state.db,
        state.settings,
        ref=ref,
        last4=body.phone_last4,
        client=request.client.host if request.client else "unknown",
        now=state.clock.now(),
    )
    return _confirmation(state, cancelled)


def _confirmation(state: AppState, ref: str) -> dict[str, Any]:
    with state.db.reading() as session:
        found = booking_by_ref(session, ref)
    return found | {"reception": public_out(found["reception"])}


@router.get(
    PUBLIC + "/bookings/{ref}",
    response_model=BookingOut,
    summary="A booking's confirmation by its number: the booker's own data masked",
    responses=refusals(404, public=True),
)
def get_booking(ref: str, state: State) -> dict[str, Any]:
    return _confirmation(state, ref[:20])
