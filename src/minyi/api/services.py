"""The service sites (五类服务的服务站点): sites with their rooms and professionals, appointments
with them (through the privacy policy), a walk-in booked at the window, attend / no-show / cancel,
and a case handed to another service; and the public side: the sites, free times, a citizen's
booking and its confirmation by number."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.api.state import AppState
from minyi.core.errors import Forbidden, Invalid
from minyi.org.rules import Actor
from minyi.services.queries import (
    appointment_by_ref,
    appointments_of_site,
    appointments_of_staff,
    case_service,
    describe_appointments,
    free_times_of_service,
    get_appointment,
    get_site,
    list_sites,
    services_at,
    site_detail,
    site_out,
)
from minyi.services.rules import (
    APPOINTMENT_MINUTES,
    SERVICE_LABELS,
    SITE_READERS,
    Service,
)
from minyi.services.schemas import (
    AppointmentList,
    AppointmentOut,
    BookIn,
    CancelIn,
    CaseServiceOut,
    ChangeServiceIn,
    FreeTimesOut,
    PublicBookingOut,
    RoomIn,
    RoomOut,
    SiteDetailOut,
    SiteIn,
    SiteOut,
    SiteStaffIn,
    SiteStaffOut,
    StepIn,
    WindowBookIn,
)
from minyi.services.service import (
    add_room,
    add_site_staff,
    book_at_window,
    book_on_portal,
    cancel_on_portal,
    change_service,
    register_site,
    step_appointment,
)

router = APIRouter(tags=["services"], route_class=ApiRoute)
BASE = "/api/v1/services"
PUBLIC = BASE + "/public"


def _reader(actor: Actor) -> Actor:
    if actor.role not in SITE_READERS:
        raise Forbidden("role_not_allowed", "您的岗位无权查看服务站点的预约")
    return actor


def _service(value: str) -> Service:
    try:
        return Service(value)
    except ValueError:
        raise Invalid("invalid_service", "服务类别不正确", field="service") from None


def _day_bounds(state: AppState, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=state.tz)
    return start, start + timedelta(days=1)


def _sites(session: Any, service: str | None, bookable_only: bool) -> list[dict[str, Any]]:
    rows = list_sites(
        session, service=_service(service) if service else None, bookable_only=bookable_only
    )
    offered = services_at(session, [s.id for s in rows])
    return [site_out(s) | {"services": offered[s.id]} for s in rows]


@router.get(
    BASE + "/sites",
    response_model=list[SiteOut],
    summary="Service sites in the order of the area tree (with `service`: where it is given)",
    responses=refusals(422),
)
def get_sites(
    actor: CurrentActor, session: ReadSession, service: str | None = None
) -> list[dict[str, Any]]:
    return _sites(session, service, bookable_only=False)


@router.post(
    BASE + "/sites",
    response_model=SiteDetailOut,
    status_code=201,
    summary="Register a unit as a service site (admin, or street/community staff of its area)",
    responses=refusals(409, 422),
)
def post_site(body: SiteIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        site = register_site(
            session,
            actor,
            unit_code=body.unit,
            category=body.category,
            address=body.address,
            hours=body.hours,
            phone=body.phone,
            now=state.clock.now(),
        )
        return site_detail(session, site.id)


@router.get(
    BASE + "/sites/{site_id}",
    response_model=SiteDetailOut,
    summary="A site with its rooms and professionals (kinds, hours, supervisors)",
    responses=refusals(404),
)
def get_site_detail(site_id: int, actor: CurrentActor, session: ReadSession) -> dict[str, Any]:
    return site_detail(session, site_id)


@router.post(
    BASE + "/sites/{site_id}/rooms",
    response_model=RoomOut,
    status_code=201,
    summary="Add a window or a room to a site",
    responses=refusals(404, 409, 422),
)
def post_room(site_id: int, body: RoomIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        room = add_room(session, actor, site_id, kind=body.kind, name=body.name)
        return next(r for r in site_detail(session, site_id)["rooms"] if r["id"] == room.id)


@router.post(
    BASE + "/sites/{site_id}/staff",
    response_model=SiteStaffOut,
    status_code=201,
    summary="Add a professional to a site as one kind, with own hours and a supervisor",
    responses=refusals(404, 422),
)
def post_staff(
    site_id: int, body: SiteStaffIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        row = add_site_staff(
            session,
            actor,
            site_id,
            username=body.username,
            kind=body.kind,
            hours=body.hours,
            supervisor_username=body.supervisor,
        )
        return next(p for p in site_detail(session, site_id)["staff"] if p["id"] == row.id)


@router.get(
    BASE + "/sites/{site_id}/appointments",
    response_model=AppointmentList,
    summary="A site's appointments of a day, the citizens through the privacy policy",
    responses=refusals(404),
)
def get_site_appointments(
    site_id: int,
    actor: CurrentActor,
    session: ReadSession,
    state: State,
    day: date | None = None,
) -> dict[str, Any]:
    _reader(actor)
    get_site(session, site_id)
    on = day or state.clock.now().astimezone(state.tz).date()
    rows = appointments_of_site(session, site_id, *_day_bounds(state, on))
    return {"day": on, "items": describe_appointments(session, actor, rows)}


@router.post(
    BASE + "/sites/{site_id}/appointments",
    response_model=AppointmentOut,
    status_code=201,
    summary="Book a walk-in citizen at the site's window; the same phone and time answers the first",
    responses=refusals(404, 409, 422),
)
def post_window_booking(
    site_id: int, body: WindowBookIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        appointment, _ = book_at_window(
            session,
            actor,
            site_id=site_id,
            service=body.service,
            starts_at=body.starts_at,
            minutes=body.minutes,
            name=body.name,
            phone=body.phone,
            topic=body.topic,
            staff_id=body.staff_id,
            case_id=body.case_id,
            now=state.clock.now(),
            tz=state.tz,
        )
        return describe_appointments(session, actor, [appointment])[0]


@router.get(
    BASE + "/appointments/mine",
    response_model=AppointmentList,
    summary="The signed-in professional's appointments from the day on (two weeks)",
    responses=refusals(),
)
def get_my_appointments(
    actor: CurrentActor, session: ReadSession, state: State, day: date | None = None
) -> dict[str, Any]:
    on = day or state.clock.now().astimezone(state.tz).date()
    since, _ = _day_bounds(state, on)
    rows = (
        appointments_of_staff(session, actor.staff_id, since, since + timedelta(days=14))
        if actor.staff_id is not None
        else []
    )
    return {"day": on, "items": describe_appointments(session, actor, rows)}


@router.post(
    BASE + "/appointments/{appointment_id}/step",
    response_model=AppointmentOut,
    summary="Attend, no-show or cancel (the professional booked or the site's keepers)",
    responses=refusals(404, 409, 422),
)
def post_step(
    appointment_id: int, body: StepIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    if body.step not in ("attend", "no_show", "cancel"):
        raise Invalid("invalid_step", "操作只能是到场、未到场或取消", field="step")
    with state.db.unit_of_work() as session:
        step_appointment(session, actor, appointment_id, body.step, now=state.clock.now())
        return describe_appointments(session, actor, [get_appointment(session, appointment_id)])[0]


@router.post(
    BASE + "/cases/{case_id}/service",
    response_model=CaseServiceOut,
    summary="Hand a case to another service (转换服务类别), with the reason on its event log",
    responses=refusals(404, 409, 422),
)
def post_case_service(
    case_id: int, body: ChangeServiceIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        case = change_service(
            session, actor, case_id, body.service, reason=body.reason, now=state.clock.now()
        )
        service = case_service(case)
        return {
            "case_id": case.id,
            "service": service.value,
            "service_label": SERVICE_LABELS[service],
        }


# --- public --------------------------------------------------------------------------------
@router.get(
    PUBLIC + "/sites",
    response_model=list[SiteOut],
    summary="The sites taking bookings on the portal (with `service`: where it is given)",
    responses=refusals(422, public=True),
)
def get_public_sites(session: ReadSession, service: str | None = None) -> list[dict[str, Any]]:
    return _sites(session, service, bookable_only=True)


@router.get(
    PUBLIC + "/free-times",
    response_model=FreeTimesOut,
    summary="Free start times of a site's professionals for a service on a day",
    responses=refusals(404, 422, public=True),
)
def get_free_times(
    session: ReadSession,
    state: State,
    site_id: int,
    service: str,
    day: date,
    minutes: Annotated[int, Query(ge=15, le=240)] = 60,
) -> dict[str, Any]:
    chosen = _service(service)
    if minutes not in APPOINTMENT_MINUTES:
        raise Invalid("invalid_minutes", "时长不正确", field="minutes")
    site = get_site(session, site_id)
    if not site.is_bookable:
        raise Invalid("site_not_bookable", "该站点暂不接受网上预约", field="site_id")
    found = free_times_of_service(
        session, site_id, chosen, day, minutes, state.tz, state.clock.now()
    )
    return {
        "site_id": site_id,
        "service": chosen.value,
        "day": day,
        "minutes": minutes,
        "providers": [
            {"staff_id": p.staff_id, "name": p.name, "starts_at": times} for p, times in found
        ],
    }


@router.post(
    PUBLIC + "/bookings",
    response_model=PublicBookingOut,
    status_code=201,
    summary="Book a professional; the same phone, time and professional answers the first booking",
    responses=refusals(404, 409, 422, 429, public=True),
)
def post_public_booking(body: BookIn, request: Request, state: State) -> dict[str, Any]:
    ref, created = book_on_portal(
        state.db,
        client=request.client.host if request.client else "unknown",
        site_id=body.site_id,
        service=body.service,
        starts_at=body.starts_at,
        minutes=body.minutes,
        name=body.name,
        phone=body.phone,
        topic=body.topic,
        staff_id=body.staff_id,
        now=state.clock.now(),
        tz=state.tz,
    )
    with state.db.reading() as session:
        return appointment_by_ref(session, ref) | {"created": created}


@router.post(
    PUBLIC + "/bookings/{ref}/cancel",
    response_model=PublicBookingOut,
    summary="Cancel a booking with its number and the phone's last four digits (throttled)",
    responses=refusals(404, 409, 422, 429, public=True),
)
def post_public_cancel(ref: str, body: CancelIn, request: Request, state: State) -> dict[str, Any]:
    cancelled = cancel_on_portal(
        state.db,
        state.settings,
        ref=ref,
        last4=body.phone_last4,
        client=request.client.host if request.client else "unknown",
        now=state.clock.now(),
    )
    with state.db.reading() as session:
        return appointment_by_ref(session, cancelled)


@router.get(
    PUBLIC + "/bookings/{ref}",
    response_model=PublicBookingOut,
    summary="A booking's confirmation by its number: the booker's own data masked",
    responses=refusals(404, public=True),
)
def get_public_booking(ref: str, session: ReadSession) -> dict[str, Any]:
    return appointment_by_ref(session, ref)
