"""平安志愿者: registration (public or by staff), approval, reports from volunteers (volunteer
code plus the phone's last four digits, under the shared throttle) that become cases, their
verification, the point rules, a volunteer's ledger, the rankings and the figures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from minyi.api.cursor import PageCursor
from minyi.api.deps import CurrentActor, OptionalActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.org.rules import Actor
from minyi.volunteers.models import Volunteer
from minyi.volunteers.queries import (
    area_of,
    balance,
    figures,
    ledger,
    ranking,
    report_page,
    report_receipt,
    report_row,
    rules_table,
    volunteer_page,
    volunteer_row,
)
from minyi.volunteers.rules import RULE_LABELS, ReportState, RuleKind, VolunteerStatus
from minyi.volunteers.schemas import (
    DecisionIn,
    FiguresOut,
    LedgerOut,
    RankOut,
    RegisteredOut,
    RegisterIn,
    ReportIn,
    ReportOut,
    ReportPage,
    ReportReceiptOut,
    RuleIn,
    RuleOut,
    VerifyIn,
    VolunteerOut,
    VolunteerPage,
)
from minyi.volunteers.service import (
    check_secret,
    decide_volunteer,
    get_volunteer,
    raise_report,
    reader_path,
    register_resident,
    register_volunteer,
    set_rule,
    submit_report,
    verify_report,
)

router = APIRouter(prefix="/api/v1/volunteers", tags=["volunteers"], route_class=ApiRoute)


def _client(request: Request) -> str:
    return (request.client.host if request.client else "unknown")[:64]


def _rule(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "kind_label": RULE_LABELS[RuleKind(r.kind)],
        "class_name": r.class_name,
        "points": r.points,
        "is_active": r.is_active,
        "updated_at": r.updated_at,
    }


@router.post(
    "",
    response_model=RegisteredOut,
    status_code=201,
    summary="Register a volunteer: by a resident (waits for approval) or by staff (approved)",
    responses=refusals(403, 422, 429),
)
def post_volunteer(
    body: RegisterIn, request: Request, actor: OptionalActor, state: State
) -> dict[str, Any]:
    if actor is None:  # a resident: under the per-address limit
        row, created = register_resident(
            state.db,
            client=request.client.host if request.client else "unknown",
            name=body.name,
            phone=body.phone,
            community=body.community,
            now=state.clock.now(),
        )
        return _registered(row, created, actor)
    with state.db.unit_of_work() as session:
        row, created = register_volunteer(
            session,
            name=body.name,
            phone=body.phone,
            community=body.community,
            actor=actor,
            now=state.clock.now(),
        )
        return _registered(row, created, actor)


def _registered(row: Volunteer, created: bool, actor: Actor | None) -> dict[str, Any]:
    # The code is told once, to whoever made the registration; a second registration of the
    # same phone learns nothing about the volunteer already there.
    return {
        "id": row.id if created or actor else 0,
        "code": row.code if created else None,
        "status": row.status if created or actor else VolunteerStatus.PENDING.value,
        "created": created,
    }


@router.get(
    "",
    response_model=VolunteerPage,
    summary="Volunteers of the reader's area; names and phones through the privacy policy",
    responses=refusals(403),
)
def get_volunteers(
    actor: CurrentActor,
    session: ReadSession,
    status: VolunteerStatus | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: PageCursor = None,
) -> dict[str, Any]:
    found = volunteer_page(
        session, actor, status=status, page=page, page_size=page_size, cursor=cursor
    )
    return {**found.page_fields(), "items": found.rows}


@router.post(
    "/reports",
    response_model=ReportReceiptOut,
    status_code=201,
    summary="A volunteer reports a problem (code + phone's last four); it becomes a case",
    responses=refusals(404, 422, 429),
)
async def post_report(body: ReportIn, request: Request, state: State) -> dict[str, Any]:
    def take() -> tuple[int, bool]:
        volunteer_id = check_secret(
            state.db,
            state.settings,
            code=body.code,
            last4=body.phone_last4,
            client=_client(request),
            now=state.clock.now(),
        )
        with state.db.unit_of_work() as session:
            report, created = submit_report(
                session,
                volunteer_id,
                token=body.token,
                title=body.title,
                body=body.body,
                address=body.address,
                now=state.clock.now(),
            )
            return report.id, created

    report_id, created = await run_in_threadpool(take)
    await raise_report(state, report_id)

    def answer() -> dict[str, Any]:
        with state.db.reading() as session:
            tracking_no, report_state = report_receipt(session, report_id)
        return {
            "id": report_id,
            "tracking_no": tracking_no,
            "state": report_state,
            "created": created,
        }

    return await run_in_threadpool(answer)


@router.get(
    "/reports",
    response_model=ReportPage,
    summary="Volunteers' reports of the reader's area, newest first (filter by state)",
    responses=refusals(403),
)
def get_reports(
    actor: CurrentActor,
    session: ReadSession,
    state: ReportState | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: PageCursor = None,
) -> dict[str, Any]:
    found = report_page(session, actor, state=state, page=page, page_size=page_size, cursor=cursor)
    return {**found.page_fields(), "items": found.rows}


@router.post(
    "/reports/{report_id}/verify",
    response_model=ReportOut,
    summary="Verify a report (属实 or not); a true one earns points unless it is a repeat",
    responses=refusals(403, 404, 409),
)
def post_verify(report_id: int, body: VerifyIn, actor: CurrentActor, state: State) -> Any:
    with state.db.unit_of_work() as session:
        verify_report(
            session,
            report_id,
            actor=actor,
            verified=body.verified,
            note=body.note,
            now=state.clock.now(),
        )
        return report_row(session, actor, report_id)


@router.get(
    "/rules",
    response_model=list[RuleOut],
    summary="The point rules (积分规则)",
    responses=refusals(403),
)
def get_rules(actor: CurrentActor, session: ReadSession) -> list[dict[str, Any]]:
    reader_path(actor)
    return [_rule(r) for r in rules_table(session)]


@router.put(
    "/rules",
    response_model=RuleOut,
    summary="Set the points of one event, for any class or one of the five (administrator)",
    responses=refusals(403, 422),
)
def put_rule(body: RuleIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        return _rule(
            set_rule(
                session,
                actor=actor,
                kind=body.kind,
                class_name=body.class_name,
                points=body.points,
                is_active=body.is_active,
                now=state.clock.now(),
            )
        )


@router.get(
    "/ranking",
    response_model=list[RankOut],
    summary="The ranking of a community, a street or the district; public: names masked",
    responses=refusals(404),
)
def get_ranking(
    session: ReadSession,
    actor: OptionalActor,
    area: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:
    unit = area_of(session, area, "")
    return ranking(
        session,
        actor,
        area_path=unit.path if unit else "",
        limit=limit,
        is_public=actor is None,
    )


@router.get(
    "/figures",
    response_model=FiguresOut,
    summary="Volunteers, reports, verified reports and points awarded in an area",
    responses=refusals(403),
)
def get_figures(
    actor: CurrentActor, session: ReadSession, area: str | None = None
) -> dict[str, Any]:
    path = reader_path(actor)
    unit = area_of(session, area, path)
    f = figures(session, unit.path if unit else path)
    return {
        "volunteers": f.volunteers,
        "pending": f.pending,
        "reports": f.reports,
        "verified": f.verified,
        "points": f.points,
    }


@router.get(
    "/{volunteer_id}",
    response_model=VolunteerOut,
    summary="One volunteer, through the privacy policy",
    responses=refusals(403, 404),
)
def get_one(volunteer_id: int, actor: CurrentActor, session: ReadSession) -> dict[str, Any]:
    get_volunteer(session, actor, volunteer_id)
    return volunteer_row(session, actor, volunteer_id)


@router.post(
    "/{volunteer_id}/decision",
    response_model=VolunteerOut,
    summary="Approve, reject or suspend a volunteer",
    responses=refusals(403, 404, 409, 422),
)
def post_decision(
    volunteer_id: int, body: DecisionIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        decide_volunteer(
            session,
            volunteer_id,
            actor=actor,
            decision=body.decision,
            note=body.note,
            now=state.clock.now(),
        )
        return volunteer_row(session, actor, volunteer_id)


@router.get(
    "/{volunteer_id}/ledger",
    response_model=LedgerOut,
    summary="A volunteer's points ledger (append-only) and balance",
    responses=refusals(403, 404),
)
def get_ledger(volunteer_id: int, actor: CurrentActor, session: ReadSession) -> dict[str, Any]:
    get_volunteer(session, actor, volunteer_id)
    return {
        "volunteer_id": volunteer_id,
        "balance": balance(session, volunteer_id),
        "entries": [vars(e) for e in ledger(session, volunteer_id)],
    }
