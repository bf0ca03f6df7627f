"""Public shapes of leaders' receptions, shared by the API, the pages and the CLI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from minyi.core.schemas import Page
from minyi.receptions.queries import LeaderFigures

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SlotIn(BaseModel):
    model_config = _STRICT
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    capacity: int = Field(5, ge=1, le=200, description="places citizens may book")


class ScheduleIn(BaseModel):
    model_config = _STRICT
    leader: str = Field(min_length=1, max_length=60, description="the leader's username")
    area: str = Field(min_length=1, max_length=40, description="district, street or community code")
    place: str | None = Field(None, max_length=200, description="the hall; default by area")
    topic: str | None = Field(None, max_length=200)
    slots: list[SlotIn] = Field(min_length=1, max_length=24)
    publish: bool = True


class BookIn(BaseModel):
    model_config = _STRICT
    slot_id: int
    name: str = Field(min_length=1, max_length=60)
    phone: str = Field(min_length=1, max_length=30)
    matter: str = Field(min_length=1, max_length=5000)


class CancelIn(BaseModel):
    model_config = _STRICT
    phone_last4: str = Field(
        min_length=1, max_length=8, description="the booking phone's last four digits"
    )


class WalkInIn(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1, max_length=60)
    phone: str = Field(min_length=1, max_length=30)
    matter: str = Field(min_length=1, max_length=5000)
    people: int = Field(1, ge=1, le=10_000, description="来访人数 (a group counts all)")


class RecordIn(BaseModel):
    model_config = _STRICT
    came: list[int] = Field(default_factory=list, description="booking ids of those who came")
    people: int | None = Field(None, ge=0, le=100_000, description="people received (人次)")
    summary: str | None = Field(None, max_length=5000)


class RaiseIn(BaseModel):
    model_config = _STRICT
    hold: bool = Field(False, description="the reception's leader takes the case (包案)")


class HomeVisitIn(BaseModel):
    model_config = _STRICT
    booking_id: int | None = None
    visited_at: AwareDatetime
    place: str = Field(min_length=1, max_length=200)
    people: int = Field(1, ge=1, le=10_000)
    notes: str = Field(min_length=1, max_length=5000)


class AreaLinkIn(BaseModel):
    model_config = _STRICT
    leader: str = Field(min_length=1, max_length=60)
    area: str = Field(min_length=1, max_length=40)


class SlotOut(BaseModel):
    id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    left: int = Field(description="places not yet booked")
    open: bool = Field(description="still bookable (it has not started)")


class ReceptionOut(BaseModel):
    id: int
    leader: str
    leader_title: str | None
    area: str
    area_code: str
    place: str
    topic: str | None
    day: date
    status: str
    status_label: str
    people: int = Field(description="people received (人次), once held")
    booked: int
    cases: int = Field(description="matters raised as cases")
    held_at: datetime | None
    slots: list[SlotOut]


class PublicReceptionOut(BaseModel):
    """What the portal shows of a reception: no citizen, no count of matters."""

    id: int
    leader: str
    leader_title: str | None
    area: str
    place: str
    topic: str | None
    day: date
    slots: list[SlotOut]


class CitizenOut(BaseModel):
    """A citizen at a reception, through the privacy policy (masked or hidden for most)."""

    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    slot_starts_at: datetime | None
    name: str
    phone: str
    matter: str
    people: int
    case_id: int | None
    tracking_no: str | None
    is_held: bool


class HomeVisitOut(BaseModel):
    id: int
    visited_at: datetime
    place: str
    people: int
    notes: str
    booking_id: int | None
    case_id: int | None


class ReceptionDetailOut(ReceptionOut):
    summary: str | None
    citizens: list[CitizenOut]
    home_visits: list[HomeVisitOut]


class ReceptionList(Page[ReceptionOut]):
    pass


class BookingOut(BaseModel):
    """The portal's confirmation: the booker's own name and phone masked, never the matter."""

    ref: str
    status: str
    status_label: str
    name: str
    phone: str
    slot_starts_at: datetime | None
    slot_ends_at: datetime | None
    reception: PublicReceptionOut
    created: bool = False


class RaisedOut(BaseModel):
    booking_id: int
    case_id: int
    tracking_no: str
    is_held: bool


class LeaderFiguresOut(BaseModel):
    leader_id: int
    name: str
    title: str | None
    receptions: int
    people: int
    cases: int
    solved: int
    held: int
    home_visits: int
    solved_rate: float | None


class AreaLinkOut(BaseModel):
    leader: str
    area: str
    linked: bool


def public_out(d: dict[str, Any]) -> dict[str, Any]:
    return {k: d[k] for k in PublicReceptionOut.model_fields}


def figures_out(f: LeaderFigures) -> dict[str, Any]:
    return {
        "leader_id": f.leader_id,
        "name": f.name,
        "title": f.title,
        "receptions": f.receptions,
        "people": f.people,
        "cases": f.cases,
        "solved": f.solved,
        "held": f.held,
        "home_visits": f.home_visits,
        "solved_rate": None if f.solved_rate is None else round(f.solved_rate, 4),
    }
