"""Read side of grid coverage: the places an actor may see, each building's coverage, the
coverers of a community, and the patrol figures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from minyi.cases.models import Case
from minyi.cases.rules import CLOSED
from minyi.core.errors import Forbidden, NotFound
from minyi.grassroots.models import Assignment, Building, Household, PartyBranch, Patrol, Road
from minyi.grassroots.rules import Counts, Coverage, coverage_of, due_at, response_rate
from minyi.org.models import Staff, Unit
from minyi.org.rules import AREA_ROLES, DISTRICT_WIDE, Actor
from minyi.privacy.rules import household_head, patrol_text
from minyi.whistle.models import Summons, Whistle

# A grid event counts as disposed of (处置) once its case is closed, in the one meaning of closed
# every figure uses (cases/rules.py: a rated case is disposed of too).
DISPOSED = tuple(s.value for s in CLOSED)


def area_path(actor: Actor) -> str:
    """The subtree of the area tree the actor oversees ("" for the whole district). Only the
    area roles and the district-wide roles see coverage."""
    if actor.role in DISTRICT_WIDE:
        return ""
    if actor.role in AREA_ROLES and actor.unit_path:
        return actor.unit_path
    raise Forbidden("role_not_allowed", "您的岗位无权查看网格覆盖情况")


def in_area(path: str) -> Select[Any]:
    return select(Unit.id).where(Unit.kind == "grid", Unit.path.startswith(path, autoescape=True))


def get_area(session: Session, actor: Actor, code: str | None) -> Unit:
    """The street, community or grid asked for, within the actor's area (the actor's own area
    when no code is given; the district for district-wide roles)."""
    path = area_path(actor)
    if code:
        unit = session.scalar(select(Unit).where(Unit.code == code))
        if (
            unit is None
            or unit.kind not in ("district", "street", "community", "grid")
            or not unit.path.startswith(path)
        ):
            raise NotFound("unit_not_found", f"no area '{code}'")
        return unit
    if path:
        unit = session.scalar(select(Unit).where(Unit.id == actor.unit_id))
    else:
        unit = session.scalar(select(Unit).where(Unit.kind == "district").order_by(Unit.id))
    if unit is None:
        raise NotFound("unit_not_found", "no district")
    return unit


def get_building(session: Session, building_id: int) -> Building:
    building = session.get(Building, building_id)
    if building is None:
        raise NotFound("building_not_found", f"no building {building_id}")
    return building


def may_patrol(session: Session, actor: Actor, building: Building) -> bool:
    """Grid, community and street staff patrol their area; anyone assigned to the building (or
    its road) patrols it too: a cadre sent down from a department has no area of their own."""
    if actor.role in AREA_ROLES and actor.unit_path:
        path = session.scalar(select(Unit.path).where(Unit.id == building.grid_id)) or ""
        if path.startswith(actor.unit_path):
            return True
    return (
        actor.staff_id is not None
        and (
            session.scalar(
                select(func.count())
                .select_from(Assignment)
                .where(
                    Assignment.staff_id == actor.staff_id,
                    Assignment.ended_at.is_(None),
                    or_(
                        Assignment.building_id == building.id,
                        and_(
                            Assignment.road_id.is_not(None), Assignment.road_id == building.road_id
                        ),
                    ),
                )
            )
            or 0
        )
        > 0
    )


def visible_building(session: Session, actor: Actor, building_id: int) -> Building:
    building = get_building(session, building_id)
    if actor.role in DISTRICT_WIDE or may_patrol(session, actor, building):
        return building
    raise NotFound("building_not_found", f"no building {building_id}")


def _intervals(session: Session, building_ids: Select[Any] | None = None) -> dict[int, int]:
    """Building id -> the shortest visit interval of its active coverers (direct or by road)."""
    direct = select(Assignment.building_id.label("bid"), Assignment.visit_days.label("days")).where(
        Assignment.ended_at.is_(None), Assignment.building_id.is_not(None)
    )
    by_road = (
        select(Building.id.label("bid"), Assignment.visit_days.label("days"))
        .join(Assignment, Assignment.road_id == Building.road_id)
        .where(Assignment.ended_at.is_(None))
    )
    if building_ids is not None:
        direct = direct.where(Assignment.building_id.in_(building_ids))
        by_road = by_road.where(Building.id.in_(building_ids))
    both = direct.union_all(by_road).subquery()
    return dict(
        session.execute(select(both.c.bid, func.min(both.c.days)).group_by(both.c.bid)).all()
    )  # type: ignore[arg-type]


@dataclass(slots=True)
class BuildingCoverage:
    id: int
    code: str
    name: str
    grid_id: int
    road_id: int | None
    address: str | None
    households: int
    visit_days: int | None
    last_visited_at: datetime | None
    state: Coverage
    due_at: datetime | None


def coverage(
    session: Session, path: str, now: datetime, *, details: bool = True
) -> list[BuildingCoverage]:
    """Every active building under the area path, with its coverage state, in code order.
    `details=False` leaves out the names and addresses (a district's map and counts need only
    the states: half the rows' work at 20,000 buildings); `with_details` fills them in later
    for the few shown."""
    ids = select(Building.id).where(
        Building.is_active.is_(True), Building.grid_id.in_(in_area(path))
    )
    intervals = _intervals(session, None if not path else ids)
    where = (Building.is_active.is_(True), Building.grid_id.in_(in_area(path)))
    out = []
    if details:
        rows = session.execute(
            select(
                Building.id,
                Building.code,
                Building.name,
                Building.grid_id,
                Building.road_id,
                Building.address,
                Building.households,
                Building.last_visited_at,
            )
            .where(*where)
            .order_by(Building.code)
        ).all()
        for bid, code, name, grid_id, road_id, address, households, last in rows:
            days = intervals.get(bid)
            out.append(
                BuildingCoverage(
                    bid,
                    code,
                    name,
                    grid_id,
                    road_id,
                    address,
                    households,
                    days,
                    last,
                    coverage_of(days, last, now),
                    due_at(days, last),
                )
            )
        return out
    for bid, grid_id, road_id, last in session.execute(
        select(Building.id, Building.grid_id, Building.road_id, Building.last_visited_at)
        .where(*where)
        .order_by(Building.id)
    ):
        days = intervals.get(bid)
        out.append(
            BuildingCoverage(
                bid,
                "",
                "",
                grid_id,
                road_id,
                None,
                0,
                days,
                last,
                coverage_of(days, last, now),
                due_at(days, last),
            )
        )
    return out


def with_details(session: Session, buildings: list[BuildingCoverage]) -> list[BuildingCoverage]:
    found = (
        {
            bid: (code, name, address, households)
            for bid, code, name, address, households in session.execute(
                select(
                    Building.id, Building.code, Building.name, Building.address, Building.households
                ).where(Building.id.in_([b.id for b in buildings]))
            )
        }
        if buildings
        else {}
    )
    for b in buildings:
        b.code, b.name, b.address, b.households = found.get(
            b.id, (b.code, b.name, b.address, b.households)
        )
    return buildings


@dataclass
class AreaNode:
    """A street, community or grid with its children, for the figures and the map."""

    id: int
    code: str
    name: str
    kind: str
    children: list[AreaNode] = field(default_factory=list)
    buildings: list[BuildingCoverage] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)


def area_tree(session: Session, root: Unit, buildings: list[BuildingCoverage]) -> AreaNode:
    """The area tree under `root` down to the grids, each node with its buildings' counts."""
    units = session.execute(
        select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id)
        .where(
            Unit.path.startswith(root.path, autoescape=True),
            Unit.kind.in_(("district", "street", "community", "grid")),
            Unit.is_active.is_(True),
        )
        .order_by(Unit.path)
    ).all()
    nodes = {uid: AreaNode(uid, code, name, kind) for uid, code, name, kind, _ in units}
    for uid, _code, _name, _kind, parent in units:
        if uid != root.id and parent in nodes:
            nodes[parent].children.append(nodes[uid])
    for b in buildings:
        if b.grid_id in nodes:
            nodes[b.grid_id].buildings.append(b)

    def total(node: AreaNode) -> Counts:
        counts = Counts()
        for b in node.buildings:
            counts = counts.add(b.state)
        for child in node.children:
            c = total(child)
            counts = Counts(
                counts.total + c.total,
                counts.unassigned + c.unassigned,
                counts.overdue + c.overdue,
                counts.covered + c.covered,
            )
        node.counts = counts
        return counts

    top = nodes.get(root.id) or AreaNode(root.id, root.code, root.name, root.kind)
    total(top)
    return top


