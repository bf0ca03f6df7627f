"""What every page shares: the template environment, the signed-in staff member, error pages.

Templates autoescape everything (`select_autoescape(default=True)`): a `<script>` in an appeal
shows as text. Domain errors raised by the services become HTML pages with the same status
codes the API uses (404 outside scope, 403 for the wrong role, 409, 422).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from minyi.cases.models import Case
from minyi.core.errors import Forbidden, MinyiError, TooManyAttempts, Unauthorized
from minyi.core.replica import acting_as
from minyi.grassroots.queries import covers_anything
from minyi.org.rules import Actor, Role
from minyi.org.service import actor_for_token
from minyi.web.form_again import form_again
from minyi.web.i18n import LANG_COOKIE, Translator, pick_lang, refusal_text
from minyi.web.rules import nav_for
from minyi.web.security import (
    CSRF_FIELD,
    SESSION_COOKIE,
    TooManyRequests,
    check_csrf,
    cookie_flags,
    csrf_token_for,
    remember_csrf,
)

HERE = Path(__file__).parent
env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
STATUS = {"not_found": 404, "forbidden": 403, "unauthorized": 401, "conflict": 409, "invalid": 422}
SECURITY_HEADERS = {
    # Everything the pages use is served from here: no inline script, nothing from elsewhere.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Pages show personal data: no shared cache keeps them, no back button shows them after sign-out.
    "Cache-Control": "no-store",
}


def state_of(request: Request) -> Any:
    """The AppState create_app keeps on the app (typed loosely: web may not import minyi.api)."""
    return request.app.state.minyi


def local_time(value: datetime | None, tz: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(tz).strftime(fmt) if value else ""


def duration(seconds: float | None, t: Translator) -> str:
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else ""
    s = abs(int(seconds))
    d, h, m = s // 86400, s % 86400 // 3600, s % 3600 // 60
    if t.zh:
        text = (f"{d}天" if d else "") + (f"{h}小时" if h else "") + (f"{m}分" if not d else "")
        return sign + (text or "0分")
    text = (f"{d}d " if d else "") + (f"{h}h " if h else "") + (f"{m}m" if not d else "")
    return sign + (text.strip() or "0m")


def current_actor(request: Request) -> Actor | None:
    """The staff member behind the session cookie (an API token, so sign-out revokes both)."""
    cached = getattr(request.state, "actor", False)
    if cached is None or isinstance(cached, Actor):
        acting_as(None if cached is None else cached.username)
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    actor = None
    if token:
        state = state_of(request)
        # Read on every request, never cached: a sign-out or deactivation elsewhere ends it here.
        try:
            with state.db.reading() as session:
                actor = actor_for_token(session, token=token, now=state.clock.now())
        except Unauthorized:
            actor = None
    request.state.actor = actor
    # In the route's own thread (asked again there when a dependency asked first): the units of
    # work it commits are this person's, and their next lists wait for them (core/replica.py).
    acting_as(None if actor is None else actor.username)
    return actor


class SignInRequired(Exception):
    pass


class PasswordChangeRequired(Exception):
    """An administrator reset the password: every console page sends the person to 修改密码
    until they choose their own."""


def staff(
    request: Request, roles: Iterable[Role] | None = None, *, changing_password: bool = False
) -> Actor:
    """The signed-in staff member, allowed on this page (only 修改密码 after a reset)."""
    actor = current_actor(request)
    if actor is None:
        raise SignInRequired
    if actor.must_change_password and not changing_password:
        raise PasswordChangeRequired
    if roles is not None and actor.role not in set(roles):
        raise Forbidden(
            "role_not_allowed", "您的岗位无权访问此页面 (your role may not open this page)"
        )
    return actor


def _covers(request: Request, actor: Actor | None) -> bool:
    """Whether a reader without the patrol link of their role covers a place (the nav's link to
    the patrol page); asked only of those, once per request."""
    if actor is None or actor.staff_id is None or actor.role is Role.GRID_STAFF:
        return False
    cached = getattr(request.state, "covers", None)
    if cached is None:
        with state_of(request).db.reading() as session:
            cached = covers_anything(session, actor.staff_id)
        request.state.covers = cached
    return bool(cached)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    state = state_of(request)
    lang = pick_lang(request)
    t = Translator(lang)
    tz = state.tz
    csrf = csrf_token_for(request, state.settings.secret_key)
    actor = current_actor(request)
    body = env.get_template(template).render(
        case_no=_case_numbers(state),
        request=request,
        t=t,
        lang=lang,
        actor=actor,
        nav=nav_for(actor, covers=_covers(request, actor)),
        csrf=csrf,
        csrf_field=CSRF_FIELD,
        when=lambda v, fmt="%Y-%m-%d %H:%M": local_time(v, tz, fmt),
        left=lambda s: duration(s, t),
        path=request.url.path,
        quote=quote,
        **context,
    )
    response = Response(body, status_code=status_code, media_type="text/html; charset=utf-8")
    remember_csrf(request, response, state.settings)
    if request.query_params.get("lang") in ("zh-CN", "en"):
        response.set_cookie(
            LANG_COOKIE,
            request.query_params["lang"],
            max_age=365 * 86400,
            **cookie_flags(state.settings),
        )
    return response


def _case_numbers(state: Any) -> Callable[[int | None], str]:
    """`case_no(case_id)` for templates: a case's tracking number, the only case reference a
    person reads (internal ids stay in links). Looked up when a template asks, once per case."""
    found: dict[int, str] = {}

    def case_no(case_id: int | None) -> str:
        if case_id is None:
            return ""
        if case_id not in found:
            with state.db.reading() as session:
                found[case_id] = (
                    session.scalar(select(Case.tracking_no).where(Case.id == case_id)) or ""
                )
        return found[case_id]

    return case_no


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def posted_form(request: Request) -> FormData:
    """The POST's form, read and CSRF-checked on the event loop (no database, nothing blocking).

    Form routes are plain `def` functions, which FastAPI runs in the threadpool, and take the
    form from this dependency (`form: PostedForm`): the database work, the password hashes and
    the page rendering stay off the event loop, which keeps serving every other request."""
    await check_csrf(request, state_of(request).settings.secret_key)
    return await request.form()


PostedForm = Annotated[FormData, Depends(posted_form)]


def fields_of(form: FormData) -> dict[str, str]:
    """The form's text fields, stripped (a password is read from the form as typed)."""
    return {k: v.strip() for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}


