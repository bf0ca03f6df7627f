"""The one place that turns domain errors into HTTP answers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.utils import create_model_field
from sqlalchemy.exc import DataError, StatementError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException

from minyi.core.errors import MinyiError
from minyi.core.schemas import ErrorResponse

STATUS = {
    "not_found": 404,
    "forbidden": 403,
    "unauthorized": 401,
    "conflict": 409,
    "invalid": 422,
    "too_many_requests": 429,
    "bad_request": 400,
}


log = logging.getLogger("minyi.api")
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


_ERROR_MEANINGS = {
    400: "bad request",
    401: "not signed in or the token is no longer valid",
    403: "not allowed for this account",
    404: "not found (or not visible to this account)",
    409: "conflicts with the current state",
    413: "request body too large",
    422: "invalid request: `error.errors` names each field and what is wrong with it",
    429: "too many attempts; see Retry-After",
}
# What any route may answer: a malformed request, a body over the limit (api/limits.py), a
# value its schema refuses; and, behind sign-in, no or a stale token and a role that may not.
ALWAYS = (400, 413, 422)
SIGNED_IN = (401, 403)
# The answers a route declares besides its success, each in the one error shape.
Refusals = dict[int | str, dict[str, Any]]


def refusals(
    *statuses: int, public: bool = False, described: Mapping[int, str] | None = None
) -> Refusals:
    """The error answers of a route, each with the shared ErrorResponse model: those every
    route may give, 401 and 403 unless it is `public`, and the statuses it names (404 for an
    id it looks up, 409 for a state change, 429 for a throttled secret). `described` words a
    status for this route (and declares it)."""
    described = described or {}
    codes = {*ALWAYS, *(() if public else SIGNED_IN), *statuses, *described}
    return {
        status: {
            "model": ErrorResponse,
            "description": described.get(status) or _ERROR_MEANINGS.get(status, "refused"),
        }
        for status in sorted(codes)
    }


# One response field per (status, model), shared by every route that declares that refusal.
_SHARED_FIELDS: dict[tuple[int | str, type[Any]], Any] = {}


class ApiRoute(APIRoute):
    """An API route whose declared answers share their response fields. FastAPI makes a field,
    i.e. a pydantic validator and serializer, for each status of each route: ~2,000 for
    ErrorResponse alone, a third of a CPU second in every process that imports the API (each
    test worker, each server). The fields only feed /openapi.json, which is the same with one
    field per status (docs/decisions/0010-ci-timing.md)."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        responses: Refusals | None = None,
        **kwargs: Any,
    ) -> None:
        declared = responses or {}
        super().__init__(
            path,
            endpoint,
            responses={status: _without_model(answer) for status, answer in declared.items()},
            **kwargs,
        )
        self.responses = declared
        self.response_fields = {
            status: _shared_field(status, answer["model"])
            for status, answer in declared.items()
            if answer.get("model")
        }


def _without_model(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key != "model"}


def _shared_field(status: int | str, model: type[Any]) -> Any:
    field = _SHARED_FIELDS.get((status, model))
    if field is None:
        field = _SHARED_FIELDS[status, model] = create_model_field(
            name=f"Response_{status}_{model.__name__}", type_=model, mode="serialization"
        )
    return field


# Every refusal a JSON route may give, for routers whose routes do not yet declare their own
# (app.py); a new route declares `responses=refusals(...)` (tests/unit/api/test_route_contract.py).
ERROR_RESPONSES: Refusals = refusals(404, 409)


def error_body(code: str, message: str, **details: object) -> dict[str, object]:
    return {"error": {"code": code, "message": message, **details}}


def error_json(code: str, message: str, **details: object) -> bytes:
    return orjson.dumps(error_body(code, message, **details))


def install(app: FastAPI) -> None:
    @app.exception_handler(MinyiError)
    async def _domain(_: Request, exc: MinyiError) -> JSONResponse:
        status = STATUS.get(exc.kind, 400)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if status == 429:
            headers = {"Retry-After": str(exc.details.get("retry_after", 60))}
        return JSONResponse(
            error_body(exc.code, exc.message, **exc.details), status_code=status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(p) for p in e["loc"] if p != "body") or "body",
                "message": str(e["msg"]).removeprefix("Value error, "),
            }
            for e in exc.errors()
        ]
        message = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return JSONResponse(error_body("invalid_request", message, errors=errors), status_code=422)

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSONResponse:
        # The database refused a value the schema let through (an integer beyond its column, a
        # NUL byte in PostgreSQL text, a malformed number): the input's fault, so a 4xx. The
        # unit of work has rolled back; the driver's text stays in the log, not the answer.
        log.warning(
            "database refused a value: %s", str(exc.orig).splitlines()[0] if exc.orig else exc
        )
        return JSONResponse(
            error_body(
                "value_out_of_range",
                "a value in the request is out of range or contains characters that cannot be stored",
            ),
            status_code=422,
        )

    @app.exception_handler(OverflowError)
    async def _overflow(_: Request, exc: OverflowError) -> JSONResponse:
        # Date arithmetic past year 1 or 9999 (a deadline, a time zone shift) or an integer too
        # large for SQLite: both come from a value the caller sent.
        log.warning("value overflow: %s", exc)
        return JSONResponse(
            error_body("value_out_of_range", "a date or number in the request is out of range"),
            status_code=422,
        )

    @app.exception_handler(StatementError)
    async def _statement(request: Request, exc: StatementError) -> JSONResponse:
        # SQLAlchemy wraps what fails while binding parameters: a date shifted past year 1 or
        # 9999 for a timestamptz column is the input's fault; anything else is a bug (re-raised,
        # answered as a 500 with its request id by api/observability.py).
        if isinstance(exc.orig, OverflowError):
            return await _overflow(request, exc.orig)
        raise exc

    @app.exception_handler(UnicodeDecodeError)
    async def _encoding(_: Request, exc: UnicodeDecodeError) -> JSONResponse:
        # Only a caller's bytes are decoded inside a request (uploads, bodies): never our data.
        return JSONResponse(
            error_body(
                "bad_encoding",
                "the request contains text that is not valid UTF-8",
                errors=[{"field": "file", "message": str(exc.reason)}],
            ),
            status_code=422,
        )

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        # Starlette's own refusals (404 route, 405 method, 413 body, a malformed multipart body)
        # in the same shape as ours; `detail` is kept for clients that read FastAPI's default.
        message = exc.detail if isinstance(exc.detail, str) else "the request was refused"
        body = error_body(_HTTP_CODES.get(exc.status_code, "http_error"), message)
        body["detail"] = exc.detail
        return JSONResponse(
            body, status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(StaleDataError)
    async def _stale(_: Request, exc: StaleDataError) -> JSONResponse:
        return JSONResponse(
            error_body(
                "version_conflict",
                "the case was changed by someone else at the same moment; reload it",
            ),
            status_code=409,
        )
