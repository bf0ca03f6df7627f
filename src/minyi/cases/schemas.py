"""The public shapes of a case, built with the masking the reader's role calls for."""

from __future__ import annotations

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


def sees_contact(actor: Actor, case_unit_ids: set[int]) -> bool:
    if actor.role in SEES_CONTACT:
        # Unit staff need the number only for cases their unit handles, which is all they see.
        return True
    return actor.unit_id in case_unit_ids


def case_summary(case: Case, appeal: Appeal, actor: Actor, unit_ids: set[int], units: dict[int, tuple[str, str]], channels: dict[int, tuple[str, str]]) -> dict[str, Any]:
    clear = sees_contact(actor, unit_ids)
    hidden = appeal.is_confidential and not clear
    lead = units.get(case.lead_unit_id or 0)
    return {
        "id": case.id,
        "tracking_no": case.tracking_no,
        "status": case.status,
        "status_label": label(STATUS_ZH, case.status),
        "version": case.version,
        "title": appeal.title,
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
        "bounce_pending": case.bounce_pending,
    }


def case_detail(
    case: Case, appeal: Appeal, actor: Actor, case_units: list[tuple[CaseUnit, Unit]],
    units: dict[int, tuple[str, str]], channels: dict[int, tuple[str, str]], allowed: list[str],
) -> dict[str, Any]:
    unit_ids = {cu.unit_id for cu, _ in case_units if cu.is_active}
    clear = sees_contact(actor, unit_ids)
    first = units.get(case.first_unit_id or 0)
    return case_summary(case, appeal, actor, unit_ids, units, channels) | {
        "body": appeal.body,
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


def event_view(event: CaseEvent, staff: Staff | None, *, public: bool = False) -> dict[str, Any]:
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
        "reason": event.reason,
        "payload": event.payload,
    }


class Page(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[dict[str, Any]]


def as_json_time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
