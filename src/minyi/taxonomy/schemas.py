"""The public shapes of the event dictionary."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from minyi.core.schemas import Out


class DictionaryLeafOut(Out):
    model_config = ConfigDict(populate_by_name=True)

    code: str
    class_name: str = Field(alias="class", description="the first level (五类)")
    level2: str
    level3: str
    level4: str
    lead_unit_kind: str
    lead_unit: str = Field(description="unit code, or empty for the kind's unit")
    policy: str
    reply_approval: str = Field(
        "", description="答复审核 for this leaf: 是 or 否 overrides its policy; empty follows it"
    )


class LeafReplyApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reply_approval: bool | None = Field(
        description="true or false overrides the clock policy's setting; null follows it"
    )


class LeafReplyApprovalOut(Out):
    code: str
    policy: str
    reply_approval: bool | None


class DictionaryImportOut(Out):
    version: int
    leaves: int
