"""Public shapes of a whistle and its summonses, shared by the API and the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from minyi.privacy.rules import CaseView
from minyi.whistle.models import Summons, Whistle
from minyi.whistle.rules import STAGE_ZH, STATUS_ZH, reported_on_time, stage

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BlowIn(BaseModel):
    model_config = _STRICT
    description: str = Field(
        ..., max_length=4000, description="what the departments are summoned for"
    )
    units: list[str] = Field(..., max_length=20, description="department codes to summon")
    case_id: int | None = Field(None, description="the case the whistle is about, if any")
    place: str | None = Field(
        None, max_length=40, description="street, community or grid code in your area"
    )
    address: str | None = Field(None, max_length=300)
    report_within_minutes: int | None = Field(None, description="report-in clock; default 30")


class ActIn(BaseModel):
    model_config = _STRICT
    text: str = Field(..., max_length=4000, description="what the department did")


class ConfirmIn(BaseModel):
    model_config = _STRICT
    unit: str | None = Field(
        None,
        max_length=40,
        description="confirm one department; default: all (all must have acted)",
    )
    note: str | None = Field(None, max_length=4000)


def summons_view(
    s: Summons,
    units: dict[int, tuple[str, str]],
    staff: dict[int, tuple[str, str]],
    now: datetime,
    *,
    view: CaseView,
) -> dict[str, Any]:
    code, name = units.get(s.unit_id, ("", ""))
    st = stage(reported_at=s.reported_at, acted_at=s.acted_at, confirmed_at=s.confirmed_at)
    return {
        "unit": code,
        "unit_name": name,
        "stage": st.value,
        "stage_label": STAGE_ZH[st.value],
        "summoned_at": s.summoned_at,
        "due_at": s.due_at,
        "is_overdue": s.reported_at is None and now > s.due_at,
        "reported_at": s.reported_at,
        "reported_on_time": reported_on_time(s.reported_at, s.due_at) if s.reported_at else None,
        "reported_by": staff.get(s.reported_by_id or 0, (None,))[0],
        "action_text": view.show_text(s.action_text),
        "acted_at": s.acted_at,
        "acted_by": staff.get(s.acted_by_id or 0, (None,))[0],
        "confirmed_at": s.confirmed_at,
        "confirm_note": view.show_text(s.confirm_note),
    }


def whistle_view(
    w: Whistle,
    summonses: list[Summons],
    units: dict[int, tuple[str, str]],
    staff: dict[int, tuple[str, str]],
    now: datetime,
    *,
    view: CaseView,
) -> dict[str, Any]:
    """`view`: the reader's privacy view of the whistle's case (`queries.describe_whistles`): the
    description, address and the departments' notes may quote the appeal."""
    issuer = staff.get(w.issuer_id)
    return {
        "id": w.id,
        "status": w.status,
        "status_label": STATUS_ZH.get(w.status, w.status),
        "issuer": {"username": issuer[0], "name": issuer[1]} if issuer else None,
        "issuer_unit": units.get(w.issuer_unit_id, (None,))[0],
        "issuer_unit_name": units.get(w.issuer_unit_id, (None, None))[1],
        "case_id": w.case_id,
        "place": units.get(w.place_unit_id or 0, (None,))[0],
        "place_name": units.get(w.place_unit_id or 0, (None, None))[1],
        "address": view.show_text(w.address),
        "description": view.show_text(w.description),
        "report_within_minutes": w.report_minutes,
        "created_at": w.created_at,
        "confirmed_at": w.confirmed_at,
        "summonses": [summons_view(s, units, staff, now, view=view) for s in summonses],
    }


def unit_ids_of(whistles: list[Whistle], summonses: dict[int, list[Summons]]) -> set[int | None]:
    return {u for w in whistles for u in (w.issuer_unit_id, w.place_unit_id)} | {
        s.unit_id for rows in summonses.values() for s in rows
    }


def staff_ids_of(whistles: list[Whistle], summonses: dict[int, list[Summons]]) -> set[int | None]:
    return {w.issuer_id for w in whistles} | {
        i for rows in summonses.values() for s in rows for i in (s.reported_by_id, s.acted_by_id)
    }


# ---- response models: what the API declares it answers (the views above, typed) ------------


class StaffRefOut(BaseModel):
    username: str
    name: str


class SummonsOut(BaseModel):
    unit: str
    unit_name: str
    stage: str
    stage_label: str
    summoned_at: datetime
    due_at: datetime
    is_overdue: bool
    reported_at: datetime | None
    reported_on_time: bool | None
    reported_by: str | None
    action_text: str | None = Field(
        description="what the department did, through the reader's privacy view"
    )
    acted_at: datetime | None
    acted_by: str | None
    confirmed_at: datetime | None
    confirm_note: str | None


class WhistleOut(BaseModel):
    id: int
    status: str
    status_label: str
    issuer: StaffRefOut | None
    issuer_unit: str | None
    issuer_unit_name: str | None
    case_id: int | None
    place: str | None
    place_name: str | None
    address: str | None
    description: str = Field(description="through the reader's privacy view of the whistle's case")
    report_within_minutes: int
    created_at: datetime
    confirmed_at: datetime | None
    summonses: list[SummonsOut]


class DepartmentResponseOut(BaseModel):
    unit: str
    unit_name: str
    summoned: int
    reported: int
    reported_on_time: int
    acted: int
    response_rate: float
    median_response_minutes: float | None
