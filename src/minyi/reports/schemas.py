"""Request shapes of the report API."""

from __future__ import annotations

from datetime import date as LocalDate

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

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
