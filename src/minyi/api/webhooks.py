"""Webhook subscribers, managed by administrators: who is told of which case events, and the
delivery log of each (attempts, last error, sent time) from the outbox."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from minyi.api.deps import CurrentActor, ReadSession, State
from minyi.api.errors import ApiRoute, refusals
from minyi.core.errors import Forbidden
from minyi.integrations import webhooks
from minyi.integrations.schemas import (
    DeliveryOut,
    NewWebhookSubscriberOut,
    PingOut,
    SubscriberIn,
    SubscriberPatch,
    WebhookSubscriberOut,
    WebhookSubscribersOut,
)
from minyi.org.rules import Actor, Role

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], route_class=ApiRoute)


def _admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden("admin_only", "only an administrator may manage webhook subscribers")


@router.get(
    "",
    summary="Subscribers and the event types they may choose",
    response_model=WebhookSubscribersOut,
    responses=refusals(),
)
def list_subscribers(actor: CurrentActor, session: ReadSession) -> dict[str, Any]:
    _admin(actor)
    return {
        "event_types": sorted(webhooks.EVENT_TYPES),
        "subscribers": webhooks.list_subscribers(session),
    }


@router.post(
    "",
    status_code=201,
    summary="Add a subscriber; the secret is shown this once",
    response_model=NewWebhookSubscriberOut,
    responses=refusals(409),
)
def add_subscriber(body: SubscriberIn, actor: CurrentActor, state: State) -> dict[str, Any]:
    _admin(actor)
    with state.db.unit_of_work() as session:
        row, secret = webhooks.add_subscriber(
            session,
            name=body.name,
            url=body.url,
            events=body.events,
            secret=body.secret,
            by=actor.username,
            now=state.clock.now(),
        )
        return webhooks.subscriber_view(row) | {"secret": secret}


@router.patch(
    "/{name}",
    summary="Change a subscriber's URL or events, or switch it off and on",
    response_model=WebhookSubscriberOut,
    responses=refusals(404),
)
def update_subscriber(
    name: str, body: SubscriberPatch, actor: CurrentActor, state: State
) -> dict[str, Any]:
    _admin(actor)
    with state.db.unit_of_work() as session:
        row = webhooks.update_subscriber(
            session, name=name, url=body.url, events=body.events, is_active=body.is_active
        )
        return webhooks.subscriber_view(row)


@router.delete(
    "/{name}",
    summary="Switch a subscriber off (its delivery log stays)",
    response_model=WebhookSubscriberOut,
    responses=refusals(404),
)
def remove_subscriber(name: str, actor: CurrentActor, state: State) -> dict[str, Any]:
    _admin(actor)
    with state.db.unit_of_work() as session:
        return webhooks.subscriber_view(
            webhooks.update_subscriber(session, name=name, is_active=False)
        )


@router.get(
    "/{name}/deliveries",
    summary="The subscriber's delivery log, newest first",
    response_model=list[DeliveryOut],
    responses=refusals(404),
)
def deliveries(
    name: str,
    actor: CurrentActor,
    session: ReadSession,
    status: Annotated[str | None, Query(pattern="^(pending|sent|failed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[dict[str, Any]]:
    _admin(actor)
    return webhooks.deliveries(session, name=name, status=status, limit=limit)


@router.post(
    "/{name}/ping",
    status_code=202,
    summary="Send a test event to the subscriber",
    response_model=PingOut,
    responses=refusals(404),
)
def ping(name: str, actor: CurrentActor, state: State) -> dict[str, Any]:
    _admin(actor)
    with state.db.unit_of_work() as session:
        return {"message_id": webhooks.ping(session, name=name, now=state.clock.now())}
