"""The public shapes of a case, every personal field and free-text field passed through the
privacy policy's view for the reader (minyi.privacy.rules)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from minyi.cases.models import Appeal, Case, CaseEvent, CaseUnit
from minyi.cases.rules import KEY_CHECKLIST, CaseStatus
from minyi.core.i18n import ACTION_ZH, RATING_ZH, STATUS_ZH, label
from minyi.core.schemas import Out
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor
from minyi.privacy.rules import PUBLIC_VIEW, CaseView, Show, case_view, identity_hidden, mask_text


class ActionIn(BaseModel):
    """Body of POST /appeals/{id}/actions/{action}: the action's fields, all optional here;
    the lifecycle rules say which one an action needs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str | None = Field(None, max_length=4000)
    text: str | None = Field(None, max_length=20000, description="reply text (答复)")
    note: str | None = Field(None, max_length=4000, description="contact/visit record")
    method: str | None = Field(
        None, max_length=20, description="contact method: phone, wechat, sms, in_person"
    )
    lead_unit: str | None = Field(None, max_length=40, description="unit code (dispatch)")
    co_units: list[str] | None = Field(None, max_length=20, description="unit codes (dispatch)")
    category: str | None = Field(
        None, max_length=40, description="event-dictionary leaf (dispatch)"
    )
    rating: str | None = Field(
        None, max_length=30, description="satisfied | basically_satisfied | unsatisfied"
    )
    comment: str | None = Field(None, max_length=2000)
    expected_version: int | None = Field(
        None, ge=1, description="the version you saw; 409 if it changed"
    )

    def payload(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude={"expected_version"})


class RedispatchIn(BaseModel):
    """Body of POST /appeals/{id}/redispatch (改派): the new lead unit and co-units, why, and
    optionally a corrected dictionary leaf. Refused (409) once the lead unit has signed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    lead_unit: str = Field(
        min_length=1, max_length=40, description="unit code of the new lead unit"
    )
    co_units: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="unit codes of the co-units (replacing the old ones)",
    )
    category: str | None = Field(
        None, max_length=40, description="event-dictionary leaf, when it changes too"
    )
    reason: str = Field(
        min_length=1, max_length=4000, description="why the case goes to another unit (改派原因)"
    )
    expected_version: int | None = Field(
        None, ge=1, description="the version you saw; 409 if it changed"
    )

    def payload(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude={"expected_version"})


@dataclass(frozen=True)
class CaseQuery:
    """The case-list filters as a reader types them (codes, not ids): GET /api/v1/appeals and the
    case export; `cases.queries.case_filter(session, **asdict(query))` makes them a CaseFilter."""

    status: list[CaseStatus] | None = None
    unit: str | None = None
    street: str | None = None
    community: str | None = None
    class_name: str | None = None
    channel: str | None = None
    registered_from: datetime | None = None
    registered_to: datetime | None = None
    overdue: bool | None = None
    q: str | None = None


TRACKING_CODE_DESCRIPTION = "the tracking code (查询码) of the receipt, e.g. K7QM-3XHD-9RTA; case, spaces and dashes do not matter"


class CitizenSecretIn(BaseModel):
    """Exactly one secret: the phone's last four digits, or the receipt's tracking code. In the body,
    not the URL, so it stays out of proxy and access logs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phone_last4: str | None = Field(
        None, pattern=r"^\d{4}$", description="the last four digits of the phone you gave"
    )
    tracking_code: str | None = Field(
        None, min_length=1, max_length=40, description=TRACKING_CODE_DESCRIPTION
    )

    @model_validator(mode="after")
    def _one_secret(self) -> CitizenSecretIn:
        if (self.phone_last4 is None) == (self.tracking_code is None):
            raise ValueError("give either phone_last4 or tracking_code")
        return self

    def secret(self) -> str:
        return self.phone_last4 or self.tracking_code or ""


class FeedbackIn(CitizenSecretIn):
    rating: str = Field(description="satisfied | basically_satisfied | unsatisfied")
    comment: str | None = Field(None, max_length=2000)


def identity_hidden_from(actor: Actor, case: Case) -> bool:
    """Whether the actor belongs to a unit the appeal complains about, or to a unit under one
    (the decision itself is `privacy.rules.identity_hidden`)."""
    return identity_hidden(
        actor.role,
        actor.unit_code,
        actor.unit_path,
        case.identity_hidden_from,
        checked=case.accused_checked_at is not None,
    )


