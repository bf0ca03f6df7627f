"""Shapes of mediation shared by the API, the pages and the CLI: what comes in (checked here, so
a bad value is a 422 and never a 500) and what goes out (built by queries.describe, through the
privacy policy)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel

from minyi.mediation.rules import Outcome, Referral, Side


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PartyIn(In):
    side: Side
    name: str = Field(min_length=1, max_length=60)
    phone: str | None = Field(None, max_length=30)
    id_number: str | None = Field(None, max_length=18)
    address: str | None = Field(None, max_length=300)


class DisputeIn(In):
    case_id: int = Field(ge=1, le=2**62)
    site_id: int = Field(ge=1, le=2**31 - 1)
    facts: str = Field(min_length=1, max_length=5000)
    matters: str = Field(min_length=1, max_length=2000)
    parties: list[PartyIn] = Field(min_length=2, max_length=20)
    mediators: list[str] = Field(default_factory=list, max_length=5)
    reason: str | None = Field(None, max_length=500)


class SessionIn(In):
    starts_at: datetime
    place: str | None = Field(None, max_length=200)
    room_id: int | None = Field(None, ge=1, le=2**31 - 1)
    is_online: bool = False


class HeldIn(In):
    minutes: str = Field(min_length=1, max_length=10000)
    party_ids: list[int] = Field(default_factory=list, max_length=40)
    others: str | None = Field(None, max_length=500)


class CancelIn(In):
    reason: str = Field(min_length=1, max_length=500)


class TermIn(In):
    text: str = Field(min_length=1, max_length=2000)
    due_on: date | None = None
    amount: Decimal | None = Field(None, ge=0, le=Decimal("999999999999.99"), decimal_places=2)


class OutcomeIn(In):
    outcome: Outcome
    note: str | None = Field(None, max_length=2000)
    terms: list[TermIn] = Field(default_factory=list, max_length=30)
    performance: str | None = Field(None, max_length=2000)
    signed_on: date | None = None


class PerformanceIn(In):
    done: bool = True
    note: str | None = Field(None, max_length=500)


class FilingIn(In):
    court: str = Field(min_length=1, max_length=100)
    filed_on: date


class RulingIn(In):
    ruling: str = Field(pattern="^(confirmed|refused)$")
    ruled_on: date
    ruling_number: str = Field(min_length=1, max_length=60)
    reason: str | None = Field(None, max_length=500)


class ReferralIn(In):
    referral: Referral
    reason: str = Field(min_length=1, max_length=1000)


class DisputeOut(BaseModel):
    """A dispute as the reader may see it (see queries.describe)."""

    model_config = ConfigDict(extra="allow")

    id: int
    case_id: int
    tracking_no: str
    status: str
    status_label: str
    site: str
    parties: list[dict[str, Any]]
    mediators: list[dict[str, Any]]
    sessions: list[dict[str, Any]]
    agreements: list[dict[str, Any]]


class DisputeList(BaseModel):
    items: list[dict[str, Any]]


class FiguresOut(RootModel[dict[str, Any]]):
    """纠纷调解's figures over a period, labelled in Chinese: 受理纠纷, 开展调解, 调解会议, 达成协议,
    部分达成, 调解不成, 调解成功率, 调解协议, 司法确认, 司法确认率, 平均办结天数, and the same by
    site (按站点) and by mediator (按调解员). Counts and rates only: no party."""
