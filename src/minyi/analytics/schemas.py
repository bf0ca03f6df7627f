"""The public shapes of the dashboards' analytics: the domain's own frozen views (hotspots,
alerts, similar cases, assessment rows) in their API envelopes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from minyi.analytics.assessment import AssessmentRow, LeaderRow
from minyi.analytics.hotspots import Hotspot
from minyi.analytics.sweeps import PLACE_KINDS, SimilarCase
from minyi.core.schemas import Out
from minyi.supervision.schemas import InstructionOut


class HotspotsOut(Out):
    items: list[Hotspot]


class AlertOut(Out):
    """One early-warning alert as the API answers it (analytics.queries.AlertView, the domain's
    view of it, is what the routes dump into this shape)."""

    id: int
    kind: str
    level: str
    title: str
    unit: str | None
    unit_name: str | None
    class_name: str | None
    day: str
    evidence: dict[str, Any]
    raised_at: datetime
    status: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    ack_note: str | None


class AlertsOut(Out):
    items: list[AlertOut]


class AlertsRaisedOut(Out):
    raised: int = Field(description="alerts raised now (those raised before are not raised again)")
    items: list[AlertOut]


class SimilarCasesOut(Out):
    items: list[SimilarCase]


class PeriodOut(Out):
    kind: str
    label: str
    # ISO 8601 text as the period gives it: a far past day carries the zone's local mean time
    # offset (+08:05:43), which is no RFC 3339 date-time.
    start: str = Field(
        description="inclusive, ISO 8601 in Beijing time", examples=["2026-11-23T00:00:00+08:00"]
    )
    end: str = Field(
        description="exclusive, ISO 8601 in Beijing time", examples=["2026-11-30T00:00:00+08:00"]
    )


class AssessmentOut(Out):
    period: PeriodOut
    rows: list[AssessmentRow]
    formulas: dict[str, str]
    leaders: list[LeaderRow] = Field(
        default_factory=list, description="leaders' receptions in the period (下沉接访), not scored"
    )


# A sweep (办结一件、化解一类) answers with its instruction, read through the reader's privacy view.
class SweepPlaceOut(BaseModel):
    name: str
    unit: str | None = None


class SweepOut(BaseModel):
    id: int
    source_case_id: int
    source_tracking_no: str | None
    place_kind: str
    place_filter: str | None
    places: list[SweepPlaceOut]
    similar_case_ids: list[int]
    created_at: datetime
    instruction: InstructionOut = Field(
        description="the sweep's work: its text through the reader's privacy view"
    )


class SweepList(BaseModel):
    items: list[SweepOut]


class RunAlertsIn(BaseModel):
    day: date


class AckIn(BaseModel):
    note: str | None = Field(None, max_length=2000)


class SweepIn(BaseModel):
    case_id: int
    place_kind: str = Field(description=f"one of {', '.join(PLACE_KINDS)}")
    text: str = Field(min_length=1, max_length=2000)
    name_contains: str | None = Field(None, max_length=60)
    within_days: int = Field(30, ge=1, le=366)
