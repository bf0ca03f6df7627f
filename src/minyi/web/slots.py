"""Places on the pages for panels that other packages provide.

The case page shows `CASE_PANELS` (the triage suggestion with its confidence and confirm/correct
forms goes under "triage"), the dispatcher's board `DISPATCH_PANELS` ("triage_queue": the
low-confidence suggestions to confirm), the unit head's board `UNIT_PANELS` ("approvals": replies
and extension requests waiting for the head) and the leader dashboard `LEADER_PANELS` ("daily_report"
for today's 民情日报 with instruction writing, "hotspots" for hotspots and alerts). A provider is a function
returning the template to include (under web/templates/) and its context, or None to show
nothing (the reader's role has no business with it). `mount.register_panels` adds every panel to
the app's registry at start-up and refuses to start with a slot left empty.

    registry.add(CASE_PANELS, "triage", lambda session, case, actor, now: Panel("panels/triage.html", {...}))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.core.registry import Hook, Registry, registry_of
from minyi.org.rules import Actor


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


CasePanel = Callable[[Session, Case, Actor, datetime], Panel | None]
LeaderPanel = Callable[[Session, Actor, datetime], Panel | None]  # also the dispatcher board's

CASE_SLOTS = ("triage", "approvals", "legal", "counselling")
DISPATCH_SLOTS = ("triage_queue",)
LEADER_SLOTS = ("daily_report", "hotspots")
UNIT_SLOTS = ("approvals",)
# One hook per page; a provider is added under its slot's name.
CASE_PANELS: Hook[CasePanel] = Hook("web.case_panels")
DISPATCH_PANELS: Hook[LeaderPanel] = Hook("web.dispatch_panels")
LEADER_PANELS: Hook[LeaderPanel] = Hook("web.leader_panels")
UNIT_PANELS: Hook[LeaderPanel] = Hook("web.unit_panels")
PAGES: tuple[tuple[Hook[Any], tuple[str, ...]], ...] = (
    (CASE_PANELS, CASE_SLOTS),
    (DISPATCH_PANELS, DISPATCH_SLOTS),
    (LEADER_PANELS, LEADER_SLOTS),
    (UNIT_PANELS, UNIT_SLOTS),
)


def empty_slots(registry: Registry) -> list[str]:
    return [name for hook, slots in PAGES for name in slots if registry.get(hook, name) is None]


def _fill(
    hook: Hook[Any], slots: tuple[str, ...], session: Session, *args: Any
) -> dict[str, Panel | None]:
    registry = registry_of(session)
    return {
        name: provider(session, *args) if (provider := registry.get(hook, name)) else None
        for name in slots
    }


def case_panels(
    session: Session, case: Case, actor: Actor, now: datetime
) -> dict[str, Panel | None]:
    return _fill(CASE_PANELS, CASE_SLOTS, session, case, actor, now)


def leader_panels(session: Session, actor: Actor, now: datetime) -> dict[str, Panel | None]:
    return _fill(LEADER_PANELS, LEADER_SLOTS, session, actor, now)


def dispatch_panels(session: Session, actor: Actor, now: datetime) -> dict[str, Panel | None]:
    return _fill(DISPATCH_PANELS, DISPATCH_SLOTS, session, actor, now)


def unit_panels(session: Session, actor: Actor, now: datetime) -> dict[str, Panel | None]:
    return _fill(UNIT_PANELS, UNIT_SLOTS, session, actor, now)
