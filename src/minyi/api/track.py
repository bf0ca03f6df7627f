from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from minyi.api.deps import ReadSession, State
from minyi.cases.tracking import rate_case, track_case

router = APIRouter(prefix="/api/v1/track", tags=["citizen"])
Last4 = Annotated[str, Query(pattern=r"^\d{4}$", description="the last four digits of the phone you gave")]


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phone_last4: str = Field(pattern=r"^\d{4}$")
    rating: str = Field(description="satisfied | basically_satisfied | unsatisfied")
    comment: str | None = Field(None, max_length=2000)


@router.get("/{tracking_no}", summary="A citizen follows their appeal (no one's personal data is shown)")
def track(tracking_no: str, phone_last4: Last4, session: ReadSession) -> dict[str, Any]:
    return track_case(session, tracking_no, phone_last4)


@router.post("/{tracking_no}/feedback", summary="The citizen rates the reply; 不满意 reopens the case")
def feedback(tracking_no: str, body: FeedbackIn, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        return rate_case(session, tracking_no, body.phone_last4, rating=body.rating, comment=body.comment, now=state.clock.now())
