"""The daily report (民情日报): issues as JSON, as a page and as a PDF; issuing on demand and
corrections; leaders' instructions on an issue's items; the email subscribers."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse

from minyi.api.cursor import PageCursor
from minyi.api.deps import CurrentActor, ReadSession, ReplicaSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.core.schemas import Page
from minyi.reports.queries import (
    corrections_of,
    get_issue,
    instructions_on_issue,
    issue_view,
    item_of,
    list_issues,
    subscribers,
)
from minyi.reports.rules import ISSUERS, READERS, require
from minyi.reports.schemas import (
    DailyReportIn,
    IssueOut,
    IssueWithSnapshotOut,
    ItemInstructionIn,
    ReportInstructionOut,
    SubscriberIn,
    SubscriberOut,
)
from minyi.reports.service import (
    add_subscriber,
    instruct_on_item,
    issue_daily_report,
    pdf_filename,
    remove_subscriber,
)
from minyi.supervision.queries import describe_instructions

router = APIRouter(prefix="/api/v1", tags=["daily report"], route_class=ApiRoute)
PageNumber = Annotated[int, Query(ge=1)]
PageSize = Annotated[int, Query(ge=1, le=200)]


@router.get(
    "/reports",
    summary="Issued reports, newest first",
    response_model=Page[IssueOut],
    responses=refusals(),
)
def reports(
    actor: CurrentActor,
    session: ReplicaSession,
    page: PageNumber = 1,
    page_size: PageSize = 20,
    cursor: PageCursor = None,
) -> Page[IssueOut]:
    require(actor, READERS, "read the daily report")
    found = list_issues(session, page=page, page_size=page_size, cursor=cursor)
    issues = found.rows
    fixes = corrections_of(session, [i.id for i in issues])
    items = [issue_view(i, fixes.get(i.id)) for i in issues]
    return Page[IssueOut](
        **found.page_fields(),
        items=[IssueOut.model_validate(v) for v in items],
    )


@router.post(
    "/reports/daily",
    status_code=201,
    summary="Issue the daily report of a past day, or a correction of an issue",
    response_model=IssueOut,
    responses=refusals(404, 409),
)
def issue_daily(body: DailyReportIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    require(actor, ISSUERS, "issue the daily report")
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        issue = issue_daily_report(
            session,
            day=body.date,
            now=now,
            tz=state.tz,
            issued_by=actor.username,
            corrects=body.corrects,
            note=body.note,
        )
        return issue_view(issue)


@router.get(
    "/reports/{issue_id}.html",
    summary="The issue as a web page, exactly as issued",
    # Response, not HTMLResponse: the refusals are JSON, and FastAPI documents them in the
    # route's media type.
    response_class=Response,
    responses={200: {"content": {"text/html": {}}, "description": "the page"}, **refusals(404)},
)
def report_page(issue_id: int, actor: CurrentActor, session: ReplicaSession) -> HTMLResponse:
    require(actor, READERS, "read the daily report")
    return HTMLResponse(get_issue(session, issue_id, with_html=True).html)


@router.get(
    "/reports/{issue_id}.pdf",
    summary="The issue as a PDF, exactly as mailed",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "the PDF"},
        **refusals(404),
    },
)
def report_pdf(issue_id: int, actor: CurrentActor, session: ReplicaSession) -> Response:
    require(actor, READERS, "read the daily report")
    issue = get_issue(session, issue_id, with_pdf=True)
    return Response(
        issue.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(pdf_filename(issue))}",
            "ETag": f'"{issue.pdf_sha256}"',
        },
    )


@router.get(
    "/reports/{issue_id}",
    summary="One issue with its snapshot (every figure and item)",
    response_model=IssueWithSnapshotOut,
    responses=refusals(404),
)
def report(issue_id: int, actor: CurrentActor, session: ReplicaSession) -> dict[str, Any]:
    require(actor, READERS, "read the daily report")
    issue = get_issue(session, issue_id)
    return {
        **issue_view(issue, corrections_of(session, [issue.id]).get(issue.id)),
        "snapshot": issue.snapshot,
    }


@router.post(
    "/reports/{issue_id}/instructions",
    status_code=201,
    summary="A leader's instruction (批示) on an item of the issue: one tracked task per unit",
    response_model=ReportInstructionOut,
    responses=refusals(404),
)
def instruct(
    issue_id: int, body: ItemInstructionIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        instruction = instruct_on_item(
            session,
            actor=actor,
            issue_id=issue_id,
            item_key=body.item,
            text=body.text,
            units=body.units,
            within_days=body.within_days,
            deadline=body.deadline,
            now=now,
        )
        view = describe_instructions(session, [instruction], now, actor=actor)[0]
        return {**view, "report_item": item_of(instruction.subject_ref)}


@router.get(
    "/reports/{issue_id}/instructions",
    summary="Instructions written on the issue's items, with their tasks' state",
    response_model=list[ReportInstructionOut],
    responses=refusals(404),
)
def instructions(
    issue_id: int, actor: CurrentActor, session: ReplicaSession, state: State
) -> list[dict[str, Any]]:
    require(actor, READERS, "read the daily report")
    get_issue(session, issue_id)
    found = instructions_on_issue(session, issue_id)
    views = describe_instructions(session, found, state.clock.now(), actor=actor)
    return [{**v, "report_item": item_of(i.subject_ref)} for i, v in zip(found, views, strict=True)]


@router.get(
    "/report-subscribers",
    summary="Who receives the report by email",
    response_model=list[SubscriberOut],
    responses=refusals(),
)
def list_subscribers(actor: CurrentActor, session: ReadSession) -> list[dict[str, Any]]:
    require(actor, ISSUERS, "manage report subscribers")
    return [{"id": s.id, "email": s.email, "name": s.name} for s in subscribers(session)]


@router.post(
    "/report-subscribers",
    status_code=201,
    summary="Add a subscriber",
    response_model=SubscriberOut,
    responses=refusals(409),
)
def subscribe(body: SubscriberIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    require(actor, ISSUERS, "manage report subscribers")
    with state.db.unit_of_work() as session:
        s = add_subscriber(session, email=body.email, name=body.name, now=state.clock.now())
        return {"id": s.id, "email": s.email, "name": s.name}


@router.delete(
    "/report-subscribers/{email}",
    status_code=204,
    summary="Stop sending the report to this address",
    responses=refusals(404),
)
def unsubscribe(email: str, actor: CurrentActor, state: State) -> Response:
    require(actor, ISSUERS, "manage report subscribers")
    with state.db.unit_of_work() as session:
        remove_subscriber(session, email=email)
    return Response(status_code=204)
