"""The public shapes of the event dictionary."""

from __future__ import annotations

from pydantic import ConfigDict, Field

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


class DictionaryImportOut(Out):
    version: int
    leaves: int
