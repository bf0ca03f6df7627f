"""A request its caller gave up on (a client's timeout cancels it in flight) is counted as 499,
"client closed request", not as a server error: the error rate must not rise with slow clients."""

from __future__ import annotations

import anyio
import pytest
from starlette.types import Receive, Scope, Send

from minyi.api.observability import CLIENT_CLOSED, Metrics, RequestContext


async def _slow_app(scope: Scope, receive: Receive, send: Send) -> None:
    await anyio.sleep(60)


def test_a_cancelled_request_counts_as_client_closed() -> None:
    metrics = Metrics(state=None)  # type: ignore[arg-type] - only the request counter is read
    context = RequestContext(_slow_app, metrics)
    scope: Scope = {"type": "http", "method": "GET", "path": "/slow", "headers": []}

    async def call() -> None:
        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b""}

        async def send(message: object) -> None:
            pytest.fail("nothing is sent for a request cancelled before its answer")

        with anyio.move_on_after(0.05):
            await context(scope, receive, send)

    anyio.run(call)
    counted = {
        sample.labels["status"]: sample.value
        for family in metrics.requests.collect()
        for sample in family.samples
        if sample.name == "minyi_http_requests_total"
    }
    assert counted == {str(CLIENT_CLOSED): 1.0}
