"""Escalation (提级), leader case-holding (包案/销案) and the backlog register (积案)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, UploadFile
from pydantic import AwareDatetime
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.api.cursor import PageCursor
from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.cases.queries import get_visible_case, shown_titles
from minyi.core.errors import Invalid, NotFound
from minyi.core.schemas import Page
from minyi.escalation import holdings as holding_service
from minyi.escalation.models import EscalationRuleSet, Holding
from minyi.escalation.queries import (
    backlog,
    describe_backlog,
    describe_escalation,
    describe_holdings,
    leader_counts,
    list_escalations,
    list_holdings,
)
from minyi.escalation.rules import HoldingStatus, Level
from minyi.escalation.schemas import (
    BacklogItemOut,
    BacklogPage,
    DecisionIn,
    EscalatedCaseOut,
    EscalationOut,
    HoldingOut,
    LeaderCountsOut,
    PlanIn,
    ReleaseIn,
    RuleSetOut,
    RuleVersionOut,
    TakeIn,
    VisitIn,
    rule_set_view,
)
from minyi.escalation.service import current_rules, import_rule_set, rule_set_versions, rules_at
from minyi.org.models import Staff
from minyi.org.rules import Actor

router = APIRouter(prefix="/api/v1", tags=["escalation"], route_class=ApiRoute)
RULES_MAX_BYTES = 1024 * 1024


@router.get(
    "/escalation/rules",
    response_model=RuleSetOut,
    summary="The escalation rule set in force (or one version)",
    responses=refusals(404),
)
def get_rules(
    actor: CurrentActor, session: ReadSession, version: int | None = None
) -> dict[str, Any]:
    if version is None:
        version, rule_set = current_rules(session)
    else:
        rule_set = rules_at(session, version)
    row = session.scalar(select(EscalationRuleSet).where(EscalationRuleSet.version == version))
    return rule_set_view(version, rule_set, row)


@router.get(
    "/escalation/rules/versions",
    response_model=list[RuleVersionOut],
    summary="Every imported version, newest first",
    responses=refusals(404),
)
def get_rule_versions(actor: CurrentActor, session: ReadSession) -> list[dict[str, Any]]:
    return [
        {
            "version": r.version,
            "name": r.name,
            "source": r.source,
            "is_current": r.is_current,
            "imported_at": r.imported_at,
            "rules": len(r.content.get("rules") or []),
        }
        for r in rule_set_versions(session)
    ]


# Plain `def` (threadpool): parsing and the write block; the upload is already spooled.
@router.post(
    "/escalation/rules",
    response_model=RuleSetOut,
    status_code=201,
    summary="Import a new version of the rules (YAML; admin)",
    responses=refusals(404, 409),
)
def post_rules(file: UploadFile, actor: CurrentActor, state: State) -> dict[str, Any]:
    data = file.file.read(RULES_MAX_BYTES + 1)
    if len(data) > RULES_MAX_BYTES:
        raise Invalid("file_too_large", "a rule set is at most 1 MB", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Invalid("bad_encoding", "the rule set must be UTF-8 text", field="file") from error
    with state.db.unit_of_work() as session:
        row = import_rule_set(
            session, text, source=file.filename or "upload", actor=actor, now=state.clock.now()
        )
        version, rule_set = current_rules(session)
        return rule_set_view(version, rule_set, row)


@router.get(
    "/appeals/{case_id}/escalation",
    response_model=EscalationOut,
    summary="A case's escalation level, who it is lifted to, its holding",
    responses=refusals(404),
)
def case_escalation(case_id: int, actor: CurrentActor, session: ReadSession) -> dict[str, Any]:
    get_visible_case(session, case_id, actor)
    return describe_escalation(session, case_id, actor=actor)


@router.get(
    "/escalations",
    response_model=Page[EscalatedCaseOut],
    summary="Escalated cases in your scope; `mine` for those lifted to you",
    responses=refusals(404),
)
def escalations(
    actor: CurrentActor,
    session: ReadSession,
    level: Level | None = None,
    mine: bool = False,
    open_only: bool = True,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: PageCursor = None,
) -> Page[EscalatedCaseOut]:
    found = list_escalations(
        session,
        actor,
        level=level.value if level else None,
        assigned_to=actor.staff_id if mine else None,
        open_only=open_only,
        page=page,
        page_size=page_size,
        cursor=cursor,
    )
    rows = found.rows
    titles = shown_titles(session, actor, [c.id for _, c, _, _ in rows])
    items = [
        {
            "id": c.id,
            "tracking_no": c.tracking_no,
            "title": titles.get(c.id, ""),
            "status": c.status,
            "level": e.level,
            "rule": e.rule_code,
            "lifted_at": e.lifted_at,
            "assigned_to": {"username": s.username, "name": s.name} if s else None,
        }
        for e, c, title, s in rows
    ]
    return Page[EscalatedCaseOut](
        **found.page_fields(),
        items=[EscalatedCaseOut.model_validate(v) for v in items],
    )


@router.post(
    "/appeals/{case_id}/holding",
    response_model=HoldingOut,
    status_code=201,
    summary="Take the case (包案; leaders)",
    responses=refusals(404, 409),
)
def take(case_id: int, body: TakeIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        holding = holding_service.take_case(
            session, case_id, actor=actor, plan=body.plan, now=state.clock.now()
        )
        return _holding(session, holding, actor)


@router.get(
    "/holdings",
    response_model=Page[HoldingOut],
    summary="Holdings on cases in your scope",
    responses=refusals(404),
)
def holdings(
    actor: CurrentActor,
    session: ReadSession,
    leader: str | None = None,
    status: HoldingStatus | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
    cursor: PageCursor = None,
) -> Page[HoldingOut]:
    leader_id = None
    if leader:
        leader_id = session.scalar(select(Staff.id).where(Staff.username == leader))
        if leader_id is None:
            raise Invalid("unknown_leader", f"no staff member '{leader}'", field="leader")
    found = list_holdings(
        session,
        actor,
        leader_id=leader_id,
        status=status.value if status else None,
        page=page,
        page_size=page_size,
        cursor=cursor,
    )
    items = describe_holdings(session, [h for h, _, _ in found.rows], actor=actor)
    return Page[HoldingOut](
        **found.page_fields(),
        items=[HoldingOut.model_validate(v) for v in items],
    )


@router.get(
    "/holdings/stats",
    response_model=list[LeaderCountsOut],
    summary="Per leader: cases held, released (销案), rate, receptions and home visits",
    responses=refusals(404),
)
def holding_stats(
    actor: CurrentActor,
    session: ReadSession,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
) -> list[dict[str, Any]]:
    return [c.as_dict() for c in leader_counts(session, since=since, until=until)]


@router.get(
    "/holdings/{holding_id}",
    response_model=HoldingOut,
    summary="One holding with its plan, visits and review",
    responses=refusals(404),
)
def holding(holding_id: int, actor: CurrentActor, session: ReadSession) -> dict[str, Any]:
    return _holding(session, _visible_holding(session, holding_id, actor), actor)


@router.put(
    "/holdings/{holding_id}/plan",
    response_model=HoldingOut,
    summary="Write or replace the case plan (一案一策; the holder)",
    responses=refusals(404, 409),
)
def plan(holding_id: int, body: PlanIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        return _holding(
            session,
            holding_service.write_plan(
                session, holding_id, actor=actor, plan=body.plan, now=state.clock.now()
            ),
            actor,
        )


@router.post(
    "/holdings/{holding_id}/visits",
    response_model=HoldingOut,
    status_code=201,
    summary="Record a reception (接访) or home visit (家访)",
    responses=refusals(404, 409),
)
def visit(holding_id: int, body: VisitIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        holding_service.record_visit(
            session,
            holding_id,
            actor=actor,
            kind=body.kind,
            visited_at=body.at,
            place=body.place,
            people=body.people,
            notes=body.notes,
            now=state.clock.now(),
        )
        return _holding(session, _visible_holding(session, holding_id, actor), actor)


@router.post(
    "/holdings/{holding_id}/release",
    response_model=HoldingOut,
    summary="Ask to release the case (销案) with the 三到位一处理 review",
    responses=refusals(404, 409),
)
def release(holding_id: int, body: ReleaseIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        h = holding_service.request_release(
            session, holding_id, actor=actor, review=body.review(), now=state.clock.now()
        )
        return _holding(session, h, actor)


@router.post(
    "/holdings/{holding_id}/approve",
    response_model=HoldingOut,
    summary="Approve the release (supervisor or a higher leader)",
    responses=refusals(404, 409),
)
def approve(holding_id: int, body: DecisionIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        h = holding_service.decide_release(
            session, holding_id, actor=actor, approve=True, note=body.reason, now=state.clock.now()
        )
        return _holding(session, h, actor)


@router.post(
    "/holdings/{holding_id}/refuse",
    response_model=HoldingOut,
    summary="Send the release back to the holder, with a reason",
    responses=refusals(404, 409),
)
def refuse(holding_id: int, body: DecisionIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        h = holding_service.decide_release(
            session, holding_id, actor=actor, approve=False, note=body.reason, now=state.clock.now()
        )
        return _holding(session, h, actor)


@router.get(
    "/backlog",
    response_model=BacklogPage,
    summary="积案: open cases older than `min_age_days`, oldest first, with level, holder and plan",
    responses=refusals(404),
)
def backlog_register(
    actor: CurrentActor,
    session: ReadSession,
    state: State,
    min_age_days: Annotated[int, Query(ge=0, le=3650)] = 30,
    level: Level | None = None,
    held: bool | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: PageCursor = None,
) -> BacklogPage:
    now = state.clock.now()
    found = backlog(
        session,
        actor,
        now=now,
        min_age_days=min_age_days,
        level=level.value if level else None,
        held=held,
        page=page,
        page_size=page_size,
        cursor=cursor,
    )
    items = describe_backlog(session, found.rows, now, actor=actor)
    return BacklogPage(
        **found.page_fields(),
        min_age_days=min_age_days,
        items=[BacklogItemOut.model_validate(v) for v in items],
    )


def _visible_holding(session: Session, holding_id: int, actor: Actor) -> Holding:
    h = session.get(Holding, holding_id)
    if h is None:
        raise NotFound("holding_not_found", f"no holding {holding_id}")
    get_visible_case(session, h.case_id, actor)
    return h


def _holding(session: Session, h: Holding, actor: Actor) -> dict[str, Any]:
    return describe_holdings(session, [h], actor=actor)[0]
