"""Request ids, Prometheus metrics and JSON logs for the web process.

One pure-ASGI middleware (no BaseHTTPMiddleware: it would copy every body) takes X-Request-ID
from the caller or makes one, returns it, keeps it in a context variable that every log line
carries, counts the request and times it by route template (/api/v1/appeals/{case_id}, never
the raw path, so the label set stays small). The gauges are computed when Prometheus scrapes,
from a few indexed COUNTs in the queries of what they measure (notify, sla, integrations).
"""

from __future__ import annotations

import itertools
import logging
import re
import secrets
import time
from collections.abc import Iterable

from anyio import get_cancelled_exc_class
from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from minyi.api.errors import error_json
from minyi.api.limits import BodyLimit
from minyi.api.logs import error_log, request_id, request_log
from minyi.api.state import AppState
from minyi.integrations.queries import open311_queue
from minyi.notify.queries import outbox_backlog
from minyi.sla.calendar_service import calendar_status, today_in_beijing
from minyi.sla.queries import clocks_breached, clocks_due
from minyi.worker.parked import parked_counts

REQUEST_ID_HEADER = "x-request-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
# Request ids: random per process, then a counter; unique like a uuid4 and a fraction of its cost
# on the intake hot path.
_ID_PREFIX = secrets.token_hex(6)
_id_counter = itertools.count(1)


class Metrics:
    """Per app, on a registry of its own: tests build many apps in one process."""

    def __init__(self, state: AppState) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "minyi_http_requests",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "minyi_http_request_duration_seconds",
            "Time to answer, by route template",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.registry.register(_Backlog(state))


class _Backlog(Collector):
    def __init__(self, state: AppState) -> None:
        self.state = state

    def collect(self) -> Iterable[GaugeMetricFamily]:
        now = self.state.clock.now()
        with self.state.db.reading() as session:
            backlog = outbox_backlog(session)
            due, breached = clocks_due(session, now), clocks_breached(session)
            queued = open311_queue(session)
            calendar = calendar_status(session, today_in_beijing(now))
            parked = parked_counts(session)
        outbox = GaugeMetricFamily(
            "minyi_outbox_messages",
            "Outbox messages not sent: pending or failed",
            labels=["channel", "status"],
        )
        for (channel, status), n in sorted(backlog.items()):
            outbox.add_metric([channel, status], n)
        yield outbox
        yield GaugeMetricFamily(
            "minyi_clocks_due", "Running clocks whose warning or breach is due to fire", value=due
        )
        yield GaugeMetricFamily(
            "minyi_clocks_breached", "Clocks that breached their deadline", value=breached
        )
        # A sample per year within 60 days (or already begun) with no official working-day
        # calendar: days until it starts. No sample means every deadline counts real holidays.
        uncovered = GaugeMetricFamily(
            "minyi_calendar_uncovered_days",
            "Days until a year with no official holiday calendar starts (0: it has)",
            labels=["year", "coverage"],
        )
        for year in calendar["uncovered"]:
            uncovered.add_metric(
                [str(year["year"]), year["coverage"] or "none"], year["days_until"]
            )
        yield uncovered
        # What the worker gave up on after its last attempt, per kind (`minyi parked list`): any
        # sample above 0 wants a person.
        gave_up = GaugeMetricFamily(
            "minyi_parked_items",
            "Items the worker parked after their last failed attempt",
            labels=["kind"],
        )
        for kind, n in parked.items():
            gave_up.add_metric([kind], n)
        yield gave_up
        depth = GaugeMetricFamily("minyi_queue_depth", "Work waiting in a queue", labels=["queue"])
        depth.add_metric(["open311"], queued)
        # The intake writer's in-memory queue: read defensively, it belongs to intake's batcher.
        pending = getattr(self.state.batcher, "_queue", None)
        if pending is not None and hasattr(pending, "qsize"):
            depth.add_metric(["intake_writer"], pending.qsize())
        yield depth


_CACHEABLE = ("/static/",)


CLIENT_CLOSED = 499


class RequestContext:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"), "")
        rid = given if _SAFE_ID.match(given) else f"{_ID_PREFIX}{next(_id_counter):x}"
        token = request_id.set(rid)
        # Every answer but the shipped static files may carry personal data (case pages, tracking,
        # API reads): no-store for all, set here once, so a new route cannot forget it.
        no_store = not scope["path"].startswith(_CACHEABLE)
        started = time.perf_counter()
        status = 500
        answered = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
                headers = [*message.get("headers", []), (b"x-request-id", rid.encode("latin-1"))]
                if no_store and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except get_cancelled_exc_class():
            # The caller went away before the answer (a client's timeout): nginx's 499 "client
            # closed request", not a 500 in the log and the error-rate metric.
            if not answered:
                status = CLIENT_CLOSED
            raise
        except Exception:
            # A bug, not bad input: logged here, where the request id is still in context, and
            # answered with that id so a caller's report can be matched to this line.
            error_log.exception(
                "unhandled error in %s %s",
                scope["method"],
                scope["path"],
                extra={"path": scope["path"], "request_id": rid},
            )
            if answered:
                raise
            # A browser gets the web layer's page (registered on the app), a caller the JSON.
            page_of = getattr(getattr(scope.get("app"), "state", None), "server_error_page", None)
            page = page_of(scope, rid) if page_of else None
            body = page or error_json(
                "internal_error",
                f"internal error; quote request id {rid} when reporting it",
                request_id=rid,
            )
            media = b"text/html; charset=utf-8" if page else b"application/json"
            await send_with_id(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", media),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send_with_id({"type": "http.response.body", "body": body})
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            level = logging.WARNING if status >= 500 else logging.INFO
            if request_log.isEnabledFor(
                level
            ):  # the access log is off by default: no record to build
                request_log.log(
                    level,
                    "%s %s %s",
                    method,
                    scope["path"],
                    status,
                    extra={
                        "method": method,
                        "path": scope["path"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )
            request_id.reset(token)


def install(app: FastAPI, state: AppState) -> Metrics:
    metrics = Metrics(state)
    app.state.metrics = metrics
    # Added last, so outermost: the body limit's 413 and every 500 carry the request id.
    app.add_middleware(
        BodyLimit,
        body_max=state.settings.limits.body_max_bytes,
        upload_max=state.settings.limits.upload_max_bytes,
    )
    app.add_middleware(RequestContext, metrics=metrics)
    return metrics
