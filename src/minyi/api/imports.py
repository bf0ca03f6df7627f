"""Bulk import of historical cases for administrators: the same checks, report and idempotency
as `minyi import cases`, with the spreadsheet and the optional mapping uploaded."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse

from minyi.api.deps import CurrentActor, State
from minyi.api.errors import ApiRoute, error_body, refusals
from minyi.core.errors import Forbidden, Invalid
from minyi.integrations.case_import import ImportRefused, import_cases, load_mapping
from minyi.integrations.schemas import ImportReportOut
from minyi.integrations.tabular import read_rows
from minyi.org.rules import Role

router = APIRouter(prefix="/api/v1/imports", tags=["import and export"], route_class=ApiRoute)
MAX_BYTES = 50 * 1024 * 1024


# Plain `def` (threadpool): parsing and the write block; the upload is already spooled.
@router.post(
    "/cases",
    summary="Import cases from a .csv or .xlsx upload (admins); the report lists bad rows",
    response_model=ImportReportOut,
    responses=refusals(
        described={
            422: "invalid upload; in strict mode with bad rows, `error.report` is the import report"
        }
    ),
)
def import_cases_upload(
    actor: CurrentActor,
    state: State,
    file: Annotated[UploadFile, File(description=".csv or .xlsx, one case per row")],
    mapping: Annotated[
        UploadFile | None, File(description="YAML mapping (columns, defaults, values, timezone)")
    ] = None,
    strict: Annotated[bool, Form()] = False,
) -> Any:
    if actor.role is not Role.ADMIN:
        raise Forbidden("admin_only", "only an administrator may import cases")
    data = file.file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Invalid(
            "file_too_large",
            "imports are limited to 50 MB; split the file or use `minyi import cases`",
            field="file",
        )
    plan = load_mapping(mapping.file.read().decode("utf-8-sig") if mapping else None)
    name = Path(file.filename or "upload.csv").name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        _, rows = read_rows(path)
    try:
        with state.db.unit_of_work() as session:
            report = import_cases(
                session,
                rows,
                mapping=plan,
                actor=actor,
                source=name,
                now=state.clock.now(),
                tz=state.tz,
                strict=strict,
            )
    except ImportRefused as refused:
        return JSONResponse(
            error_body(refused.code, refused.message, report=refused.report.as_dict()),
            status_code=422,
        )
    return report.as_dict()
