"""The portal's leaders' receptions (领导接访日): the published reception days, a slot's booking
form, and the confirmation by its number. A booker sees only their own booking, masked; no page
shows anyone else who booked."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from minyi.core.errors import Invalid, MinyiError, NotFound, TooManyAttempts
from minyi.receptions.models import ReceptionSlot
from minyi.receptions.queries import booking_by_ref, describe, get_reception, public_receptions
from minyi.receptions.rules import ReceptionStatus
from minyi.receptions.service import book, cancel_booking
from minyi.web.pages import PostedForm, WebRoute, fields_of, redirect, render, state_of
from minyi.web.security import client_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/portal/receptions")
def receptions(request: Request) -> Response:
    st = state_of(request)
    now = st.clock.now()
    with st.db.reading() as session:
        rows = public_receptions(session, today=now.astimezone(st.tz).date(), now=now)
    return render(request, "portal/receptions.html", rows=rows)


def _slot(request: Request, slot_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    st = state_of(request)
    with st.db.reading() as session:
        slot = session.scalar(select(ReceptionSlot).where(ReceptionSlot.id == slot_id))
        reception = get_reception(session, slot.reception_id) if slot else None
        if reception is None or reception.status != ReceptionStatus.PUBLISHED:
            raise NotFound("slot_not_found", "该接访时段不存在或已不接受预约")
        d = describe(session, [reception], now=st.clock.now())[0]
    return d, next(s for s in d["slots"] if s["id"] == slot_id)


def _form(
    request: Request,
    slot_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    reception, slot = _slot(request, slot_id)
    return render(
        request,
        "portal/reception_book.html",
        status_code=status_code,
        r=reception,
        slot=slot,
        error=error,
        values=values or {},
    )


@router.get("/portal/receptions/slots/{slot_id}")
def book_form(request: Request, slot_id: int) -> Response:
    return _form(request, slot_id)


@router.post("/portal/receptions/slots/{slot_id}")
def book_slot(request: Request, slot_id: int, form: PostedForm) -> Response:
    st = state_of(request)
    fields = fields_of(form)
    try:
        if len(fields.get("matter", "")) > 5000:
            raise Invalid("too_long", "反映的问题不超过5000字", field="matter")
        ref, _created = book(
            st.db,
            client=client_of(request),
            slot_id=slot_id,
            name=fields.get("name", ""),
            phone=fields.get("phone", ""),
            matter=fields.get("matter", ""),
            now=st.clock.now(),
        )
    except TooManyAttempts as exc:
        page = _form(request, slot_id, status_code=429, error=exc.message, values=fields)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except NotFound:
        raise
    except MinyiError as exc:
        status = 409 if exc.kind == "conflict" else 422
        return _form(request, slot_id, status_code=status, error=exc.message, values=fields)
    return redirect(f"/portal/receptions/booked/{ref}")


@router.get("/portal/receptions/booked/{ref}")
def booked(request: Request, ref: str) -> Response:
    st = state_of(request)
    with st.db.reading() as session:
        found = booking_by_ref(session, ref[:20])
    return render(request, "portal/reception_booked.html", b=found, error=None)


@router.post("/portal/receptions/booked/{ref}/cancel")
def cancel(request: Request, ref: str, form: PostedForm) -> Response:
    """取消预约: the booking's number (in the address) and the phone's last four digits."""
    st = state_of(request)
    fields = fields_of(form)
    try:
        cancel_booking(
            st.db,
            st.settings,
            ref=ref,
            last4=fields.get("phone_last4", "")[:8],
            client=client_of(request),
            now=st.clock.now(),
        )
    except MinyiError as exc:
        status = {"conflict": 409, "not_found": 404, "too_many_requests": 429}.get(exc.kind, 422)
        with st.db.reading() as session:
            found = booking_by_ref(session, ref[:20])
        page = render(
            request, "portal/reception_booked.html", b=found, error=exc.message, status_code=status
        )
        if isinstance(exc, TooManyAttempts):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    return redirect(f"/portal/receptions/booked/{ref.strip().upper()[:20]}")
