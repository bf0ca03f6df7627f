"""create_app(settings): the one place the web process is assembled."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Literal
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from pydantic import BaseModel

from minyi.api import (
    accounts,
    analytics,
    appeals,
    approvals,
    auth,
    calendar,
    clocks,
    counselling,
    docs,
    errors,
    escalation,
    exports,
    grassroots,
    imports,
    legal,
    mailboxes,
    markets,
    mediation,
    meetings,
    metrics,
    notifications,
    observability,
    open311,
    org,
    receptions,
    relief,
    reports,
    services,
    supervision,
    track,
    triage_places,
    triage_review,
    triage_signals,
    volunteers,
    webhooks,
    whistle,
)
from minyi.api.logs import configure_logging
from minyi.api.state import AppState
from minyi.core.clock import Clock
from minyi.core.ids import IdAllocator
from minyi.core.settings import Settings
from minyi.intake.batcher import IntakeBatcher
from minyi.intake.refs import REFS
from minyi.web.mount import add_routes, mount_web
from minyi.wiring import Runtime, build_runtime


class Health(BaseModel):
    status: Literal["ok"]
    # The read replica as the last list read found it (no query here): "off" without one.
    replica: Literal["off", "up", "lagging", "down"] = "off"


# Routers whose routes do not yet declare their refusals one by one (issue 13).
UNDECLARED: frozenset[str] = frozenset()


def tune_garbage_collector() -> None:
    """A server holds ~200k long-lived objects; with the default thresholds a full collection
    of 80-175 ms ran every ~1.5 s under load and stalled every request in flight (the p99).
    Freeze what start-up made and collect young objects far less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


# Every area of the API, in the order requests are matched: intake's router first, as POST
# /api/v1/appeals is most of the traffic (about 20 µs a request, `minyi bench intake`). A new
# area of the API is a new module here.
API_MODULES: tuple[ModuleType, ...] = (
    appeals,
    accounts,
    analytics,
    approvals,
    auth,
    calendar,
    clocks,
    counselling,
    escalation,
    exports,
    grassroots,
    imports,
    legal,
    mailboxes,
    markets,
    mediation,
    meetings,
    metrics,
    notifications,
    open311,
    org,
    receptions,
    relief,
    reports,
    services,
    supervision,
    track,
    triage_places,
    triage_review,
    triage_signals,
    volunteers,
    webhooks,
    whistle,
)


def api_modules() -> list[ModuleType]:
    return list(API_MODULES)


def create_app(
    settings: Settings, *, clock: Clock | None = None, runtime: Runtime | None = None
) -> FastAPI:
    """The web process; `runtime` when the caller (`minyi serve`) built the process's already."""
    runtime = runtime or build_runtime(settings, clock=clock)
    clock, registry, db = runtime.clock, runtime.registry, runtime.db
    tz = ZoneInfo(settings.timezone)
    ids, refs = IdAllocator(db, "appeals"), REFS.of(runtime.caches)
    writer_db = db.for_one_writer()
    state = AppState(
        settings=settings,
        db=db,
        clock=clock,
        refs=refs,
        ids=ids,
        batcher=IntakeBatcher(writer_db, clock, ids, refs, tz, settings.intake_batch_max),
        tz=tz,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        tune_garbage_collector()
        state.batcher.start()
        try:
            yield
        finally:
            state.batcher.stop()
            writer_db.dispose()
            db.dispose()

    app = FastAPI(
        title="Minyi 民意速办",
        version="0.1.0",
        description="群众诉求服务平台: intake from every channel, dispatch, clocks, escalation, daily report.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # Metrics, request ids and logs are our own (api/observability.py); FastAPI's native
        # OpenTelemetry, unconfigured here, still looked up the global providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.minyi = state
    errors.install(app)
    docs.install(app)
    # Request ids, JSON access log and Prometheus metrics (integrations, api/observability.py).
    observability.install(app, state)
    for module in api_modules():
        # Each route declares its own refusals (errors.refusals); the routers listed in
        # UNDECLARED still lean on the blanket until theirs do. Open311 answers its errors in
        # the GeoReport format (api/open311.py).
        if module.__name__ in UNDECLARED:
            app.include_router(module.router, responses=errors.ERROR_RESPONSES)
        else:
            add_routes(app, module.router)

    # The citizen portal answers at "/", the staff console at /console, the leaders' at /leader.
    mount_web(app, registry)

    @app.get("/healthz", tags=["ops"], responses=errors.refusals(public=True))
    def healthz() -> Health:
        return Health(status="ok", replica=db.replica_state)

    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` worker processes: settings from MINYI_* variables."""
    settings = Settings()
    configure_logging(access_log=settings.access_log)
    return create_app(settings)
