from __future__ import annotations

import hashlib
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Response

from minyi.api.cursor import PageCursor
from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.core.schemas import Page
from minyi.org.rules import Role
from minyi.org.service import unit_by_code
from minyi.supervision.letters import document_for, issue_letter
from minyi.supervision.queries import (
    describe_instructions,
    describe_letters,
    describe_orders,
    describe_tasks,
    get_instruction,
    get_letter,
    get_order,
    get_task,
    list_instructions,
    list_letters,
    list_orders,
    list_tasks,
)
from minyi.supervision.rules import LetterKind, OrderStatus, TaskStatus
from minyi.supervision.schemas import (
    InstructionIn,
    InstructionOut,
    LetterIn,
    LetterOut,
    OrderCloseIn,
    OrderIn,
    OrderOut,
    OrderResponseIn,
    TaskItemOut,
    TaskResultIn,
)
from minyi.supervision.service import (
    close_order,
    complete_task,
    issue_order,
    respond_order,
    write_instruction,
)

router = APIRouter(prefix="/api/v1", tags=["instructions and supervision"], route_class=ApiRoute)
PageNumber = Annotated[int, Query(ge=1)]
PageSize = Annotated[int, Query(ge=1, le=200)]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# ---- instructions (批示) -------------------------------------------------------------------


