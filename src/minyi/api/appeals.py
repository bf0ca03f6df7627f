from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Form, Query, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from minyi.api.cursor import PageCursor
from minyi.api.deps import (
    CaseQueryParams,
    CurrentActor,
    OptionalActor,
    ReadSession,
    ReplicaSession,
    State,
    get_state,
    intake_actor,
)
from minyi.api.errors import ApiRoute, refusals
from minyi.cases.models import Appeal
from minyi.cases.queries import (
    bounce_counts_by_unit,
    case_filter,
    case_units,
    get_visible_case,
    list_cases,
    page_cases,
    reader_view,
    relevance_order,
    timeline,
    unit_names,
)
from minyi.cases.rules import Action
from minyi.cases.schemas import (
    ActionIn,
    AttachmentOut,
    BounceStat,
    CaseDetail,
    CaseSummary,
    EventOut,
    RedispatchIn,
    case_detail,
    case_summary,
    event_view,
)
from minyi.cases.service import act_on_case, actions_for
from minyi.cases.tracking import case_key
from minyi.core.errors import Unauthorized
from minyi.core.schemas import Page
from minyi.core.throttle import citizen_secret_guard
from minyi.intake.attachments import store_attachment
from minyi.intake.queries import channel_names
from minyi.intake.schemas import AppealIn, AppealReceipt

router = APIRouter(prefix="/api/v1", tags=["appeals"], route_class=ApiRoute)


# The body and sign-in as the API documents them; create_appeal reads both itself (below).
_APPEAL_REQUEST: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": AppealIn.model_json_schema(ref_template="#/components/schemas/{model}")
            }
        },
    },
    "security": [{"OAuth2PasswordBearer": []}, {}],
}


@router.post(
    "/appeals",
    status_code=201,
    response_model=AppealReceipt,
    summary="Register an appeal (201), or get the one already made for this (channel, external_id) (200)",
    responses={
        200: {
            "model": AppealReceipt,
            "description": "already registered: the same sender sent the same content",
        },
        **refusals(
            public=True,
            described={
                401: "the token given is no longer valid (leave it out to appeal as a citizen)",
                403: "this account may not register appeals on this channel",
                409: "this (channel, external_id) already belongs to an appeal with other content or another sender",
            },
        ),
    },
    openapi_extra=_APPEAL_REQUEST,
)
async def create_appeal(request: Request) -> Response:
    """The hot path: validated here, written by the group-commit writer, answered after commit.

    It takes the bare request: FastAPI's dependency injection and its body parsing (stdlib json,
    then pydantic) cost about 45 µs a request, as much as the rest of the app; pydantic parses
    and validates the raw bytes in one pass, and errors take the same 422 shape as elsewhere."""
    actor, hashed = await intake_actor(
        request
    )  # a bad token is refused before the body is looked at
    try:
        item = AppealIn.model_validate_json(await request.body())
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors()]
        ) from None
    state = await get_state(request)
    try:
        receipt = await state.batcher.submit(item, actor, token_hash=hashed)
    except Unauthorized:
        # The writer found the token revoked since it was cached: forget it for the next request.
        state.intake_tokens.drop(
            get_authorization_scheme_param(request.headers.get("authorization"))[1]
        )
        raise
    return Response(
        orjson.dumps(receipt.as_dict()),
        status_code=201 if receipt.created else 200,
        media_type="application/json",
    )


@router.get(
    "/appeals",
    summary="List cases in your scope, filtered, paged by cursor",
    response_model=Page[CaseSummary],
    responses=refusals(
        404,
        described={
            400: "`cursor` is not one this list gave (code `bad_cursor`), or `page` starts"
            " past 10,000 cases (code `page_too_deep`: page on by `cursor`)",
            404: "a unit, street or community named in the filters does not exist",
        },
    ),
)
def list_appeals(
    actor: CurrentActor,
    session: ReplicaSession,
    filters: CaseQueryParams,
    cursor: PageCursor = None,
    page: Annotated[
        int,
        Query(
            ge=1,
            description="a page by number, read by skipping the ones before it: kept for old"
            " clients, up to 10,000 cases deep (400 `page_too_deep` past it); use `cursor`",
        ),
    ] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
    sort: Annotated[
        Literal["newest", "relevance"],
        Query(description="newest first, or with `q` the best match first"),
    ] = "newest",
) -> Page[CaseSummary]:
    channels = channel_names(session)
    f = case_filter(session, **asdict(filters))
    order = relevance_order(f.q) if sort == "relevance" else None
    next_cursor: str | None = None
    if page > 1 and not cursor:
        # Counted as the cursor's pages count (exact up to 1,000, then estimated: `total_exact`
        # false); a page past cases.queries.MAX_OFFSET is a 400 `page_too_deep`.
        total, rows = list_cases(session, actor, f, page=page, page_size=page_size, order=order)
    else:
        page = 1
        # A cursor this list did not make raises core.paging.BadCursor: 400 `bad_cursor`.
        found = page_cases(session, actor, f, cursor=cursor, size=page_size, order=order)
        rows, next_cursor = found.rows, found.next_cursor
        assert found.total is not None
        total = found.total
    units_of = case_units(session, [c.id for c, _ in rows])
    ids = {u for c, _ in rows for u in (c.lead_unit_id, c.street_id, c.community_id) if u}
    names = unit_names(session, ids)
    items = [
        case_summary(
            c,
            a,
            actor,
            {cu.unit_id for cu, _ in units_of.get(c.id, []) if cu.is_active},
            names,
            channels,
        )
        for c, a in rows
    ]
    return Page[CaseSummary](
        total=total.value,
        total_exact=total.exact,
        page=page,
        page_size=page_size,
        next_cursor=next_cursor,
        items=[CaseSummary.model_validate(v) for v in items],
    )