def unit_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all())  # type: ignore[arg-type]


def road_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Road.id, Road.name).where(Road.id.in_(ids))).all())  # type: ignore[arg-type]


@dataclass(frozen=True)
class Coverer:
    assignment_id: int
    staff_id: int
    staff_name: str
    unit_name: str
    kind: str
    branch: str | None
    place: str  # the road's or building's name
    place_kind: str  # road / building
    grid_name: str
    visit_days: int


def coverers(session: Session, root: Unit, *, assignment_id: int | None = None) -> list[Coverer]:
    """Who covers what under the area: the active assignments, by grid and place (or the one
    assignment asked for, ended or not)."""
    grid = aliased(Unit)
    home = aliased(Unit)
    place_grid = func.coalesce(Building.grid_id, Road.grid_id)
    rows = session.execute(
        select(
            Assignment, Staff.name, home.name, PartyBranch.name, Road.name, Building.name, grid.name
        )
        .join(Staff, Staff.id == Assignment.staff_id)
        .join(home, home.id == Staff.unit_id)
        .outerjoin(PartyBranch, PartyBranch.id == Assignment.branch_id)
        .outerjoin(Road, Road.id == Assignment.road_id)
        .outerjoin(Building, Building.id == Assignment.building_id)
        .join(grid, grid.id == place_grid)
        .where(
            Assignment.ended_at.is_(None)
            if assignment_id is None
            else Assignment.id == assignment_id,
            grid.path.startswith(root.path, autoescape=True),
        )
        .order_by(grid.path, Road.code, Building.code, Staff.name)
    ).all()
    return [
        Coverer(
            a.id,
            a.staff_id,
            staff_name,
            unit_name,
            a.kind,
            branch,
            road or building or "",
            "road" if a.road_id else "building",
            grid_name,
            a.visit_days,
        )
        for a, staff_name, unit_name, branch, road, building, grid_name in rows
    ]


