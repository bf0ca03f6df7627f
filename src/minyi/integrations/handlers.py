"""Case events reach webhook subscribers through the outbox, signed with each one's secret."""

from __future__ import annotations

from minyi.cases.hooks import on_case_action, on_cases_registered
from minyi.integrations.webhooks import publish_action, publish_registered, secret_for_message
from minyi.notify.hooks import on_webhook_secret


def register() -> None:
    on_cases_registered("integrations.webhooks", publish_registered)
    on_case_action("integrations.webhooks", publish_action)
    on_webhook_secret("integrations.subscribers", secret_for_message)