@router.post(
    "/instructions",
    response_model=InstructionOut,
    status_code=201,
    summary="A leader writes an instruction (批示): one tracked task per named unit",
    responses=refusals(404, 409),
)
def create_instruction(body: InstructionIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        instruction = write_instruction(
            session,
            actor=actor,
            text=body.text,
            units=body.units,
            deadline=body.deadline,
            within_days=body.within_days,
            case_id=body.case_id,
            subject_ref=body.subject_ref,
            now=now,
        )
        return describe_instructions(session, [instruction], now, actor=actor)[0]


@router.get(
    "/instructions",
    response_model=Page[InstructionOut],
    summary="Instructions with each task's state; a leader sees their own unless mine=false",
    responses=refusals(404),
)
def instructions(
    actor: CurrentActor,
    session: ReadSession,
    state: State,
    mine: bool | None = None,
    case_id: int | None = None,
    subject_ref: str | None = None,
    task_state: Annotated[str | None, Query(alias="state", pattern="^(open|overdue|done)$")] = None,
    page: PageNumber = 1,
    page_size: PageSize = 20,
    cursor: PageCursor = None,
) -> Page[InstructionOut]:
    if mine is None:
        mine = actor.role is Role.LEADER and case_id is None and subject_ref is None
    found = list_instructions(
        session,
        actor,
        author_id=actor.staff_id if mine else None,
        case_id=case_id,
        subject_ref=subject_ref,
        state=task_state,
        page=page,
        page_size=page_size,
        cursor=cursor,
    )
    rows = found.rows
    items = describe_instructions(session, rows, state.clock.now(), actor=actor)
    return Page[InstructionOut](
        **found.page_fields(),
        items=[InstructionOut.model_validate(v) for v in items],
    )


@router.get(
    "/instructions/{instruction_id}",
    response_model=InstructionOut,
    summary="One instruction with its tasks",
    responses=refusals(404),
)
def instruction(
    instruction_id: int, actor: CurrentActor, session: ReadSession, state: State
) -> dict[str, Any]:
    return describe_instructions(
        session, [get_instruction(session, instruction_id, actor)], state.clock.now(), actor=actor
    )[0]


@router.get(
    "/instruction-tasks",
    response_model=Page[TaskItemOut],
    summary="Tasks from instructions: unit staff see their unit's",
    responses=refusals(404),
)
def tasks(
    actor: CurrentActor,
    session: ReadSession,
    state: State,
    unit: str | None = None,
    status: TaskStatus | None = None,
    overdue: bool | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 20,
    cursor: PageCursor = None,
) -> Page[TaskItemOut]:
    unit_id = unit_by_code(session, unit).id if unit else None
    found = list_tasks(
        session,
        actor,
        unit_id=unit_id,
        status=status.value if status else None,
        overdue=overdue,
        page=page,
        page_size=page_size,
        cursor=cursor,
    )
    rows = found.rows
    items = describe_tasks(session, rows, state.clock.now(), actor=actor)
    return Page[TaskItemOut](
        **found.page_fields(),
        items=[TaskItemOut.model_validate(v) for v in items],
    )


@router.post(
    "/instruction-tasks/{task_id}/complete",
    response_model=TaskItemOut,
    summary="The unit reports the result; the task's clock stops",
    responses=refusals(404, 409),
)
def complete(task_id: int, body: TaskResultIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        complete_task(session, task_id, actor=actor, result=body.result, now=now)
        return describe_tasks(session, [get_task(session, task_id, actor)], now, actor=actor)[0]


# ---- supervision orders (督办) --------------------------------------------------------------


@router.post(
    "/supervision-orders",
    response_model=OrderOut,
    status_code=201,
    summary="A supervisor orders a unit to act on a case or its work (督办)",
    responses=refusals(404, 409),
)
def create_order(body: OrderIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        order = issue_order(
            session,
            actor=actor,
            reason=body.reason,
            case_id=body.case_id,
            unit=body.unit,
            deadline=body.deadline,
            within_days=body.within_days,
            now=now,
        )
        return describe_orders(session, [order], now, actor=actor)[0]


@router.get(
    "/supervision-orders",
    response_model=Page[OrderOut],
    summary="Supervision orders: unit staff see those to their unit",
    responses=refusals(404),
)
def orders(
    actor: CurrentActor,
    session: ReadSession,
    state: State,
    unit: str | None = None,
    case_id: int | None = None,
    status: OrderStatus | None = None,
    overdue: bool | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 20,
    cursor: PageCursor = None,
) -> Page[OrderOut]:
    unit_id = unit_by_code(session, unit).id if unit else None
    found = list_orders(
        session,
        actor,
        unit_id=unit_id,
        case_id=case_id,
        status=status.value if status else None,
        overdue=overdue,
        page=page,
        page_size=page_size,
        cursor=cursor,
    )
    rows = found.rows
    items = describe_orders(session, rows, state.clock.now(), actor=actor)
    return Page[OrderOut](
        **found.page_fields(),
        items=[OrderOut.model_validate(v) for v in items],
    )


@router.get(
    "/supervision-orders/{order_id}",
    response_model=OrderOut,
    summary="One supervision order",
    responses=refusals(404),
)
def order(order_id: int, actor: CurrentActor, session: ReadSession, state: State) -> dict[str, Any]:
    return describe_orders(
        session, [get_order(session, order_id, actor)], state.clock.now(), actor=actor
    )[0]


@router.post(
    "/supervision-orders/{order_id}/respond",
    response_model=OrderOut,
    summary="The unit under the order responds; its clock stops",
    responses=refusals(404, 409),
)
def respond(
    order_id: int, body: OrderResponseIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        return describe_orders(
            session,
            [respond_order(session, order_id, actor=actor, response=body.response, now=now)],
            now,
            actor=actor,
        )[0]


@router.post(
    "/supervision-orders/{order_id}/close",
    response_model=OrderOut,
    summary="The supervisor accepts the response and closes the order",
    responses=refusals(404, 409),
)
def close(order_id: int, body: OrderCloseIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    now = state.clock.now()
    with state.db.unit_of_work() as session:
        return describe_orders(
            session,
            [close_order(session, order_id, actor=actor, note=body.note, now=now)],
            now,
            actor=actor,
        )[0]


# ---- letters (提醒函 / 建议函 / 通报) ----------------------------------------------------------


def _with_download(view: dict[str, Any]) -> dict[str, Any]:
    view["download"] = f"/api/v1/letters/{view['id']}.docx"
    return view


@router.post(
    "/letters",
    response_model=LetterOut,
    status_code=201,
    summary="Issue a numbered reminder letter, suggestion letter or notice (.docx)",
    responses=refusals(404, 409),
)
def create_letter(body: LetterIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        letter = issue_letter(
            session,
            actor=actor,
            kind=body.kind,
            subject=body.subject,
            body=body.body,
            addressee_unit=body.addressee_unit,
            addressee=body.addressee,
            suggestion_right=body.suggestion_right,
            case_id=body.case_id,
            order_id=body.order_id,
            reply_by=body.reply_by,
            now=state.clock.now(),
            tz=state.tz,
        )
        return _with_download(describe_letters(session, [letter], actor=actor)[0])


@router.get(
    "/letters",
    response_model=Page[LetterOut],
    summary="Letters: the addressee unit sees its own, and notices to all units",
    responses=refusals(404),
)
def letters(
    actor: CurrentActor,
    session: ReadSession,
    kind: LetterKind | None = None,
    year: int | None = None,
    unit: str | None = None,
    case_id: int | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 20,
    cursor: PageCursor = None,
) -> Page[LetterOut]:
    unit_id = unit_by_code(session, unit).id if unit else None
    found = list_letters(
        session,
        actor,
        kind=kind.value if kind else None,
        year=year,
        unit_id=unit_id,
        case_id=case_id,
        page=page,
        page_size=page_size,
        cursor=cursor,
    )
    rows = found.rows
    items = [_with_download(v) for v in describe_letters(session, rows, actor=actor)]
    return Page[LetterOut](
        **found.page_fields(),
        items=[LetterOut.model_validate(v) for v in items],
    )


# Declared before /letters/{letter_id}: that pattern would otherwise take "3.docx" as the id.
@router.get(
    "/letters/{letter_id}.docx",
    summary="Download the letter (.docx), its texts through the reader's privacy view",
    response_class=Response,
    responses=refusals(404)
    | {200: {"content": {DOCX: {}}, "description": "the letter as a Word document"}},
)
def letter_docx(
    letter_id: int, actor: CurrentActor, session: ReadSession, state: State
) -> Response:
    letter = get_letter(session, letter_id, actor, with_document=True)
    # The document as this reader may read it: texts through their privacy view.
    document = document_for(session, letter, actor, tz=state.tz)
    etag = (
        letter.document_sha256
        if document is letter.document
        else hashlib.sha256(document).hexdigest()
    )
    # ASCII name for old clients, the letter's number (RFC 5987) for the rest.
    name = f"filename=\"letter-{letter.id}.docx\"; filename*=UTF-8''{quote(letter.number)}.docx"
    return Response(
        document,
        media_type=DOCX,
        headers={"Content-Disposition": f"attachment; {name}", "ETag": f'"{etag}"'},
    )


@router.get(
    "/letters/{letter_id}",
    response_model=LetterOut,
    summary="One letter's details",
    responses=refusals(404),
)
def letter(letter_id: int, actor: CurrentActor, session: ReadSession) -> dict[str, Any]:
    return _with_download(
        describe_letters(session, [get_letter(session, letter_id, actor)], actor=actor)[0]
    )