def staff_form(
    request: Request,
    form: FormData,
    roles: Iterable[Role] | None = None,
    *,
    changing_password: bool = False,
) -> tuple[Actor, Any, dict[str, str]]:
    """A signed-in staff member's POST: who, the app state, and the CSRF-checked form fields."""
    actor = staff(request, roles, changing_password=changing_password)
    return actor, state_of(request), fields_of(form)


def _back(request: Request) -> str:
    """Where "back" goes: the page the form was on when it is one of ours, else the start page."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path.startswith("/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/console" if current_actor(request) else "/"


def error_page(
    request: Request,
    status_code: int,
    message: str,
    headers: dict[str, str] | None = None,
    *,
    code: str | None = None,
) -> Response:
    """The refusal as a page in the reader's language (a service's English message never shows on
    a Chinese page: its code's words, or the status's)."""
    text = refusal_text(Translator(pick_lang(request)), code, message, status_code)
    response = render(
        request, "error.html", status_code=status_code, message=text, back=_back(request)
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


class WebRoute(APIRoute):
    """Turns domain errors into HTML pages and adds the security headers to every answer."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            # The error page reads the signed-in staff member and renders a template: blocking
            # work, so it is made in the threadpool like the routes themselves.
            try:
                response = await handler(request)
            except SignInRequired:
                response = redirect(f"/console/sign-in?next={quote(request.url.path)}")
            except PasswordChangeRequired:
                response = redirect("/console/password?required=1")
            except TooManyAttempts as exc:
                response = await run_in_threadpool(
                    error_page,
                    request,
                    429,
                    exc.message,
                    {"Retry-After": str(exc.retry_after)},
                    code=exc.code,
                )
            except MinyiError as exc:
                status = STATUS.get(exc.kind, 400)
                # On the refilled form a version conflict says the page is already fresh.
                code = "version_conflict_refilled" if exc.code == "version_conflict" else exc.code
                text = refusal_text(Translator(pick_lang(request)), code, exc.message, status)
                refilled = await form_again(request, status, text)
                response = (
                    refilled
                    if refilled is not None
                    else await run_in_threadpool(
                        partial(error_page, code=exc.code), request, status, exc.message
                    )
                )
            except RequestValidationError:
                response = await run_in_threadpool(
                    partial(error_page, code="invalid_form"), request, 422, ""
                )
            except StaleDataError:
                text = refusal_text(
                    Translator(pick_lang(request)), "version_conflict_refilled", "", 409
                )
                refilled = await form_again(request, 409, text)
                response = (
                    refilled
                    if refilled is not None
                    else await run_in_threadpool(
                        partial(error_page, code="version_conflict"), request, 409, ""
                    )
                )
            except TooManyRequests as exc:
                response = await run_in_threadpool(
                    error_page, request, 429, exc.message, {"Retry-After": str(exc.retry_after)}
                )
            for key, value in SECURITY_HEADERS.items():
                response.headers.setdefault(key, value)
            return response

        return route
