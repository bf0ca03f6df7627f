"""Public shapes of service markets, shared by the API and the CLI."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from minyi.core.schemas import Out, Page
from minyi.markets.rules import Outcome, Theme

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StallIn(BaseModel):
    model_config = _STRICT

    unit: str = Field(
        min_length=1, max_length=40, description="department, street or community code"
    )
    staff: list[str] = Field(min_length=1, max_length=50, description="usernames of its staff")
    themes: list[Theme] = Field(default_factory=list, description="empty: the market's themes")


class EventIn(BaseModel):
    model_config = _STRICT

    title: str = Field(min_length=1, max_length=100)
    place: str = Field(min_length=1, max_length=200)
    area: str = Field(min_length=1, max_length=40, description="street or community code")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    themes: list[Theme] = Field(min_length=1)
    stalls: list[StallIn] = Field(min_length=1, max_length=200)
    note: str | None = Field(None, max_length=5000)


class MatterIn(BaseModel):
    """What a person raised at a stall, entered by its staff. `external_id` is the client's own
    id for this entry: sending it again answers the first matter and case."""

    model_config = _STRICT

    external_id: str = Field(min_length=1, max_length=64)
    theme: Theme
    body: str = Field(min_length=1, max_length=20000)
    phone: str = Field(min_length=1, max_length=30)
    name: str | None = Field(None, max_length=60)
    solved: bool = Field(False, description="现场速办: solved there and then, with `reply`")
    reply: str | None = Field(None, max_length=5000)


class QuestionIn(BaseModel):
    """A policy question answered on the spot: no case, no name or phone."""

    model_config = _STRICT

    external_id: str = Field(min_length=1, max_length=64)
    theme: Theme = Theme.POLICY
    question: str = Field(min_length=1, max_length=5000)
    answer: str = Field(min_length=1, max_length=5000)


class SolveIn(BaseModel):
    model_config = _STRICT

    reply: str = Field(min_length=1, max_length=5000)


class VisitorsIn(BaseModel):
    model_config = _STRICT

    visitors: int = Field(ge=0, le=100_000)


class EventOut(Out):
    id: int
    title: str
    place: str
    area: str
    area_name: str
    starts_at: datetime
    ends_at: datetime
    themes: list[str]
    theme_labels: list[str]
    phase: str
    phase_label: str
    stalls: int
    visitors: int
    opinions: int = Field(description="收集意见建议: everything raised, consultations included")
    answered: int = Field(description="policy questions answered on the spot (no case)")
    solved: int = Field(description="现场速办: cases closed on the spot")
    passed_on: int = Field(description="cases passed on to normal dispatch")
    passed_on_closed: int = Field(description="of those, closed by now")
    spot_rate: float | None = Field(description="现场办结率: (solved + answered) / opinions")


class EventPage(Page[EventOut]):
    pass


class StallOut(Out):
    id: int
    unit: str
    unit_name: str
    themes: list[str]
    visitors: int
    staff: list[str]
    opinions: int
    answered: int
    solved: int
    passed_on: int


class MatterOut(Out):
    """A matter; the case's person and title as the reader's privacy view shows them."""

    id: int
    stall_id: int
    stall: str
    theme: str
    theme_label: str
    outcome: Outcome
    outcome_label: str
    recorded_at: datetime
    solved_at: datetime | None
    case_id: int | None
    tracking_no: str | None
    status: str | None
    status_label: str | None
    title: str | None
    name: str | None
    phone: str | None
    question: str | None
    answer: str | None


class EventDetailOut(EventOut):
    stall_list: list[StallOut]
    matters: list[MatterOut]
