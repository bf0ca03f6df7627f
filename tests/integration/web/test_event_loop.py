"""No route blocks the event loop: database work, password hashes and page rendering run in
FastAPI's threadpool (plain `def` routes and dependencies), so one request waiting for a lock
or hashing a password never holds up the others.

The structural test walks every route of the app: an `async def` endpoint or dependency must be
on the allow-list below, each entry with the reason it does not block. The behavioural test holds
a database lock against a console form and shows another request is answered meanwhile."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from fastapi.routing import _IncludedRouter
from fastapi.testclient import TestClient
from sqlalchemy import text
from starlette.routing import Mount

from factories import make_dispatched
from minyi.core.db import Database
from webclient import csrf_of, signed_in

# An `async def` endpoint runs on the event loop: it may await, never block. Each entry says why
# it is async and where its blocking work goes.
ASYNC_ENDPOINTS = {
    "minyi.api.appeals.create_appeal": "awaits the group-commit writer; a token lookup runs in the threadpool",
    "minyi.api.appeals.upload_attachment": "reads the upload; the throttle, database and file writes run in the threadpool",
    "minyi.api.open311.create_request": "awaits the group-commit writer; lookups and media writes run in the threadpool",
    "minyi.web.portal.submit": "awaits the group-commit writer; file reads, checks, pages and writes run in the threadpool",
    "minyi.web.console_intake.register": "awaits the group-commit writer; the sign-in check, form checks, the accept or decline and pages run in the threadpool",
    "minyi.web.console_grid.report": "awaits the group-commit writer; the sign-in check, photo reads and writes and pages run in the threadpool",
    "minyi.api.grassroots.import_file": "reads the upload; parsing and the database writes run in the threadpool",
    "minyi.api.grassroots.post_patrol": "awaits the group-commit writer for a raised finding; the patrol's writes run in the threadpool",
    "minyi.api.grassroots.post_event": "awaits the group-commit writer; the finding's read and the link to its case run in the threadpool",
    "minyi.web.console_grassroots.post_patrol": "awaits the group-commit writer; the sign-in check, photo reads and writes and pages run in the threadpool",
    "minyi.web.console_grassroots.post_event": "awaits the group-commit writer; the sign-in check and pages run in the threadpool",
    "minyi.api.volunteers.post_report": "awaits the group-commit writer; the secret check, the report's write and the receipt's read run in the threadpool",
    "minyi.web.portal_volunteers.report": "awaits the group-commit writer; the cookie check, the report's write and the form page run in the threadpool",
    "minyi.web.console_volunteers.post_raise": "awaits the group-commit writer; the sign-in and area checks and pages run in the threadpool",
    "minyi.api.markets.post_matter": "awaits the group-commit writer; the stall checks, the matter's writes and the on-the-spot closure run in the threadpool",
    "minyi.web.console_markets.post_matter": "awaits the group-commit writer; the sign-in check, the matter's writes and pages run in the threadpool",
    "minyi.web.console_markets.summary_pdf": "renders the summary page and its PDF in the threadpool",
    "minyi.api.receptions.post_case": "awaits the group-commit writer; the booking's read and the link to its case run in the threadpool",
    "minyi.web.console_receptions.raise_case": "awaits the group-commit writer; the sign-in check and pages run in the threadpool",
    "minyi.api.relief.post_application": "awaits the group-commit writer; the application's checks, writes and reads run in the threadpool",
    "minyi.web.console_relief.relief_new_post": "awaits the group-commit writer; the sign-in check, uploads, the application's writes and pages run in the threadpool",
    "minyi.web.portal_relief.apply_post": "awaits the group-commit writer; uploads, the application's writes and pages run in the threadpool",
    "fastapi.applications.FastAPI.setup.<locals>.openapi": "builds the schema once, then answers it from memory",
}
# Async dependencies run on the event loop too.
ASYNC_DEPENDENCIES = {
    "minyi.web.pages.posted_form": "reads the form and checks the CSRF token (an HMAC): no database",
    "minyi.api.deps.get_state": "a dict lookup",
    "minyi.api.deps.token_actor": "the token lookup runs in the threadpool",
    "minyi.api.deps.optional_actor": "checks a flag on the actor token_actor read",
    "minyi.api.deps.case_query": "bundles query parameters",
    "fastapi.security.oauth2.OAuth2PasswordBearer": "reads the Authorization header",
}
# Another change may turn these into plain functions; the list need not follow at once.
MAY_BE_GONE = {"minyi.api.open311.create_request"}


def _is_async(call: Any) -> bool:
    if call is None:
        return False
    target = call if inspect.isroutine(call) else getattr(call, "__call__", None)  # noqa: B004 - a class instance's method
    return inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)


def _name(call: Callable[..., Any]) -> str:
    kind = call if inspect.isroutine(call) or inspect.isclass(call) else type(call)
    return f"{kind.__module__}.{kind.__qualname__}"


def _routes(routes: list[Any]) -> Iterator[Any]:
    for r in routes:
        if isinstance(r, _IncludedRouter):
            yield from _routes(r.effective_candidates())
        elif isinstance(r, Mount):
            yield from _routes(r.routes or [])
        else:
            yield r


def _async_dependencies(dependant: Any) -> Iterator[tuple[str, Any]]:
    for sub in dependant.dependencies:
        if _is_async(sub.call):
            yield _name(sub.call), sub.call
        yield from _async_dependencies(sub)


class TestNoAsyncRouteBlocks:
    def test_every_async_endpoint_and_dependency_is_known_not_to_block(
        self, app_client: TestClient
    ) -> None:
        endpoints: dict[str, str] = {}
        dependencies: dict[str, str] = {}
        for route in _routes(app_client.app.routes):  # type: ignore[attr-defined]
            endpoint = getattr(route, "endpoint", None)
            if _is_async(endpoint):
                endpoints[_name(endpoint)] = route.path
            if hasattr(route, "dependant"):
                for name, _ in _async_dependencies(route.dependant):
                    dependencies.setdefault(name, route.path)
        unknown = {n: p for n, p in endpoints.items() if n not in ASYNC_ENDPOINTS}
        assert not unknown, (
            f"async def endpoints that may block the event loop: {unknown}. Make them plain `def` "
            "(form routes take `form: PostedForm`), or move the blocking part into run_in_threadpool "
            "and add them to ASYNC_ENDPOINTS with the reason"
        )
        unknown = {n: p for n, p in dependencies.items() if n not in ASYNC_DEPENDENCIES}
        assert not unknown, f"async dependencies that may block the event loop: {unknown}"
        stale = set(ASYNC_ENDPOINTS) - set(endpoints) - MAY_BE_GONE
        assert not stale, f"no longer async, take them off ASYNC_ENDPOINTS: {stale}"

    def test_a_form_waiting_for_a_database_lock_does_not_hold_up_other_requests(
        self,
        app_client: TestClient,
        db: Database,
    ) -> None:
        case = make_dispatched(app_client, lead="DEP06")
        handler = signed_in(app_client, "dep06.handler")
        page = f"/console/cases/{case['id']}"
        form = {"csrf_token": csrf_of(handler, page)}
        postgres = db.engine.dialect.name == "postgresql"

        # Another connection holds what the sign-for needs: on SQLite the write lock (BEGIN
        # IMMEDIATE), on PostgreSQL the case's row.
        lock = db.engine.connect()
        transaction = lock.begin()
        if postgres:
            lock.execute(text("SELECT id FROM cases WHERE id = :id FOR UPDATE"), {"id": case["id"]})
        released = threading.Event()
        guard = threading.Lock()

        def release() -> None:
            with guard:
                if not released.is_set():
                    released.set()
                    transaction.rollback()

        # If the form blocked the loop, nothing here could release the lock: a timer does, late.
        safety = threading.Timer(20, release)
        safety.start()

        async def scenario() -> tuple[bool, int, int]:
            transport = httpx.ASGITransport(app=app_client.app)  # type: ignore[arg-type]
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver"
            ) as client:
                client.cookies.update(dict(handler.cookies))
                waiting = asyncio.create_task(client.post(f"{page}/actions/sign_for", data=form))
                await _until_blocked(db, postgres)
                probe = await client.get("/portal/track")
                answered_while_locked = not released.is_set() and not waiting.done()
                release()
                return answered_while_locked, probe.status_code, (await waiting).status_code

        try:
            answered_while_locked, probe_status, action_status = asyncio.run(scenario())
        finally:
            safety.cancel()
            release()
            lock.close()
        assert probe_status == 200
        assert answered_while_locked, "a request waited for another request's database lock"
        assert action_status == 303  # the sign-for went through once the lock was free
        assert "已签收" in handler.get(page).text


async def _until_blocked(db: Database, postgres: bool) -> None:
    """Give the form time to reach the lock (PostgreSQL says when a backend waits on one)."""
    for _ in range(100):
        await asyncio.sleep(0.05)
        if not postgres:
            if _ >= 10:
                return
            continue
        with db.engine.connect() as conn:
            waiting = conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        if waiting:
            return
