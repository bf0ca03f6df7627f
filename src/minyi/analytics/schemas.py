"""The public shapes of the dashboards' analytics: the domain's own frozen views (hotspots,
alerts, similar cases, assessment rows) in their API envelopes."""

from __future__ import annotations

from pydantic import Field

from minyi.analytics.assessment import AssessmentRow
from minyi.analytics.hotspots import Hotspot
from minyi.analytics.queries import AlertView
from minyi.analytics.sweeps import SimilarCase
from minyi.core.schemas import Out


class HotspotsOut(Out):
    items: list[Hotspot]


class AlertsOut(Out):
    items: list[AlertView]


class AlertsRaisedOut(Out):
    raised: int = Field(description="alerts raised now (those raised before are not raised again)")
    items: list[AlertView]


class SimilarCasesOut(Out):
    items: list[SimilarCase]


class PeriodOut(Out):
    kind: str
    label: str
    # ISO 8601 text as the period gives it: a far past day carries the zone's local mean time
    # offset (+08:05:43), which is no RFC 3339 date-time.
    start: str = Field(description="inclusive, ISO 8601 in Beijing time", examples=["2026-11-23T00:00:00+08:00"])
    end: str = Field(description="exclusive, ISO 8601 in Beijing time", examples=["2026-11-30T00:00:00+08:00"])


class AssessmentOut(Out):
    period: PeriodOut
    rows: list[AssessmentRow]
    formulas: dict[str, str]
