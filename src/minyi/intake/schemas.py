"""The public shape of an appeal submission, shared by the API, the CLI and file import."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from minyi.core.schemas import Out
from minyi.intake.rules import check_id_card, normalise_phone


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: str = Field(
        min_length=1, max_length=40, description="channel code, e.g. hotline_12345"
    )
    external_id: str | None = Field(
        None, max_length=100, description="the sender's own id; resending it is safe"
    )
    title: str | None = Field(None, max_length=200)
    body: str = Field(min_length=1, max_length=20000)
    phone: str | None = Field(None, max_length=30)
    name: str | None = Field(None, max_length=60)
    id_card: str | None = Field(None, max_length=18)
    anonymous: bool = False
    confidential: bool = False
    address: str | None = Field(None, max_length=300)
    street: str | None = Field(None, max_length=40, description="street unit code")
    community: str | None = Field(None, max_length=40, description="community unit code")
    grid: str | None = Field(None, max_length=40, description="grid unit code")
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    crowd_size: int | None = Field(None, ge=1, le=1_000_000, description="涉众人数")
    amount: Decimal | None = Field(None, ge=0, le=Decimal("99999999999999"), decimal_places=2)
    category: str | None = Field(
        None, max_length=40, description="event-dictionary leaf code, if known"
    )
    submitted_at: AwareDatetime | None = Field(
        None, description="when it arrived at the channel (imports)"
    )

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: object) -> object:
        # NUL cannot be stored in PostgreSQL text; refused here so the group commit never sees it.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text may not contain NUL characters")
        return value

    @field_validator("submitted_at")
    @classmethod
    def _plausible_time(cls, value: datetime | None) -> datetime | None:
        # Year 1 or 9999 passes AwareDatetime but overflows when shifted to UTC or to a local
        # date for the tracking number.
        if value is not None:
            try:
                year = value.astimezone(UTC).year
            except OverflowError:
                year = 0
            if not 1970 <= year <= 2100:
                raise ValueError("submitted_at must be a date between 1970 and 2100")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return normalise_phone(value) if value else None

    @field_validator("id_card")
    @classmethod
    def _id_card(cls, value: str | None) -> str | None:
        return check_id_card(value) if value else None

    @model_validator(mode="after")
    def _identity(self) -> AppealIn:
        if not self.anonymous and not self.phone:
            raise ValueError("phone is required unless the appeal is anonymous")
        if (self.lat is None) != (self.lng is None):
            raise ValueError("lat and lng go together")
        return self

    def display_title(self) -> str:
        return self.title or self.body.replace("\n", " ")[:30]


class AppealReceipt(BaseModel):
    id: int
    tracking_no: str
    status: str
    created: bool
    submitted_at: datetime
    tracking_code: str | None = Field(
        None,
        description="the citizen's tracking code (查询码): with the tracking number it finds the appeal instead of the "
        "phone's last four digits; shown in this receipt only, when the appeal is made (null on a replay)",
    )


class ChannelOut(Out):
    code: str
    kind: str
    name: str
    allows_anonymous: bool