@dataclass(frozen=True)
class BranchRow:
    id: int
    name: str
    place: str | None
    community_name: str
    secretary: str | None
    members: int


def branches(session: Session, root: Unit) -> list[BranchRow]:
    community = aliased(Unit)
    members = (
        select(Assignment.branch_id, func.count(func.distinct(Assignment.staff_id)).label("n"))
        .where(Assignment.ended_at.is_(None), Assignment.branch_id.is_not(None))
        .group_by(Assignment.branch_id)
        .subquery()
    )
    rows = session.execute(
        select(PartyBranch, community.name, Staff.name, members.c.n)
        .join(community, community.id == PartyBranch.community_id)
        .outerjoin(Staff, Staff.id == PartyBranch.secretary_id)
        .outerjoin(members, members.c.branch_id == PartyBranch.id)
        .where(community.path.startswith(root.path, autoescape=True))
        .order_by(community.path, PartyBranch.id)
    ).all()
    return [BranchRow(b.id, b.name, b.place, cname, sname, n or 0) for b, cname, sname, n in rows]


@dataclass(frozen=True)
class PatrolFigures:
    patrols: int
    findings: int
    events: int  # findings raised as grid events (cases)
    disposed: int
    whistles: int = 0  # grid whistles blown (网格吹哨)
    decided: int = 0  # of those, the ones whose report-in clocks have all been met or run out
    answered: int = 0  # of those, every summoned department reported in (报到) in time

    @property
    def disposal_rate(self) -> float | None:
        return self.disposed / self.events if self.events else None

    @property
    def response_rate(self) -> float | None:
        return response_rate(self.decided, self.answered)


def _whistle_counts(now: datetime) -> tuple[Any, Any, Any]:
    """(blown, decided, answered) counting expressions over grid whistles. A whistle is decided once
    no summons of it is still within its clock unreported (the rate never counts a department
    as late before its deadline), answered when every summons reported in by its deadline."""
    waiting = exists().where(
        Summons.whistle_id == Whistle.id, Summons.reported_at.is_(None), Summons.due_at > now
    )
    late = exists().where(
        Summons.whistle_id == Whistle.id,
        or_(Summons.reported_at.is_(None), Summons.reported_at > Summons.due_at),
    )
    return (
        func.count(Whistle.id),
        func.count(Whistle.id).filter(~waiting),
        func.count(Whistle.id).filter(~waiting, ~late),
    )


