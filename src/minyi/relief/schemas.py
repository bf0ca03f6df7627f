"""Shapes of relief shared by the API, the pages and the command line."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _In(BaseModel):
    """An input shape: extra keys refused, text stripped, and no NUL anywhere (PostgreSQL cannot
    store one, and no person types one)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            raise ValueError("contains a NUL character")
        return value


class ApplicationIn(_In):
    """An application, from the portal (the citizen) or a window (community staff)."""

    name: str = Field(max_length=60)
    phone: str = Field(max_length=30)
    id_number: str | None = Field(None, max_length=30)
    address: str = Field(max_length=300)
    community: str = Field(max_length=40, description="community unit code")
    kind: str = Field(max_length=20, description="subsistence, temporary, medical, ...")
    members: int = Field(1, ge=1, le=30, description="household members")
    income: str | None = Field(None, max_length=20, description="household income, yuan a month")
    requested_amount: str | None = Field(None, max_length=20, description="yuan")
    request: str = Field(
        max_length=5000, description="the help asked for, in the applicant's words"
    )
    documents: list[str] = Field(default_factory=list, max_length=20)
    household: str | None = Field(None, max_length=40, description="grassroots household code")
    token: str | None = Field(None, max_length=64, description="makes a resend harmless")


class ReviewIn(_In):
    step: str = Field(max_length=20, description="approve, return or refuse")
    reason: str | None = Field(None, max_length=2000)
    amount: str | None = Field(None, max_length=20, description="yuan, at the department")
    repeat_reason: str | None = Field(
        None, max_length=2000, description="confirms paying again within the duplicate window"
    )


class ResubmitIn(_In):
    documents: list[str] = Field(default_factory=list, max_length=20)
    note: str | None = Field(None, max_length=2000)


class PaymentIn(_In):
    amount: str = Field(max_length=20)
    paid_on: date
    method: str = Field(max_length=12, description="bank, cash or in_kind")
    repeat_reason: str | None = Field(None, max_length=2000)


class FollowUpIn(_In):
    visited_on: date
    notes: str = Field(max_length=5000)


class ApplicationOut(BaseModel):
    id: int
    ref: str
    case_id: int | None
    tracking_no: str | None
    kind: str
    kind_label: str
    status: str
    status_label: str
    name: str
    phone: str
    id_number: str | None
    address: str
    community: str
    household: str | None
    members: int | None
    income: str | None
    requested_amount: str | None
    request: str
    documents: list[str]
    approved_amount: str | None
    created_at: datetime
    decided_at: datetime | None
    duplicates: list[dict[str, Any]]
    reviews: list[dict[str, Any]] = []
    payment: dict[str, Any] | None = None
    follow_up: dict[str, Any] | None = None
    steps: list[str] = []


class ApplicationList(BaseModel):
    total: int
    items: list[ApplicationOut]


class AppliedOut(BaseModel):
    ref: str
    tracking_no: str | None
    status: str
    status_label: str


class FiguresOut(BaseModel):
    service: str
    title: str
    figures: dict[str, float | int | None] = Field(
        description="申请数, 批准数, 不予救助数, 批准金额（元）, 发放金额（元）, 平均审批天数, 重复申领预警数"
    )
