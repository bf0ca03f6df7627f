"""Export any filtered case list as CSV or Excel: the filters of GET /api/v1/appeals, the reader's
scope and masking, and the columns `minyi import cases` reads back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from minyi.api.deps import CurrentActor, State
from minyi.cases.rules import CaseStatus
from minyi.integrations.case_export import COLUMNS, case_filter, export_rows
from minyi.integrations.tabular import write_csv, write_xlsx

router = APIRouter(prefix="/api/v1/exports", tags=["import and export"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/cases", summary="Download the filtered case list (csv or xlsx)")
def export_cases(
    actor: CurrentActor,
    state: State,
    format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv",  # noqa: A002 - the public parameter name
    status: Annotated[list[CaseStatus] | None, Query()] = None,
    unit: str | None = None,
    street: str | None = None,
    community: str | None = None,
    class_name: Annotated[str | None, Query(alias="class")] = None,
    channel: str | None = None,
    registered_from: AwareDatetime | None = None,
    registered_to: AwareDatetime | None = None,
    overdue: bool | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    stamp = state.clock.now().astimezone(state.tz).strftime("%Y%m%d-%H%M")
    with state.db.reading() as session:
        f = case_filter(
            session, status=status, unit=unit, street=street, community=community, class_name=class_name,
            channel=channel, registered_from=registered_from, registered_to=registered_to, overdue=overdue, q=q,
        )
        rows = list(export_rows(session, actor, f, tz=state.tz))
    headers = {"Content-Disposition": f'attachment; filename="cases-{stamp}.{format}"', "X-Total-Count": str(len(rows))}
    if format == "xlsx":
        return Response(write_xlsx(COLUMNS, rows), media_type=XLSX, headers=headers)
    return StreamingResponse(write_csv(COLUMNS, rows), media_type="text/csv; charset=utf-8", headers=headers)