def whistle_figures(
    session: Session,
    root: Unit,
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[int, int, int]:
    """(grid whistles blown, decided, answered in time) of the area: whistles blown on grid
    events of its patrols, by when they were blown."""
    stmt = (
        select(*_whistle_counts(now))
        .select_from(Patrol)
        .join(Whistle, Whistle.id == Patrol.whistle_id)
        .where(Patrol.grid_id.in_(in_area(root.path)))
    )
    if since is not None:
        stmt = stmt.where(Whistle.created_at >= since)
    if until is not None:
        stmt = stmt.where(Whistle.created_at < until)
    blown, decided, ok = session.execute(stmt).one()
    return int(blown), int(decided), int(ok)


def grid_whistles(
    session: Session, *, since: datetime, until: datetime, now: datetime
) -> dict[int, tuple[int, int, int]]:
    """Grid id -> (grid whistles blown in [since, until), of which decided, answered in time)."""
    rows = session.execute(
        select(Patrol.grid_id, *_whistle_counts(now))
        .select_from(Patrol)
        .join(Whistle, Whistle.id == Patrol.whistle_id)
        .where(Whistle.created_at >= since, Whistle.created_at < until)
        .group_by(Patrol.grid_id)
    )
    return {grid: (int(n), int(d), int(ok)) for grid, n, d, ok in rows}


def patrol_figures(
    session: Session,
    root: Unit,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> PatrolFigures:
    """The area's patrols, findings and grid events (by visit time), and, given `now`, its grid
    whistles and their 双报到 response (by when they were blown)."""
    stmt = (
        select(
            func.count(Patrol.id),
            func.count(Patrol.finding),
            func.count(Patrol.case_id),
            func.count(Case.id).filter(Case.status.in_(DISPOSED)),
        )
        .select_from(Patrol)
        .outerjoin(Case, Case.id == Patrol.case_id)
        .where(Patrol.grid_id.in_(in_area(root.path)))
    )
    if since is not None:
        stmt = stmt.where(Patrol.visited_at >= since)
    if until is not None:
        stmt = stmt.where(Patrol.visited_at < until)
    patrols, findings, events, disposed = session.execute(stmt).one()
    blown, decided, answered = (
        whistle_figures(session, root, now=now, since=since, until=until)
        if now is not None
        else (0, 0, 0)
    )
    return PatrolFigures(patrols, findings, events, disposed, blown, decided, answered)


def grid_events(
    session: Session, *, since: datetime, until: datetime
) -> dict[int, tuple[int, int]]:
    """Grid id -> (grid events raised from patrols visited in [since, until), of which disposed
    of by now): one grouped read for the assessment of every street and community."""
    rows = session.execute(
        select(
            Patrol.grid_id,
            func.count(Patrol.case_id),
            func.count(Case.id).filter(Case.status.in_(DISPOSED)),
        )
        .select_from(Patrol)
        .join(Case, Case.id == Patrol.case_id)
        .where(Patrol.visited_at >= since, Patrol.visited_at < until)
        .group_by(Patrol.grid_id)
    )
    return {grid: (events, disposed) for grid, events, disposed in rows}


def recent_patrols(
    session: Session,
    root: Unit,
    *,
    limit: int = 30,
    staff_id: int | None = None,
    patrol_id: int | None = None,
) -> list[tuple[Patrol, str, str, str | None, str | None]]:
    """(patrol, building name, patrolling staff name, case tracking number, household door),
    newest first."""
    stmt = (
        select(Patrol, Building.name, Staff.name, Case.tracking_no, Household.room)
        .join(Building, Building.id == Patrol.building_id)
        .join(Staff, Staff.id == Patrol.staff_id)
        .outerjoin(Case, Case.id == Patrol.case_id)
        .outerjoin(Household, Household.id == Patrol.household_id)
        .where(Patrol.grid_id.in_(in_area(root.path)))
        .order_by(Patrol.visited_at.desc(), Patrol.id.desc())
        .limit(limit)
    )
    if staff_id is not None:
        stmt = stmt.where(Patrol.staff_id == staff_id)
    if patrol_id is not None:
        stmt = stmt.where(Patrol.id == patrol_id)
    return [(p, b, s, t, room) for p, b, s, t, room in session.execute(stmt).all()]


def my_buildings(session: Session, actor: Actor, now: datetime) -> list[BuildingCoverage]:
    """The buildings the actor covers (directly or by road), or for grid staff their grid's;
    most overdue first: the phone page's list of where to go next."""
    own = select(Assignment.building_id).where(
        Assignment.staff_id == actor.staff_id,
        Assignment.ended_at.is_(None),
        Assignment.building_id.is_not(None),
    )
    by_road = (
        select(Building.id)
        .join(Assignment, Assignment.road_id == Building.road_id)
        .where(Assignment.staff_id == actor.staff_id, Assignment.ended_at.is_(None))
    )
    conditions: list[ColumnElement[bool]] = [Building.id.in_(own), Building.id.in_(by_road)]
    if actor.unit_kind == "grid":
        conditions.append(Building.grid_id == actor.unit_id)
    ids = select(Building.id).where(Building.is_active.is_(True), or_(*conditions))
    intervals = _intervals(session, ids)
    rows = session.scalars(
        select(Building).where(Building.id.in_(ids)).order_by(Building.code)
    ).all()
    out = [
        BuildingCoverage(
            b.id,
            b.code,
            b.name,
            b.grid_id,
            b.road_id,
            b.address,
            b.households,
            intervals.get(b.id),
            b.last_visited_at,
            coverage_of(intervals.get(b.id), b.last_visited_at, now),
            due_at(intervals.get(b.id), b.last_visited_at),
        )
        for b in rows
    ]
    order = {Coverage.OVERDUE: 0, Coverage.UNASSIGNED: 1, Coverage.COVERED: 2}
    return sorted(out, key=lambda b: (order[b.state], b.due_at or now, b.code))


def by_grid(buildings: list[BuildingCoverage]) -> dict[int, list[BuildingCoverage]]:
    found: dict[int, list[BuildingCoverage]] = defaultdict(list)
    for b in buildings:
        found[b.grid_id].append(b)
    return found


COVERAGE_ORDER = {Coverage.UNASSIGNED: 0, Coverage.OVERDUE: 1, Coverage.COVERED: 2}


def coverage_report(
    session: Session,
    actor: Actor,
    *,
    area: str | None,
    now: datetime,
    state: Coverage | None = None,
    gaps_only: bool = False,
    page: int = 1,
    page_size: int = 50,
) -> tuple[AreaNode, list[BuildingCoverage], int, dict[int, str], dict[int, str]]:
    """The area's tree with its counts, and one page of its buildings (gaps first: nobody
    assigned, then most overdue), with the grid and road names they need."""
    root = get_area(session, actor, area)
    buildings = coverage(session, root.path, now, details=False)
    tree = area_tree(session, root, buildings)
    rows = [
        b
        for b in buildings
        if (state is None or b.state is state)
        and (not gaps_only or b.state is not Coverage.COVERED)
    ]
    rows.sort(key=lambda b: (COVERAGE_ORDER[b.state], b.due_at or now, b.id))
    shown = with_details(session, rows[(page - 1) * page_size : page * page_size])
    return (
        tree,
        shown,
        len(rows),
        unit_names(session, {b.grid_id for b in shown}),
        road_names(session, {b.road_id for b in shown if b.road_id}),
    )


def building_view(session: Session, building: Building, now: datetime) -> BuildingCoverage:
    days = _intervals(session, select(Building.id).where(Building.id == building.id)).get(
        building.id
    )
    state = (
        coverage_of(days, building.last_visited_at, now)
        if building.is_active
        else Coverage.UNASSIGNED
    )
    return BuildingCoverage(
        building.id,
        building.code,
        building.name,
        building.grid_id,
        building.road_id,
        building.address,
        building.households,
        days,
        building.last_visited_at,
        state,
        due_at(days, building.last_visited_at),
    )


def district(session: Session) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.kind == "district").order_by(Unit.id))
    if unit is None:
        raise NotFound("unit_not_found", "no district")
    return unit