@router.get(
    "/appeals/{case_id}",
    summary="One case, with the actions you may take now",
    response_model=CaseDetail,
    responses=refusals(404),
)
def get_appeal(case_id: int, actor: CurrentActor, session: ReadSession) -> dict[str, Any]:
    return _detail(session, case_id, actor)


@router.get(
    "/appeals/{case_id}/timeline",
    summary="The case's full event log",
    response_model=list[EventOut],
    response_model_exclude_unset=True,
    responses=refusals(404),
)
def get_timeline(case_id: int, actor: CurrentActor, session: ReadSession) -> list[dict[str, Any]]:
    case = get_visible_case(session, case_id, actor)
    view = reader_view(session, case, actor)
    return [event_view(e, s, view=view) for e, s in timeline(session, case_id)]


@router.post(
    "/appeals/{case_id}/actions/{action}",
    summary="Take an action on a case (409 names the allowed ones)",
    response_model=CaseDetail,
    responses=refusals(404, 409),
)
def take_action(
    case_id: int, action: Action, body: ActionIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    # Committed inside the route: the answer leaves only after the event is durable.
    with state.db.unit_of_work() as session:
        act_on_case(
            session,
            case_id,
            action,
            actor=actor,
            payload=body.payload(),
            now=state.clock.now(),
            expected_version=body.expected_version,
        )
        session.flush()
        return _detail(session, case_id, actor)


@router.post(
    "/appeals/{case_id}/redispatch",
    summary="Redispatch (改派) a case its lead unit has not signed for yet",
    response_model=CaseDetail,
    responses=refusals(
        404,
        409,
        described={
            409: "the lead unit has signed for the case (already_signed_for), a bounce awaits a decision, or the version is stale",
        },
    ),
)
def redispatch(
    case_id: int, body: RedispatchIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        act_on_case(
            session,
            case_id,
            Action.REDISPATCH,
            actor=actor,
            payload=body.payload(),
            now=state.clock.now(),
            expected_version=body.expected_version,
        )
        session.flush()
        return _detail(session, case_id, actor)


@router.post(
    "/appeals/{case_id}/attachments",
    status_code=201,
    summary="Attach a file (size and type checked)",
    response_model=AttachmentOut,
    responses=refusals(
        404,
        429,
        public=True,
        described={
            401: "the token given is no longer valid",
            403: "the 24-hour window for a citizen's attachments has closed",
        },
    ),
)
async def upload_attachment(
    case_id: int,
    file: UploadFile,
    state: State,
    actor: OptionalActor,
    request: Request,
    phone_last4: Annotated[str | None, Form(min_length=4, max_length=4)] = None,
    tracking_code: Annotated[
        str | None,
        Form(
            min_length=1,
            max_length=40,
            description="the receipt's tracking code (查询码), instead of phone_last4",
        ),
    ] = None,
) -> dict[str, Any]:
    data = await file.read(state.settings.limits.attachment_max_bytes + 1)
    now, client = state.clock.now(), (request.client.host if request.client else "unknown")[:64]

    def store() -> dict[str, Any]:
        return store_attachment(
            state.db,
            state.settings,
            case_id=case_id,
            filename=file.filename or "file",
            content_type=file.content_type or "",
            data=data,
            actor=actor,
            phone_last4=phone_last4 or tracking_code,
            now=now,
        )

    def store_as_citizen() -> dict[str, Any]:
        # The citizen proves the case is theirs with the last four digits or the tracking code:
        # throttled like tracking.
        with citizen_secret_guard(
            state.db,
            state.settings,
            key=case_key(state.db, case_id=case_id),
            client=client,
            now=now,
        ):
            return store()

    # The database work and the file write run in the threadpool, not on the event loop.
    return await run_in_threadpool(store if actor is not None else store_as_citizen)


@router.get(
    "/bounces/stats",
    summary="Bounces requested and approved, per unit",
    response_model=list[BounceStat],
    responses=refusals(),
)
def bounce_stats(actor: CurrentActor, session: ReplicaSession) -> list[dict[str, Any]]:
    return [
        {"unit": code, "unit_name": name, "requested": n, "approved": approved}
        for code, name, n, approved in bounce_counts_by_unit(session)
    ]


def _detail(session: Any, case_id: int, actor: Any) -> dict[str, Any]:
    case = get_visible_case(session, case_id, actor)
    appeal = session.get(Appeal, case.appeal_id)
    units = case_units(session, [case.id]).get(case.id, [])
    names = unit_names(
        session,
        {
            u
            for u in (
                case.lead_unit_id,
                case.street_id,
                case.community_id,
                case.grid_id,
                case.first_unit_id,
            )
            if u
        },
    )
    return case_detail(
        case, appeal, actor, units, names, channel_names(session), actions_for(session, case, actor)
    )
