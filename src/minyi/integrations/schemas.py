"""The public shapes of bulk import, webhook subscribers and Open311 (GeoReport v2)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from minyi.core.schemas import Out


class SubscriberIn(BaseModel):
    name: str = Field(min_length=1, max_length=60)
    url: str = Field(min_length=1, max_length=500)
    events: list[str] = Field(
        min_length=1, description="e.g. case.registered, case.dispatch, case.reply; * for all"
    )
    secret: str | None = Field(
        None, min_length=16, max_length=200, description="generated when left out"
    )


class SubscriberPatch(BaseModel):
    url: str | None = Field(None, max_length=500)
    events: list[str] | None = None
    is_active: bool | None = None


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


# Open311 GeoReport v2 (integrations/open311.py): the JSON shapes; the .xml form carries the same fields as elements.
class Open311ErrorOut(BaseModel):
    code: int = Field(description="the HTTP status")
    description: str


class EndpointOut(BaseModel):
    specification: str
    url: str
    changeset: str
    type: str
    formats: list[str]


class DiscoveryOut(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[EndpointOut]


class ServiceOut(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


class AttributeValueOut(BaseModel):
    key: str
    name: str


class AttributeOut(BaseModel):
    variable: bool
    code: str
    datatype: str
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[AttributeValueOut]


class ServiceDefinitionOut(BaseModel):
    service_code: str
    attributes: list[AttributeOut]


class ServiceRequestOut(BaseModel):
    """What anyone may read of a request (see minyi.integrations.open311)."""

    service_request_id: str | None = Field(
        description="the request's public id (random; not its tracking number)"
    )
    status: str = Field(description="open | closed")
    status_notes: str | None
    service_name: str | None
    service_code: str | None
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str | None
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None
    tracking_no: str | None = Field(
        None,
        description="extension, only to the client that submitted the request (its api_key given): the tracking number",
    )


class CreatedRequestOut(BaseModel):
    service_request_id: str | None = Field(
        None, description="the public id; absent for a queued client, which gets a token"
    )
    token: str | None = Field(
        None, description="a queued client's token: GET tokens/{token} gives the id once registered"
    )
    service_notice: str | None
    account_id: str | None
    tracking_no: str | None = Field(
        None, description="extension: the tracking number, for the citizen"
    )
    tracking_code: str | None = Field(
        None,
        description="extension: the citizen's tracking code (查询码), given in this answer only; with the "
        "tracking number it opens the citizen's tracking pages (the only way when no phone was given)",
    )


class TokenStatusOut(BaseModel):
    service_request_id: str | None = Field(description="the public id, once registered")
    token: str
    tracking_no: str | None = Field(
        None, description="extension, to the token's holder: the tracking number, once registered"
    )
    tracking_code: str | None = Field(
        None,
        description="extension, to the token's holder: the receipt's tracking code, on the first read after registration only",
    )