def patrol_rows(
    session: Session,
    actor: Actor,
    *,
    area: str | None,
    limit: int = 30,
    mine: bool = False,
    patrol_id: int | None = None,
) -> list[dict[str, object]]:
    """Recent patrols in the area (or the actor's own, or one of them), their findings through
    the privacy policy."""
    root = district(session) if mine else get_area(session, actor, area)
    rows = recent_patrols(
        session, root, limit=limit, staff_id=actor.staff_id if mine else None, patrol_id=patrol_id
    )
    paths = dict(
        session.execute(
            select(Unit.id, Unit.path).where(Unit.id.in_({p.grid_id for p, *_ in rows}))
        ).all()
    )
    return [
        {
            "id": p.id,
            "building_id": p.building_id,
            "building": building,
            "staff_name": staff_name,
            "visited_at": p.visited_at,
            "case_id": p.case_id,
            "tracking_no": tracking_no,
            "finding": patrol_text(
                actor, p.finding, grid_path=paths.get(p.grid_id, ""), author_id=p.staff_id
            ),
            "household": room,
            "handling": p.handling,
            "whistle_id": p.whistle_id,
        }
        for p, building, staff_name, tracking_no, room in rows
    ]


def covers_anything(session: Session, staff_id: int | None) -> bool:
    """Whether the person has an active assignment (包路进楼联户), whatever their role."""
    if staff_id is None:
        return False
    return (
        session.scalar(
            select(Assignment.id)
            .where(Assignment.staff_id == staff_id, Assignment.ended_at.is_(None))
            .limit(1)
        )
        is not None
    )


