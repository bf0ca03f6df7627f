"""Public shapes of the service sites and appointments, shared by the API, the pages and the CLI.
A citizen's name, phone and topic come out of `queries.describe_appointments` already through the
privacy policy; the public shapes carry only the booker's own data, masked."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from minyi.services.rules import APPOINTMENT_MINUTES

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SiteIn(BaseModel):
    model_config = _STRICT
    unit: str = Field(
        min_length=1, max_length=40, description="code of the district/street/community/site unit"
    )
    category: str = Field(
        min_length=1, max_length=20, description="centre, street_hall, community_hall ..."
    )
    address: str = Field(min_length=1, max_length=300)
    hours: str = Field(min_length=1, max_length=200, description="'1-5 09:00-12:00 14:00-17:30'")
    phone: str | None = Field(None, max_length=30)


class RoomIn(BaseModel):
    model_config = _STRICT
    kind: str = Field(
        min_length=1, max_length=30, description="appeal_window, counselling_room ..."
    )
    name: str = Field(min_length=1, max_length=60)


class SiteStaffIn(BaseModel):
    model_config = _STRICT
    username: str = Field(min_length=1, max_length=60)
    kind: str = Field(min_length=1, max_length=30, description="mediator, lawyer, counsellor ...")
    hours: str | None = Field(None, max_length=200, description="own hours; empty: the site's")
    supervisor: str | None = Field(None, max_length=60, description="the supervisor's username")


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone_last4: str = Field(
        min_length=1, max_length=8, description="the booking phone's last four digits"
    )


class BookIn(BaseModel):
    """A citizen's booking on the portal (no staff member chooses for them)."""

    model_config = _STRICT
    site_id: int
    service: str = Field(min_length=1, max_length=20, description="mediation, legal or counselling")
    starts_at: AwareDatetime
    minutes: int = Field(60, description=f"one of {APPOINTMENT_MINUTES}")
    staff_id: int | None = Field(None, description="a professional of the site; empty: anyone free")
    name: str = Field(min_length=1, max_length=60)
    phone: str = Field(min_length=1, max_length=30)
    topic: str = Field(min_length=1, max_length=2000)


class WindowBookIn(BookIn):
    """A walk-in citizen booked at the window, optionally for a case."""

    case_id: int | None = None


class StepIn(BaseModel):
    model_config = _STRICT
    step: str = Field(description="attend, no_show or cancel")


class ChangeServiceIn(BaseModel):
    model_config = _STRICT
    service: str = Field(
        min_length=1, max_length=20, description="complaint, mediation, legal, counselling, relief"
    )
    reason: str = Field(min_length=1, max_length=500)


class RoomOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    name: str


class SiteStaffOut(BaseModel):
    id: int
    staff_id: int
    username: str
    name: str
    kind: str
    kind_label: str
    hours: str
    own_hours: bool
    supervisor: str | None


class SiteOut(BaseModel):
    id: int
    name: str
    category: str
    category_label: str
    address: str
    phone: str | None
    hours: str
    is_bookable: bool
    services: list[str] = Field(default_factory=list)


class SiteDetailOut(SiteOut):
    unit_id: int
    rooms: list[RoomOut]
    staff: list[SiteStaffOut]


class AppointmentOut(BaseModel):
    """An appointment as one reader may see it: name, phone and topic in clear, masked or hidden
    by the privacy policy (`clear` says which)."""

    id: int
    ref: str
    site_id: int
    site: str
    service: str
    service_label: str
    staff_id: int | None
    staff: str | None
    starts_at: datetime
    ends_at: datetime
    status: str
    status_label: str
    via: str
    name: str
    phone: str
    topic: str
    case_id: int | None
    clear: bool


class AppointmentList(BaseModel):
    day: date
    items: list[AppointmentOut]


class PublicBookingOut(BaseModel):
    """The booker's confirmation: the site, the time and their own name and phone, masked."""

    ref: str
    status: str
    status_label: str
    service: str
    service_label: str
    starts_at: datetime
    ends_at: datetime
    name: str
    phone: str
    site: SiteOut
    created: bool | None = None


class FreeTimeOut(BaseModel):
    staff_id: int
    name: str
    starts_at: list[datetime]


class FreeTimesOut(BaseModel):
    site_id: int
    service: str
    day: date
    minutes: int
    providers: list[FreeTimeOut]


class CaseServiceOut(BaseModel):
    case_id: int
    service: str
    service_label: str
