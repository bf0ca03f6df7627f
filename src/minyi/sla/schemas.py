"""The public shape of a clock (a case's milestone), shared by the API and its documentation."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


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
