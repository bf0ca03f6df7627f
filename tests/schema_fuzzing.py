"""The body of tests/integration/api/test_schema_fuzz*.py (one file per account, so that xdist's
`--dist loadfile` can run the two on different workers). Schemathesis over the whole OpenAPI,
as an administrator and as a unit handler: any value the schema admits gets a 2xx or 4xx, never
a 500; what comes back matches the response model or the shared error model; its status is one
the route declares and its media type one it names.

In-process against the ASGI app, on a demo database of its own (the fuzzer changes data), with a
fixed derandomised seed and a few examples per operation so the suite stays fast."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import private_demo_app
from factories import auth

EXAMPLES = 10
# Operations that would end the fuzzer's own session rather than test input handling.
SKIP = {"POST /api/v1/auth/logout"}
# A route that declares its refusals (errors.refusals, which always names 413) is held to its
# statuses and media types too; the rest (Open311 with its GeoReport documentation, routes not
# yet declared: tests/unit/api/test_route_contract.py) to bodies and server errors.
DECLARED = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
UNDECLARED = [not_a_server_error, response_schema_conformance]
# (account, "METHOD /path") -> the cases hypothesis drew for it on the first backend, when all of
# them passed. The second backend replays them rather than drawing again: drawing is a third of
# the fuzzer's CPU, and the same account on the same schema draws the same cases (derandomised:
# the seed is the digest of `run`'s body, which is why the recording is done by the strategy).
_DRAWN: dict[tuple[str, str], list[Any]] = {}
# Schemathesis gives up on an in-process call after 10 s and reports a ReadTimeout: on a loaded
# 2-core machine the first daily report (WeasyPrint's import and first PDF, seconds of CPU) took
# longer, failed once and passed on hypothesis' re-run ("Flaky"). A deadline here detects a hang;
# it does not measure speed (`minyi bench` does).
HANG_S = 120
# Per failure: hypothesis' header is short, schemathesis' message (status, body, the curl command
# that reproduces the case) is what tells; long bodies are cut in the middle of each message.
KEEP = 4000


def _clip(text: str) -> str:
    return text if len(text) <= KEEP else f"{text[: KEEP // 2]}\n[...]\n{text[-KEEP // 2 :]}"


def describe(error: BaseException) -> str:
    """An error as its leaves: a group's own message is only a count ("Failed on the first call
    but did not on a subsequent one (1 sub-exception)"); the real failures are its members, and
    hypothesis puts the case it drew in their notes."""
    if isinstance(error, BaseExceptionGroup):
        inner = "\n".join(f"- {describe(e)}" for e in error.exceptions)
        return f"{error.message}\n{inner}"
    notes = "\n".join(getattr(error, "__notes__", []))
    return _clip(f"{type(error).__name__}: {error}" + (f"\n{notes}" if notes else ""))


def _replay(cases: list[Any], app: Any, headers: dict[str, str], checks: list[Any]) -> str | None:
    """What hypothesis would report: the first case that fails, and no more after it."""
    for case in cases:
        try:
            response = case.call(headers=headers, app=app, timeout=HANG_S)
            case.validate_response(response, checks=checks)
        except (Exception, BaseExceptionGroup) as error:
            return f"{describe(error)}\n{case.as_curl_command(headers=headers)}"
    return None


def fuzz(client: Any, headers: dict[str, str], account: str) -> list[str]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    paths = client.app.openapi()["paths"]
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if label in SKIP:
            continue
        checks = (
            DECLARED
            if "413" in paths[operation.path][operation.method.lower()]["responses"]
            else UNDECLARED
        )
        if (account, label) in _DRAWN:
            failure = _replay(_DRAWN[account, label], client.app, headers, checks)
            if failure is not None:
                failures.append(f"{label}: {failure}")
            continue
        drawn: list[Any] = []

        @given(case=operation.as_strategy().map(lambda case: drawn.append(case) or case))
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=["explicit", "generate"],
        )
        def run(case: Any) -> None:
            response = case.call(headers=headers, timeout=HANG_S)
            case.validate_response(response, checks=checks)  # noqa: B023 - run is called within this iteration

        try:
            run()
        except (Exception, BaseExceptionGroup) as error:
            failures.append(f"{label}: {describe(error)}")
        else:
            _DRAWN[account, label] = drawn
    return failures


def no_operation_answers_a_server_error(backend: str, tmp_path: Path, username: str) -> None:
    with private_demo_app(backend, tmp_path) as (client, _, _):
        failures = fuzz(client, auth(client, username), username)
    assert not failures, "\n\n".join(failures)
