"""Staff sign-in and sign-out. The session cookie holds an API token (hashed in the database),
so sign-out revokes it everywhere and expiry follows MINYI_TOKEN_TTL_HOURS."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from minyi.core.errors import Unauthorized
from minyi.org.rules import Actor, Role
from minyi.org.service import revoke_token
from minyi.org.signin import sign_in
from minyi.web.pages import (
    PostedForm,
    WebRoute,
    current_actor,
    fields_of,
    posted_form,
    redirect,
    render,
    state_of,
)
from minyi.web.security import SESSION_COOKIE, client_of, cookie_flags

router = APIRouter(route_class=WebRoute, include_in_schema=False)

HOME_OF = {
    Role.INTAKE_CLERK: "/console/intake",
    Role.DISPATCHER: "/console/dispatch",
    Role.UNIT_HEAD: "/console/unit",
    Role.STREET_STAFF: "/console/area",
    Role.COMMUNITY_STAFF: "/console/area",
    Role.GRID_STAFF: "/console/grid",
    Role.SUPERVISOR: "/console/supervision",
    Role.ADMIN: "/console/admin",
    Role.LEADER: "/leader",
    Role.SERVICE_STAFF: "/console/services",
}


def home_of(actor: Actor) -> str:
    return HOME_OF.get(actor.role, "/console/inbox") if actor.role else "/"


def _safe_next(value: str | None) -> str | None:
    # Only our own paths: a sign-in link must not bounce the user to another site.
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


@router.get("/console/sign-in")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    return render(request, "console/sign_in.html", next=_safe_next(next) or "", error=None)


@router.post("/console/sign-in")
def sign_in_submit(request: Request, form: PostedForm) -> Response:
    state = state_of(request)
    fields = fields_of(form)
    raw = form.get("password")
    # The password exactly as typed: fields_of strips spaces, which a password may have.
    username, password = fields.get("username", "")[:60], raw if isinstance(raw, str) else ""
    # A plain `def` route (the threadpool): the hash and the database work stay off the event loop.
    try:
        token: str | None = sign_in(
            state.db,
            state.settings,
            username=username,
            password=password,
            client=client_of(request),
            now=state.clock.now(),
        )[0]
    except Unauthorized as exc:
        error, token = exc.message, None
    if token is None:
        return render(
            request,
            "console/sign_in.html",
            status_code=401,
            next=_safe_next(fields.get("next")) or "",
            error=error,
        )
    response = redirect(_safe_next(fields.get("next")) or "/console")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=state.settings.token_ttl_hours * 3600,
        **cookie_flags(state.settings),
    )
    return response


@router.post("/console/sign-out", dependencies=[Depends(posted_form)])
def sign_out(request: Request) -> Response:
    state = state_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with state.db.unit_of_work() as session:
            revoke_token(session, token=token, now=state.clock.now())
    response = redirect("/console/sign-in")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/console")
def console_home(request: Request) -> Response:
    actor = current_actor(request)
    return redirect(home_of(actor) if actor else "/console/sign-in")
