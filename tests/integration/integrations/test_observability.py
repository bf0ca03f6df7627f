"""X-Request-ID in and out, JSON log lines carrying it, and Prometheus metrics: request counts
and latencies by route template, and backlog gauges computed at scrape time."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from conftest import METRICS_AUTH, private_demo_app
from factories import auth, make_appeal
from minyi.api.logs import JsonFormatter
from minyi.core.clock import ManualClock
from minyi.core.db import Database


def metric(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


class TestRequestId:
    def test_a_given_id_comes_back(self, app_client: TestClient) -> None:
        r = app_client.get("/healthz", headers={"X-Request-ID": "abc-123.x"})
        assert r.headers["x-request-id"] == "abc-123.x"

    @pytest.mark.parametrize("given", [None, "has spaces in it", "x" * 200])
    def test_a_missing_or_unsafe_id_is_replaced(
        self, app_client: TestClient, given: str | None
    ) -> None:
        first, second = (
            app_client.get("/healthz", headers={"X-Request-ID": given} if given else {})
            for _ in range(2)
        )
        assert re.fullmatch(r"[0-9a-f]{13,}", first.headers["x-request-id"])
        assert first.headers["x-request-id"] != second.headers["x-request-id"] != given

    def test_log_lines_are_json_with_the_request_id(self, app_client: TestClient) -> None:
        headers = auth(app_client, "dispatcher")
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter())
        logger = logging.getLogger("minyi.access")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        try:
            app_client.get("/api/v1/appeals/1", headers={"X-Request-ID": "trace-42", **headers})
        finally:
            logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET)
        [line] = [json.loads(x) for x in stream.getvalue().splitlines()]
        assert line["request_id"] == "trace-42" and line["route"] == "/api/v1/appeals/{case_id}"
        assert line["level"] == "info" and line["status"] in (200, 404) and line["duration_ms"] >= 0


class TestMetrics:
    def test_requests_are_counted_by_route_template(self, app_client: TestClient) -> None:
        headers = auth(app_client, "dispatcher")
        route = "/api/v1/appeals/{case_id}/timeline"

        def timelines(text: str) -> float:
            # Other modules read timelines through the same shared app: count every status.
            return sum(
                metric(text, "minyi_http_requests_total", route=route, status=s) or 0
                for s in ("200", "404")
            )

        before = timelines(app_client.get("/metrics", headers=METRICS_AUTH).text)
        for case_id in (1, 2, 3):
            app_client.get(f"/api/v1/appeals/{case_id}/timeline", headers=headers)
        app_client.get("/no/such/page")
        text = app_client.get("/metrics", headers=METRICS_AUTH).text
        assert timelines(text) - before == 3
        assert metric(text, "minyi_http_requests_total", route="unmatched", status="404")
        assert metric(
            text,
            "minyi_http_request_duration_seconds_count",
            method="GET",
            route="/api/v1/appeals/{case_id}/timeline",
        )
        assert "/api/v1/appeals/1/timeline" not in text


@pytest.fixture(scope="module")
def private(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Database, ManualClock]]:
    with private_demo_app(backend, tmp_path_factory.mktemp("metrics")) as found:
        yield found


class TestGauges:
    def test_backlog_gauges_follow_the_database(
        self, private: tuple[TestClient, Database, ManualClock]
    ) -> None:
        client, _, clock = private
        text = client.get("/metrics", headers=METRICS_AUTH).text
        assert metric(text, "minyi_clocks_due") == 0
        assert metric(text, "minyi_queue_depth", queue="open311") == 0
        make_appeal(client)
        make_appeal(client)
        text = client.get("/metrics", headers=METRICS_AUTH).text
        assert (
            metric(text, "minyi_outbox_messages", channel="sms", status="pending") == 2
        )  # the receipts
        clock.advance(
            timedelta(hours=30)
        )  # no worker runs in this app: every hotline clock is now due
        assert (
            metric(client.get("/metrics", headers=METRICS_AUTH).text, "minyi_clocks_due") or 0
        ) >= 2
        assert (
            metric(client.get("/metrics", headers=METRICS_AUTH).text, "minyi_clocks_breached") == 0
        )
