"""Read-side queries of triage: a case's suggestion and its view, the dispatcher's board, the
corrections a model trains on, unit names, and a case's links to other appeals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case
from minyi.cases.queries import get_visible_case
from minyi.core.errors import Invalid, NotFound
from minyi.core.listing import Listing, list_page
from minyi.core.paging import asc
from minyi.org.models import Unit
from minyi.org.rules import Actor
from minyi.privacy.rules import CaseView
from minyi.triage.models import AppealLink, TriageCorrection, TriageSuggestion
from minyi.triage.repeats.signals import LinkKind
from minyi.triage.rules import AWAITING, QUOTING, STATUSES, may_read
from minyi.triage.schemas import read_blobs


def suggestion_of(
    session: Session, case_id: int, actor: Actor, *, for_update: bool = False
) -> tuple[Case, TriageSuggestion]:
    may_read(actor)
    case = get_visible_case(session, case_id, actor, for_update=for_update)
    stmt = select(TriageSuggestion).where(TriageSuggestion.appeal_id == case.appeal_id)
    suggestion = session.scalar(stmt.with_for_update() if for_update else stmt)
    if suggestion is None:
        raise NotFound(
            "no_suggestion",
            f"case {case_id} has not been triaged yet (the worker does it within seconds)",
        )
    return case, suggestion


def suggestion_view(
    s: TriageSuggestion, names: dict[str, str] | None = None, *, view: CaseView | None = None
) -> dict[str, Any]:
    """`view`: the reader's privacy view of the case; what the suggestion quotes of the appeal goes
    through it (None: a caller that masks the page itself)."""
    names = names or {}
    blobs = read_blobs(s)
    out = {
        "case_id": s.case_id,
        "appeal_id": s.appeal_id,
        "created_at": s.created_at,
        "model_version": s.model_version,
        "label": s.label,
        "leaf": s.leaf_code,
        "class_name": s.class_name,
        "confidence": s.confidence,
        "threshold": s.threshold,
        "qualifies_for_auto": s.qualifies_for_auto,
        "top_k": blobs["top_k"],
        "place": blobs["place"],
        "place_candidates": blobs["place_candidates"],
        "lead_unit": {"unit": s.lead_unit, "name": names.get(s.lead_unit or "")}
        if s.lead_unit
        else None,
        "co_units": blobs["co_units"],
        "excluded": blobs["excluded"],
        "risk_flags": blobs["risk_flags"],
        "signals": blobs["signals"],
        "status": s.status,
        "hold_reason": s.hold_reason,
        "decided_by": s.decided_by,
        "decided_at": s.decided_at,
    }
    if view is not None:
        for key in QUOTING:
            out[key] = view.show_any(out[key])
    return out


def unit_names(session: Session, codes: set[str]) -> dict[str, str]:
    codes.discard("")
    if not codes:
        return {}
    return {
        code: name
        for code, name in session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes)))
    }


def board(
    session: Session,
    actor: Actor,
    *,
    status: str = AWAITING,
    page: int = 1,
    page_size: int = 50,
    cursor: str | None = None,
) -> Listing[tuple[TriageSuggestion, Case, Appeal]]:
    """The dispatcher's board: suggestions in a status (default: awaiting a person), oldest first."""
    may_read(actor)
    if status not in STATUSES:
        raise Invalid("bad_status", f"status must be one of {', '.join(STATUSES)}", field="status")
    stmt = (
        select(TriageSuggestion, Case, Appeal)
        .join(Case, Case.id == TriageSuggestion.case_id)
        .join(Appeal, Appeal.id == TriageSuggestion.appeal_id)
        .where(TriageSuggestion.status == status)
    )
    order = [asc(TriageSuggestion.created_at), asc(TriageSuggestion.id)]
    found = list_page(session, stmt, order, page=page, page_size=page_size, cursor=cursor)
    return found.map(lambda r: (r[0], r[1], r[2]))


def corrections_for_training(session: Session) -> list[tuple[str, str]]:
    """(text, label) of every correction with a label, the latest one per appeal."""
    latest = (
        select(func.max(TriageCorrection.id))
        .where(TriageCorrection.label.is_not(None))
        .group_by(TriageCorrection.appeal_id)
    )
    rows = session.execute(
        select(TriageCorrection.text, TriageCorrection.label)
        .where(TriageCorrection.id.in_(latest))
        .order_by(TriageCorrection.id)
    ).all()
    return [(t, lab) for t, lab in rows if lab]


def links_of(session: Session, appeal_id: int) -> list[AppealLink]:
    """Links from and to an appeal, oldest first."""
    return list(
        session.scalars(
            select(AppealLink)
            .where(or_(AppealLink.appeal_id == appeal_id, AppealLink.other_id == appeal_id))
            .order_by(AppealLink.id)
        )
    )


def petition_count_of(session: Session, appeal_id: int, *, limit: int = 1000) -> int:
    """1 + the earlier appeals this one repeats, following repeat links back (初信 = 1)."""
    seen = {appeal_id}
    frontier = {appeal_id}
    while frontier and len(seen) < limit:
        earlier = set(
            session.scalars(
                select(AppealLink.other_id).where(
                    AppealLink.appeal_id.in_(frontier), AppealLink.kind == LinkKind.REPEAT
                )
            )
        )
        frontier = earlier - seen
        seen |= frontier
    return len(seen)
