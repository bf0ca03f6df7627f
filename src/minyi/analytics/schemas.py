"""The public shapes of the dashboards' analytics: the domain's own frozen views (hotspots,
alerts, similar cases, assessment rows) in their API envelopes."""

from __future__ import annotations

from datetime import datetime

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
    start: datetime = Field(description="inclusive")
    end: datetime = Field(description="exclusive")


class AssessmentOut(Out):
    period: PeriodOut
    rows: list[AssessmentRow]
    formulas: dict[str, str]
