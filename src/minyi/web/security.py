"""Cookies, CSRF tokens and the portal's per-process rate limits (sign-in and citizen-secret
throttles are shared, in minyi.core.throttle)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from typing import Literal, TypedDict

from starlette.requests import Request
from starlette.responses import Response

from minyi.core.errors import Forbidden
from minyi.core.settings import Settings

SESSION_COOKIE = "minyi_session"
CSRF_COOKIE = "minyi_csrf"
CSRF_FIELD = "csrf_token"


class TooManyRequests(Exception):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class CookieFlags(TypedDict):
    """The flags every cookie of ours is set with (the keyword arguments of `set_cookie`)."""

    httponly: bool
    samesite: Literal["lax", "strict", "none"]
    secure: bool
    path: str


def cookie_flags(settings: Settings) -> CookieFlags:
    return {
        "httponly": True,
        "samesite": "lax",
        "secure": settings.environment == "prod",
        "path": "/",
    }


def _sign(secret: str, nonce: str, session: str) -> str:
    # Bound to the session cookie (its hash): a token taken from one session, or from before a
    # sign-in, does not pass for another.
    bound = hashlib.sha256(session.encode()).hexdigest() if session else ""
    return hmac.new(secret.encode(), f"csrf:{nonce}:{bound}".encode(), hashlib.sha256).hexdigest()[
        :32
    ]


def session_of(request: Request) -> str:
    return request.cookies.get(SESSION_COOKIE) or ""


def new_csrf_token(secret: str, session: str = "") -> str:
    """nonce.signature: signed so a cookie planted from a sibling domain cannot pass as ours."""
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_sign(secret, nonce, session)}"


def csrf_valid(secret: str, cookie: str | None, field: str | None, session: str = "") -> bool:
    if not cookie or not field or "." not in cookie:
        return False
    nonce, signature = cookie.split(".", 1)
    return hmac.compare_digest(signature, _sign(secret, nonce, session)) and hmac.compare_digest(
        cookie, field
    )


def csrf_token_for(request: Request, secret: str) -> str:
    """The token this page's forms carry: the cookie's if it is sound for this session, else a
    new one that `remember_csrf` sets on the response."""
    current = request.cookies.get(CSRF_COOKIE)
    if current and csrf_valid(secret, current, current, session_of(request)):
        return current
    token: str | None = getattr(request.state, "new_csrf", None)
    if token is None:
        token = new_csrf_token(secret, session_of(request))
        request.state.new_csrf = token
    return token


def remember_csrf(request: Request, response: Response, settings: Settings) -> None:
    token = getattr(request.state, "new_csrf", None)
    if token:
        response.set_cookie(CSRF_COOKIE, token, max_age=12 * 3600, **cookie_flags(settings))


async def check_csrf(request: Request, secret: str) -> None:
    """Every state-changing form: the hidden field must match the signed cookie (double submit)."""
    form = await request.form()
    field = form.get(CSRF_FIELD)
    if not csrf_valid(
        secret,
        request.cookies.get(CSRF_COOKIE),
        field if isinstance(field, str) else None,
        session_of(request),
    ):
        raise Forbidden(
            "csrf_failed",
            "表单已失效，请刷新页面后重试 (form expired or forged: reload and try again)",
        )


def client_of(request: Request) -> str:
    # The socket's address: a proxy in front must be configured (uvicorn --forwarded-allow-ips)
    # to pass the real one; a header a client can write itself is never trusted here.
    return (request.client.host if request.client else "unknown")[:64]


class RateLimiter:
    """At most `limit` hits per key in a sliding `seconds` window, per process (the portal's
    first line; a reverse proxy's limits come before it)."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > 50_000:
                self._hits.clear()
            q = self._hits.setdefault(key, deque())
            while q and q[0] <= now - self.seconds:
                q.popleft()
            if len(q) >= self.limit:
                raise TooManyRequests(
                    "操作过于频繁，请稍后再试 (too many requests; try again later)",
                    int(self.seconds - (now - q[0])) + 1,
                )
            q.append(now)
