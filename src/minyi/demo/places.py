"""The demo district's places below the grid and who covers them (党建覆盖): a road and three
buildings per grid, a few households, a party branch per community, coverers and each covered
building's latest patrol: about four in five buildings covered in time, two streets clearly worse.

`build_places(district, seed)` is pure and deterministic; `load_places` writes it through the
grassroots services, so the demo exercises the same checks as a district's own file."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.grassroots.models import Building, Road
from minyi.grassroots.rules import AssignmentKind
from minyi.grassroots.service import add_branch, import_places, load_assignments, load_patrols
from minyi.org.models import Staff
from minyi.org.service import actor_for_username

ROAD_STEMS = (
    "桂花",
    "文昌",
    "新华",
    "建设",
    "和平",
    "兴业",
    "育才",
    "滨河",
    "朝阳",
    "振兴",
    "人民",
    "迎宾",
)
# Two streets clearly behind the others (few coverers, late visits): what the map should show.
WEAK_STREETS = ("S04", "S08")
ESTATE_STEMS = (
    "锦绣",
    "碧桂",
    "阳光",
    "翠苑",
    "华庭",
    "幸福",
    "金域",
    "雅居",
    "丽景",
    "康乐",
    "盛世",
    "悦城",
)


def build_places(district: dict[str, list[dict[str, Any]]], seed: int = 7) -> dict[str, list[Any]]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    grids = [u for u in district["units"] if u["kind"] == "grid"]
    communities = {u["code"]: u["name"] for u in district["units"] if u["kind"] == "community"}
    places: list[tuple[int, dict[str, str]]] = []
    line = 2
    for grid in grids:
        code = grid["code"]
        road = f"{rng.choice(ROAD_STEMS)}路{int(code[-2:])}巷"
        estate = f"{rng.choice(ESTATE_STEMS)}花园"
        places.append((line, {"kind": "道路", "code": f"{code}-R1", "name": road, "grid": code}))
        line += 1
        for n in (1, 2, 3):
            places.append(
                (
                    line,
                    {
                        "kind": "楼栋",
                        "code": f"{code}-B{n}",
                        "name": f"{estate}{n}栋",
                        "grid": code,
                        "road": f"{code}-R1" if n < 3 else "",
                        "address": f"{road}{n * 2}号",
                        "households": str(rng.randint(24, 160)),
                    },
                )
            )
            line += 1
    branches: list[dict[str, str]] = []
    assignments: list[tuple[str, AssignmentKind, str | None, str | None, int]] = []
    departments = [
        s["username"]
        for s in district["staff"]
        if s["role"] == "unit_handler" and s["unit"].startswith("DEP0")
    ]
    by_community: dict[str, list[str]] = {}
    for grid in grids:
        by_community.setdefault(grid["parent"], []).append(grid["code"])
    for c, (community, name) in enumerate(communities.items()):
        staff = f"{community.lower()}.staff"
        branches.append(
            {
                "community": community,
                "name": f"{name}第一党支部",
                "place": f"{name}中心小区",
                "secretary": staff,
            }
        )
        weak = community[:3] in WEAK_STREETS
        codes = by_community.get(community, [])
        worker = f"{community.lower()}g01.staff"
        for n, grid_code in enumerate(codes):
            # A grid left without coverers: now and then everywhere, often in the weak streets.
            if rng.random() < (0.35 if weak else 0.06):
                continue
            if n == 0:
                # 网格员 walk their own grid's road (and so its two buildings) and third building.
                person, kind, days = worker, AssignmentKind.GRID_WORKER, 14
            else:
                # 党员包楼: the community's staff member, a branch member, takes the other grids
                # (the demo has one grid worker per community; a district has one per grid).
                person, kind, days = staff, AssignmentKind.PARTY_MEMBER, 30
            assignments.append((person, kind, f"{grid_code}-R1", None, days))
            assignments.append((person, kind, None, f"{grid_code}-B3", days))
        # 下沉干部: a department's handler sent down to every third community also takes grid 3's
        # road (a second coverer there: the shorter interval counts).
        if c % 3 == 0 and len(codes) >= 3:
            assignments.append(
                (
                    departments[c % len(departments)],
                    AssignmentKind.CADRE,
                    f"{codes[2]}-R1",
                    None,
                    30,
                )
            )
    # The latest patrol of each covered building: most in time, more overdue in the weak streets.
    patrols = []
    for username, _kind, road_code, building_code, days in assignments:
        if _kind is AssignmentKind.CADRE:
            continue
        weak = (road_code or building_code or "")[:3] in WEAK_STREETS
        for target in (
            [f"{road_code[:-3]}-B1", f"{road_code[:-3]}-B2"] if road_code else [building_code or ""]
        ):
            ago = (
                rng.randint(1, days - 1)
                if rng.random() < (0.6 if weak else 0.93)
                else rng.randint(days + 1, days + 20)
            )
            patrols.append((username, target, ago))
    households = _households(rng, grids)
    return {
        "places": places + households,
        "branches": branches,
        "assignments": assignments,
        "patrols": patrols,
    }


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
GIVEN = (
    "建国",
    "秀英",
    "丽华",
    "志强",
    "美玲",
    "国平",
    "海燕",
    "文军",
    "桂芳",
    "晓东",
    "玉兰",
    "伟",
)


def _households(
    rng: random.Random, grids: list[dict[str, Any]]
) -> list[tuple[int, dict[str, str]]]:
    """A few registered households (联户) in the first building of each community's first grid:
    enough to show the feature; a district imports its own."""
    out: list[tuple[int, dict[str, str]]] = []
    line = 100_000
    for grid in grids:
        if not grid["code"].endswith("G01"):
            continue
        for unit in (1, 2):
            for floor in (3, 5):
                room = f"{unit}单元{floor}0{unit}"
                out.append(
                    (
                        line,
                        {
                            "kind": "住户",
                            "code": f"{grid['code']}-B1-{unit}{floor}0{unit}",
                            "name": room,
                            "building": f"{grid['code']}-B1",
                            "head_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                            "head_phone": f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}",
                            "members": str(rng.randint(1, 6)),
                        },
                    )
                )
                line += 1
    return out


def load_places(
    session: Session, district: dict[str, list[dict[str, Any]]], *, now: datetime
) -> dict[str, int]:
    plan = build_places(district)
    result = import_places(session, plan["places"], actor=None)
    if result.errors:
        raise RuntimeError(f"demo places refused: {result.errors[:3]}")
    admin = actor_for_username(session, "admin")
    branch_ids = {}
    for b in plan["branches"]:
        branch_ids[b["community"]] = add_branch(
            session,
            actor=admin,
            community_code=b["community"],
            name=b["name"],
            place=b["place"],
            secretary=b["secretary"],
        ).id
    # A district's worth of assignments goes in at once (as its patrols do): the services'
    # checks are the place file's and the branches', which went through them above.
    roads = dict(session.execute(select(Road.code, Road.id)).all())
    building_ids = dict(session.execute(select(Building.code, Building.id)).all())
    people = dict(
        session.execute(
            select(Staff.username, Staff.id).where(
                Staff.username.in_({a[0] for a in plan["assignments"]})
            )
        ).all()
    )
    load_assignments(
        session,
        [
            (
                people[username],
                kind,
                roads[road] if road else None,
                building_ids[building] if building else None,
                branch_ids[(road or building or "")[:6]]
                if kind is AssignmentKind.PARTY_MEMBER
                else None,
                days,
                now - timedelta(days=60),
            )
            for username, kind, road, building, days in plan["assignments"]
        ],
    )
    codes = {p[1] for p in plan["patrols"]}
    ids = dict(
        session.execute(select(Building.code, Building.id).where(Building.code.in_(codes))).all()
    )
    staff_ids = dict(
        session.execute(
            select(Staff.username, Staff.id).where(
                Staff.username.in_({p[0] for p in plan["patrols"]})
            )
        ).all()
    )
    load_patrols(
        session,
        [
            (staff_ids[u], ids[code], now - timedelta(days=ago), None)
            for u, code, ago in plan["patrols"]
        ],
    )
    return {
        "roads": sum(1 for _, p in plan["places"] if p["kind"] == "道路"),
        "buildings": sum(1 for _, p in plan["places"] if p["kind"] == "楼栋"),
        "households": sum(1 for _, p in plan["places"] if p["kind"] == "住户"),
        "patrols": len(plan["patrols"]),
    }
