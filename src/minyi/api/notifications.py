"""The notification centre over the API: the signed-in staff member's own notices (worded through
the privacy policy, as the console's page words them), one or all marked read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from minyi.api.cursor import PageCursor
from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.core.errors import Forbidden
from minyi.notifications.queries import describe, notification_page, unread_count
from minyi.notifications.rules import PAGE_SIZE
from minyi.notifications.schemas import NotificationOut, NotificationPage, ReadAllOut
from minyi.notifications.service import mark_all_read, mark_read
from minyi.org.rules import Actor

router = APIRouter(prefix="/api/v1", tags=["notifications"], route_class=ApiRoute)


def _staff(actor: Actor) -> Actor:
    # Notices are a person's: a token with no member of staff behind it has none to read.
    if actor.staff_id is None:
        raise Forbidden("staff_only", "only staff have notifications")
    return actor


@router.get(
    "/notifications",
    response_model=NotificationPage,
    responses=refusals(),
    summary="Your notifications, newest first, with your unread count (unread=true: only those not read)",
)
def notifications(
    actor: CurrentActor,
    session: ReadSession,
    unread: bool = False,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = PAGE_SIZE,
    cursor: PageCursor = None,
) -> dict[str, Any]:
    return notification_page(
        session, _staff(actor), unread_only=unread, page=page, page_size=page_size, cursor=cursor
    )[1]


@router.post(
    "/notifications/{notification_id}/read",
    response_model=NotificationOut,
    responses=refusals(404),
    summary="Mark one of your notifications read (someone else's reads as not found)",
)
def read_one(notification_id: int, actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        notice = mark_read(session, notification_id, actor=_staff(actor), now=state.clock.now())
        return describe(session, actor, [notice])[0]


@router.post(
    "/notifications/read-all",
    response_model=ReadAllOut,
    responses=refusals(),
    summary="Mark all your notifications read",
)
def read_all(actor: CurrentActor, state: State) -> dict[str, Any]:
    with state.db.unit_of_work() as session:
        marked = mark_all_read(session, actor=_staff(actor), now=state.clock.now())
        return {"marked": marked, "unread": unread_count(session, actor)}