@dataclass(frozen=True)
class HouseholdRow:
    id: int
    code: str
    room: str
    head_name: str | None  # through the privacy policy
    head_phone: str | None
    members: int
    is_active: bool
    last_visited_at: datetime | None


def households_of(
    session: Session, actor: Actor, building: Building, *, active_only: bool = False
) -> list[HouseholdRow]:
    """A building's households in door order, their heads' names and phones as the privacy
    policy lets this reader see them."""
    grid_path = session.scalar(select(Unit.path).where(Unit.id == building.grid_id)) or ""
    covers = may_patrol(session, actor, building)
    stmt = select(Household).where(Household.building_id == building.id)
    if active_only:
        stmt = stmt.where(Household.is_active.is_(True))
    out = []
    for h in session.scalars(stmt.order_by(Household.room, Household.id)):
        name, phone = household_head(
            actor, h.head_name, h.head_phone, grid_path=grid_path, covers=covers
        )
        out.append(
            HouseholdRow(
                h.id, h.code, h.room, name, phone, h.members, h.is_active, h.last_visited_at
            )
        )
    return out


def parent_area(session: Session, actor: Actor, unit: Unit) -> str | None:
    """The code of the area one level up, if the actor oversees it (for the page's 上一级 link)."""
    parent = session.get(Unit, unit.parent_id) if unit.parent_id else None
    if parent is None or not parent.path.startswith(area_path(actor)):
        return None
    return parent.code


def communities(session: Session, root: Unit) -> list[Unit]:
    return list(
        session.scalars(
            select(Unit)
            .where(
                Unit.kind == "community",
                Unit.is_active.is_(True),
                Unit.path.startswith(root.path, autoescape=True),
            )
            .order_by(Unit.path)
        )
    )


def streets(session: Session, root: Unit) -> list[Unit]:
    return list(
        session.scalars(
            select(Unit)
            .where(
                Unit.kind == "street",
                Unit.is_active.is_(True),
                Unit.path.startswith(root.path, autoescape=True),
            )
            .order_by(Unit.path)
        )
    )


def grid_roads(session: Session, grid_id: int) -> list[Road]:
    return list(
        session.scalars(
            select(Road)
            .where(Road.grid_id == grid_id, Road.is_active.is_(True))
            .order_by(Road.code)
        )
    )


def coverage_tree(session: Session, root: Unit, now: datetime, *, detailed_up_to: int) -> AreaNode:
    """The area's tree with its buildings' states, for the map: names only when the map is
    small enough to give each building its own tooltip."""
    buildings = coverage(session, root.path, now, details=False)
    if len(buildings) <= detailed_up_to:
        with_details(session, buildings)
    return area_tree(session, root, buildings)


def departments(session: Session) -> list[tuple[str, str]]:
    """(code, name) of the departments a grid whistle may summon."""
    return [
        (code, name)
        for code, name in session.execute(
            select(Unit.code, Unit.name)
            .where(Unit.kind == "department", Unit.is_active.is_(True))
            .order_by(Unit.code)
        )
    ]
