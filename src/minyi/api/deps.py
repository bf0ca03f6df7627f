from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import OAuth2PasswordBearer
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import AwareDatetime
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from minyi.api.state import AppState
from minyi.cases.rules import CaseStatus
from minyi.cases.schemas import CaseQuery
from minyi.core.errors import Forbidden, Unauthorized
from minyi.core.replica import acting_as
from minyi.org.rules import Actor
from minyi.org.service import actor_for_token, token_hash

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


# `async def` for the dependencies that do not block: FastAPI runs a plain `def` dependency in a
# worker thread, two thread hops per request on the intake hot path for a dict lookup.
async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.minyi
    return state


State = Annotated[AppState, Depends(get_state)]


def read_session(state: State) -> Iterator[Session]:
    """Reads need no commit; writes open their unit of work inside the route, so the answer
    leaves only after the commit."""
    with state.db.reading() as session:
        yield session


PASSWORD_CHANGE_REQUIRED = (
    "管理员已重置您的密码，请先修改密码（POST /api/v1/accounts/me/password）后再使用其他功能"
)


def usable(actor: Actor) -> Actor:
    """A token after an administrator's reset only changes the password (and signs out, says
    who it is): everything else answers 403 until the person has chosen their own."""
    if actor.must_change_password:
        raise Forbidden("password_change_required", PASSWORD_CHANGE_REQUIRED)
    return actor


async def token_actor(state: State, token: Annotated[str | None, Depends(oauth2)]) -> Actor | None:
    """Every request reads its token from the database (one indexed join, in a worker thread):
    no per-process cache, so a logout, expiry, password change, deactivation or unit move made
    by any process is refused by every other at once."""
    if not token:
        return None
    actor = await run_in_threadpool(_actor_from_db, state, token)
    # Set on the request's task, so the route's thread inherits it: the units of work the route
    # commits are this person's, and their next list reads wait for them (core/replica.py).
    acting_as(actor.username)
    return actor


async def optional_actor(actor: Annotated[Actor | None, Depends(token_actor)]) -> Actor | None:
    return None if actor is None else usable(actor)


def _actor_from_db(state: AppState, token: str) -> Actor:
    with state.db.reading() as session:
        return actor_for_token(session, token=token, now=state.clock.now())


async def intake_actor(request: Request) -> tuple[Actor | None, str | None]:
    """The actor and token hash for the intake hot path, which takes the bare request (FastAPI's
    dependency injection cost more than the rest of the request). A cached actor is answered on
    the event loop: the group-commit writer checks the token again inside the batch's
    transaction, so a revoked token's appeal is still refused at once."""
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
    if scheme.lower() != "bearer" or not token:
        return None, None
    state = await get_state(request)
    hit = state.intake_tokens.get(token)
    if hit is None:
        hit = (await run_in_threadpool(_actor_from_db, state, token), token_hash(token))
        state.intake_tokens.put(token, *hit)
    usable(hit[0])  # a reset's token never loses the mark: the change revokes it
    return hit


def current_actor(actor: Annotated[Actor | None, Depends(optional_actor)]) -> Actor:
    if actor is None:
        raise Unauthorized("not_signed_in", "请先登录 (sign in first)")
    return actor


def actor_even_if_password_reset(actor: Annotated[Actor | None, Depends(token_actor)]) -> Actor:
    """For the few endpoints a reset's token may use: change the password, sign out, who am I."""
    if actor is None:
        raise Unauthorized("not_signed_in", "请先登录 (sign in first)")
    return actor


def replica_session(
    state: State, actor: Annotated[Actor | None, Depends(optional_actor)]
) -> Iterator[Session]:
    """For lists, search, reports, analytics and exports: the read replica when one is up and
    has what this reader wrote, else the primary (core/replica.py, ADR 0009)."""
    reader = None if actor is None else actor.username
    with state.db.reading(replica=True, reader=reader) as session:
        yield session


ReadSession = Annotated[Session, Depends(read_session)]
# A read that may see others' changes of the last few seconds late (never the reader's own).
ReplicaSession = Annotated[Session, Depends(replica_session)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
# Only for changing one's password, signing out and /auth/me (see `usable`).
ResetActor = Annotated[Actor, Depends(actor_even_if_password_reset)]
OptionalActor = Annotated[Actor | None, Depends(optional_actor)]


async def case_query(
    status: Annotated[list[CaseStatus] | None, Query()] = None,
    unit: str | None = None,
    street: str | None = None,
    community: str | None = None,
    class_name: Annotated[str | None, Query(alias="class")] = None,
    channel: str | None = None,
    registered_from: AwareDatetime | None = None,
    registered_to: AwareDatetime | None = None,
    overdue: bool | None = None,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="substring of the title, body or reply (and, for readers who see them"
            " in clear, of the name or address), or a full tracking number or phone",
        ),
    ] = None,
) -> CaseQuery:
    return CaseQuery(
        status,
        unit,
        street,
        community,
        class_name,
        channel,
        registered_from,
        registered_to,
        overdue,
        q,
    )


# The filters of GET /api/v1/appeals, shared by every endpoint that lists or exports cases.
CaseQueryParams = Annotated[CaseQuery, Depends(case_query)]
