"""Export any filtered case list as CSV or Excel: the filters of GET /api/v1/appeals, the reader's
scope and masking, and the columns `minyi import cases` reads back."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from minyi.api.deps import CaseQueryParams, CurrentActor, State
from minyi.api.errors import ApiRoute, refusals
from minyi.cases.queries import case_filter
from minyi.integrations.case_export import COLUMNS, export_rows
from minyi.integrations.tabular import write_csv, write_xlsx

router = APIRouter(prefix="/api/v1/exports", tags=["import and export"], route_class=ApiRoute)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/cases",
    summary="Download the filtered case list (csv or xlsx)",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {}, XLSX: {}},
            "description": "the cases, masked for the reader like the API",
            "headers": {
                "X-Total-Count": {"description": "rows in the file", "schema": {"type": "integer"}}
            },
        },
        **refusals(
            404, described={404: "a unit, street or community named in the filters does not exist"}
        ),
    },
)
def export_cases(
    actor: CurrentActor,
    state: State,
    filters: CaseQueryParams,
    format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv",
) -> Response:
    stamp = state.clock.now().astimezone(state.tz).strftime("%Y%m%d-%H%M")
    with state.db.reading(replica=True, reader=actor.username) as session:
        f = case_filter(session, **asdict(filters))
        rows = list(export_rows(session, actor, f, tz=state.tz))
    headers = {
        "Content-Disposition": f'attachment; filename="cases-{stamp}.{format}"',
        "X-Total-Count": str(len(rows)),
    }
    if format == "xlsx":
        return Response(write_xlsx(COLUMNS, rows), media_type=XLSX, headers=headers)
    return StreamingResponse(
        write_csv(COLUMNS, rows), media_type="text/csv; charset=utf-8", headers=headers
    )
