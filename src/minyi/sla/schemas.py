"""The public shape of a clock (a case's milestone), shared by the API and its documentation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ClockView(BaseModel):
    id: int
    milestone: str
    name: str
    policy: str | None
    calendar: str | None
    state: str
    colour: str | None
    started_at: datetime | None
    warn_at: datetime | None
    due_at: datetime | None
    seconds_left: float | None
    warned_at: datetime | None
    breached_at: datetime | None
    completed_at: datetime | None
    paused_at: datetime | None
    pause_reason: str | None
    extended_days: float


class ClockOut(ClockView):
    """A clock as boards show it: with `time_left` in words (剩余 2天3小时 / 超期 5小时12分)."""

    model_config = ConfigDict(extra="allow")
    time_left: str | None


class PoliciesVersionOut(BaseModel):
    version: int = Field(description="the number of the clock-policy version now in force")


class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=1, max_length=2000, description="e.g. 等待群众补充材料")


class ExtendIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    milestone: str = Field(min_length=1, max_length=30)
    days: float = Field(gt=0, le=365)
    reason: str = Field(min_length=1, max_length=2000)


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    policy: str = Field(min_length=1, max_length=20)
    reason: str = Field(min_length=1, max_length=2000)


class ExtensionRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    milestone: str = Field(
        min_length=1, max_length=30, description="the milestone's code, e.g. handle"
    )
    days: float = Field(gt=0, le=365, description="within the policy's max_extension")
    reason: str = Field(min_length=1, max_length=2000)


class ExtensionDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: str = Field("", max_length=2000, description="the head's note; required to refuse")


class ExtensionRequestOut(BaseModel):
    """延期申请 and its decision, reasons through the reader's privacy view."""

    id: int
    case_id: int
    tracking_no: str
    milestone: str
    milestone_name: str
    days: float
    reason: str | None
    requested_by: str
    requested_at: datetime
    status: str = Field(description="pending | approved | refused")
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None


# The working-day calendar: the coverage of the coming years and each year's exceptions.
class DayOut(BaseModel):
    date: str
    kind: str
    note: str | None = None


class YearOut(BaseModel):
    year: int
    source: str | None = Field(
        description="official, statutory, package (chinesecalendar) or null (no calendar)"
    )
    version: int
    note: str | None = None
    days: list[DayOut]


class UncoveredOut(BaseModel):
    year: int
    coverage: str | None
    days_until: int


class StatusOut(BaseModel):
    today: str
    uncovered: list[UncoveredOut]
    kept_years: list[int]


class DayIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    date: date
    kind: Literal["holiday", "workday"] = Field(
        description="holiday on a weekday, or a 调休 working weekend day"
    )
    note: str | None = Field(None, max_length=60)


class YearIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    source: Literal["official", "statutory"] = Field(
        "official",
        description="official: the State Council's notice; statutory: the holidays fixed by law only",
    )
    note: str | None = Field(None, max_length=2000)
    days: list[DayIn] = Field(max_length=400)


class SetDayIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: Literal["holiday", "workday", "normal"] = Field(
        description="normal removes the exception"
    )
    note: str | None = Field(None, max_length=60)
