"""A case list, with the filters and sort on screen, as an Excel file for people."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from minyi.cases.queries import order_by
from minyi.core.errors import Invalid
from minyi.integrations.case_sheet import sheet_rows, write_sheet
from minyi.web.console_lists import case_filter, order_of, read_query
from minyi.web.pages import WebRoute, staff, state_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/console/export/cases.xlsx")
def export_cases(request: Request) -> Response:
    actor = staff(request)
    state = state_of(request)
    query = read_query(request)
    now = state.clock.now()
    with state.db.reading(replica=True, reader=actor.username) as session:
        f, errors = case_filter(session, query, state.tz)
        if errors:
            # An export of something other than what was asked for would mislead: refuse it.
            raise Invalid(
                "bad_filter", "筛选条件有误，未导出：" + "；".join(zh for zh, _ in errors.values())
            )
        data = write_sheet(
            sheet_rows(session, actor, f, order=order_by(order_of(query)), tz=state.tz)
        )
    name = f"案件清单-{now.astimezone(state.tz):%Y%m%d-%H%M}.xlsx"
    return Response(
        data,
        media_type=XLSX,
        headers={
            "Content-Disposition": f"attachment; filename=\"cases.xlsx\"; filename*=UTF-8''{quote(name)}",
        },
    )
