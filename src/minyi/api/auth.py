from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from minyi.api.deps import PASSWORD_CHANGE_REQUIRED, ResetActor, State, oauth2
from minyi.api.errors import ApiRoute, refusals
from minyi.org.schemas import MeOut, TokenOut
from minyi.org.service import actor_for_token, revoke_token
from minyi.org.signin import sign_in

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], route_class=ApiRoute)


@router.post(
    "/token",
    summary="Sign in (OAuth2 password form): returns a bearer token",
    description=(
        "After an administrator's reset the token comes with `password_change_required: true` and "
        "serves only `POST /api/v1/accounts/me/password`, `/auth/logout` and `/auth/me`; every other "
        "endpoint answers 403 `password_change_required` until the password is changed."
    ),
    response_model=TokenOut,
    responses=refusals(
        public=True,
        described={
            401: "wrong username or password, or the account is deactivated",
            429: "too many failed sign-ins; see Retry-After",
        },
    ),
)
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], state: State, request: Request
) -> dict[str, Any]:
    # Throttled per username and address, per username and per address (shared in the database).
    value, expires_at = sign_in(
        state.db,
        state.settings,
        username=form.username,
        password=form.password,
        client=(request.client.host if request.client else "unknown")[:64],
        now=state.clock.now(),
    )
    with state.db.reading() as session:
        actor = actor_for_token(session, token=value, now=state.clock.now())
    answer: dict[str, Any] = {
        "access_token": value,
        "token_type": "bearer",
        "expires_at": expires_at,
    }
    answer["password_change_required"] = actor.must_change_password
    if actor.must_change_password:
        answer["message"] = PASSWORD_CHANGE_REQUIRED
    return answer


@router.post("/logout", status_code=204, summary="Revoke the token in use", responses=refusals())
def logout(actor: ResetActor, state: State, value: Annotated[str | None, Depends(oauth2)]) -> None:
    if value:
        with state.db.unit_of_work() as session:
            revoke_token(session, token=value, now=state.clock.now())


@router.get("/me", summary="Who the token belongs to", response_model=MeOut, responses=refusals())
def me(actor: ResetActor) -> dict[str, Any]:
    return {
        "username": actor.username,
        "name": actor.name,
        "role": actor.role,
        "unit": actor.unit_code,
        "unit_kind": actor.unit_kind,
        "password_change_required": actor.must_change_password,
    }
