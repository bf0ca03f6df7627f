"""平安志愿者 on the citizen portal: register, sign in with the volunteer code and the phone's
last four digits, report a problem (it becomes a case), see one's points and the public ranking.

Why a signed cookie after the code and four digits, not the code alone on every report: the code
is printed on a volunteer's card and seen by others, and four digits are one of 10,000, so the
pair is checked once, under the shared throttle (per code and per address), and what the
volunteer carries afterwards is an HMAC of their id, an expiry and their phone number, keyed by
the server's secret. Nobody can make one without the pair; a changed phone number or a
suspension ends it at once (each request re-reads the volunteer)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from minyi.core.errors import Invalid, MinyiError, NotFound, TooManyAttempts
from minyi.org.models import Unit
from minyi.privacy.rules import volunteer_contact
from minyi.volunteers.models import Volunteer
from minyi.volunteers.queries import area_of, balance, ledger, own_reports, ranking
from minyi.volunteers.rules import VolunteerStatus
from minyi.volunteers.service import (
    check_secret,
    raise_report,
    register_resident,
    submit_report,
)
from minyi.web.console_volunteers import labels
from minyi.web.pages import PostedForm, WebRoute, fields_of, redirect, render, state_of
from minyi.web.portal import _places
from minyi.web.security import TooManyRequests, client_of, cookie_flags

router = APIRouter(route_class=WebRoute, include_in_schema=False)
COOKIE = "minyi_volunteer"
COOKIE_SECONDS = 30 * 86400


def _signature(secret_key: str, volunteer_id: int, expires: int, phone: str) -> str:
    message = f"volunteer:{volunteer_id}:{expires}:{phone}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def _cookie_value(secret_key: str, volunteer: Volunteer, now: float) -> str:
    expires = int(now) + COOKIE_SECONDS
    return (
        f"{volunteer.id}.{expires}.{_signature(secret_key, volunteer.id, expires, volunteer.phone)}"
    )


def signed_in_volunteer(request: Request) -> Volunteer | None:
    """The approved volunteer this browser signed in as, or None. Blocking (reads the row)."""
    raw = request.cookies.get(COOKIE, "")
    parts = raw.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    volunteer_id, expires = int(parts[0]), int(parts[1])
    if expires < time.time():
        return None
    st = state_of(request)
    with st.db.reading() as session:
        volunteer = session.get(Volunteer, volunteer_id)
        if volunteer is None or volunteer.status != VolunteerStatus.APPROVED:
            return None
        wanted = _signature(st.settings.secret_key, volunteer.id, expires, volunteer.phone)
        if not hmac.compare_digest(wanted.encode(), parts[2].encode()):
            return None
        session.expunge(volunteer)
        return volunteer


@router.get("/portal/volunteers")
def home(request: Request) -> Response:
    return render(request, "portal/volunteers/home.html", me=signed_in_volunteer(request))


# --- registration -----------------------------------------------------------------------------
def _register_page(
    request: Request,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
    done: dict[str, Any] | None = None,
) -> Response:
    st = state_of(request)
    with st.db.reading() as session:
        streets, communities = _places(session)
        return render(
            request,
            "portal/volunteers/register.html",
            status_code=status_code,
            streets=streets,
            communities=communities,
            error=error,
            values=values or {},
            done=done,
        )


@router.get("/portal/volunteers/register")
def register_form(request: Request) -> Response:
    return _register_page(request)


@router.post("/portal/volunteers/register")
def register(request: Request, form: PostedForm) -> Response:
    st = state_of(request)
    fields = fields_of(form)
    try:
        request.app.state.portal_limits.submit.hit(client_of(request))
    except TooManyRequests:
        return _register_page(
            request, status_code=429, error="操作过于频繁，请稍后再试", values=fields
        )
    try:
        row, created = register_resident(
            st.db,
            client=client_of(request),
            name=fields.get("name", ""),
            phone=fields.get("phone", ""),
            community=fields.get("community", ""),
            now=st.clock.now(),
        )
        code = row.code
    except TooManyAttempts as exc:
        return _register_page(request, status_code=429, error=exc.message, values=fields)
    except MinyiError as exc:
        return _register_page(request, status_code=422, error=exc.message, values=fields)
    # The code is told to whoever made the registration, once; the same phone again learns
    # nothing about the volunteer already there.
    return _register_page(request, done={"created": created, "code": code if created else None})


# --- sign-in ------------------------------------------------------------------------------------
@router.get("/portal/volunteers/sign-in")
def sign_in_form(request: Request) -> Response:
    return render(request, "portal/volunteers/sign_in.html", error=None, code="")


@router.post("/portal/volunteers/sign-in")
def sign_in(request: Request, form: PostedForm) -> Response:
    st = state_of(request)
    fields = fields_of(form)
    code, last4 = fields.get("code", "")[:12], fields.get("phone_last4", "")[:4]
    try:
        volunteer_id = check_secret(
            st.db,
            st.settings,
            code=code,
            last4=last4,
            client=client_of(request),
            now=st.clock.now(),
        )
    except NotFound as exc:
        return render(
            request, "portal/volunteers/sign_in.html", status_code=404, error=exc.message, code=code
        )
    except TooManyAttempts as exc:
        page = render(
            request, "portal/volunteers/sign_in.html", status_code=429, error=exc.message, code=code
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    with st.db.reading() as session:
        volunteer = session.get(Volunteer, volunteer_id)
        assert volunteer is not None  # checked just now; volunteers are never deleted
        value = _cookie_value(st.settings.secret_key, volunteer, time.time())
    answer = redirect("/portal/volunteers/report")
    answer.set_cookie(COOKIE, value, max_age=COOKIE_SECONDS, **cookie_flags(st.settings))
    return answer


@router.post("/portal/volunteers/sign-out")
def sign_out(request: Request, form: PostedForm) -> Response:
    del form
    answer = redirect("/portal/volunteers")
    answer.delete_cookie(COOKIE, path="/")
    return answer


# --- reporting ----------------------------------------------------------------------------------
def _report_page(
    request: Request,
    me: Volunteer,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "portal/volunteers/report.html",
        status_code=status_code,
        me=me,
        error=error,
        values=values or {},
        form_token=secrets.token_hex(16),
    )


@router.get("/portal/volunteers/report")
def report_form(request: Request) -> Response:
    me = signed_in_volunteer(request)
    if me is None:
        return redirect("/portal/volunteers/sign-in")
    return _report_page(request, me)


@router.post("/portal/volunteers/report")
async def report(request: Request, form: PostedForm) -> Response:
    """`async` only to await the group-commit writer; the rest runs in the threadpool."""
    st = state_of(request)
    fields = fields_of(form)
    me = await run_in_threadpool(signed_in_volunteer, request)
    if me is None:
        return redirect("/portal/volunteers/sign-in")

    def keep() -> int:
        with st.db.unit_of_work() as session:
            row, _ = submit_report(
                session,
                me.id,
                token=fields.get("form_token", ""),
                title=fields.get("title"),
                body=fields.get("body", ""),
                address=fields.get("address"),
                now=st.clock.now(),
            )
            return row.id

    try:
        report_id = await run_in_threadpool(keep)
    except (Invalid, NotFound) as exc:
        error = exc.message
        return await run_in_threadpool(
            lambda: _report_page(request, me, status_code=422, error=error, values=fields)
        )
    try:
        await raise_report(st, report_id)
    except MinyiError:
        pass  # the report is kept; staff register it from the verification page
    return redirect(f"/portal/volunteers/me?done={report_id}")


@router.get("/portal/volunteers/me")
def my_points(request: Request, done: int | None = None) -> Response:
    me = signed_in_volunteer(request)
    if me is None:
        return redirect("/portal/volunteers/sign-in")
    st = state_of(request)
    with st.db.reading() as session:
        community = session.scalar(select(Unit).where(Unit.id == me.community_id))
        name, phone = volunteer_contact(
            None,
            me.name,
            me.phone,
            community_path=community.path if community else "",
            is_self=True,
        )
        reports = own_reports(session, me.id)
        return render(
            request,
            "portal/volunteers/me.html",
            me=me,
            name=name,
            phone=phone,
            community=community.name if community else "",
            total=balance(session, me.id),
            lines=ledger(session, me.id, limit=50),
            reports=reports,
            **labels(request),
            done=next((r for r in reports if r["id"] == done), None) if done else None,
        )


@router.get("/portal/volunteers/ranking")
def public_ranking(request: Request, area: str | None = None) -> Response:
    st = state_of(request)
    with st.db.reading() as session:
        unit = area_of(session, area, "")
        streets, communities = _places(session)
        return render(
            request,
            "portal/volunteers/ranking.html",
            rows=ranking(session, None, area_path=unit.path if unit else "", is_public=True),
            area=unit.code if unit else "",
            area_name=unit.name if unit else None,
            streets=streets,
            communities=communities,
        )
