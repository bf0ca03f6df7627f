"""The public shapes of a case, built with the masking the reader's role calls for."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from minyi.cases.rules import KEY_CHECKLIST
from minyi.cases.models import Appeal, Case, CaseEvent, CaseUnit
from minyi.core.i18n import ACTION_ZH, RATING_ZH, STATUS_ZH, label
from minyi.org.models import Staff, Unit
from minyi.org.rules import SEES_CONTACT, Actor, mask_id_card, mask_phone


class ActionIn(BaseModel):
    """Body of POST /appeals/{id}/actions/{action}: the action's fields, all optional here;
    the lifecycle rules say which one an action needs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str | None = Field(None, max_length=4000)
    text: str | None = Field(None, max_length=20000, description="reply text (答复)")
    note: str | None = Field(None, max_length=4000, description="contact/visit record")
    method: str | None = Field(None, max_length=20, description="contact method: phone, wechat, sms, in_person")
    lead_unit: str | None = Field(None, max_length=40, description="unit code (dispatch)")
    co_units: list[str] | None = Field(None, max_length=20, description="unit codes (dispatch)")
    category: str | None = Field(None, max_length=40, description="event-dictionary leaf (dispatch)")
    rating: str | None = Field(None, max_length=30, description="satisfied | basically_satisfied | unsatisfied")
    comment: str | None = Field(None, max_length=2000)
    expected_version: int | None = Field(None, ge=1, description="the version you saw; 409 if it changed")

    def payload(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude={"expected_version"})


def identity_hidden_from(actor: Actor, case: Case) -> bool:
    """Whether the actor belongs to a unit the appeal complains about, or to a unit under one:
    the one place that decides, so every view of a case masks the same way."""
    hidden = case.identity_hidden_from
    if not hidden or actor.role is None:
        return False
    chain = set((actor.unit_path or "").split("/")) | {actor.unit_code}
    return not chain.isdisjoint(hidden)


def redactor(appeal: Appeal) -> Callable[[str], str]:
    """Masks the complainant's phone, ID number and name wherever free text repeats them."""
    swaps = [
        (value, masked)
        for value, masked in (
            (appeal.phone, mask_phone(appeal.phone)),
            (appeal.id_card, mask_id_card(appeal.id_card)),
            (appeal.citizen_name, "某某"),
        )
        if value and len(value) >= 2 and masked
    ]

    def redact(text: str) -> str:
        for value, masked in swaps:
            text = text.replace(value, masked)
        return text

    return redact


def _redacted(value: Any, redact: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redacted(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, redact) for v in value]
    return value


def sees_contact(actor: Actor, case_unit_ids: set[int], case: Case | None = None) -> bool:
    if case is not None and identity_hidden_from(actor, case):
        return False
    if actor.role in SEES_CONTACT:
        # Unit staff need the number only for cases their unit handles, which is all they see.
        return True
    return actor.unit_id in case_unit_ids


def case_summary(case: Case, appeal: Appeal, actor: Actor, unit_ids: set[int], units: dict[int, tuple[str, str]], channels: dict[int, tuple[str, str]]) -> dict[str, Any]:
    clear = sees_contact(actor, unit_ids, case)
    hidden = (appeal.is_confidential or identity_hidden_from(actor, case)) and not clear
    lead = units.get(case.lead_unit_id or 0)
    title = redactor(appeal)(appeal.title) if identity_hidden_from(actor, case) else appeal.title
    return {
        "id": case.id,
        "tracking_no": case.tracking_no,
        "status": case.status,
        "status_label": label(STATUS_ZH, case.status),
        "version": case.version,
        "title": title,
        "channel": channels.get(case.channel_id, ("", ""))[0],
        "channel_name": channels.get(case.channel_id, ("", ""))[1],
        "class_name": case.class_name,
        "street": units.get(case.street_id or 0, (None, None))[0],
        "community": units.get(case.community_id or 0, (None, None))[0],
        "lead_unit": lead[0] if lead else None,
        "lead_unit_name": lead[1] if lead else None,
        "phone": appeal.phone if clear else mask_phone(appeal.phone),
        "citizen_name": None if hidden else appeal.citizen_name,
        "registered_at": case.registered_at,
        "due_at": case.due_at,
        "is_overdue": case.is_overdue,
        "reopen_count": case.reopen_count,
        "bounce_pending": case.bounce_pending,
    }


def case_detail(
    case: Case, appeal: Appeal, actor: Actor, case_units: list[tuple[CaseUnit, Unit]],
    units: dict[int, tuple[str, str]], channels: dict[int, tuple[str, str]], allowed: list[str],
) -> dict[str, Any]:
    unit_ids = {cu.unit_id for cu, _ in case_units if cu.is_active}
    clear = sees_contact(actor, unit_ids, case)
    first = units.get(case.first_unit_id or 0)
    shielded = identity_hidden_from(actor, case)
    return case_summary(case, appeal, actor, unit_ids, units, channels) | {
        "body": redactor(appeal)(appeal.body) if shielded else appeal.body,
        "address": appeal.address,
        "grid": units.get(case.grid_id or 0, (None, None))[0],
        "lat": appeal.lat,
        "lng": appeal.lng,
        "id_card": appeal.id_card if clear else mask_id_card(appeal.id_card),
        "is_anonymous": appeal.is_anonymous,
        "is_confidential": appeal.is_confidential,
        "crowd_size": appeal.crowd_size,
        "amount": str(appeal.amount) if appeal.amount is not None else None,
        "policy_code": case.policy_code,
        "first_unit": first[0] if first else None,
        "units": [
            {"code": u.code, "name": u.name, "role": cu.role, "signed_at": cu.signed_at, "is_active": cu.is_active}
            for cu, u in case_units
        ],
        "is_key_case": case.is_key_case,
        "key_checklist": {item: (case.key_checklist or {}).get(item) for item in KEY_CHECKLIST} if case.is_key_case else None,
        "reply_text": case.reply_text,
        "rating": case.rating,
        "bounce_count": case.bounce_count,
        "reopen_count": case.reopen_count,
        "closed_at": case.closed_at,
        "allowed_actions": allowed,
    }


def event_view(
    event: CaseEvent, staff: Staff | None, *, public: bool = False, redact: Callable[[str], str] | None = None
) -> dict[str, Any]:
    view: dict[str, Any] = {
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
            view["rating_label"] = label(RATING_ZH, event.payload.get("rating"))
        return view
    return view | {
        "id": event.id,
        "actor": event.actor_label,
        "actor_name": staff.name if staff else ("群众" if event.actor_label == "citizen" else event.actor_label),
        "reason": redact(event.reason) if redact and event.reason else event.reason,
        "payload": _redacted(event.payload, redact) if redact else event.payload,
    }


class Page(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[dict[str, Any]]


def as_json_time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
