"""Pure code of grid coverage: assignment kinds, the coverage state of a building, the checks on
an imported place row, how a grid event is handled, and the disposal and 双报到 response rates.
No session, no clock reads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class AssignmentKind(StrEnum):
    GRID_WORKER = "grid_worker"  # 网格员: the grid's own staff
    PARTY_MEMBER = "party_member"  # 党员: a member of the community's branch 包楼联户
    CADRE = "cadre"  # 下沉干部: a cadre of a department sent down to the community


KIND_LABELS = {
    AssignmentKind.GRID_WORKER: "网格员",
    AssignmentKind.PARTY_MEMBER: "党员",
    AssignmentKind.CADRE: "下沉干部",
}


class Coverage(StrEnum):
    UNASSIGNED = "unassigned"  # nobody covers the building
    OVERDUE = "overdue"  # covered, but not visited within the shortest interval of its coverers
    COVERED = "covered"  # covered and visited in time


COVERAGE_LABELS = {
    Coverage.UNASSIGNED: "无人包联",
    Coverage.OVERDUE: "超期未走访",
    Coverage.COVERED: "按期走访",
}
COVERAGE_COLOURS = {
    Coverage.UNASSIGNED: "#d64545",
    Coverage.OVERDUE: "#e8a33d",
    Coverage.COVERED: "#3f9a5b",
}

DEFAULT_VISIT_DAYS = 30
MAX_VISIT_DAYS = 366


def coverage_of(
    visit_days: int | None, last_visited_at: datetime | None, now: datetime
) -> Coverage:
    """`visit_days`: the shortest interval among the building's active assignments (its own and
    its road's), None when it has none."""
    if visit_days is None:
        return Coverage.UNASSIGNED
    if last_visited_at is None or now - last_visited_at > timedelta(days=visit_days):
        return Coverage.OVERDUE
    return Coverage.COVERED


def due_at(visit_days: int | None, last_visited_at: datetime | None) -> datetime | None:
    if visit_days is None or last_visited_at is None:
        return None
    return last_visited_at + timedelta(days=visit_days)


def check_visit_days(value: int) -> int:
    if not 1 <= value <= MAX_VISIT_DAYS:
        raise ValueError(f"走访周期须在1至{MAX_VISIT_DAYS}天之间")
    return value


@dataclass(frozen=True)
class Counts:
    total: int = 0
    unassigned: int = 0
    overdue: int = 0
    covered: int = 0

    def add(self, state: Coverage) -> Counts:
        return Counts(
            self.total + 1,
            self.unassigned + (state is Coverage.UNASSIGNED),
            self.overdue + (state is Coverage.OVERDUE),
            self.covered + (state is Coverage.COVERED),
        )

    @property
    def rate(self) -> float | None:
        """覆盖率: buildings covered and visited in time, over all buildings."""
        return self.covered / self.total if self.total else None


def disposal_rate(found: int, disposed: int) -> float | None:
    """处置率: grid events found on patrols whose case has been answered, over all found."""
    return disposed / found if found else None


class Handling(StrEnum):
    """How the grid handles an event its patrol found (the grid worker or the grid's community
    chooses once the finding is raised)."""

    GRID = (
        "grid"  # 小事一格解决: the chooser's own grid (or community) leads the case and closes it
    )
    WHISTLE = "whistle"  # 网格吹哨、部门报到: the grid leads the case and summons departments
    DISPATCH = "dispatch"  # 交分拨中心: the case goes the normal way, to the dispatcher


HANDLING_LABELS = {
    Handling.GRID: "小事一格解决",
    Handling.WHISTLE: "网格吹哨、部门报到",
    Handling.DISPATCH: "交分拨中心分拨",
}


def response_rate(whistles: int, answered: int) -> float | None:
    """双报到响应率: grid whistles (吹哨 on a grid event) every summoned department of which
    reported in (报到) within its clock, over all grid whistles."""
    return answered / whistles if whistles else None


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


