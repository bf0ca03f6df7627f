"""Triage suggestions for the dispatcher: read one, confirm or correct it, and the board of
suggestions awaiting a person (low confidence, risk, crowd, or auto-dispatch off)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from minyi.api.cursor import PageCursor
from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.cases.queries import reader_view, shown_titles
from minyi.triage.queries import board, suggestion_of, suggestion_view, unit_names
from minyi.triage.rules import AWAITING
from minyi.triage.schemas import (
    BoardOut,
    ConfirmIn,
    CorrectedSuggestionOut,
    CorrectIn,
    SuggestionOut,
)
from minyi.triage.service import confirm, correct

router = APIRouter(prefix="/api/v1", tags=["triage"], route_class=ApiRoute)


def _view(session: Any, suggestion: Any) -> dict[str, Any]:
    codes = {suggestion.lead_unit or ""}
    return suggestion_view(suggestion, unit_names(session, codes))


@router.get(
    "/appeals/{case_id}/triage",
    summary="The triage suggestion of a case, with confidences and evidence",
    response_model=SuggestionOut,
    responses=refusals(404),
)
def get_triage(case_id: int, actor: CurrentActor, session: ReadSession) -> dict[str, Any]:
    case, suggestion = suggestion_of(session, case_id, actor)
    return suggestion_view(
        suggestion,
        unit_names(session, {suggestion.lead_unit or ""}),
        view=reader_view(session, case, actor),
    )


@router.post(
    "/appeals/{case_id}/triage/confirm",
    summary="Take the suggestion (dispatches a case awaiting dispatch)",
    response_model=SuggestionOut,
    responses=refusals(404, 409),
)
def post_confirm(
    case_id: int, body: ConfirmIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        suggestion = confirm(
            session,
            case_id,
            actor=actor,
            now=state.clock.now(),
            expected_version=body.expected_version,
        )
        return _view(session, suggestion)


@router.post(
    "/appeals/{case_id}/triage/correct",
    summary="Correct class, place or units; kept as a training row",
    response_model=CorrectedSuggestionOut,
    responses=refusals(404, 409),
)
def post_correct(
    case_id: int, body: CorrectIn, actor: CurrentActor, state: State
) -> dict[str, Any]:
    fix = body.correction()
    with state.db.unit_of_work() as session:
        row = correct(
            session,
            case_id,
            fix,
            actor=actor,
            now=state.clock.now(),
            expected_version=body.expected_version,
        )
        _, suggestion = suggestion_of(session, case_id, actor)
        return _view(session, suggestion) | {
            "correction": {
                "id": row.id,
                "label": row.label,
                "leaf": row.leaf_code,
                "predicted_label": row.predicted_label,
                "lead_unit": row.lead_unit,
                "co_units": row.co_units,
                "place": row.place,
                "corrected_by": row.corrected_by,
                "corrected_at": row.corrected_at,
            }
        }


@router.get(
    "/triage/suggestions",
    summary="The dispatcher's board: suggestions awaiting a person, oldest first",
    response_model=BoardOut,
    responses=refusals(),
)
def get_board(
    actor: CurrentActor,
    session: ReadSession,
    status: str = AWAITING,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: PageCursor = None,
) -> dict[str, Any]:
    found = board(session, actor, status=status, page=page, page_size=page_size, cursor=cursor)
    rows = found.rows
    names = unit_names(session, {s.lead_unit or "" for s, _, _ in rows})
    titles = shown_titles(session, actor, [c.id for _, c, _ in rows])
    items = [
        {
            "case_id": c.id,
            "tracking_no": c.tracking_no,
            "case_status": c.status,
            "title": titles.get(c.id, ""),
            "registered_at": c.registered_at,
            "label": s.label,
            "leaf": s.leaf_code,
            "class_name": s.class_name,
            "confidence": s.confidence,
            "lead_unit": s.lead_unit,
            "lead_unit_name": names.get(s.lead_unit or ""),
            "excluded": [e["unit"] for e in s.excluded],
            "risk": sorted({f["category"] for f in s.risk_flags}),
            "hold_reason": s.hold_reason,
            "status": s.status,
        }
        for s, c, a in rows
    ]
    return {**found.page_fields(), "items": items}
