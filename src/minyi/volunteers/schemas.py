"""Public shapes of the volunteers, shared by the API and the CLI."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from minyi.core.schemas import Out, Page

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RegisterIn(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1, max_length=60)
    phone: str = Field(min_length=1, max_length=30)
    community: str = Field(min_length=1, max_length=40, description="community unit code")


class RegisteredOut(Out):
    id: int
    code: str | None = Field(
        description="志愿者编号: shown when this request made the registration, else null"
    )
    status: str
    created: bool


class DecisionIn(BaseModel):
    model_config = _STRICT
    decision: str = Field(description="approve, reject or suspend")
    note: str | None = Field(None, max_length=200)


class VolunteerOut(Out):
    id: int
    code: str
    name: str | None = Field(description="through the privacy policy")
    phone: str | None = Field(description="through the privacy policy")
    community: str
    status: str
    status_label: str
    registered_via: str
    registered_at: datetime
    points: int


class VolunteerPage(Page[VolunteerOut]):
    pass


class ReportIn(BaseModel):
    model_config = _STRICT
    code: str = Field(min_length=1, max_length=12, description="志愿者编号")
    phone_last4: str = Field(min_length=4, max_length=4)
    token: str = Field(
        min_length=8, max_length=40, description="the caller's one-time id: resending it is safe"
    )
    title: str | None = Field(None, max_length=100)
    body: str = Field(min_length=1, max_length=5000)
    address: str | None = Field(None, max_length=300)


class ReportReceiptOut(Out):
    id: int
    tracking_no: str | None
    state: str
    created: bool


class ReportOut(Out):
    id: int
    volunteer_id: int
    volunteer_code: str
    volunteer: str | None
    community: str
    title: str | None
    body: str | None
    address: str | None
    submitted_at: datetime
    state: str
    state_label: str
    case_id: int | None
    tracking_no: str | None
    points: int


class ReportPage(Page[ReportOut]):
    pass


class VerifyIn(BaseModel):
    model_config = _STRICT
    verified: bool
    note: str | None = Field(None, max_length=200)


class RuleIn(BaseModel):
    model_config = _STRICT
    kind: str = Field(description="verified (每条核实上报) or closed (案件办结奖励)")
    class_name: str | None = Field(None, description="one of the five classes; null for any")
    points: int = Field(ge=0, le=10_000)
    is_active: bool = True


class RuleOut(Out):
    id: int
    kind: str
    kind_label: str
    class_name: str | None
    points: int
    is_active: bool
    updated_at: datetime


class LedgerLineOut(Out):
    id: int
    created_at: datetime
    points: int
    kind: str
    kind_label: str
    reason: str
    tracking_no: str | None
    rule_id: int
    report_id: int


class LedgerOut(Out):
    volunteer_id: int
    balance: int
    entries: list[LedgerLineOut]


class RankOut(Out):
    rank: int
    volunteer_id: int
    name: str | None = Field(description="masked (张*) on the public ranking")
    community: str
    points: int
    verified: int


class FiguresOut(Out):
    volunteers: int
    pending: int
    reports: int
    verified: int
    points: int
