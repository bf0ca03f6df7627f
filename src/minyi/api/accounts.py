"""Staff accounts over the API: change one's own password; an administrator resets a password
or deactivates/reactivates a person. Every change ends the person's tokens at once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from minyi.api.deps import CurrentActor, ResetActor, State
from minyi.api.errors import ApiRoute, refusals
from minyi.api.org import require_admin
from minyi.org.accounts import (
    check_password,
    password_hash_of,
    prepare_password,
    reset_to_temporary,
    set_active,
    set_password,
)
from minyi.org.schemas import PasswordChange, TemporaryPasswordOut

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"], route_class=ApiRoute)


@router.post(
    "/me/password",
    status_code=204,
    summary="Change one's own password (ends every token, this one too)",
    responses=refusals(409, described={403: "the old password is wrong"}),
)
def change_own_password(body: PasswordChange, actor: ResetActor, state: State) -> None:
    # Argon2 runs outside the write transaction; set_password re-checks the hash under it.
    with state.db.reading() as session:
        old_hash = password_hash_of(session, username=actor.username)
    check_password(old_hash, body.old_password)
    new_hash = prepare_password(body.new_password, username=actor.username, old=body.old_password)
    with state.db.unit_of_work() as session:
        set_password(
            session,
            username=actor.username,
            password_hash=new_hash,
            now=state.clock.now(),
            expected_hash=old_hash,
        )


@router.post(
    "/{username}/reset",
    summary="Admin: set a temporary password (shown once); ends the person's tokens",
    response_model=TemporaryPasswordOut,
    responses=refusals(404),
)
def reset_password(username: str, actor: CurrentActor, state: State) -> dict[str, Any]:
    require_admin(actor)
    password = reset_to_temporary(state.db, username=username, now=state.clock.now())
    return {"username": username, "temporary_password": password}


@router.post(
    "/{username}/deactivate",
    status_code=204,
    summary="Admin: deactivate; the person's tokens end at once",
    responses=refusals(404),
)
def deactivate(username: str, actor: CurrentActor, state: State) -> None:
    require_admin(actor)
    with state.db.unit_of_work() as session:
        set_active(session, username=username, active=False, now=state.clock.now())


@router.post(
    "/{username}/reactivate",
    status_code=204,
    summary="Admin: reactivate (the person signs in again)",
    responses=refusals(404),
)
def reactivate(username: str, actor: CurrentActor, state: State) -> None:
    require_admin(actor)
    with state.db.unit_of_work() as session:
        set_active(session, username=username, active=True, now=state.clock.now())
