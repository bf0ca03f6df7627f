"""The public shape of a clock (a case's milestone), shared by the API and its documentation."""

from __future__ import annotations

from datetime import datetime

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
