"""Places on the pages for panels that other packages provide.

The case page shows `CASE_PANELS` (the triage suggestion with its confidence and confirm/correct
forms goes under "triage"), the dispatcher's board `DISPATCH_PANELS` ("triage_queue": the
low-confidence suggestions to confirm), the unit head's board `UNIT_PANELS` ("approvals": replies
and extension requests waiting for the head) and the leader dashboard `LEADER_PANELS` ("daily_report"
for today's 民情日报 with instruction writing, "hotspots" for hotspots and alerts). A provider is a function
returning the template to include (under web/templates/) and its context, or None to show
nothing (the reader's role has no business with it). `mount.register_panels` fills every slot
at start-up and refuses to start with one left empty.

    CASE_PANELS["triage"] = lambda session, case, actor, now: Panel("panels/triage.html", {...})
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.org.rules import Actor


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


CasePanel = Callable[[Session, Case, Actor, datetime], Panel | None]
LeaderPanel = Callable[[Session, Actor, datetime], Panel | None]  # also the dispatcher board's

CASE_SLOTS = ("triage", "approvals")
DISPATCH_SLOTS = ("triage_queue",)
LEADER_SLOTS = ("daily_report", "hotspots")
UNIT_SLOTS = ("approvals",)
CASE_PANELS: dict[str, CasePanel] = {}
DISPATCH_PANELS: dict[str, LeaderPanel] = {}
LEADER_PANELS: dict[str, LeaderPanel] = {}
UNIT_PANELS: dict[str, LeaderPanel] = {}


def case_panels(session: Session, case: Case, actor: Actor, now: datetime) -> dict[str, Panel | None]:
    return {name: CASE_PANELS[name](session, case, actor, now) if name in CASE_PANELS else None for name in CASE_SLOTS}


def leader_panels(session: Session, actor: Actor, now: datetime) -> dict[str, Panel | None]:
    return {name: LEADER_PANELS[name](session, actor, now) if name in LEADER_PANELS else None for name in LEADER_SLOTS}


def dispatch_panels(session: Session, actor: Actor, now: datetime) -> dict[str, Panel | None]:
    return {name: DISPATCH_PANELS[name](session, actor, now) if name in DISPATCH_PANELS else None for name in DISPATCH_SLOTS}


def unit_panels(session: Session, actor: Actor, now: datetime) -> dict[str, Panel | None]:
    return {name: UNIT_PANELS[name](session, actor, now) if name in UNIT_PANELS else None for name in UNIT_SLOTS}
