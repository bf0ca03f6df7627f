"""Request and response shapes of the report API."""

from __future__ import annotations

from datetime import date as LocalDate
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from minyi.core.schemas import Out
from minyi.sla.schemas import ClockOut

STRICT = ConfigDict(extra="forbid")


class DailyReportIn(BaseModel):
    model_config = STRICT

    date: LocalDate = Field(description="the local day reported (Asia/Shanghai)")
    corrects: int | None = Field(None, ge=1, description="number (第N期) of the issue corrected")
    note: str | None = Field(None, max_length=500, description="what the correction corrects")


class ItemInstructionIn(BaseModel):
    model_config = STRICT

    item: str = Field(min_length=1, max_length=150, description="the item's key in the issue")
    text: str = Field(min_length=1, max_length=4000, description="the instruction (批示)")
    units: list[str] = Field(min_length=1, max_length=20, description="codes of units to act")
    deadline: AwareDatetime | None = Field(None, description="by when; or give within_days")
    within_days: int | None = Field(None, ge=1, le=366)


class SubscriberIn(BaseModel):
    model_config = STRICT

    email: str = Field(min_length=3, max_length=200)
    name: str | None = Field(None, max_length=60)


class IssueOut(Out):
    id: int
    kind: str
    number: int = Field(description="第N期")
    title: str
    period_start: LocalDate
    period_end: LocalDate
    issued_at: datetime
    issued_by: str
    corrects_id: int | None = Field(description="the issue this one corrects")
    correction_note: str | None
    corrected_by: list[int] = Field(description="issues that correct this one")
    pdf_sha256: str
    items: int = Field(description="how many items the issue reports")


class IssueWithSnapshotOut(IssueOut):
    snapshot: dict[str, Any] = Field(description="every figure and item, exactly as issued")


class PersonOut(Out):
    username: str
    name: str
    title: str | None


class TaskSummaryOut(Out):
    tasks: int
    done: int
    overdue: int


class TaskOut(Out):
    id: int
    instruction_id: int
    unit: str
    unit_name: str
    deadline: datetime | None
    status: str
    state: str
    state_label: str
    is_overdue: bool
    done_at: datetime | None
    done_by: PersonOut | None
    result: str | None
    clock: ClockOut | None


class ReportItemOut(Out):
    issue_id: int
    item: str


class ReportInstructionOut(Out):
    """An instruction (批示) on an item of an issue, with one task per unit."""

    id: int
    case_id: int | None
    subject_ref: str | None
    author: PersonOut | None
    text: str
    created_at: datetime
    tasks: list[TaskOut]
    summary: TaskSummaryOut
    report_item: ReportItemOut | None


class SubscriberOut(Out):
    id: int
    email: str
    name: str | None
