"""The portal's services (phone first): the services and the sites where they are given, a
booking with a mediator, a lawyer or a counsellor (service, site, day, a free time, name, phone,
topic), and the confirmation by its number. A booker sees only their own booking, masked; no page
shows anyone else who booked."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from minyi.core.errors import Invalid, MinyiError, TooManyAttempts
from minyi.services.queries import (
    appointment_by_ref,
    free_times_of_service,
    list_sites,
    services_at,
    site_out,
)
from minyi.services.rules import (
    BOOKING_HORIZON_DAYS,
    CATEGORY_LABELS,
    PROVIDER_OF,
    SERVICE_LABELS,
    Service,
    hours_text,
)
from minyi.services.service import book_on_portal, cancel_on_portal
from minyi.web.pages import PostedForm, WebRoute, fields_of, redirect, render, state_of
from minyi.web.security import client_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
MINUTES = 60
BOOKABLE = [s.value for s in PROVIDER_OF]
ABOUT = {
    Service.COMPLAINT: "反映问题、投诉建议，可到任一站点的诉求处理窗口或网上提交",
    Service.MEDIATION: "邻里、物业、婚姻家庭、劳动等矛盾纠纷，由人民调解员免费调解",
    Service.LEGAL: "驻点律师免费法律咨询，符合条件的可申请法律援助",
    Service.COUNSELLING: "心理咨询师一对一倾听与疏导，内容严格保密",
    Service.RELIEF: "生活困难、急难情况的帮扶救助，可网上申请或到诉求处理窗口申请",
}


def _labels() -> dict[str, Any]:
    return {
        "service_labels": {s.value: label for s, label in SERVICE_LABELS.items()},
        "hours_text": hours_text,
    }


@router.get("/services")
def services(request: Request) -> Response:
    st = state_of(request)
    with st.db.reading() as session:
        rows = list_sites(session, bookable_only=True)
        offered = services_at(session, [s.id for s in rows])
    groups: dict[str, list[dict[str, Any]]] = {}
    for s in rows:
        groups.setdefault(s.category, []).append(site_out(s) | {"services": offered[s.id]})
    return render(
        request,
        "portal/services/list.html",
        about=[(s.value, SERVICE_LABELS[s], ABOUT[s], s.value in BOOKABLE) for s in Service],
        groups=[(CATEGORY_LABELS[c], groups[c]) for c in CATEGORY_LABELS if c in groups],
        **_labels(),
    )


def _form(
    request: Request,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    st = state_of(request)
    now = st.clock.now()
    today = now.astimezone(st.tz).date()
    values = values or {k: v[:100] for k, v in request.query_params.items()}
    service = values.get("service", "")
    chosen = Service(service) if service in BOOKABLE else None
    day: date | None = None
    if values.get("day"):
        try:
            day = date.fromisoformat(values["day"])
        except ValueError:
            error = error or "日期格式不正确"
        if day is not None and not today <= day <= today + timedelta(days=BOOKING_HORIZON_DAYS):
            error, day = error or f"请选择今天起{BOOKING_HORIZON_DAYS}天内的日期", None
    site_id = int(values["site"]) if values.get("site", "").isdigit() else None
    with st.db.reading() as session:
        sites = [site_out(s) for s in list_sites(session, service=chosen, bookable_only=True)]
        site = next((s for s in sites if s["id"] == site_id), None)
        times: list[dict[str, Any]] = []
        if chosen is not None and site is not None and day is not None:
            for p, free in free_times_of_service(
                session, site["id"], chosen, day, MINUTES, st.tz, now
            ):
                times.extend({"staff_id": p.staff_id, "name": p.name, "at": at} for at in free)
            times.sort(key=lambda x: (x["at"], x["name"]))
    return render(
        request,
        "portal/services/book.html",
        status_code=status_code,
        services=[(v, SERVICE_LABELS[Service(v)]) for v in BOOKABLE],
        chosen=chosen.value if chosen else "",
        sites=sites,
        site=site,
        day=day,
        default_day=(today + timedelta(days=1)).isoformat(),
        max_day=(today + timedelta(days=BOOKING_HORIZON_DAYS)).isoformat(),
        times=times,
        slot_value=lambda x: f"{x['staff_id']}|{x['at'].isoformat()}",
        error=error,
        values=values,
        **_labels(),
    )


@router.get("/services/book")
def book_form(request: Request) -> Response:
    return _form(request)


def _slot(value: str) -> tuple[int, datetime]:
    staff, _, at = value.partition("|")
    try:
        starts_at = datetime.fromisoformat(at)
        if starts_at.tzinfo is None:
            raise ValueError
        return int(staff), starts_at
    except ValueError:
        raise Invalid("invalid_time", "请选择一个可预约的时间", field="slot") from None


@router.post("/services/book")
def book(request: Request, form: PostedForm) -> Response:
    st = state_of(request)
    fields = {k: v[:2000] for k, v in fields_of(form).items()}
    try:
        if not fields.get("site", "").isdigit():
            raise Invalid("invalid_site", "请选择服务站点", field="site")
        if not fields.get("slot"):
            raise Invalid("invalid_time", "请选择一个可预约的时间", field="slot")
        staff_id, starts_at = _slot(fields["slot"])
        ref, _created = book_on_portal(
            st.db,
            client=client_of(request),
            site_id=int(fields["site"]),
            service=fields.get("service", ""),
            starts_at=starts_at,
            minutes=MINUTES,
            name=fields.get("name", ""),
            phone=fields.get("phone", ""),
            topic=fields.get("topic", ""),
            staff_id=staff_id,
            now=st.clock.now(),
            tz=st.tz,
        )
    except TooManyAttempts as exc:
        page = _form(request, status_code=429, error=exc.message, values=fields)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except MinyiError as exc:
        status = 409 if exc.kind == "conflict" else 404 if exc.kind == "not_found" else 422
        return _form(request, status_code=status, error=exc.message, values=fields)
    return redirect(f"/services/booked/{ref}")


@router.get("/services/booked/{ref}")
def booked(request: Request, ref: str) -> Response:
    st = state_of(request)
    with st.db.reading() as session:
        found = appointment_by_ref(session, ref[:20])
    return render(request, "portal/services/booked.html", b=found, error=None, **_labels())


@router.post("/services/booked/{ref}/cancel")
def cancel(request: Request, ref: str, form: PostedForm) -> Response:
    """取消预约: the booking's number (in the address) and the phone's last four digits."""
    st = state_of(request)
    try:
        cancel_on_portal(
            st.db,
            st.settings,
            ref=ref,
            last4=fields_of(form).get("phone_last4", "")[:8],
            client=client_of(request),
            now=st.clock.now(),
        )
    except MinyiError as exc:
        status = {"conflict": 409, "not_found": 404, "too_many_requests": 429}.get(exc.kind, 422)
        with st.db.reading() as session:
            found = appointment_by_ref(session, ref[:20])
        page = render(
            request,
            "portal/services/booked.html",
            b=found,
            error=exc.message,
            status_code=status,
            **_labels(),
        )
        if isinstance(exc, TooManyAttempts):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    return redirect(f"/services/booked/{ref.strip().upper()[:20]}")
