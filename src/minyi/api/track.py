"""The citizen follows and rates their appeal with its tracking number and a secret: the last four
digits of the phone given, or the tracking code of the receipt (an anonymous citizen's only way).
Every check of a secret is counted by the shared throttle, per case and per address."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from minyi.api.deps import State
from minyi.api.errors import ApiRoute, refusals
from minyi.cases.schemas import CitizenSecretIn, FeedbackIn, TrackedCase
from minyi.cases.tracking import case_key, rate_case, track_case
from minyi.core.schemas import ErrorResponse
from minyi.core.throttle import citizen_secret_guard

router = APIRouter(prefix="/api/v1/track", tags=["citizen"], route_class=ApiRoute)
Last4 = Annotated[
    str, Query(pattern=r"^\d{4}$", description="the last four digits of the phone you gave")
]

RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {
        "model": ErrorResponse,
        "description": "no such tracking number, or the secret does not match (one answer for both)",
    },
    409: {
        "model": ErrorResponse,
        "description": "feedback only: the case cannot be rated now (not answered, or rated already)",
    },
    422: {
        "model": ErrorResponse,
        "description": "invalid request: `error.errors` names each field and what is wrong with it",
    },
    429: {
        "model": ErrorResponse,
        "description": "too many wrong secrets for this case or from this address; see Retry-After",
    },
}
READ_RESPONSES = {k: v for k, v in RESPONSES.items() if k != 409}


def _client(request: Request) -> str:
    return (request.client.host if request.client else "unknown")[:64]


def _track(state: Any, request: Request, tracking_no: str, secret: str) -> dict[str, Any]:
    key = case_key(state.db, tracking_no=tracking_no)
    with (
        citizen_secret_guard(
            state.db, state.settings, key=key, client=_client(request), now=state.clock.now()
        ),
        state.db.reading() as session,
    ):
        return track_case(session, tracking_no, secret)


@router.get(
    "/{tracking_no}",
    response_model=TrackedCase,
    responses=refusals(404, 409, 429, public=True) | READ_RESPONSES,
    summary="A citizen follows their appeal with the phone's last four digits (no one's personal data is shown)",
)
def track(tracking_no: str, phone_last4: Last4, state: State, request: Request) -> dict[str, Any]:
    return _track(state, request, tracking_no, phone_last4)


@router.post(
    "/{tracking_no}",
    response_model=TrackedCase,
    responses=refusals(404, 409, 429, public=True) | READ_RESPONSES,
    summary="A citizen follows their appeal with the last four digits or the receipt's tracking code",
)
def track_with_secret(
    tracking_no: str, body: CitizenSecretIn, state: State, request: Request
) -> dict[str, Any]:
    return _track(state, request, tracking_no, body.secret())


@router.post(
    "/{tracking_no}/feedback",
    response_model=TrackedCase,
    responses=refusals(404, 409, 429, public=True) | RESPONSES,
    summary="The citizen rates the reply; 不满意 reopens the case",
)
def feedback(tracking_no: str, body: FeedbackIn, state: State, request: Request) -> dict[str, Any]:
    now = state.clock.now()
    key = case_key(state.db, tracking_no=tracking_no)
    with (
        citizen_secret_guard(state.db, state.settings, key=key, client=_client(request), now=now),
        state.db.unit_of_work() as session,
    ):
        return rate_case(
            session, tracking_no, body.secret(), rating=body.rating, comment=body.comment, now=now
        )
