"""Use cases of grid coverage: import and edit places, assign coverers, keep party branches,
record patrols and raise a patrol's finding as a grid event (a case registered by intake)."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import anyio.to_thread
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.cases.rules import Action, CaseStatus
from minyi.cases.service import act_on_case
from minyi.core.clock import Clock
from minyi.core.db import Database
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound
from minyi.core.settings import Settings
from minyi.grassroots.models import (
    Assignment,
    Building,
    Household,
    PartyBranch,
    Patrol,
    PatrolPhoto,
    Road,
)
from minyi.grassroots.queries import area_path, may_patrol, visible_building
from minyi.grassroots.rules import (
    HANDLING_LABELS,
    AssignmentKind,
    Handling,
    PlaceRow,
    check_visit_days,
    header_keys,
    parse_household,
    parse_place,
)
from minyi.intake.attachments import clean_filename, stage_attachment, store_attachment
from minyi.intake.batcher import IntakeBatcher
from minyi.intake.desk import desk_channel
from minyi.intake.schemas import AppealIn
from minyi.org.models import Staff, Unit
from minyi.org.rules import AREA_ROLES, Actor, Role
from minyi.whistle.service import blow_whistle

# Who keeps the places, the assignments and the branches of their area.
KEEPERS = frozenset({Role.ADMIN, Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_STAFF})
MAX_IMPORT_ROWS = 50_000


def _keeper(actor: Actor) -> str:
    if actor.role not in KEEPERS:
        raise Forbidden(
            "role_not_allowed", "只有系统管理员和街道、社区、网格工作人员可维护网格信息"
        )
    return area_path(actor)


# --- places ----------------------------------------------------------------------------------
@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def read_place_file(filename: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, row keyed by the canonical column names) from a CSV (UTF-8, with or
    without BOM, or GB18030 as Excel writes it in China) or an XLSX file."""
    if filename.lower().endswith(".xlsx"):
        # Imported here: openpyxl costs every process a fifth of a CPU second at start.
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as error:
            raise Invalid("bad_file", "无法读取该Excel文件", field="file") from error
        rows = [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise Invalid("bad_file", "文件编码无法识别，请保存为UTF-8编码的CSV", field="file")
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error as error:  # e.g. a NUL byte, or a quote left open at the end
            raise Invalid("bad_file", "无法读取该CSV文件，请检查格式", field="file") from error
    if not rows:
        raise Invalid("empty_file", "文件为空", field="file")
    keys = header_keys(rows[0])
    if not {"kind", "code", "name"} <= set(keys) or not {"grid", "building"} & set(keys):
        raise Invalid(
            "bad_header",
            "表头须包含：类型、编码、名称、网格编码（可选：道路编码、地址、户数；"
            "住户行另填楼栋编码、户主姓名、联系电话、人口）",
            field="file",
        )
    if len(rows) - 1 > MAX_IMPORT_ROWS:
        raise Invalid("too_many_rows", f"一次最多导入{MAX_IMPORT_ROWS}行", field="file")
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        out.append((n, {k: (row[i] if i < len(row) else "") for i, k in enumerate(keys) if k}))
    return out


def import_places(
    session: Session, rows: list[tuple[int, dict[str, str]]], *, actor: Actor | None
) -> ImportResult:
    """Create or update roads and buildings by code. A bad row is reported with its line and
    left out; every good row is kept. Roads go in first, so a building may name a road of the
    same file. `actor` None is the command line (the whole district)."""
    path = _keeper(actor) if actor is not None else ""
    result = ImportResult()
    parsed: list[PlaceRow] = []
    for line, raw in rows:
        try:
            parsed.append(parse_place(line, raw))
        except ValueError as error:
            result.errors.append((line, str(error)))
    grids = dict(
        session.execute(
            select(Unit.code, Unit).where(
                Unit.code.in_({p.grid for p in parsed}), Unit.kind == "grid"
            )
        ).all()
    )
    roads = {
        r.code: r
        for r in session.scalars(
            select(Road).where(
                Road.code.in_(
                    {p.code for p in parsed if p.kind == "road"}
                    | {p.road for p in parsed if p.road}
                )
            )
        )
    }
    buildings = {
        b.code: b
        for b in session.scalars(
            select(Building).where(
                Building.code.in_(
                    {p.code for p in parsed if p.kind == "building"}
                    | {p.building for p in parsed if p.kind == "household" and p.building}
                )
            )
        )
    }
    grids_by_id = {g.id: g for g in grids.values()}
    households = {
        h.code: h
        for h in session.scalars(
            select(Household).where(
                Household.code.in_({p.code for p in parsed if p.kind == "household"})
            )
        )
    }
    seen: set[tuple[str, str]] = set()
    flushed: set[str] = set()
    order = {"road": 0, "building": 1, "household": 2}
    for p in sorted(parsed, key=lambda p: (order[p.kind], p.line)):
        if p.kind != "road" and p.kind not in flushed:
            # Once per kind, so buildings see the ids of the file's new roads, households those
            # of its new buildings.
            session.flush()
            flushed.add(p.kind)
        if p.kind == "household":
            _import_household(session, p, buildings, households, grids_by_id, path, seen, result)
            continue
        grid = grids.get(p.grid)
        if grid is None:
            result.errors.append((p.line, f"网格编码“{p.grid}”不存在"))
            continue
        if not grid.path.startswith(path):
            result.errors.append((p.line, f"网格“{grid.name}”不在您的辖区内"))
            continue
        if (p.kind, p.code) in seen:
            result.errors.append((p.line, f"编码“{p.code}”在文件中重复"))
            continue
        seen.add((p.kind, p.code))
        if p.kind == "road":
            road = roads.get(p.code)
            if road is None:
                road = roads[p.code] = Road(
                    code=p.code, name=p.name, grid_id=grid.id, is_active=True
                )
                session.add(road)
                result.created += 1
            else:
                road.name, road.grid_id, road.is_active = p.name, grid.id, True
                result.updated += 1
            continue
        road_id = None
        if p.road:
            road = roads.get(p.road)
            if road is None:
                result.errors.append((p.line, f"道路编码“{p.road}”不存在"))
                continue
            if road.grid_id != grid.id:
                result.errors.append((p.line, f"道路“{road.name}”不在网格“{grid.name}”内"))
                continue
            road_id = road.id
        building = buildings.get(p.code)
        if building is None:
            building = buildings[p.code] = Building(
                code=p.code,
                name=p.name,
                grid_id=grid.id,
                road_id=road_id,
                address=p.address,
                households=p.households,
                is_active=True,
            )
            session.add(building)
            grids_by_id[grid.id] = grid
            result.created += 1
        else:
            building.name, building.grid_id, building.road_id = p.name, grid.id, road_id
            building.address, building.households, building.is_active = (
                p.address,
                p.households,
                True,
            )
            grids_by_id[grid.id] = grid
            result.updated += 1
    session.flush()
    return result


def _import_household(
    session: Session,
    p: PlaceRow,
    buildings: dict[str, Building],
    households: dict[str, Household],
    grids: dict[int, Unit],
    path: str,
    seen: set[tuple[str, str]],
    result: ImportResult,
) -> None:
    building = buildings.get(p.building or "")
    if building is None:
        result.errors.append((p.line, f"楼栋编码“{p.building}”不存在"))
        return
    grid = grids.get(building.grid_id) or session.get(Unit, building.grid_id)
    if grid is None or not grid.path.startswith(path):
        result.errors.append((p.line, f"楼栋“{building.name}”不在您的辖区内"))
        return
    grids[grid.id] = grid
    if p.grid and p.grid != grid.code:
        result.errors.append((p.line, f"楼栋“{building.name}”不在网格“{p.grid}”内"))
        return
    if ("household", p.code) in seen:
        result.errors.append((p.line, f"编码“{p.code}”在文件中重复"))
        return
    seen.add(("household", p.code))
    row = households.get(p.code)
    if row is None:
        session.add(
            Household(
                code=p.code,
                building_id=building.id,
                room=p.name,
                head_name=p.head_name,
                head_phone=p.head_phone,
                members=p.members,
                is_active=True,
            )
        )
        result.created += 1
        return
    row.building_id, row.room, row.members, row.is_active = building.id, p.name, p.members, True
    row.head_name, row.head_phone = p.head_name, p.head_phone
    result.updated += 1


def edit_building(
    session: Session,
    building_id: int,
    *,
    actor: Actor,
    name: str,
    address: str | None,
    households: int,
    road_code: str | None,
    is_active: bool,
) -> Building:
    path = _keeper(actor)
    building = session.get(Building, building_id)
    grid_path = (
        session.scalar(select(Unit.path).where(Unit.id == building.grid_id)) if building else None
    )
    if building is None or grid_path is None or not grid_path.startswith(path):
        raise NotFound("building_not_found", f"no building {building_id}")
    try:
        row = parse_place(
            0,
            {
                "kind": "楼栋",
                "code": building.code,
                "name": name,
                "grid": "-",
                "address": address or "",
                "households": str(households),
            },
        )
    except ValueError as error:
        raise Invalid("bad_building", str(error), field="name") from None
    road_id = None
    if road_code:
        road = session.scalar(select(Road).where(Road.code == road_code))
        if road is None or road.grid_id != building.grid_id:
            raise Invalid("bad_road", "该道路不在楼栋所在网格内", field="road")
        road_id = road.id
    building.name, building.address, building.households = row.name, row.address, row.households
    building.road_id, building.is_active = road_id, is_active
    session.flush()
    return building


# --- coverers and branches -------------------------------------------------------------------
def assign(
    session: Session,
    *,
    actor: Actor,
    username: str,
    kind: AssignmentKind,
    road_code: str | None = None,
    building_code: str | None = None,
    branch_id: int | None = None,
    visit_days: int,
    now: datetime,
) -> Assignment:
    """包路进楼联户: one person takes one road or one building. Taking the same place again
    changes the interval instead of adding a second row."""
    path = _keeper(actor)
    if bool(road_code) == bool(building_code):
        raise Invalid("road_or_building", "请选择一条道路或一栋楼", field="place")
    try:
        check_visit_days(visit_days)
    except ValueError as error:
        raise Invalid("bad_visit_days", str(error), field="visit_days") from None
    person = session.scalar(
        select(Staff).where(Staff.username == username, Staff.is_active.is_(True))
    )
    if person is None:
        raise NotFound("staff_not_found", f"no staff '{username}'")
    place: Road | Building | None
    if road_code:
        place = session.scalar(select(Road).where(Road.code == road_code, Road.is_active.is_(True)))
    else:
        place = session.scalar(
            select(Building).where(Building.code == building_code, Building.is_active.is_(True))
        )
    grid_path = session.scalar(select(Unit.path).where(Unit.id == place.grid_id)) if place else None
    if place is None or grid_path is None or not grid_path.startswith(path):
        raise NotFound("place_not_found", "没有找到该道路或楼栋")
    if branch_id is not None:
        branch = session.get(PartyBranch, branch_id)
        community_path = (
            session.scalar(select(Unit.path).where(Unit.id == branch.community_id))
            if branch
            else None
        )
        if community_path is None or not grid_path.startswith(community_path):
            raise Invalid("bad_branch", "党支部须属于该楼栋所在社区", field="branch")
    column = Assignment.road_id if road_code else Assignment.building_id
    existing = session.scalar(
        select(Assignment).where(
            Assignment.staff_id == person.id, column == place.id, Assignment.ended_at.is_(None)
        )
    )
    if existing is not None:
        existing.visit_days, existing.kind, existing.branch_id = visit_days, kind.value, branch_id
        session.flush()
        return existing
    row = Assignment(
        staff_id=person.id,
        kind=kind.value,
        road_id=place.id if road_code else None,
        building_id=place.id if building_code else None,
        branch_id=branch_id,
        visit_days=visit_days,
        assigned_at=now,
    )
    session.add(row)
    session.flush()
    return row


def end_assignment(
    session: Session, assignment_id: int, *, actor: Actor, now: datetime
) -> Assignment:
    path = _keeper(actor)
    row = session.get(Assignment, assignment_id)
    grid_id = None
    if row is not None:
        grid_id = (
            session.scalar(select(Road.grid_id).where(Road.id == row.road_id))
            if row.road_id
            else session.scalar(select(Building.grid_id).where(Building.id == row.building_id))
        )
    grid_path = session.scalar(select(Unit.path).where(Unit.id == grid_id)) if grid_id else None
    if row is None or grid_path is None or not grid_path.startswith(path):
        raise NotFound("assignment_not_found", f"no assignment {assignment_id}")
    if row.ended_at is None:
        row.ended_at = now
        session.flush()
    return row


def add_branch(
    session: Session,
    *,
    actor: Actor,
    community_code: str,
    name: str,
    place: str | None,
    secretary: str | None,
) -> PartyBranch:
    path = _keeper(actor)
    community = session.scalar(
        select(Unit).where(Unit.code == community_code, Unit.kind == "community")
    )
    # A branch is the community's: its own staff or the street's (not one grid's worker) add it.
    if community is None or not community.path.startswith(path) or actor.role is Role.GRID_STAFF:
        raise NotFound("unit_not_found", f"no community '{community_code}'")
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("missing_field", "请填写党支部名称（不超过100字）", field="name")
    secretary_id = None
    if secretary:
        secretary_id = session.scalar(select(Staff.id).where(Staff.username == secretary))
        if secretary_id is None:
            raise NotFound("staff_not_found", f"no staff '{secretary}'")
    branch = PartyBranch(
        community_id=community.id,
        name=name,
        place=(place or "").strip()[:100] or None,
        secretary_id=secretary_id,
    )
    session.add(branch)
    session.flush()
    return branch


# --- patrols ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Photo:
    filename: str
    content_type: str
    size: int
    sha256: str


def record_patrol(
    session: Session,
    *,
    actor: Actor,
    building_id: int,
    finding: str | None,
    photos: list[Photo],
    now: datetime,
    household_id: int | None = None,
) -> Patrol:
    """A visit to a building (巡查/走访), and to one of its households when `household_id` is
    given (入户). Photos are already in the content store (the delivery staged them with
    intake's attachment checks)."""
    building = visible_building(session, actor, building_id)
    if not may_patrol(session, actor, building):
        raise Forbidden("not_your_building", "您未包联该楼栋，也不是该网格的工作人员")
    if not building.is_active:
        raise Invalid("building_inactive", "该楼栋已停用", field="building")
    finding = (finding or "").strip() or None
    if finding and len(finding) > 5000:
        raise Invalid("finding_too_long", "发现的问题不超过5000字", field="finding")
    household = None
    if household_id is not None:
        household = session.get(Household, household_id)
        if household is None or household.building_id != building.id or not household.is_active:
            raise Invalid("bad_household", "该住户不在所选楼栋内", field="household_id")
    patrol = Patrol(
        building_id=building.id,
        staff_id=actor.staff_id,
        grid_id=building.grid_id,
        visited_at=now,
        finding=finding,
        household_id=household.id if household else None,
    )
    session.add(patrol)
    session.flush()
    for p in photos:
        session.add(
            PatrolPhoto(
                patrol_id=patrol.id,
                filename=p.filename,
                content_type=p.content_type,
                size=p.size,
                sha256=p.sha256,
            )
        )
    # Only ever forward: a patrol entered late never makes the building look less recently visited.
    session.execute(
        update(Building)
        .where(
            Building.id == building.id,
            (Building.last_visited_at.is_(None)) | (Building.last_visited_at < now),
        )
        .values(last_visited_at=now)
    )
    if household is not None and (
        household.last_visited_at is None or household.last_visited_at < now
    ):
        household.last_visited_at = now
    session.flush()
    return patrol


def load_assignments(
    session: Session,
    rows: list[tuple[int, AssignmentKind, int | None, int | None, int | None, int, datetime]],
) -> int:
    """Assignments taken in bulk (the demo district, a district's earlier register): (staff id,
    kind, road id, building id, branch id, visit days, assigned at). No permission check: the
    caller is an administrator's command."""
    if rows:
        session.execute(
            insert(Assignment),
            [
                {
                    "staff_id": staff_id,
                    "kind": kind.value,
                    "road_id": road_id,
                    "building_id": building_id,
                    "branch_id": branch_id,
                    "visit_days": days,
                    "assigned_at": at,
                }
                for staff_id, kind, road_id, building_id, branch_id, days, at in rows
            ],
        )
    return len(rows)


def load_patrols(session: Session, rows: list[tuple[int, int, datetime, str | None]]) -> int:
    """Patrols taken from elsewhere in bulk (the demo's first round, a benchmark's year, a
    district's earlier system): (staff id, building id, visited at, finding). No permission
    check: the caller is an administrator's command. Each building's last visit follows."""
    if not rows:
        return 0
    grid_of = dict(
        session.execute(
            select(Building.id, Building.grid_id).where(Building.id.in_({r[1] for r in rows}))
        ).all()
    )
    session.execute(
        insert(Patrol),
        [
            {
                "staff_id": staff_id,
                "building_id": bid,
                "grid_id": grid_of[bid],
                "visited_at": at,
                "finding": finding,
            }
            for staff_id, bid, at, finding in rows
        ],
    )
    latest = (
        select(func.max(Patrol.visited_at))
        .where(Patrol.building_id == Building.id)
        .scalar_subquery()
    )
    session.execute(
        update(Building).where(Building.id.in_(set(grid_of))).values(last_visited_at=latest),
        execution_options={"synchronize_session": False},
    )
    return len(rows)


def finding_appeal(session: Session, patrol_id: int, *, actor: Actor) -> AppealIn:
    """The grid event a patrol's finding becomes: an appeal on the grid channel, placed in the
    building's grid, reported by the one raising it. Its external id is the patrol's, so raising
    it twice answers the same case."""
    patrol = session.get(Patrol, patrol_id)
    if patrol is None:
        raise NotFound("patrol_not_found", f"no patrol {patrol_id}")
    building = visible_building(session, actor, patrol.building_id)
    if actor.role not in AREA_ROLES:
        raise Forbidden("role_not_allowed", "网格事件由网格、社区或街道工作人员上报")
    if not patrol.finding:
        raise Invalid("no_finding", "这次走访没有记录发现的问题", field="finding")
    channel = desk_channel(session, "grid", ("grid",))
    grid_code = session.scalar(select(Unit.code).where(Unit.id == building.grid_id))
    phone, name = session.execute(
        select(Staff.phone, Staff.name).where(Staff.id == actor.staff_id)
    ).one()
    return AppealIn(
        channel=channel.code,
        external_id=f"patrol:{patrol.id}",
        title=f"走访发现：{building.name}",
        body=patrol.finding,
        phone=phone,
        name=name,
        address=building.address or building.name,
        grid=grid_code,
    )


def link_case(session: Session, patrol_id: int, case_id: int) -> Patrol:
    patrol = session.get(Patrol, patrol_id)
    if patrol is None:
        raise NotFound("patrol_not_found", f"no patrol {patrol_id}")
    if patrol.case_id not in (None, case_id):
        raise Conflict("finding_already_raised", "该发现已上报为网格事件")
    if session.get(Case, case_id) is None:
        raise NotFound("case_not_found", f"no case {case_id}")
    patrol.case_id = case_id
    session.flush()
    return patrol


def patrol_photos(session: Session, patrol_id: int) -> list[PatrolPhoto]:
    return list(
        session.scalars(
            select(PatrolPhoto).where(PatrolPhoto.patrol_id == patrol_id).order_by(PatrolPhoto.id)
        )
    )


# --- households --------------------------------------------------------------------------------
def save_household(
    session: Session,
    *,
    actor: Actor,
    building_id: int,
    household_id: int | None = None,
    code: str | None = None,
    room: str,
    head_name: str | None,
    head_phone: str | None,
    members: int,
    is_active: bool = True,
) -> Household:
    """Add a household to a building (`household_id` None; `code` defaults to the building's code
    and the door) or edit one, with the same checks as a row of the place file."""
    path = _keeper(actor)
    building = session.get(Building, building_id)
    grid = session.get(Unit, building.grid_id) if building else None
    if building is None or grid is None or not grid.path.startswith(path):
        raise NotFound("building_not_found", f"no building {building_id}")
    row = session.get(Household, household_id) if household_id is not None else None
    if household_id is not None and (row is None or row.building_id != building.id):
        raise NotFound("household_not_found", f"no household {household_id}")
    raw_code = (row.code if row else (code or "").strip()) or f"{building.code}-{room.strip()}"
    try:
        p = parse_household(
            0,
            {
                "code": raw_code[:40],
                "name": room,
                "building": building.code,
                "head_name": head_name or "",
                "head_phone": head_phone or "",
                "members": str(members),
            },
        )
    except ValueError as error:
        raise Invalid("bad_household", str(error), field="room") from None
    if row is None:
        taken = session.scalar(select(Household.id).where(Household.code == p.code))
        if taken is not None:
            raise Conflict("household_exists", f"住户编码“{p.code}”已存在")
        row = Household(code=p.code, building_id=building.id, is_active=True)
        session.add(row)
    row.room, row.head_name, row.head_phone, row.members = (
        p.name,
        p.head_name,
        p.head_phone,
        p.members,
    )
    row.is_active = is_active
    session.flush()
    return row


# --- how a grid event is handled ---------------------------------------------------------------
HANDLER_KINDS = ("grid", "community", "street")


def _desk(actor: Actor) -> Actor:
    """The chooser acting as the dispatcher of their own grid event: the grid's choice *is* the
    dispatch decision (小事一格解决 / 网格吹哨), so the event log names the person who chose."""
    return Actor(
        staff_id=actor.staff_id,
        username=actor.username,
        name=actor.name,
        role=Role.DISPATCHER,
        unit_id=None,
        unit_code=None,
        unit_kind=None,
        unit_path=None,
    )


def _take_case(session: Session, case: Case, actor: Actor, reason: str, now: datetime) -> None:
    """The chooser's own unit becomes the event's lead unit: accepted and dispatched to it, or
    re-dispatched to it when triage sent it elsewhere and nobody has signed for it yet."""
    desk = _desk(actor)
    payload: dict[str, Any] = {"lead_unit": actor.unit_code, "co_units": [], "reason": reason}
    status = CaseStatus(case.status)
    if status is CaseStatus.DISPATCHED and case.lead_unit_id == actor.unit_id:
        return
    if status is CaseStatus.REGISTERED:
        act_on_case(session, case.id, Action.ACCEPT, actor=desk, payload={}, now=now)
        status = CaseStatus.ACCEPTED
    if status is CaseStatus.ACCEPTED:
        act_on_case(session, case.id, Action.DISPATCH, actor=desk, payload=payload, now=now)
    elif status is CaseStatus.DISPATCHED:
        act_on_case(session, case.id, Action.REDISPATCH, actor=desk, payload=payload, now=now)
    else:
        raise Conflict(
            "case_taken", "该事件已由承办单位签收或已办结，不能再改由网格处置，请到案件页面跟进"
        )


def handle_event(
    session: Session,
    patrol_id: int,
    *,
    actor: Actor,
    handling: Handling,
    now: datetime,
    units: list[str] | None = None,
    report_within_minutes: int | None = None,
    solved: str | None = None,
) -> Patrol:
    """The grid's choice for a raised grid event, made once by the staff of the grid or of its
    community or street:
    - 小事一格解决: the chooser's unit leads the case through the lifecycle; `solved` (what was
      done on the spot) signs for it and replies at once, otherwise it waits in their tasks;
    - 网格吹哨: the same, and the departments `units` are summoned to report in (报到);
    - 交分拨中心: the case goes on the normal way (triage, the dispatcher).
    Choosing the same again is harmless; choosing differently after a choice is refused."""
    patrol = session.scalar(select(Patrol).where(Patrol.id == patrol_id).with_for_update())
    if patrol is None:
        raise NotFound("patrol_not_found", f"no patrol {patrol_id}")
    building = visible_building(session, actor, patrol.building_id)
    grid_path = session.scalar(select(Unit.path).where(Unit.id == building.grid_id)) or ""
    if (
        actor.role not in AREA_ROLES
        or actor.unit_kind not in HANDLER_KINDS
        or not actor.unit_path
        or not grid_path.startswith(actor.unit_path)
    ):
        raise Forbidden(
            "role_not_allowed", "网格事件的处置方式由本网格或所在社区、街道的工作人员选择"
        )
    if patrol.case_id is None:
        raise Invalid("not_raised", "请先将发现的问题上报为网格事件", field="handling")
    if patrol.handling == handling.value:
        return patrol
    if patrol.handling is not None:
        raise Conflict(
            "already_handled",
            f"该网格事件已选择“{HANDLING_LABELS[Handling(patrol.handling)]}”",
        )
    case = session.get(Case, patrol.case_id)
    if case is None:
        raise NotFound("case_not_found", f"no case {patrol.case_id}")
    solved = (solved or "").strip() or None
    codes = [c.strip() for c in units or [] if c and c.strip()]
    if handling is Handling.WHISTLE and not codes:
        raise Invalid("missing_field", "请选择要吹哨召集的部门", field="units")
    if handling is not Handling.DISPATCH:
        _take_case(session, case, actor, f"网格事件：{HANDLING_LABELS[handling]}", now)
    if handling is Handling.GRID and solved:
        act_on_case(session, case.id, Action.SIGN_FOR, actor=actor, payload={}, now=now)
        act_on_case(session, case.id, Action.REPLY, actor=actor, payload={"text": solved}, now=now)
    if handling is Handling.WHISTLE:
        whistle = blow_whistle(
            session,
            actor=actor,
            description=solved or patrol.finding or building.name,
            units=codes,
            now=now,
            case_id=case.id,
            report_within_minutes=report_within_minutes,
        )
        patrol.whistle_id = whistle.id
    patrol.handling, patrol.handled_at = handling.value, now
    session.flush()
    return patrol


def describe_import(result: ImportResult) -> dict[str, Any]:
    return {
        "created": result.created,
        "updated": result.updated,
        "errors": [{"line": line, "message": message} for line, message in result.errors],
    }


def attach_photos(
    db: Database, settings: Settings, *, patrol_id: int, case_id: int, actor: Actor, now: datetime
) -> int:
    """The patrol's photos join the case it became, through intake's attachments (each in its own
    transaction, as a case's uploads are)."""
    with db.reading() as session:
        photos = patrol_photos(session, patrol_id)
    for photo in photos:
        data = (settings.attachments_dir / photo.sha256[:2] / photo.sha256).read_bytes()
        store_attachment(
            db,
            settings,
            case_id=case_id,
            filename=photo.filename,
            content_type=photo.content_type,
            data=data,
            actor=actor,
            phone_last4=None,
            now=now,
        )
    return len(photos)


def stage_photo(settings: Settings, *, filename: str, content_type: str, data: bytes) -> Photo:
    """Check a patrol photo as any attachment is checked and put it in the content store."""
    stage_attachment(settings, content_type=content_type, data=data)
    return Photo(
        clean_filename(filename), content_type, len(data), hashlib.sha256(data).hexdigest()
    )


class Desk(Protocol):
    """What raising a finding needs of the process (the API's and the pages' state both have it)."""

    db: Database
    batcher: IntakeBatcher
    settings: Settings
    clock: Clock


async def raise_finding(desk: Desk, actor: Actor, patrol_id: int) -> int:
    """The finding as a grid event, registered by intake's group-commit writer like any grid
    report (API and page alike); the patrol's external id makes a second try answer the same
    case. The reads and writes run in worker threads: the event loop only awaits the writer."""

    def build() -> AppealIn:
        with desk.db.reading() as session:
            return finding_appeal(session, patrol_id, actor=actor)

    item = await anyio.to_thread.run_sync(build)
    receipt = await desk.batcher.submit(item, actor)

    def finish() -> None:
        with desk.db.unit_of_work() as session:
            link_case(session, patrol_id, receipt.id)
        if receipt.created:
            attach_photos(
                desk.db,
                desk.settings,
                patrol_id=patrol_id,
                case_id=receipt.id,
                actor=actor,
                now=desk.clock.now(),
            )

    await anyio.to_thread.run_sync(finish)
    return int(receipt.id)
