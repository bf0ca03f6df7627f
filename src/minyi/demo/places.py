"""The demo district's places below the grid and who covers them (党建覆盖): a road and three
buildings per grid, a party branch per community, coverers and a first round of patrols.

`build_places(district, seed)` is pure and deterministic; `load_places` writes it through the
grassroots services, so the demo exercises the same checks as a district's own file."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.grassroots.models import Building
from minyi.grassroots.rules import AssignmentKind
from minyi.grassroots.service import add_branch, assign, import_places, load_patrols
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
        # 网格员 walk their own grid's road (and so its two buildings on it) and the third building.
        worker = f"{community.lower()}g01.staff"
        assignments.append((worker, AssignmentKind.GRID_WORKER, f"{community}G01-R1", None, 14))
        assignments.append((worker, AssignmentKind.GRID_WORKER, None, f"{community}G01-B3", 14))
        # 党员包楼: the community's staff member, a branch member, takes two buildings of grid 2.
        assignments.append((staff, AssignmentKind.PARTY_MEMBER, None, f"{community}G02-B1", 30))
        assignments.append((staff, AssignmentKind.PARTY_MEMBER, None, f"{community}G02-B2", 30))
        # 下沉干部: a department's handler sent down to every third community takes grid 3's road.
        if c % 3 == 0:
            assignments.append(
                (
                    departments[c % len(departments)],
                    AssignmentKind.CADRE,
                    f"{community}G03-R1",
                    None,
                    30,
                )
            )
    # A first round of patrols: most covered buildings visited in time, some overdue.
    patrols = []
    for username, _kind, road_code, building_code, days in assignments:
        for target in (
            [f"{road_code[:-3]}-B1", f"{road_code[:-3]}-B2"] if road_code else [building_code or ""]
        ):
            ago = (
                rng.randint(1, days - 1)
                if rng.random() < 0.75
                else rng.randint(days + 1, days + 20)
            )
            patrols.append((username, target, ago))
    return {"places": places, "branches": branches, "assignments": assignments, "patrols": patrols}


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
    for username, kind, road, building, days in plan["assignments"]:
        community = (road or building)[:6]
        assign(
            session,
            actor=admin,
            username=username,
            kind=kind,
            road_code=road,
            building_code=building,
            branch_id=branch_ids[community] if kind is AssignmentKind.PARTY_MEMBER else None,
            visit_days=days,
            now=now - timedelta(days=60),
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
        "patrols": len(plan["patrols"]),
    }