# --- the place file (CSV/XLSX) ----------------------------------------------------------------
PLACE_COLUMNS = ("类型", "编码", "名称", "网格编码", "道路编码", "地址", "户数")
PLACE_KINDS = {
    "住户": "household",
    "户": "household",
    "household": "household",
    "道路": "road",
    "路": "road",
    "road": "road",
    "楼栋": "building",
    "楼": "building",
    "building": "building",
}
HEADER_ALIASES = {
    "类型": "kind",
    "kind": "kind",
    "编码": "code",
    "code": "code",
    "名称": "name",
    "name": "name",
    "网格编码": "grid",
    "网格": "grid",
    "grid": "grid",
    "道路编码": "road",
    "道路": "road",
    "road": "road",
    "地址": "address",
    "address": "address",
    "户数": "households",
    "households": "households",
    "楼栋编码": "building",
    "楼栋": "building",
    "building": "building",
    "户主姓名": "head_name",
    "户主": "head_name",
    "head_name": "head_name",
    "联系电话": "head_phone",
    "电话": "head_phone",
    "head_phone": "head_phone",
    "人口": "members",
    "人数": "members",
    "members": "members",
}
_PHONE = re.compile(r"^[0-9+][0-9 -]{4,19}$")


@dataclass(frozen=True)
class PlaceRow:
    line: int
    kind: str
    code: str
    name: str
    grid: str
    road: str | None
    address: str | None
    households: int
    building: str | None = None  # a household's building code
    head_name: str | None = None
    head_phone: str | None = None
    members: int = 0


def _count(text: str, what: str, top: int) -> int:
    try:
        value = int(float(text)) if text else 0
    except ValueError:
        raise ValueError(f"{what}须为整数") from None
    if not 0 <= value <= top:
        raise ValueError(f"{what}须在0至{top}之间")
    return value


def parse_household(line: int, raw: dict[str, str]) -> PlaceRow:
    """A household row: 编码, 名称 (its door, e.g. 2单元301), 楼栋编码, and optionally 户主姓名,
    联系电话, 人口; 网格编码 may be left empty (the building's grid is the household's)."""
    code, room, building, grid = (
        (raw.get(k) or "").strip() for k in ("code", "name", "building", "grid")
    )
    if not code or len(code) > 40:
        raise ValueError("编码不能为空，且不超过40个字符")
    if not room or len(room) > 60:
        raise ValueError("住户名称（门牌）不能为空，且不超过60个字符")
    if not building:
        raise ValueError("住户须填写楼栋编码")
    head_name = (raw.get("head_name") or "").strip() or None
    if head_name and len(head_name) > 60:
        raise ValueError("户主姓名不超过60个字符")
    head_phone = (raw.get("head_phone") or "").strip() or None
    if head_phone and not _PHONE.match(head_phone):
        raise ValueError("联系电话格式不正确")
    members = _count((raw.get("members") or "").strip(), "人口", 200)
    return PlaceRow(
        line, "household", code, room, grid, None, None, 0, building, head_name, head_phone, members
    )


def parse_place(line: int, raw: dict[str, str]) -> PlaceRow:
    """One row of the place file, checked on its own (references are checked against the
    database by the service). Raises ValueError with a Chinese message for the row report."""
    kind = PLACE_KINDS.get((raw.get("kind") or "").strip().lower())
    if kind is None:
        raise ValueError("类型须为“道路”“楼栋”或“住户”")
    if kind == "household":
        return parse_household(line, raw)
    code, name, grid = ((raw.get(k) or "").strip() for k in ("code", "name", "grid"))
    if not code or len(code) > 40:
        raise ValueError("编码不能为空，且不超过40个字符")
    if not name or len(name) > 100:
        raise ValueError("名称不能为空，且不超过100个字符")
    if not grid:
        raise ValueError("网格编码不能为空")
    road = (raw.get("road") or "").strip() or None
    if kind == "road" and road:
        raise ValueError("道路行不填道路编码")
    address = (raw.get("address") or "").strip() or None
    if address and len(address) > 300:
        raise ValueError("地址不超过300个字符")
    households = _count((raw.get("households") or "").strip(), "户数", 100_000)
    return PlaceRow(line, kind, code, name, grid, road, address, households)


def header_keys(header: list[str]) -> list[str | None]:
    return [HEADER_ALIASES.get((h or "").strip().lower()) for h in header]
