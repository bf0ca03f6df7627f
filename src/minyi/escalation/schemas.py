"""Public shapes for escalation, holdings and the backlog, shared by the API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from minyi.cases.models import Case, CaseEvent
from minyi.core.schemas import Page
from minyi.escalation.models import CaseEscalation, EscalationRuleSet, Holding, HoldingVisit
from minyi.escalation.rules import HOLDING_ZH, LEVEL_ZH, REVIEW_FIELDS, VISIT_ZH, RuleSet
from minyi.org.models import Staff
from minyi.privacy.rules import CaseView

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TakeIn(BaseModel):
    model_config = _STRICT
    plan: str | None = Field(None, max_length=20000, description="一案一策 (may be written later)")


class PlanIn(BaseModel):
    model_config = _STRICT
    plan: str = Field(..., max_length=20000, description="一案一策")


class VisitIn(BaseModel):
    model_config = _STRICT
    kind: str = Field(..., description="reception (接访) | home_visit (家访)")
    at: AwareDatetime = Field(..., description="when it took place, with UTC offset")
    place: str = Field(..., max_length=200)
    people: int = Field(1, ge=1, le=100_000, description="citizens met (人次)")
    notes: str = Field(..., max_length=4000)


class ReleaseIn(BaseModel):
    """三到位一处理: all four are required (422 names the first one missing)."""

    model_config = _STRICT
    problem_solved: str | None = Field(None, max_length=4000, description="问题解决到位")
    policy_explained: str | None = Field(None, max_length=4000, description="解释疏导到位")
    hardship_helped: str | None = Field(None, max_length=4000, description="帮扶救助到位")
    unlawful_handled: str | None = Field(None, max_length=4000, description="依法处理违法行为")

    def review(self) -> dict[str, Any]:
        return self.model_dump()


class DecisionIn(BaseModel):
    model_config = _STRICT
    reason: str | None = Field(
        None, max_length=4000, description="note when approving; required when refusing"
    )


def _person(staff: Staff | None) -> dict[str, Any] | None:
    return {"username": staff.username, "name": staff.name, "title": staff.title} if staff else None


def _named(
    names: dict[int, tuple[str, str, str | None]], staff_id: int | None
) -> dict[str, Any] | None:
    if not staff_id or staff_id not in names:
        return None
    username, name, title = names[staff_id]
    return {"username": username, "name": name, "title": title}


def rule_set_view(version: int, rule_set: RuleSet, row: EscalationRuleSet | None) -> dict[str, Any]:
    return {
        "version": version,
        "name": rule_set.name,
        "source": row.source if row else "shipped default",
        "imported_at": row.imported_at if row else None,
        "windows": {"petition_days": rule_set.petition_days, "cluster_days": rule_set.cluster_days},
        "sensitive_words": list(rule_set.sensitive_words),
        "rules": [r.as_dict() for r in rule_set.rules],
    }


def escalation_view(
    esc: CaseEscalation | None,
    assigned: Staff | None,
    history: list[CaseEvent],
    *,
    view: CaseView,
) -> dict[str, Any]:
    """`view`: the reader's privacy view of the case (a lift's reason may quote the appeal)."""
    return {
        "level": esc.level if esc else None,
        "level_label": LEVEL_ZH.get(esc.level) if esc else None,
        "rule": esc.rule_code if esc else None,
        "rule_set_version": esc.rule_set_version if esc else None,
        "lifted_at": esc.lifted_at if esc else None,
        "assigned_to": _person(assigned),
        "history": [
            {
                "at": e.at,
                "action": e.action,
                "reason": view.show_text(e.reason),
                **{k: e.payload.get(k) for k in ("rule", "level", "to", "from_level")},
            }
            for e in history
        ],
    }


def visit_view(v: HoldingVisit, *, view: CaseView) -> dict[str, Any]:
    return {
        "id": v.id,
        "kind": v.kind,
        "kind_label": VISIT_ZH.get(v.kind, v.kind),
        "at": v.visited_at,
        "place": view.show_text(v.place),
        "people": v.people,
        "notes": view.show_text(v.notes),
        "recorded_at": v.recorded_at,
    }


def holding_view(
    h: Holding,
    visits: list[HoldingVisit],
    names: dict[int, tuple[str, str, str | None]],
    *,
    view: CaseView,
    title: str | None = None,
    tracking_no: str | None = None,
) -> dict[str, Any]:
    """`view`: the reader's privacy view of the held case: the plan, the review, the decision and
    the visit notes are staff-written and quote the citizen (`queries.describe_holdings`)."""
    return {
        "id": h.id,
        "case_id": h.case_id,
        "tracking_no": tracking_no,
        "title": title,
        "leader": _named(names, h.leader_id),
        "level": h.level,
        "status": h.status,
        "status_label": HOLDING_ZH.get(h.status, h.status),
        "taken_at": h.taken_at,
        "plan": view.show_text(h.plan),
        "plan_updated_at": h.plan_updated_at,
        "review": {k: view.show_text(getattr(h, k)) for k in REVIEW_FIELDS},
        "release_requested_at": h.release_requested_at,
        "decided_by": _named(names, h.decided_by_id),
        "decided_at": h.decided_at,
        "decision_note": view.show_text(h.decision_note),
        "closed_at": h.closed_at,
        "receptions": sum(1 for v in visits if v.kind == "reception"),
        "home_visits": sum(1 for v in visits if v.kind == "home_visit"),
        "visits": [visit_view(v, view=view) for v in visits],
    }


@dataclass(frozen=True)
class BacklogRow:
    """One 积案 row as the backlog query reads it: the case, its lead unit, level and holder."""

    case: Case
    title: str
    lead_unit: tuple[str, str] | None
    level: str | None
    holding: Holding | None
    holder: tuple[str, str] | None


def backlog_view(row: BacklogRow, now: datetime, *, view: CaseView) -> dict[str, Any]:
    """`view`: the reader's privacy view of the case, for its title and the holder's plan."""
    c, h = row.case, row.holding
    return {
        "id": c.id,
        "tracking_no": c.tracking_no,
        "title": view.show_text(row.title) or "",
        "status": c.status,
        "registered_at": c.registered_at,
        "age_days": (now - c.registered_at).days,
        "lead_unit": row.lead_unit[0] if row.lead_unit else None,
        "lead_unit_name": row.lead_unit[1] if row.lead_unit else None,
        "level": row.level,
        "level_label": LEVEL_ZH.get(row.level or ""),
        "holding_id": h.id if h else None,
        "holder": {"username": row.holder[0], "name": row.holder[1]} if row.holder else None,
        "plan": view.show_text(h.plan) if h else None,
        "is_overdue": c.is_overdue,
    }


# ---- response models: what the API declares it answers (the views above, typed) ------------


class PersonOut(BaseModel):
    username: str
    name: str
    title: str | None = None


class StaffRefOut(BaseModel):
    username: str
    name: str


class RuleOut(BaseModel):
    code: str
    name: str
    when: str
    level: str
    level_label: str


class WindowsOut(BaseModel):
    petition_days: int
    cluster_days: int


class RuleSetOut(BaseModel):
    version: int
    name: str
    source: str
    imported_at: datetime | None
    windows: WindowsOut
    sensitive_words: list[str]
    rules: list[RuleOut]


class RuleVersionOut(BaseModel):
    version: int
    name: str
    source: str
    is_current: bool
    imported_at: datetime
    rules: int


class LiftOut(BaseModel):
    at: datetime
    action: str
    reason: str | None
    rule: Any = None
    level: Any = None
    to: Any = None
    from_level: Any = None


class VisitOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    at: datetime
    place: str
    people: int
    notes: str
    recorded_at: datetime


class HoldingOut(BaseModel):
    id: int
    case_id: int
    tracking_no: str | None
    title: str | None = Field(description="the case's title through the reader's privacy view")
    leader: PersonOut | None
    level: str | None
    status: str
    status_label: str
    taken_at: datetime
    plan: str | None = Field(description="一案一策, through the reader's privacy view")
    plan_updated_at: datetime | None
    review: dict[str, str | None] = Field(description="三到位一处理")
    release_requested_at: datetime | None
    decided_by: PersonOut | None
    decided_at: datetime | None
    decision_note: str | None
    closed_at: datetime | None
    receptions: int
    home_visits: int
    visits: list[VisitOut]


class EscalationOut(BaseModel):
    level: str | None
    level_label: str | None
    rule: str | None
    rule_set_version: int | None
    lifted_at: datetime | None
    assigned_to: PersonOut | None
    history: list[LiftOut]
    holdings: list[HoldingOut]


class EscalatedCaseOut(BaseModel):
    id: int
    tracking_no: str
    title: str
    status: str
    level: str
    rule: str
    lifted_at: datetime
    assigned_to: StaffRefOut | None


class BacklogItemOut(BaseModel):
    id: int
    tracking_no: str
    title: str
    status: str
    registered_at: datetime
    age_days: int
    lead_unit: str | None
    lead_unit_name: str | None
    level: str | None
    level_label: str | None
    holding_id: int | None
    holder: StaffRefOut | None
    plan: str | None
    is_overdue: bool


class BacklogPage(Page[BacklogItemOut]):
    min_age_days: int = Field(description="the age from which an open case counts as backlog")


class LeaderCountsOut(BaseModel):
    leader: str
    name: str
    title: str | None
    held: int
    closed: int
    active: int
    rate: float | None = Field(description="包案化解率: released over taken")
    receptions: int
    home_visits: int
    people_met: int
