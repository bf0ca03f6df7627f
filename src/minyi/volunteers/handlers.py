"""Wire the volunteers to the cases: a verified report's case answered earns its closing bonus."""

from __future__ import annotations

from minyi.cases.hooks import CASE_ACTION
from minyi.core.registry import Registry
from minyi.volunteers.service import on_case_action


def install(registry: Registry) -> None:
    registry.add(CASE_ACTION, "volunteers.closing_bonus", on_case_action)
