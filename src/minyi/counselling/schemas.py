"""Public shapes of counselling, shared by the API, the pages and the CLI. Notes are None for
every reader but their author and the author's supervisor (the privacy policy decides)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, RootModel

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WalkInIn(BaseModel):
    model_config = _STRICT
    site_id: int
    name: str = Field(min_length=1, max_length=60)
    phone: str = Field(min_length=1, max_length=30)
    case_id: int | None = Field(None, description="the case it serves, when there is one")


class SessionIn(BaseModel):
    model_config = _STRICT
    held_at: AwareDatetime | None = Field(None, description="default: now")
    minutes: int = Field(50, ge=1, le=1000)
    room_id: int | None = None
    appointment_id: int | None = None
    notes: str | None = Field(None, max_length=10_000, description="private: author and supervisor")


class RiskIn(BaseModel):
    model_config = _STRICT
    risk_level: str = Field(
        description="low | medium | high | critical (危急 tells the supervisor)"
    )


class FollowUpIn(BaseModel):
    model_config = _STRICT
    due_on: date


class FollowUpDoneIn(BaseModel):
    model_config = _STRICT
    notes: str | None = Field(None, max_length=10_000)


class TalkRequestIn(BaseModel):
    model_config = _STRICT
    case_id: int


class TalkPlanIn(BaseModel):
    model_config = _STRICT
    site_id: int
    starts_at: AwareDatetime
    lawyer: str = Field(min_length=1, max_length=60, description="the lawyer's username")
    mediator: str = Field(min_length=1, max_length=60, description="the mediator's username")
    room_id: int | None = None


class TalkHoldIn(BaseModel):
    model_config = _STRICT
    minutes: int = Field(60, ge=1, le=1000)
    summary: str = Field(min_length=1, max_length=3000, description="the plan agreed (shared)")
    notes: str | None = Field(None, max_length=10_000, description="the counsellor's, private")


class SessionOut(BaseModel):
    id: int
    held_at: datetime
    minutes: int
    room: str | None
    notes: str | None


class FollowUpOut(BaseModel):
    id: int
    due_on: date
    done_at: datetime | None
    is_overdue: bool
    notes: str | None


class RecordOut(BaseModel):
    id: int
    client_name: str
    client_phone: str
    site: str
    counsellor: str
    case_id: int | None
    risk_level: str
    risk_label: str
    risk_from_triage: bool
    status: str
    opened_at: datetime
    sessions_held: int
    last_held_at: datetime | None
    follow_ups_done: int
    follow_ups_planned: int
    follow_ups_overdue: int


class RecordDetailOut(RecordOut):
    may_read_notes: bool
    sessions: list[SessionOut]
    follow_ups: list[FollowUpOut]


class TalkOut(BaseModel):
    id: int
    case_id: int
    tracking_no: str
    status: str
    status_label: str
    requested_by: str
    requested_at: datetime
    site: str | None
    room: str | None
    counsellor: str | None
    lawyer: str | None
    mediator: str | None
    planned_at: datetime | None
    held_at: datetime | None
    minutes: int | None
    summary: str | None
    notes: str | None
    holding_leader: str | None = None


class CaseCounsellingOut(BaseModel):
    records: int
    record_ids: list[int]
    sessions_held: int
    held_dates: list[datetime]
    follow_ups_done: int
    risk_level: str | None
    risk_label: str | None
    talks: list[TalkOut]


def record_out(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k in RecordDetailOut.model_fields}


class FiguresOut(RootModel[dict[str, Any]]):
    """心理服务's figures over a period, labelled in Chinese: 服务对象, 新建档案, 咨询次数, 话聊次数,
    回访已完成, 回访已逾期, 按风险等级. Counts only: nothing said in a session leaves the room."""
