"""The supervisor's desk in the browser: the overdue cases, supervision orders (督办) and letters
(提醒函/建议函/通报) with the forms that issue them, naming units by name and cases by tracking
number; and the addressed unit's answer to a letter. Each form calls the same service as the API."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from minyi.cases.models import Case
from minyi.core.errors import Invalid
from minyi.org.models import Unit
from minyi.org.rules import Role
from minyi.sla.queries import BOARD_SIZE, overdue_board
from minyi.supervision.letters import issue_letter, reply_to_letter
from minyi.supervision.queries import (
    describe_letters,
    describe_orders,
    list_letters,
    list_orders,
    replies_of,
)
from minyi.supervision.rules import (
    LETTER_KIND_ZH,
    RIGHT_ZH,
    TARGET_UNIT_KINDS,
    LetterKind,
    SuggestionRight,
    may_close_order,
)
from minyi.supervision.service import issue_order
from minyi.web.console_boards import block_view
from minyi.web.pages import PostedForm, WebRoute, redirect, render, staff, staff_form, state_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def unit_choices(session: Session) -> list[tuple[str, str]]:
    return [
        (c, n)
        for c, n in session.execute(
            select(Unit.code, Unit.name)
            .where(Unit.kind.in_(TARGET_UNIT_KINDS), Unit.is_active.is_(True))
            .order_by(Unit.kind, Unit.code)
        )
    ]


def unit_code(session: Session, value: str, field: str) -> str | None:
    """A unit typed by name (or code) on a form -> its code; None when left empty."""
    text = value.strip()
    if not text:
        return None
    code = session.scalar(
        select(Unit.code).where(or_(Unit.name == text, Unit.code == text), Unit.is_active.is_(True))
    )
    if code is None:
        raise Invalid("unknown_unit", f"没有名为“{text}”的单位，请从列表中选择", field=field)
    return code


def case_id_of(session: Session, tracking_no: str) -> int | None:
    number = tracking_no.strip()
    if not number:
        return None
    case_id = session.scalar(select(Case.id).where(Case.tracking_no == number))
    if case_id is None:
        raise Invalid("unknown_case", f"没有受理编号为“{number}”的案件", field="tracking_no")
    return case_id


def _tracking_nos(session: Session, rows: list[dict[str, Any]]) -> dict[int, str]:
    ids = {r["case_id"] for r in rows if r.get("case_id")}
    return (
        dict(session.execute(select(Case.id, Case.tracking_no).where(Case.id.in_(ids))).all())
        if ids
        else {}
    )


@router.get("/console/supervision")
def supervision_board(request: Request) -> Response:
    actor = staff(request, {Role.SUPERVISOR, Role.ADMIN, Role.LEADER})
    state = state_of(request)
    now = state.clock.now()
    with state.db.reading() as session:
        overdue = block_view(session, actor, overdue_board(session, actor), now)
        # The board shows the first rows of each list and its total (exact, or "1,000+").
        order_page = list_orders(session, actor, page=1, page_size=BOARD_SIZE)
        letter_page = list_letters(session, actor, page=1, page_size=BOARD_SIZE)
        order_rows, letter_rows = order_page.rows, letter_page.rows
        orders = describe_orders(session, order_rows, now, actor=actor)
        letters = describe_letters(session, letter_rows, actor=actor)
        return render(
            request,
            "console/supervision.html",
            overdue=overdue,
            orders=orders,
            orders_total=order_page.total,
            letters=letters,
            letters_total=letter_page.total,
            replies=replies_of(session, letter_rows, actor=actor),
            case_nos=_tracking_nos(session, [*orders, *letters]),
            units=unit_choices(session),
            kinds=LETTER_KIND_ZH,
            rights=RIGHT_ZH,
            may_issue=actor.role is Role.SUPERVISOR,
            closable={o["id"] for o in orders if may_close_order(actor.role, o["status"])},
        )


@router.post("/console/supervision/orders")
def new_order(request: Request, form: PostedForm) -> Response:
    actor, state, fields = staff_form(request, form)
    days = fields.get("within_days", "")
    if not days.isdigit():
        raise Invalid("bad_days", "请填写办理时限天数", field="within_days")
    with state.db.unit_of_work() as session:
        order = issue_order(
            session,
            actor=actor,
            reason=fields.get("reason", ""),
            case_id=case_id_of(session, fields.get("tracking_no", "")),
            unit=unit_code(session, fields.get("unit_name", ""), "unit_name"),
            within_days=int(days),
            now=state.clock.now(),
        )
        order_id = order.id
    return redirect(f"/console/supervision?done=order#order-{order_id}")


@router.post("/console/supervision/letters")
def new_letter(request: Request, form: PostedForm) -> Response:
    actor, state, fields = staff_form(request, form)
    kind = fields.get("kind", "")
    if kind not in {k.value for k in LetterKind}:
        raise Invalid("bad_kind", "请选择函件种类", field="kind")
    right = fields.get("suggestion_right") or None
    if right is not None and right not in {r.value for r in SuggestionRight}:
        raise Invalid("bad_right", "请选择建议类别", field="suggestion_right")
    reply_by = None
    if fields.get("reply_by"):
        try:
            reply_by = date.fromisoformat(fields["reply_by"])
        except ValueError:
            raise Invalid("bad_date", "回复期限不是有效日期", field="reply_by") from None
    with state.db.unit_of_work() as session:
        letter = issue_letter(
            session,
            actor=actor,
            kind=LetterKind(kind),
            subject=fields.get("subject", ""),
            body=fields.get("body", ""),
            addressee_unit=unit_code(session, fields.get("unit_name", ""), "unit_name"),
            suggestion_right=SuggestionRight(right)
            if right and kind == LetterKind.SUGGESTION
            else None,
            case_id=case_id_of(session, fields.get("tracking_no", "")),
            reply_by=reply_by,
            now=state.clock.now(),
            tz=state.tz,
        )
        letter_id = letter.id
    return redirect(f"/console/supervision?done=letter#letter-{letter_id}")


@router.post("/console/letters/{letter_id}/reply")
def reply(request: Request, form: PostedForm, letter_id: int) -> Response:
    actor, state, fields = staff_form(request, form)
    with state.db.unit_of_work() as session:
        reply_to_letter(
            session, letter_id, actor=actor, text=fields.get("text", ""), now=state.clock.now()
        )
    return redirect(f"/console/tasks?done=letter_reply#letter-{letter_id}")
