from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from minyi.api.deps import State
from minyi.cases.tracking import case_key, citizen_secret_guard, rate_case, track_case

router = APIRouter(prefix="/api/v1/track", tags=["citizen"])
Last4 = Annotated[str, Query(pattern=r"^\d{4}$", description="the last four digits of the phone you gave")]


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phone_last4: str = Field(pattern=r"^\d{4}$")
    rating: str = Field(description="satisfied | basically_satisfied | unsatisfied")
    comment: str | None = Field(None, max_length=2000)


class PublicEvent(BaseModel):
    """What a citizen sees of one step: what happened and when, never who inside did it."""

    at: datetime
    action: str
    action_label: str | None
    from_status: str | None
    to_status: str | None
    to_status_label: str | None
    rating_label: str | None = None


class TrackedCase(BaseModel):
    tracking_no: str
    title: str | None
    status: str
    status_label: str | None
    submitted_at: datetime | None
    reply: str | None
    rating: str | None
    can_rate: bool
    timeline: list[PublicEvent]


THROTTLED = {429: {"description": "too many wrong answers for this case or from this address; see Retry-After"}}


def _client(request: Request) -> str:
    return (request.client.host if request.client else "unknown")[:64]


@router.get("/{tracking_no}", response_model=TrackedCase, summary="A citizen follows their appeal (no one's personal data is shown)", responses=THROTTLED)
def track(tracking_no: str, phone_last4: Last4, state: State, request: Request) -> dict[str, Any]:
    key = case_key(state.db, tracking_no=tracking_no)
    with citizen_secret_guard(state.db, state.settings, case_key=key, client=_client(request), now=state.clock.now()), state.db.reading() as session:
        return track_case(session, tracking_no, phone_last4)


@router.post("/{tracking_no}/feedback", response_model=TrackedCase, summary="The citizen rates the reply; 不满意 reopens the case", responses=THROTTLED)
def feedback(tracking_no: str, body: FeedbackIn, state: State, request: Request) -> dict[str, Any]:
    now = state.clock.now()
    key = case_key(state.db, tracking_no=tracking_no)
    with citizen_secret_guard(state.db, state.settings, case_key=key, client=_client(request), now=now), state.db.unit_of_work() as session:
        return rate_case(session, tracking_no, body.phone_last4, rating=body.rating, comment=body.comment, now=now)
