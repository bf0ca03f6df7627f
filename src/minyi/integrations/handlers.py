"""Case events reach webhook subscribers through the outbox, signed with each one's secret;
the worker registers the appeals Open311 clients queued."""

from __future__ import annotations

from minyi.cases.hooks import CASE_ACTION, CASES_REGISTERED
from minyi.core.registry import Registry
from minyi.integrations.jobs import register_queued
from minyi.integrations.webhooks import publish_action, publish_registered, secret_for_message
from minyi.notify.hooks import WEBHOOK_SECRET


def install(registry: Registry) -> None:
    # Last of the case reactions: a subscriber hears of the action with everything it caused.
    registry.add(CASES_REGISTERED, "integrations.webhooks", publish_registered)
    registry.add(CASE_ACTION, "integrations.webhooks", publish_action)
    registry.add(WEBHOOK_SECRET, "integrations.subscribers", secret_for_message)
    registry.job("open311_queue", lambda ctx: register_queued(ctx.session, now=ctx.now))
