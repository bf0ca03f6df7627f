"""Pure code of grid coverage: assignment kinds, the coverage state of a building, the checks on
an imported place row, and the disposal rate. No session, no clock reads."""

from __future__ import annotations

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


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


# --- the place file (CSV/XLSX) ----------------------------------------------------------------
PLACE_COLUMNS = ("类型", "编码", "名称", "网格编码", "道路编码", "地址", "户数")
PLACE_KINDS = {
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
}


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


def parse_place(line: int, raw: dict[str, str]) -> PlaceRow:
    """One row of the place file, checked on its own (references are checked against the
    database by the service). Raises ValueError with a Chinese message for the row report."""
    kind = PLACE_KINDS.get((raw.get("kind") or "").strip().lower())
    if kind is None:
        raise ValueError("类型须为“道路”或“楼栋”")
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
    text = (raw.get("households") or "").strip()
    try:
        households = int(float(text)) if text else 0
    except ValueError:
        raise ValueError("户数须为整数") from None
    if not 0 <= households <= 100_000:
        raise ValueError("户数须在0至100000之间")
    return PlaceRow(line, kind, code, name, grid, road, address, households)


def header_keys(header: list[str]) -> list[str | None]:
    return [HEADER_ALIASES.get((h or "").strip().lower()) for h in header]
