"""Public shapes of joint meetings, shared by the API, the web pages and the CLI. Case texts in
them (titles, summaries, decisions, tasks) are already through the reader's privacy view."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from minyi.core.schemas import Page
from minyi.meetings.rules import Level

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MeetingIn(BaseModel):
    model_config = _STRICT

    level: Level = Field(description="district (区信联办) or street (街道联席会议)")
    street: str | None = Field(None, description="the street's unit code, for a street meeting")
    title: str = Field(max_length=200)
    starts_at: AwareDatetime
    place: str = Field(max_length=200)
    convener: str = Field(description="username of the convener (a leader or a unit's head)")
    units: list[str] = Field(description="member units' codes", max_length=40)


class AgendaIn(BaseModel):
    model_config = _STRICT

    case_id: int | None = None
    tracking_no: str | None = Field(None, max_length=32)
    reasons: str | None = Field(None, max_length=200)


class MoveIn(BaseModel):
    model_config = _STRICT

    position: int = Field(ge=1, le=1000, description="1 = first")


class TaskIn(BaseModel):
    model_config = _STRICT

    unit: str = Field(description="a member unit's code")
    text: str = Field(max_length=4000)
    deadline: AwareDatetime


class DecisionIn(BaseModel):
    model_config = _STRICT

    decision: str = Field(max_length=4000)
    tasks: list[TaskIn] = Field(default_factory=list, max_length=20)


class UnitOut(BaseModel):
    code: str
    name: str


class PersonOut(BaseModel):
    username: str
    name: str
    title: str | None


class TaskOut(BaseModel):
    id: int
    unit: str
    unit_name: str
    text: str | None
    deadline: datetime
    state: str
    state_label: str
    clock_state: str | None
    done_at: datetime | None
    result: str | None


class ItemOut(BaseModel):
    id: int
    number: int
    case_id: int
    tracking_no: str
    case_status: str
    case_status_label: str
    title: str
    summary: str
    reasons: str | None
    decision: str | None
    decided_at: datetime | None
    tasks: list[TaskOut]


class MeetingOut(BaseModel):
    id: int
    level: str
    level_label: str
    street: str | None
    street_name: str | None
    title: str
    starts_at: datetime
    place: str
    convener: PersonOut
    status: str
    status_label: str
    held_at: datetime | None
    members: list[UnitOut]
    items: list[ItemOut]
    may_organise: bool
    is_upcoming: bool


class MeetingRowOut(BaseModel):
    id: int
    level: str
    level_label: str
    street: str | None
    title: str
    starts_at: datetime
    place: str
    convener_name: str
    status: str
    status_label: str
    members: int
    items: int
    decided: int
    may_organise: bool


class MeetingPage(Page[MeetingRowOut]):
    """Joint meetings the reader may read."""


class CandidateOut(BaseModel):
    case_id: int
    tracking_no: str
    title: str
    status: str
    status_label: str
    tags: list[str]
    reasons: str
