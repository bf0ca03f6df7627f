"""服务大厅: the hub of the five services (a professional's appointments with attend / no-show /
cancel, a tile per workflow for those who may use it), the service sites with their rooms,
professionals and a day's appointments, the keepers' forms (register a site, add a room or a
professional, book a walk-in at the window), and 转换服务类别 on the case page."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from minyi.core.errors import Forbidden, Invalid, MinyiError
from minyi.org.models import Unit
from minyi.org.rules import Actor, Role
from minyi.services.models import ServiceSite
from minyi.services.queries import (
    appointments_of_site,
    appointments_of_staff,
    cases_by_service,
    describe_appointments,
    get_site,
    kinds_of,
    list_sites,
    services_at,
    site_detail,
    site_out,
    upcoming_counts,
)
from minyi.services.rules import (
    APPOINTMENT_MINUTES,
    BOOKING_HORIZON_DAYS,
    CATEGORY_LABELS,
    PROVIDER_OF,
    ROOM_LABELS,
    SERVICE_DECIDERS,
    SERVICE_LABELS,
    SITE_KEEPERS,
    SITE_READERS,
    STAFF_KIND_LABELS,
    Service,
    hours_text,
    may_book_at_window,
    may_keep_site,
)
from minyi.services.service import (
    add_room,
    add_site_staff,
    book_at_window,
    change_service,
    register_site,
    step_appointment,
)
from minyi.web.console_cases import case_page_response
from minyi.web.pages import PostedForm, WebRoute, fields_of, redirect, render, staff, state_of
from minyi.web.rules import SERVICE_PAGES, service_links

router = APIRouter(route_class=WebRoute, include_in_schema=False)
HUB_READERS = frozenset(Role) - {Role.GRID_STAFF}
_CJK = re.compile(r"[\u4e00-\u9fff]")
STEP_WORDS = {"attend": "到场", "no_show": "未到场", "cancel": "取消"}
DONE = {
    "attend": "已记录到场",
    "no_show": "已记录未到场",
    "cancel": "预约已取消",
    "site": "服务站点已登记",
    "room": "窗口或功能室已添加",
    "staff": "人员已添加",
    "booked": "已为群众预约",
}


def _say(exc: MinyiError) -> str:
    return exc.message if _CJK.search(exc.message) else "操作未成功，请核对填写的内容"


def _today(request: Request) -> date:
    st = state_of(request)
    return st.clock.now().astimezone(st.tz).date()


def _day(text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid("invalid_day", "日期格式不正确（如 2026-11-24）", field="day") from None


def _bounds(request: Request, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=state_of(request).tz)
    return start, start + timedelta(days=1)


def labels() -> dict[str, Any]:
    return {
        "service_labels": {s.value: label for s, label in SERVICE_LABELS.items()},
        "category_labels": {c.value: label for c, label in CATEGORY_LABELS.items()},
        "room_labels": {r.value: label for r, label in ROOM_LABELS.items()},
        "kind_labels": {k.value: label for k, label in STAFF_KIND_LABELS.items()},
        "hours_text": hours_text,
    }


# --- the hub ---------------------------------------------------------------------------------
@router.get("/console/services")
def hub(request: Request) -> Response:
    actor = staff(request, HUB_READERS)
    st = state_of(request)
    today = _today(request)
    since, _ = _bounds(request, today)
    with st.db.reading() as session:
        kinds = (
            frozenset(k.value for k in kinds_of(session, actor.staff_id))
            if actor.staff_id is not None
            else frozenset()
        )
        mine: list[dict[str, Any]] = []
        if actor.role is Role.SERVICE_STAFF and actor.staff_id is not None:
            rows = appointments_of_staff(
                session, actor.staff_id, since, since + timedelta(days=BOOKING_HORIZON_DAYS + 1)
            )
            mine = describe_appointments(session, actor, rows)
            for a in mine:
                a["is_today"] = a["starts_at"].astimezone(st.tz).date() == today
        booked = upcoming_counts(session, since)
        # The 30 whole days before today, all from the per-day roll-up (services/rollup.py):
        # today's cases would be counted live, a whole day's worth at a city's volume.
        cases = cases_by_service(session, since - timedelta(days=30), since)
    links = service_links(actor, kinds)
    tiles = [
        {
            "service": s,
            "label": SERVICE_LABELS[Service(s)],
            "href": SERVICE_PAGES[s] if linked else None,
            "cases": cases[Service(s)],
            "booked": booked.get(s),
        }
        for s, linked in links.items()
    ]
    return render(
        request,
        "console/services/hub.html",
        mine=mine,
        professional=actor.role is Role.SERVICE_STAFF,
        tiles=tiles,
        may_read_sites=actor.role in SITE_READERS,
        done=DONE.get(request.query_params.get("done") or ""),
        step_words=STEP_WORDS,
    )


@router.post("/console/services/appointments/{appointment_id}/{step}")
def step(request: Request, form: PostedForm, appointment_id: int, step: str) -> Response:
    actor = staff(request, HUB_READERS)
    st = state_of(request)
    if step not in STEP_WORDS:
        raise Invalid("invalid_step", "操作只能是到场、未到场或取消", field="step")
    with st.db.unit_of_work() as session:
        step_appointment(session, actor, appointment_id, step, now=st.clock.now())
    back = fields_of(form).get("back", "")
    if not re.fullmatch(r"/console/services(/sites/\d+)?", back):
        back = "/console/services"
    return redirect(f"{back}?done={step}")


# --- the sites ----------------------------------------------------------------------------------
def _keeper_units(session: Session, actor: Actor) -> list[Unit]:
    """The units a keeper may register as a site (their area's, not yet sites)."""
    if actor.role not in SITE_KEEPERS:
        return []
    path = "" if actor.role is Role.ADMIN else (actor.unit_path or "\x00")
    taken = select(ServiceSite.unit_id)
    return list(
        session.scalars(
            select(Unit)
            .where(
                Unit.kind.in_(("district", "street", "community", "site")),
                Unit.is_active.is_(True),
                Unit.path.startswith(path, autoescape=True),
                Unit.id.not_in(taken),
            )
            .order_by(Unit.path)
            .limit(500)
        )
    )


def _sites_page(
    request: Request, *, status_code: int = 200, error: str | None = None, values: Any = None
) -> Response:
    actor = staff(request, SITE_READERS)
    st = state_of(request)
    with st.db.reading() as session:
        rows = list_sites(session)
        offered = services_at(session, [s.id for s in rows])
        sites = [site_out(s) | {"services": offered[s.id], "path": s.path} for s in rows]
        units = _keeper_units(session, actor)
    groups: dict[str, list[dict[str, Any]]] = {}
    for s in sites:
        s["mine"] = may_keep_site(actor, s.pop("path"))
        groups.setdefault(s["category"], []).append(s)
    return render(
        request,
        "console/services/sites.html",
        status_code=status_code,
        groups=[(CATEGORY_LABELS[c], groups[c]) for c in CATEGORY_LABELS if c in groups],
        units=units,
        error=error,
        values=values or {},
        done=DONE.get(request.query_params.get("done") or ""),
        **labels(),
    )


@router.get("/console/services/sites")
def sites(request: Request) -> Response:
    return _sites_page(request)


@router.post("/console/services/sites")
def post_site(request: Request, form: PostedForm) -> Response:
    actor = staff(request, SITE_READERS)
    st = state_of(request)
    fields = fields_of(form)
    try:
        with st.db.unit_of_work() as session:
            site = register_site(
                session,
                actor,
                unit_code=fields.get("unit", ""),
                category=fields.get("category", ""),
                address=fields.get("address", ""),
                hours=fields.get("hours", ""),
                phone=fields.get("phone") or None,
                now=st.clock.now(),
            )
            site_id = site.id
    except MinyiError as exc:
        status = 409 if exc.kind == "conflict" else 403 if exc.kind == "forbidden" else 422
        return _sites_page(request, status_code=status, error=_say(exc), values=fields)
    return redirect(f"/console/services/sites/{site_id}?done=site")


def _site_page(
    request: Request,
    site_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    form: str | None = None,
    values: Any = None,
) -> Response:
    actor = staff(request, SITE_READERS)
    st = state_of(request)
    day = _day(request.query_params.get("day"), _today(request))
    with st.db.reading() as session:
        site = site_detail(session, site_id)
        rows = appointments_of_site(session, site_id, *_bounds(request, day))
        appointments = describe_appointments(session, actor, rows)
    keeper = may_keep_site(actor, site["path"])
    for a in appointments:
        a["may_step"] = a["status"] == "booked" and (keeper or a["staff_id"] == actor.staff_id)
    return render(
        request,
        "console/services/site.html",
        status_code=status_code,
        site=site,
        day=day,
        prev_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
        appointments=appointments,
        keeper=keeper,
        may_book=may_book_at_window(actor, site["path"], site["unit_id"]),
        bookable=[s.value for s in PROVIDER_OF if s.value in site["services"]],
        minutes=APPOINTMENT_MINUTES,
        error=error,
        failed_form=form,
        values=values or {},
        done=DONE.get(request.query_params.get("done") or ""),
        step_words=STEP_WORDS,
        **labels(),
    )


@router.get("/console/services/sites/{site_id}")
def site(request: Request, site_id: int) -> Response:
    return _site_page(request, site_id)


def _refused(request: Request, site_id: int, exc: MinyiError, which: str, fields: Any) -> Response:
    status = 409 if exc.kind == "conflict" else 403 if exc.kind == "forbidden" else 422
    return _site_page(
        request, site_id, status_code=status, error=_say(exc), form=which, values=fields
    )


@router.post("/console/services/sites/{site_id}/rooms")
def post_room(request: Request, form: PostedForm, site_id: int) -> Response:
    actor = staff(request, SITE_READERS)
    st = state_of(request)
    fields = fields_of(form)
    try:
        with st.db.unit_of_work() as session:
            add_room(
                session, actor, site_id, kind=fields.get("kind", ""), name=fields.get("name", "")
            )
    except MinyiError as exc:
        if exc.kind == "not_found":
            raise
        return _refused(request, site_id, exc, "room", fields)
    return redirect(f"/console/services/sites/{site_id}?done=room")


@router.post("/console/services/sites/{site_id}/staff")
def post_staff(request: Request, form: PostedForm, site_id: int) -> Response:
    actor = staff(request, SITE_READERS)
    st = state_of(request)
    fields = fields_of(form)
    try:
        with st.db.unit_of_work() as session:
            add_site_staff(
                session,
                actor,
                site_id,
                username=fields.get("username", ""),
                kind=fields.get("kind", ""),
                hours=fields.get("hours") or None,
                supervisor_username=fields.get("supervisor") or None,
            )
    except MinyiError as exc:
        if exc.kind == "not_found":
            raise
        return _refused(request, site_id, exc, "staff", fields)
    return redirect(f"/console/services/sites/{site_id}?done=staff")


def _starts_at(request: Request, fields: dict[str, str]) -> datetime:
    try:
        on = date.fromisoformat(fields.get("day", ""))
        at = time.fromisoformat(fields.get("time", ""))
    except ValueError:
        raise Invalid("invalid_time", "请选择预约日期和时间", field="time") from None
    return datetime.combine(on, at, tzinfo=state_of(request).tz)


def _int(text: str | None, field: str, label: str) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise Invalid("bad_number", f"{label}不正确", field=field) from None


@router.post("/console/services/sites/{site_id}/book")
def post_book(request: Request, form: PostedForm, site_id: int) -> Response:
    actor = staff(request, SITE_READERS)
    st = state_of(request)
    fields = fields_of(form)
    try:
        with st.db.unit_of_work() as session:
            get_site(session, site_id)
            appointment, _ = book_at_window(
                session,
                actor,
                site_id=site_id,
                service=fields.get("service", ""),
                starts_at=_starts_at(request, fields),
                minutes=_int(fields.get("minutes"), "minutes", "时长") or 60,
                name=fields.get("name", ""),
                phone=fields.get("phone", ""),
                topic=fields.get("topic", ""),
                staff_id=_int(fields.get("staff_id"), "staff_id", "专业人员"),
                case_id=_int(fields.get("case_id"), "case_id", "诉求件"),
                now=st.clock.now(),
                tz=st.tz,
            )
            day = appointment.starts_at.astimezone(st.tz).date()
    except MinyiError as exc:
        if exc.kind == "not_found" and exc.code == "site_not_found":
            raise
        return _refused(request, site_id, exc, "book", fields)
    return redirect(f"/console/services/sites/{site_id}?day={day.isoformat()}&done=booked")


# --- 转换服务类别 on the case page -----------------------------------------------------------------
@router.post("/console/cases/{case_id}/service")
def post_case_service(request: Request, form: PostedForm, case_id: int) -> Response:
    actor = staff(request)
    if actor.role not in SERVICE_DECIDERS:
        raise Forbidden("not_service_decider", "只有受理、分拨和督查人员可以转换服务类别")
    st = state_of(request)
    fields = fields_of(form)
    try:
        with st.db.unit_of_work() as session:
            change_service(
                session,
                actor,
                case_id,
                fields.get("service", ""),
                reason=fields.get("reason", ""),
                now=st.clock.now(),
            )
    except MinyiError as exc:
        if exc.kind in ("not_found", "forbidden"):
            raise
        return case_page_response(
            request,
            case_id,
            status_code=409 if exc.kind == "conflict" else 422,
            service_error=_say(exc),
            service_values=fields,
        )
    return redirect(f"/console/cases/{case_id}?done=service_changed")
