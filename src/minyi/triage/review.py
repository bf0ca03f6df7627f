"""The dispatcher's side of triage: read a suggestion, confirm it, or correct it.

Confirming a suggestion of a case still awaiting dispatch dispatches it to the suggested units
(accepting it first if needed) as the dispatcher; correcting dispatches to the corrected ones
and keeps a training row (the appeal's text, the right label, who, when) that `minyi triage
train` learns from. A dispatch made the ordinary way (the `dispatch` action) also settles an
awaiting suggestion: see `settle_by_dispatch`, called by the triage handler.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case
from minyi.cases.queries import get_visible_case
from minyi.cases.rules import Action, CaseStatus
from minyi.cases.service import act_on_case, lift_identity_hiding
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound
from minyi.org.models import Unit
from minyi.org.rules import DISTRICT_WIDE, Actor, Role
from minyi.privacy.rules import CaseView
from minyi.taxonomy.service import leaf_by_code
from minyi.triage.models import TriageCorrection, TriageSuggestion

AWAITING, AUTO_DISPATCHED, CONFIRMED, CORRECTED, HANDLED = (
    "awaiting",
    "auto_dispatched",
    "confirmed",
    "corrected",
    "handled",
)
STATUSES = (AWAITING, AUTO_DISPATCHED, CONFIRMED, CORRECTED, HANDLED)
PENDING = (CaseStatus.REGISTERED.value, CaseStatus.ACCEPTED.value)
DECIDERS = frozenset({Role.DISPATCHER, Role.ADMIN})


def _may_read(actor: Actor) -> None:
    if actor.role not in DISTRICT_WIDE:
        raise Forbidden("triage_centre_only", "智能分拨建议仅限指挥中心人员查看")


def _may_decide(actor: Actor) -> None:
    if actor.role not in DECIDERS:
        raise Forbidden("role_not_allowed", "只有派单员可以确认或更正分拨建议")


def suggestion_of(session: Session, case_id: int, actor: Actor, *, for_update: bool = False) -> tuple[Case, TriageSuggestion]:
    _may_read(actor)
    case = get_visible_case(session, case_id, actor, for_update=for_update)
    stmt = select(TriageSuggestion).where(TriageSuggestion.appeal_id == case.appeal_id)
    suggestion = session.scalar(stmt.with_for_update() if for_update else stmt)
    if suggestion is None:
        raise NotFound("no_suggestion", f"case {case_id} has not been triaged yet (the worker does it within seconds)")
    return case, suggestion


# What a suggestion quotes of the appeal: places found in its text, signals, risk evidence.
QUOTING = ("place", "place_candidates", "signals", "risk_flags", "hold_reason")


def suggestion_view(s: TriageSuggestion, names: dict[str, str] | None = None, *, view: CaseView | None = None) -> dict[str, Any]:
    """`view`: the reader's privacy view of the case; what the suggestion quotes of the appeal goes
    through it (None: a caller that masks the page itself)."""
    names = names or {}
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
        "top_k": s.top_k,
        "place": s.place,
        "place_candidates": s.place_candidates,
        "lead_unit": {"unit": s.lead_unit, "name": names.get(s.lead_unit or "")} if s.lead_unit else None,
        "co_units": s.co_units,
        "excluded": s.excluded,
        "risk_flags": s.risk_flags,
        "signals": s.signals,
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
    return {code: name for code, name in session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes)))}


def _dispatch(
    session: Session, case: Case, actor: Actor, *, lead: str, co: list[str], category: str | None,
    reason: str, now: datetime, expected_version: int | None,
) -> None:
    if expected_version is not None and expected_version != case.version:
        raise Conflict(
            "version_conflict",
            f"the case changed (version {case.version}, you saw {expected_version}); reload it",
            version=case.version,
        )
    if case.status == CaseStatus.REGISTERED:
        act_on_case(session, case.id, Action.ACCEPT, actor=actor, payload={}, now=now)
    payload: dict[str, Any] = {"lead_unit": lead, "co_units": co, "reason": reason, "triage": "reviewed"}
    if category:
        payload["category"] = category
    act_on_case(session, case.id, Action.DISPATCH, actor=actor, payload=payload, now=now)


def confirm(
    session: Session, case_id: int, *, actor: Actor, now: datetime, expected_version: int | None = None
) -> TriageSuggestion:
    """Take the suggestion as it stands; dispatches the case if it still awaits dispatch."""
    _may_decide(actor)
    case, s = suggestion_of(session, case_id, actor, for_update=True)
    if s.status in (CONFIRMED, CORRECTED):
        raise Conflict("already_decided", f"the suggestion was already {s.status} by {s.decided_by}")
    if case.status in PENDING:
        if not s.lead_unit:
            raise Conflict("no_suggested_unit", "分拨建议没有承办单位，请用更正指定单位")
        co = [c["unit"] for c in s.co_units]
        _dispatch(session, case, actor, lead=s.lead_unit, co=co, category=s.leaf_code,
                  reason="确认智能分拨建议", now=now, expected_version=expected_version)
    s.status, s.decided_by, s.decided_at = CONFIRMED, actor.username, now
    session.flush()
    return s


@dataclass(frozen=True)
class Correction:
    category: str | None = None  # event-dictionary leaf
    label: str | None = None  # the model's label, when it is not a leaf (e.g. a class name)
    street: str | None = None
    community: str | None = None
    grid: str | None = None
    lead_unit: str | None = None
    co_units: tuple[str, ...] | None = None
    not_accused: tuple[str, ...] = ()  # units wrongly taken for the target of the complaint
    reason: str | None = None
    dispatch: bool = True


def correct(
    session: Session, case_id: int, fix: Correction, *, actor: Actor, now: datetime,
    expected_version: int | None = None,
) -> TriageCorrection:
    """Record what the suggestion should have been (a training row) and, if the case still
    awaits dispatch, dispatch it accordingly."""
    _may_decide(actor)
    if not any((fix.category, fix.label, fix.street, fix.community, fix.grid, fix.lead_unit,
                fix.co_units is not None, fix.not_accused)):
        raise Invalid("empty_correction", "a correction must change the class, the place or the units")
    case, s = suggestion_of(session, case_id, actor, for_update=True)
    leaf = leaf_by_code(session, fix.category) if fix.category else None
    place = {"street": fix.street, "community": fix.community, "grid": fix.grid}
    for key, code in place.items():
        if code and session.scalar(select(Unit.kind).where(Unit.code == code)) != key:
            raise Invalid("bad_place", f"'{code}' is not a {key}", field=f"place.{key}")
    if fix.not_accused:
        lift_identity_hiding(session, case, list(fix.not_accused), actor=actor, now=now,
                             reason=fix.reason or "派单员判断诉求并非针对该单位")
    lead = fix.lead_unit or s.lead_unit
    co = list(fix.co_units) if fix.co_units is not None else [c["unit"] for c in s.co_units]
    named = {c for c in (fix.lead_unit, *(fix.co_units or ())) if c}
    unknown = sorted(named - set(unit_names(session, set(named))))
    if unknown:
        raise Invalid("bad_unit", f"no unit '{unknown[0]}'", field="lead_unit" if unknown[0] == fix.lead_unit else "co_units")
    category = leaf.code if leaf else s.leaf_code
    if fix.dispatch and case.status in PENDING:
        if not lead:
            raise Invalid("missing_field", "'lead_unit' is required: the suggestion has none", field="lead_unit")
        _dispatch(session, case, actor, lead=lead, co=co, category=category,
                  reason=fix.reason or "更正智能分拨建议", now=now, expected_version=expected_version)
    appeal = session.get(Appeal, case.appeal_id)
    assert appeal is not None
    row = TriageCorrection(
        suggestion_id=s.id,
        appeal_id=s.appeal_id,
        text="\n".join(p for p in (appeal.title, appeal.body) if p),
        label=training_label(s, leaf_code=leaf.code if leaf else None,
                             leaf_class=leaf.class_name if leaf else None, label=fix.label),
        leaf_code=category,
        predicted_label=s.label,
        model_version=s.model_version,
        place={k: v for k, v in place.items() if v} or dict(s.place),
        lead_unit=lead,
        co_units=co,
        corrected_by_id=actor.staff_id,
        corrected_by=actor.username,
        corrected_at=now,
    )
    session.add(row)
    s.status, s.decided_by, s.decided_at = CORRECTED, actor.username, now
    session.flush()
    return row


def training_label(s: TriageSuggestion, *, leaf_code: str | None, leaf_class: str | None, label: str | None) -> str | None:
    """The corrected label in the model's own label space: a leaf code for a model of leaves,
    the class for a model of classes (its label was a class name, not a leaf)."""
    if label:
        return label
    if leaf_code is None:
        return s.label  # the class stood; only the place or the units were wrong
    model_of_classes = s.label is not None and s.leaf_code is None and s.class_name == s.label
    return leaf_class if model_of_classes else leaf_code


def settle_by_dispatch(session: Session, case_id: int, payload: dict[str, Any], actor: Actor, now: datetime) -> None:
    """A person dispatched the case with the ordinary action: the awaiting suggestion becomes
    confirmed (same lead unit and leaf) or corrected (with a training row when the leaf differs)."""
    if actor.username == "triage" or payload.get("triage") == "reviewed":
        return
    s = session.scalar(
        select(TriageSuggestion)
        .join(Case, Case.appeal_id == TriageSuggestion.appeal_id)
        .where(Case.id == case_id, TriageSuggestion.status == AWAITING)
    )
    if s is None:
        return
    lead, category = payload.get("lead_unit"), payload.get("category") or s.leaf_code
    s.decided_by, s.decided_at = actor.username, now
    if lead == s.lead_unit and category == s.leaf_code:
        s.status = CONFIRMED
        return
    s.status = CORRECTED
    leaf = leaf_by_code(session, str(category)) if category and category != s.leaf_code else None
    appeal = session.get(Appeal, s.appeal_id)
    assert appeal is not None
    session.add(
        TriageCorrection(
            suggestion_id=s.id,
            appeal_id=s.appeal_id,
            text="\n".join(p for p in (appeal.title, appeal.body) if p),
            label=training_label(s, leaf_code=leaf.code if leaf else None,
                                 leaf_class=leaf.class_name if leaf else None, label=None),
            leaf_code=category,
            predicted_label=s.label,
            model_version=s.model_version,
            place=dict(s.place),
            lead_unit=str(lead) if lead else None,
            co_units=[str(c) for c in payload.get("co_units") or []],
            corrected_by_id=actor.staff_id,
            corrected_by=actor.username,
            corrected_at=now,
        )
    )


def board(session: Session, actor: Actor, *, status: str = AWAITING, page: int = 1, page_size: int = 50) -> tuple[int, list[tuple[TriageSuggestion, Case, Appeal]]]:
    """The dispatcher's board: suggestions in a status (default: awaiting a person), oldest first."""
    _may_read(actor)
    if status not in STATUSES:
        raise Invalid("bad_status", f"status must be one of {', '.join(STATUSES)}", field="status")
    where = TriageSuggestion.status == status
    total = session.scalar(select(func.count()).select_from(TriageSuggestion).where(where)) or 0
    rows = session.execute(
        select(TriageSuggestion, Case, Appeal)
        .join(Case, Case.id == TriageSuggestion.case_id)
        .join(Appeal, Appeal.id == TriageSuggestion.appeal_id)
        .where(where)
        .order_by(TriageSuggestion.created_at, TriageSuggestion.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return total, [(s, c, a) for s, c, a in rows]


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
