"""The public shapes of bulk import and webhook subscribers."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from minyi.core.schemas import Out


class ImportProblemOut(Out):
    row: int
    field: str
    reason: str


class ImportReportOut(Out):
    rows: int
    created: int
    existing: int = Field(description="rows already imported before (same external_id and content)")
    bad_rows: int
    problems: list[ImportProblemOut]


class WebhookSubscriberOut(Out):
    name: str
    url: str
    events: list[str]
    is_active: bool
    created_at: datetime
    created_by: str | None


class NewWebhookSubscriberOut(WebhookSubscriberOut):
    secret: str = Field(description="the signing secret, shown this once")


class WebhookSubscribersOut(Out):
    event_types: list[str]
    subscribers: list[WebhookSubscriberOut]


class DeliveryOut(Out):
    id: int
    event: str
    case_id: int | None
    message_id: int
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None


class PingOut(Out):
    message_id: int = Field(description="the outbox message carrying the test event")
