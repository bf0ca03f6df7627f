"""Shapes of legal help shared by the API, the pages and the CLI."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from minyi.core.schemas import Page


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsultationIn(_In):
    area: str = Field(
        description="marriage_family | labour | housing | contract_debt | tort | administrative | other"
    )
    question: str = Field(max_length=4000)
    advice: str = Field(max_length=4000)
    documents: list[str] = Field(default_factory=list, max_length=20)
    needs_follow_up: bool = False
    follow_up: str | None = Field(None, max_length=500)
    appointment_id: int | None = None
    site_id: int | None = None
    name: str | None = Field(None, max_length=60)
    phone: str | None = Field(None, max_length=30)
    case_id: int | None = None


class ReferralIn(_In):
    consultation_id: int | None = None
    case_id: int | None = None
    hardship: str
    situation: str = Field(max_length=4000)
    monthly_income: Decimal | None = Field(None, ge=0, le=10_000_000)
    household_size: int | None = Field(None, ge=1, le=30)


class DecisionIn(_In):
    grant: bool
    reason: str | None = Field(None, max_length=500)
    lawyer: str | None = Field(None, max_length=60, description="username of the lawyer assigned")


class AssignIn(_In):
    lawyer: str = Field(max_length=60)


class AdviceIn(_In):
    case_id: int
    route: str = Field(description="court | arbitration | admin_review | petition")
    advice: str = Field(max_length=4000)
    choice: str | None = Field(None, description="undecided | legal_route | petition")


class ChoiceIn(_In):
    choice: str = Field(description="legal_route | petition")


class ConsultationOut(BaseModel):
    id: int
    appointment_id: int | None
    case_id: int | None
    tracking_no: str | None
    site_id: int
    site: str
    lawyer_id: int
    lawyer: str
    name: str
    phone: str | None
    area: str
    area_label: str
    question: str
    advice: str
    documents: list[str]
    documents_count: int
    needs_follow_up: bool
    follow_up: str | None
    consulted_at: datetime
    recorded_at: datetime
    referral_id: int | None
    referral_status: str | None
    readable: bool


class ReferralOut(BaseModel):
    id: int
    consultation_id: int | None
    case_id: int | None
    tracking_no: str | None
    name: str
    phone: str | None
    area: str
    area_label: str
    monthly_income: str | None
    household_size: int | None
    hardship: str
    hardship_label: str
    situation: str
    status: str
    status_label: str
    referred_by: str
    referred_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    lawyer_id: int | None
    lawyer: str | None
    readable: bool


class AdviceOut(BaseModel):
    id: int
    case_id: int
    route: str
    route_label: str
    is_legal_route: bool
    advice: str
    choice: str
    choice_label: str
    advised_by: str
    advised_at: datetime
    chosen_at: datetime | None


# The API's paginated lists answer the one page shape.
ConsultationList = Page[ConsultationOut]
ReferralList = Page[ReferralOut]


class AppointmentRow(BaseModel):
    id: int
    ref: str
    site: str
    starts_at: datetime
    ends_at: datetime
    status: str
    status_label: str
    lawyer_id: int | None
    lawyer: str
    name: str
    phone: str | None
    topic: str
    tracking_no: str | None
    written_up: bool
    mine: bool


class DeskOut(BaseModel):
    is_lawyer: bool
    may_decide: bool
    today: list[AppointmentRow]
    to_write: list[AppointmentRow]
    pending: list[ReferralOut]


class FiguresOut(BaseModel):
    since: datetime
    until: datetime
    figures: dict[str, Any] = Field(
        description="法律咨询, 按法律领域 {label: count}, 法律援助转介, 准予援助, 不予援助, "
        "平均审查天数 (null without a decision), 访前法律意见, 引导走法律途径"
    )
