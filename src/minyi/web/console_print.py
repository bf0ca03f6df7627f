"""Print views of a case: 登记表 (registration form), 交办单 (dispatch slip) and 答复函 (reply
letter), A4 pages in the layout of a Chinese government document. They read the case through
the same privacy view as the case page (`case_record`), so a print shows no more than the screen."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from minyi.core.errors import Conflict, NotFound
from minyi.org.models import Unit
from minyi.org.queries import district_name
from minyi.org.rules import Actor
from minyi.taxonomy.models import DictionaryEntry
from minyi.web.case_view import case_record
from minyi.web.pages import WebRoute, render, staff, state_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)
DOCUMENTS = {"registration": "登记表", "dispatch": "交办单", "reply": "答复函"}
ROLE_ZH = {"lead": "主办", "co": "协办"}
CALENDAR_ZH = {"natural": "自然日", "workdays": "工作日", "workhours": "工作时间"}


def _unit_name(session: Session, unit_id: int | None) -> str | None:
    return session.scalar(select(Unit.name).where(Unit.id == unit_id)) if unit_id else None


def print_context(session: Session, case_id: int, actor: Actor, now: Any) -> dict[str, Any]:
    # The record only: the case page's other boxes (similar cases, whistles, panels) and the
    # reader's actions are not printed.
    case, _, _, data = case_record(session, case_id, actor, now, with_actions=False)
    leaf = session.get(DictionaryEntry, case.category_id) if case.category_id else None
    events = data["events"]
    dispatches = [e for e in events if e["action"] == "dispatch"]
    return {
        **data,
        "district": district_name(session),
        "category": " / ".join(
            x for x in (leaf.class_name, leaf.level2, leaf.level3, leaf.level4) if x
        )
        if leaf
        else (case.class_name or ""),
        "first_unit_name": _unit_name(session, case.first_unit_id),
        "dispatch_event": dispatches[-1] if dispatches else None,
        "reply_event": next((e for e in reversed(events) if e["action"] == "reply"), None),
        "register_event": events[0] if events else None,
        "handling_units": [u for u in data["case"]["units"] if u["is_active"]],
        "role_zh": ROLE_ZH,
        "calendar_zh": CALENDAR_ZH,
        "printed_at": now,
    }


@router.get("/console/cases/{case_id}/print/{document}")
def print_view(request: Request, case_id: int, document: str) -> Response:
    actor = staff(request)
    state = state_of(request)
    if document not in DOCUMENTS:
        raise NotFound("no_such_document", "没有这种打印文书（可打印：登记表、交办单、答复函）")
    with state.db.reading() as session:
        context = print_context(session, case_id, actor, state.clock.now())
    if document == "dispatch" and not context["handling_units"]:
        raise Conflict("not_dispatched", "该案件尚未分拨，没有交办单")
    if document == "reply" and not context["case"]["reply_text"]:
        raise Conflict("not_replied", "该案件尚未答复，没有答复函")
    return render(
        request, f"console/print/{document}.html", document=document, documents=DOCUMENTS, **context
    )