def handling_unit_ids(case: Case, active_unit_ids: set[int]) -> set[int]:
    """The units working the case: its active case units, and (首办负责制) the first unit
    while no lead is named."""
    if case.lead_unit_id is None and case.first_unit_id is not None:
        return active_unit_ids | {case.first_unit_id}
    return active_unit_ids


def view_of(actor: Actor, case: Case, appeal: Appeal, active_unit_ids: set[int]) -> CaseView:
    """The privacy policy's view of this case for this reader. (Whether the complaint-target check
    has run goes in as `checked=`: `privacy.rules.identity_hidden` treats an unchecked case as
    hidden from every unit-level reader; `queries._not_accused` is its SQL twin.)"""
    return case_view(
        actor,
        hidden_from=case.identity_hidden_from,
        handling_unit_ids=handling_unit_ids(case, active_unit_ids),
        is_confidential=appeal.is_confidential,
        citizen_name=appeal.citizen_name,
        checked=case.accused_checked_at is not None,
    )


def redactor(appeal: Appeal) -> Callable[[str], str]:
    """Masks personal data in free text as the policy's "masked" readers see it."""
    names = (appeal.citizen_name,)
    return lambda text: mask_text(text, names=names)


def point_for(view: CaseView, value: float | None) -> float | None:
    """A point fine enough to find a flat is personal data: ~100 m when the address is masked."""
    if value is None or view.address is Show.CLEAR:
        return value
    return None if view.address is Show.HIDDEN else round(value, 3)


def case_summary(
    case: Case,
    appeal: Appeal,
    actor: Actor,
    unit_ids: set[int],
    units: dict[int, tuple[str, str]],
    channels: dict[int, tuple[str, str]],
    *,
    view: CaseView | None = None,
) -> dict[str, Any]:
    view = view or view_of(actor, case, appeal, unit_ids)
    lead = units.get(case.lead_unit_id or 0)
    return {
        "id": case.id,
        "tracking_no": case.tracking_no,
        "status": case.status,
        "status_label": label(STATUS_ZH, case.status),
        "version": case.version,
        "title": view.show_text(appeal.title),
        "channel": channels.get(case.channel_id, ("", ""))[0],
        "channel_name": channels.get(case.channel_id, ("", ""))[1],
        "class_name": case.class_name,
        "street": units.get(case.street_id or 0, (None, None))[0],
        "community": units.get(case.community_id or 0, (None, None))[0],
        "lead_unit": lead[0] if lead else None,
        "lead_unit_name": lead[1] if lead else None,
        "phone": view.show_phone(appeal.phone),
        "citizen_name": view.show_name(appeal.citizen_name),
        "registered_at": case.registered_at,
        "due_at": case.due_at,
        "is_overdue": case.is_overdue,
        "reopen_count": case.reopen_count,
        "bounce_pending": case.bounce_pending,
    }


def case_detail(
    case: Case,
    appeal: Appeal,
    actor: Actor,
    case_units: list[tuple[CaseUnit, Unit]],
    units: dict[int, tuple[str, str]],
    channels: dict[int, tuple[str, str]],
    allowed: list[str],
) -> dict[str, Any]:
    unit_ids = {cu.unit_id for cu, _ in case_units if cu.is_active}
    view = view_of(actor, case, appeal, unit_ids)
    first = units.get(case.first_unit_id or 0)
    return case_summary(case, appeal, actor, unit_ids, units, channels, view=view) | {
        "body": view.show_text(appeal.body),
        "address": view.show_address(appeal.address),
        "grid": units.get(case.grid_id or 0, (None, None))[0],
        "lat": point_for(view, appeal.lat),
        "lng": point_for(view, appeal.lng),
        "id_card": view.show_id_card(appeal.id_card),
        "privacy": view.reader.value,
        "is_anonymous": appeal.is_anonymous,
        "is_confidential": appeal.is_confidential,
        "crowd_size": appeal.crowd_size,
        "amount": str(appeal.amount) if appeal.amount is not None else None,
        "policy_code": case.policy_code,
        "first_unit": first[0] if first else None,
        "units": [
            {
                "code": u.code,
                "name": u.name,
                "role": cu.role,
                "signed_at": cu.signed_at,
                "is_active": cu.is_active,
            }
            for cu, u in case_units
        ],
        "is_key_case": case.is_key_case,
        "key_checklist": view.show_any(
            {item: (case.key_checklist or {}).get(item) for item in KEY_CHECKLIST}
        )
        if case.is_key_case
        else None,
        "reply_text": view.show_text(case.reply_text),
        "reply_draft": view.show_text(case.reply_draft),
        "rating": case.rating,
        "bounce_count": case.bounce_count,
        "reopen_count": case.reopen_count,
        "closed_at": case.closed_at,
        "allowed_actions": allowed,
    }


