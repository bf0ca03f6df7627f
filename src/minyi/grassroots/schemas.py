"""Public shapes of grid coverage, shared by the API, the web pages and the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from minyi.core.schemas import Page
from minyi.grassroots.queries import (
    AreaNode,
    BuildingCoverage,
    Coverer,
    HouseholdRow,
    PatrolFigures,
)
from minyi.grassroots.rules import (
    COVERAGE_LABELS,
    KIND_LABELS,
    AssignmentKind,
    Counts,
    Coverage,
    Handling,
)

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CountsOut(BaseModel):
    total: int
    unassigned: int
    overdue: int
    covered: int
    rate: float | None = Field(
        description="覆盖率: covered and visited in time, over all buildings"
    )


class AreaCountsOut(BaseModel):
    code: str
    name: str
    kind: str
    counts: CountsOut


class BuildingOut(BaseModel):
    id: int
    code: str
    name: str
    grid: str
    road: str | None
    address: str | None
    households: int
    visit_days: int | None = Field(
        description="shortest visit interval of its coverers; null when nobody covers it"
    )
    last_visited_at: datetime | None
    due_at: datetime | None
    state: Coverage
    state_label: str


class CoverageOut(Page[BuildingOut]):
    """An area's figures and the areas below it, with one page of its gaps as the items."""

    area: AreaCountsOut
    children: list[AreaCountsOut]


class ImportErrorOut(BaseModel):
    line: int
    message: str


class ImportOut(BaseModel):
    created: int
    updated: int
    errors: list[ImportErrorOut]


class BuildingEdit(BaseModel):
    model_config = _STRICT
    name: str = Field(..., min_length=1, max_length=100)
    address: str | None = Field(None, max_length=300)
    households: int = Field(0, ge=0, le=100_000)
    road: str | None = Field(
        None, max_length=40, description="road code in the same grid; null: on no road"
    )
    is_active: bool = True


class AssignIn(BaseModel):
    model_config = _STRICT
    username: str = Field(..., max_length=60)
    kind: AssignmentKind
    road: str | None = Field(None, max_length=40, description="road code (包路); or building")
    building: str | None = Field(None, max_length=40, description="building code (进楼)")
    branch_id: int | None = Field(None, description="the party branch the member covers it for")
    visit_days: int = Field(30, ge=1, le=366)


class AssignmentOut(BaseModel):
    id: int
    staff_name: str
    unit_name: str
    kind: AssignmentKind
    kind_label: str
    branch: str | None
    place: str
    place_kind: str
    grid: str
    visit_days: int


class BranchIn(BaseModel):
    model_config = _STRICT
    community: str = Field(..., max_length=40)
    name: str = Field(..., min_length=1, max_length=100)
    place: str | None = Field(
        None, max_length=100, description="the estate the branch is built in (支部建在小区)"
    )
    secretary: str | None = Field(
        None, max_length=60, description="username of the branch secretary"
    )


class BranchOut(BaseModel):
    id: int
    name: str
    place: str | None
    community: str
    secretary: str | None
    members: int


class HandlingIn(BaseModel):
    """How the grid handles a raised grid event (see grassroots.service.handle_event)."""

    model_config = _STRICT
    handling: Handling = Field(
        ...,
        description="grid: 小事一格解决; whistle: 网格吹哨、部门报到; dispatch: to the dispatcher",
    )
    units: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="whistle: codes of the departments summoned",
    )
    report_within_minutes: int | None = Field(
        None, ge=1, le=7 * 24 * 60, description="whistle: the report-in clock (default 30)"
    )
    solved: str | None = Field(
        None,
        max_length=4000,
        description="grid: what was done on the spot (signs for and replies at once); "
        "whistle: what the departments are summoned for (default: the finding)",
    )


class PatrolIn(BaseModel):
    model_config = _STRICT
    building_id: int
    household_id: int | None = Field(None, description="the household visited (入户), if any")
    finding: str | None = Field(
        None, max_length=5000, description="what was found; empty for a visit without findings"
    )
    raise_event: bool = Field(
        False, description="raise the finding as a grid event (a case on the grid channel)"
    )
    handling: HandlingIn | None = Field(
        None, description="with raise_event: how the grid handles the event, chosen at once"
    )


