"""The one place that turns domain errors into HTTP answers."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.orm.exc import StaleDataError

from minyi.core.errors import MinyiError

STATUS = {"not_found": 404, "forbidden": 403, "unauthorized": 401, "conflict": 409, "invalid": 422, "too_many_requests": 429}


def error_body(code: str, message: str, **details: object) -> dict[str, object]:
    return {"error": {"code": code, "message": message, **details}}


def install(app: FastAPI) -> None:
    @app.exception_handler(MinyiError)
    async def _domain(_: Request, exc: MinyiError) -> JSONResponse:
        status = STATUS.get(exc.kind, 400)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if status == 429:
            headers = {"Retry-After": str(exc.details.get("retry_after", 60))}
        return JSONResponse(error_body(exc.code, exc.message, **exc.details), status_code=status, headers=headers)

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

    @app.exception_handler(StaleDataError)
    async def _stale(_: Request, exc: StaleDataError) -> JSONResponse:
        return JSONResponse(
            error_body("version_conflict", "the case was changed by someone else at the same moment; reload it"),
            status_code=409,
        )