def event_view(
    event: CaseEvent, staff: Staff | None, *, public: bool = False, view: CaseView | None = None
) -> dict[str, Any]:
    """One event of the log; staff readers get reason and payload through their case view (a
    missing view reads as the public one: nothing personal)."""
    out: dict[str, Any] = {
        "at": event.at,
        "action": event.action,
        "action_label": label(ACTION_ZH, event.action),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "to_status_label": label(STATUS_ZH, event.to_status),
    }
    if public:
        # A citizen sees what happened and when, not who inside the government did it.
        if event.action == "feedback":
            out["rating_label"] = label(RATING_ZH, event.payload.get("rating"))
        return out
    view = view or PUBLIC_VIEW
    return out | {
        "id": event.id,
        "actor": event.actor_label,
        "actor_name": staff.name
        if staff
        else ("群众" if event.actor_label == "citizen" else event.actor_label),
        "reason": view.show_text(event.reason),
        "payload": view.show_any(event.payload),
    }


class CaseSummary(Out):
    """A case in a list: personal fields as the reader's privacy view shows them."""

    id: int
    tracking_no: str
    status: str
    status_label: str
    version: int
    title: str | None
    channel: str
    channel_name: str
    class_name: str | None
    street: str | None
    community: str | None
    lead_unit: str | None
    lead_unit_name: str | None
    phone: str | None = Field(description="in clear, masked or null, by the privacy policy")
    citizen_name: str | None = Field(description="in clear, masked or null, by the privacy policy")
    registered_at: datetime
    due_at: datetime | None
    is_overdue: bool
    reopen_count: int
    bounce_pending: bool


class CaseUnitOut(Out):
    code: str
    name: str
    role: str
    signed_at: datetime | None
    is_active: bool


class CaseDetail(CaseSummary):
    body: str | None
    address: str | None
    grid: str | None
    lat: float | None
    lng: float | None
    id_card: str | None
    privacy: str = Field(description="the reader's view of the personal fields")
    is_anonymous: bool
    is_confidential: bool
    crowd_size: int | None
    amount: str | None
    policy_code: str | None
    first_unit: str | None
    units: list[CaseUnitOut]
    is_key_case: bool
    key_checklist: dict[str, Any] | None
    reply_text: str | None
    reply_draft: str | None = Field(
        description="答复审核: the reply waiting for (or returned by) the unit head"
    )
    rating: str | None
    bounce_count: int
    closed_at: datetime | None
    allowed_actions: list[str]


class EventOut(Out):
    """One event of the log; `id`, `actor`, `actor_name`, `reason` and `payload` for staff
    readers, `rating_label` for a citizen's feedback on the public log."""

    at: datetime
    action: str
    action_label: str
    from_status: str | None
    to_status: str | None
    to_status_label: str | None
    rating_label: str | None = None
    id: int | None = None
    actor: str | None = None
    actor_name: str | None = None
    reason: str | None = None
    payload: Any = None


class AttachmentOut(Out):
    id: int
    filename: str
    size: int
    sha256: str
    content_type: str


class BounceStat(Out):
    unit: str
    unit_name: str
    requested: int
    approved: int


def as_json_time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class ReplyAwaitingOut(Out):
    """答复审核: a reply waiting for the unit head, its text through the reader's privacy view."""

    case_id: int
    tracking_no: str
    version: int
    title: str | None
    draft: str | None
    submitted_by: str
    submitted_at: datetime | None


# What the citizen tracking their appeal reads (cases/tracking.py).
class PublicEvent(BaseModel):
    """What a citizen sees of one step: what happened and when, never who inside did it."""

    at: datetime
    action: str
    action_label: str | None
    from_status: str | None
    to_status: str | None
    to_status_label: str | None
    rating_label: str | None = None


class TrackedCase(BaseModel):
    tracking_no: str
    title: str | None
    status: str
    status_label: str | None
    submitted_at: datetime | None
    reply: str | None
    rating: str | None
    can_rate: bool
    timeline: list[PublicEvent]