class HouseholdIn(BaseModel):
    model_config = _STRICT
    room: str = Field(..., min_length=1, max_length=60, description="the door, e.g. 2单元301")
    code: str | None = Field(
        None, max_length=40, description="new households: default building code + door"
    )
    head_name: str | None = Field(None, max_length=60)
    head_phone: str | None = Field(None, max_length=20)
    members: int = Field(0, ge=0, le=200)
    is_active: bool = True


class HouseholdOut(BaseModel):
    id: int
    code: str
    room: str
    head_name: str | None = Field(description="through the privacy policy: clear, masked or null")
    head_phone: str | None = Field(description="through the privacy policy: clear, masked or null")
    members: int
    is_active: bool
    last_visited_at: datetime | None


class PatrolOut(BaseModel):
    id: int
    building_id: int
    building: str
    staff_name: str
    visited_at: datetime
    finding: str | None
    case_id: int | None
    tracking_no: str | None
    household: str | None = Field(None, description="the household's door, when one was visited")
    handling: Handling | None = Field(None, description="how the grid event is handled")
    whistle_id: int | None = None


class FiguresOut(BaseModel):
    area: AreaCountsOut
    patrols: int
    findings: int
    events: int = Field(description="grid events found: findings raised as cases")
    disposed: int = Field(description="of those, cases answered")
    disposal_rate: float | None = Field(description="处置率")
    whistles: int = Field(description="grid whistles blown (网格吹哨) on the area's grid events")
    whistles_decided: int = Field(
        description="of those, the ones whose report-in clocks have all been met or run out"
    )
    whistles_answered: int = Field(
        description="of those, every summoned department reported in (报到) in time"
    )
    response_rate: float | None = Field(
        description="双报到响应率: answered / decided (a clock still running is not counted)"
    )


def counts_out(c: Counts) -> dict[str, Any]:
    return {
        "total": c.total,
        "unassigned": c.unassigned,
        "overdue": c.overdue,
        "covered": c.covered,
        "rate": c.rate,
    }


def area_out(node: AreaNode) -> dict[str, Any]:
    return {
        "code": node.code,
        "name": node.name,
        "kind": node.kind,
        "counts": counts_out(node.counts),
    }


def building_out(
    b: BuildingCoverage, grids: dict[int, str], roads: dict[int, str]
) -> dict[str, Any]:
    return {
        "id": b.id,
        "code": b.code,
        "name": b.name,
        "grid": grids.get(b.grid_id, ""),
        "road": roads.get(b.road_id) if b.road_id else None,
        "address": b.address,
        "households": b.households,
        "visit_days": b.visit_days,
        "last_visited_at": b.last_visited_at,
        "due_at": b.due_at,
        "state": b.state,
        "state_label": COVERAGE_LABELS[b.state],
    }


def assignment_out(c: Coverer) -> dict[str, Any]:
    return {
        "id": c.assignment_id,
        "staff_name": c.staff_name,
        "unit_name": c.unit_name,
        "kind": c.kind,
        "kind_label": KIND_LABELS[AssignmentKind(c.kind)],
        "branch": c.branch,
        "place": c.place,
        "place_kind": c.place_kind,
        "grid": c.grid_name,
        "visit_days": c.visit_days,
    }


def figures_out(node: AreaNode, f: PatrolFigures) -> dict[str, Any]:
    return {
        "area": area_out(node),
        "patrols": f.patrols,
        "findings": f.findings,
        "events": f.events,
        "disposed": f.disposed,
        "disposal_rate": f.disposal_rate,
        "whistles": f.whistles,
        "whistles_decided": f.decided,
        "whistles_answered": f.answered,
        "response_rate": f.response_rate,
    }


def household_out(h: HouseholdRow) -> dict[str, Any]:
    return {
        "id": h.id,
        "code": h.code,
        "room": h.room,
        "head_name": h.head_name,
        "head_phone": h.head_phone,
        "members": h.members,
        "is_active": h.is_active,
        "last_visited_at": h.last_visited_at,
    }
