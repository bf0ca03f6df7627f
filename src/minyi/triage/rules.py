"""Triage's pure decisions: the statuses of a suggestion, who may read and decide them, what a
correction says, the label a correction trains, whether a dispatch settles a suggestion, and
why a suggestion waits for a person. No session, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from minyi.cases.rules import CaseStatus
from minyi.core.errors import Forbidden
from minyi.org.rules import DISTRICT_WIDE, Actor, Role

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
# Flags of this severity, and crowds (涉众), always go to a person, however sure the class is.
HOLD_SEVERITY = "high"


# What a suggestion quotes of the appeal: places found in its text, signals, risk evidence.
QUOTING = ("place", "place_candidates", "signals", "risk_flags", "hold_reason")


def may_read(actor: Actor) -> None:
    if actor.role not in DISTRICT_WIDE:
        raise Forbidden("triage_centre_only", "智能分拨建议仅限指挥中心人员查看")


def may_decide(actor: Actor) -> None:
    if actor.role not in DECIDERS:
        raise Forbidden("role_not_allowed", "只有派单员可以确认或更正分拨建议")


class Suggested(Protocol):
    """What the label rules read of a suggestion (a `TriageSuggestion` row)."""

    label: str | None
    leaf_code: str | None
    class_name: str | None


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


def training_label(
    s: Suggested, *, leaf_code: str | None, leaf_class: str | None, label: str | None
) -> str | None:
    """The corrected label in the model's own label space: a leaf code for a model of leaves,
    the class for a model of classes (its label was a class name, not a leaf)."""
    if label:
        return label
    if leaf_code is None:
        return s.label  # the class stood; only the place or the units were wrong
    model_of_classes = s.label is not None and s.leaf_code is None and s.class_name == s.label
    return leaf_class if model_of_classes else leaf_code


def settles(actor: Actor, payload: Mapping[str, Any]) -> bool:
    """Whether a dispatch settles an awaiting suggestion: only a person's ordinary dispatch does,
    not triage's own (an automated actor) nor one made through the review (already settled)."""
    return not actor.automated and payload.get("triage") != "reviewed"


def hold_reason(
    *,
    has_model: bool,
    qualifies: bool,
    leaf_code: str | None,
    class_name: str | None,
    has_lead: bool,
    flags: Iterable[tuple[str, str]],
    crowd: bool,
) -> str | None:
    """Why a suggestion goes to a person (None: it may go out on its own); `flags` are the risk
    flags' (category, severity)."""
    if not has_model:
        return "no_model"
    if not qualifies:
        return "low_confidence"
    if leaf_code is None and class_name is None:
        return "label_not_in_dictionary"
    if not has_lead:
        return "no_unit"
    risky = sorted({category for category, severity in flags if severity == HOLD_SEVERITY})
    if risky:
        return "risk:" + ",".join(risky)
    if crowd:
        return "crowd"
    return None
