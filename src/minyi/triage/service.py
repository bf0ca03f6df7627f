"""The dispatcher's side of triage: read a suggestion, confirm it, or correct it.

Confirming a suggestion of a case still awaiting dispatch dispatches it to the suggested units
(accepting it first if needed) as the dispatcher; correcting dispatches to the corrected ones
and keeps a training row (the appeal's text, the right label, who, when) that `minyi triage
train` learns from. A dispatch made the ordinary way (the `dispatch` action) also settles an
awaiting suggestion: see `settle_by_dispatch`, called by the triage handler.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case
from minyi.cases.rules import Action, CaseStatus
from minyi.cases.service import act_on_case, lift_identity_hiding
from minyi.core.errors import Conflict, Invalid
from minyi.org.models import Unit
from minyi.org.rules import Actor
from minyi.taxonomy.models import DictionaryEntry
from minyi.taxonomy.service import leaf_by_code
from minyi.triage.models import TriageCorrection, TriageSuggestion
from minyi.triage.queries import suggestion_of, unit_names
from minyi.triage.rules import (
    AWAITING,
    CONFIRMED,
    CORRECTED,
    PENDING,
    Correction,
    may_decide,
    settles,
    training_label,
)


def _dispatch(
    session: Session,
    case: Case,
    actor: Actor,
    *,
    lead: str,
    co: list[str],
    category: str | None,
    reason: str,
    now: datetime,
    expected_version: int | None,
) -> None:
    if expected_version is not None and expected_version != case.version:
        raise Conflict(
            "version_conflict",
            f"the case changed (version {case.version}, you saw {expected_version}); reload it",
            version=case.version,
        )
    if case.status == CaseStatus.REGISTERED:
        act_on_case(session, case.id, Action.ACCEPT, actor=actor, payload={}, now=now)
    payload: dict[str, Any] = {
        "lead_unit": lead,
        "co_units": co,
        "reason": reason,
        "triage": "reviewed",
    }
    if category:
        payload["category"] = category
    act_on_case(session, case.id, Action.DISPATCH, actor=actor, payload=payload, now=now)


def confirm(
    session: Session,
    case_id: int,
    *,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
) -> TriageSuggestion:
    """Take the suggestion as it stands; dispatches the case if it still awaits dispatch."""
    may_decide(actor)
    case, s = suggestion_of(session, case_id, actor, for_update=True)
    if s.status in (CONFIRMED, CORRECTED):
        raise Conflict(
            "already_decided", f"the suggestion was already {s.status} by {s.decided_by}"
        )
    if case.status in PENDING:
        if not s.lead_unit:
            raise Conflict("no_suggested_unit", "分拨建议没有承办单位，请用更正指定单位")
        co = [c["unit"] for c in s.co_units]
        _dispatch(
            session,
            case,
            actor,
            lead=s.lead_unit,
            co=co,
            category=s.leaf_code,
            reason="确认智能分拨建议",
            now=now,
            expected_version=expected_version,
        )
    s.status, s.decided_by, s.decided_at = CONFIRMED, actor.username, now
    session.flush()
    return s


def correct(
    session: Session,
    case_id: int,
    fix: Correction,
    *,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
) -> TriageCorrection:
    """Record what the suggestion should have been (a training row) and, if the case still
    awaits dispatch, dispatch it accordingly."""
    may_decide(actor)
    if not any(
        (
            fix.category,
            fix.label,
            fix.street,
            fix.community,
            fix.grid,
            fix.lead_unit,
            fix.co_units is not None,
            fix.not_accused,
        )
    ):
        raise Invalid(
            "empty_correction", "a correction must change the class, the place or the units"
        )
    case, s = suggestion_of(session, case_id, actor, for_update=True)
    leaf = leaf_by_code(session, fix.category) if fix.category else None
    place = {"street": fix.street, "community": fix.community, "grid": fix.grid}
    for key, code in place.items():
        if code and session.scalar(select(Unit.kind).where(Unit.code == code)) != key:
            raise Invalid("bad_place", f"'{code}' is not a {key}", field=f"place.{key}")
    if fix.not_accused:
        lift_identity_hiding(
            session,
            case,
            list(fix.not_accused),
            actor=actor,
            now=now,
            reason=fix.reason or "派单员判断诉求并非针对该单位",
        )
    lead = fix.lead_unit or s.lead_unit
    co = list(fix.co_units) if fix.co_units is not None else [c["unit"] for c in s.co_units]
    named = {c for c in (fix.lead_unit, *(fix.co_units or ())) if c}
    unknown = sorted(named - set(unit_names(session, set(named))))
    if unknown:
        raise Invalid(
            "bad_unit",
            f"no unit '{unknown[0]}'",
            field="lead_unit" if unknown[0] == fix.lead_unit else "co_units",
        )
    category = leaf.code if leaf else s.leaf_code
    if fix.dispatch and case.status in PENDING:
        if not lead:
            raise Invalid(
                "missing_field",
                "'lead_unit' is required: the suggestion has none",
                field="lead_unit",
            )
        _dispatch(
            session,
            case,
            actor,
            lead=lead,
            co=co,
            category=category,
            reason=fix.reason or "更正智能分拨建议",
            now=now,
            expected_version=expected_version,
        )
    row = _training_row(
        session,
        s,
        leaf=leaf,
        label=fix.label,
        leaf_code=category,
        place={k: v for k, v in place.items() if v} or dict(s.place),
        lead=lead,
        co=co,
        actor=actor,
        now=now,
    )
    session.add(row)
    s.status, s.decided_by, s.decided_at = CORRECTED, actor.username, now
    session.flush()
    return row


def settle_by_dispatch(
    session: Session, case_id: int, payload: dict[str, Any], actor: Actor, now: datetime
) -> None:
    """A person dispatched the case with the ordinary action: the awaiting suggestion becomes
    confirmed (same lead unit and leaf) or corrected (with a training row when the leaf differs)."""
    if not settles(actor, payload):
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
    session.add(
        _training_row(
            session,
            s,
            leaf=leaf,
            label=None,
            leaf_code=category,
            place=dict(s.place),
            lead=str(lead) if lead else None,
            co=[str(c) for c in payload.get("co_units") or []],
            actor=actor,
            now=now,
        )
    )


def _training_row(
    session: Session,
    s: TriageSuggestion,
    *,
    leaf: DictionaryEntry | None,
    label: str | None,
    leaf_code: str | None,
    place: dict[str, Any],
    lead: str | None,
    co: list[str],
    actor: Actor,
    now: datetime,
) -> TriageCorrection:
    """The correction row of a suggestion: the appeal's text with the label it should have had."""
    appeal = session.get(Appeal, s.appeal_id)
    assert appeal is not None
    return TriageCorrection(
        suggestion_id=s.id,
        appeal_id=s.appeal_id,
        text="\n".join(p for p in (appeal.title, appeal.body) if p),
        label=training_label(
            s,
            leaf_code=leaf.code if leaf else None,
            leaf_class=leaf.class_name if leaf else None,
            label=label,
        ),
        leaf_code=leaf_code,
        predicted_label=s.label,
        model_version=s.model_version,
        place=place,
        lead_unit=lead,
        co_units=co,
        corrected_by_id=actor.staff_id,
        corrected_by=actor.username,
        corrected_at=now,
    )
