"""`minyi bench coverage`: the coverage page and map at the scale of a real district.

The demo district (10 streets, 700 grids) gets BUILDINGS buildings on three roads per grid,
most of them covered by someone (by road or building), and a year of patrols (each covered
building visited about every interval); then the coverage page, its map (SVG) and the API's
list are fetched through the app as the district's administrator, and timed."""

from __future__ import annotations

import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from minyi.app import create_app
from minyi.bench.intake import fresh_database
from minyi.bootstrap import DEMO_PASSWORD, load_demo, migrate
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.core.settings import Settings
from minyi.grassroots.models import Assignment, Building, Road
from minyi.grassroots.service import load_patrols
from minyi.org.models import Staff, Unit
from minyi.wiring import build_registry

NOW = datetime(2026, 11, 20, 1, tzinfo=UTC)
CHUNK = 20_000


@dataclass
class CoverageReport:
    db: str
    buildings: int = 0
    patrols: int = 0
    fill_s: float = 0.0
    timings_ms: dict[str, list[float]] = field(default_factory=dict)

    def median(self, name: str) -> float:
        return statistics.median(self.timings_ms[name])


def _fill(
    db: Database, buildings: int, patrol_days: int, say: Callable[[str], None]
) -> tuple[int, int]:
    rng = random.Random(16)
    with db.unit_of_work() as session:
        grids = session.execute(
            select(Unit.id, Unit.code, Unit.parent_id)
            .where(Unit.kind == "grid")
            .order_by(Unit.code)
        ).all()
        staff_of = dict(
            session.execute(select(Staff.unit_id, func.min(Staff.id)).group_by(Staff.unit_id)).all()
        )
        base_b = session.scalar(select(func.count()).select_from(Building)) or 0
        per_grid = max(1, -(-(buildings - base_b) // len(grids)))
        roads, rows = [], []
        for gid, code, _ in grids:
            for r in range(3):
                roads.append(
                    {
                        "code": f"{code}-BR{r}",
                        "name": f"测试路{r + 1}",
                        "grid_id": gid,
                        "is_active": True,
                    }
                )
        session.execute(insert(Road), roads)
        road_ids = dict(
            session.execute(select(Road.code, Road.id).where(Road.code.like("%-BR%"))).all()
        )
        for gid, code, _ in grids:
            for n in range(per_grid):
                rows.append(
                    {
                        "code": f"{code}-BB{n}",
                        "name": f"测试楼{n + 1}栋",
                        "grid_id": gid,
                        "road_id": road_ids[f"{code}-BR{n % 3}"],
                        "address": None,
                        "households": 60,
                        "is_active": True,
                    }
                )
        for i in range(0, len(rows), CHUNK):
            session.execute(insert(Building), rows[i : i + CHUNK])
        say(f"{len(rows) + base_b} buildings")
        # Two roads of three covered by the community's staff (every 30 days): about two thirds covered.
        assignments: list[dict[str, Any]] = []
        for gid, code, parent in grids:
            staff = staff_of.get(gid) or staff_of.get(parent or 0)
            if staff is None:
                continue
            for r in (0, 1):
                assignments.append(
                    {
                        "staff_id": int(staff),
                        "kind": "party_member",
                        "road_id": road_ids[f"{code}-BR{r}"],
                        "building_id": None,
                        "branch_id": None,
                        "visit_days": 30,
                        "assigned_at": NOW - timedelta(days=400),
                    }
                )
        session.execute(insert(Assignment), assignments)
        covered = session.execute(
            select(Building.id, Building.road_id).where(Building.code.like("%-BB%"))
        ).all()
        covered_roads = {a["road_id"] for a in assignments}
        patrol_rows: list[tuple[int, int, datetime, str | None]] = []
        patroller = int(assignments[0]["staff_id"])
        for bid, rid in covered:
            if rid not in covered_roads:
                continue
            day = rng.randint(0, 40)
            while day < patrol_days:
                patrol_rows.append(
                    (patroller, bid, NOW - timedelta(days=day, hours=rng.randint(0, 10)), None)
                )
                day += rng.randint(20, 40)
    total = 0
    for i in range(0, len(patrol_rows), CHUNK):
        with db.unit_of_work() as session:
            total += load_patrols(session, patrol_rows[i : i + CHUNK])
        say(f"{total} patrols")
    return len(rows) + base_b, total


def _signed_in(client: TestClient, username: str) -> None:
    page = client.get("/console/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = client.post(
        "/console/sign-in",
        data={"csrf_token": token.group(1), "username": username, "password": DEMO_PASSWORD},
        follow_redirects=False,
    )
    if r.status_code != 303:
        raise RuntimeError(f"sign-in failed: {r.status_code}")


def run_coverage_bench(
    db_kind: str, buildings: int, patrol_days: int, repeats: int, say: Callable[[str], None]
) -> CoverageReport:
    report = CoverageReport(db_kind)
    with tempfile.TemporaryDirectory() as tmp, fresh_database(db_kind, Path(tmp)) as url:
        db = Database(url, registry=build_registry())
        try:
            migrate(db)
            started = time.monotonic()
            load_demo(db, now=NOW)
            report.buildings, report.patrols = _fill(db, buildings, patrol_days, say)
            report.fill_s = time.monotonic() - started
            settings = Settings(
                environment="test",
                database_url=url,
                data_dir=Path(tmp) / "data",
                load_demo_if_empty=False,
            )
            with TestClient(create_app(settings, clock=ManualClock(NOW))) as client:
                _signed_in(client, "admin")
                token = client.post(
                    "/api/v1/auth/token", data={"username": "admin", "password": DEMO_PASSWORD}
                ).json()["access_token"]
                api = {"Authorization": f"Bearer {token}"}
                targets = {
                    "page /console/grassroots": ("/console/grassroots", {}),
                    "map /console/grassroots/map.svg": ("/console/grassroots/map.svg", {}),
                    "street page ?area=S01": ("/console/grassroots?area=S01", {}),
                    "API coverage (gaps, 50)": ("/api/v1/grassroots/coverage?gaps=true", api),
                }
                for name, (path, headers) in targets.items():
                    client.get(path, headers=headers)  # warm-up
                    times = []
                    for _ in range(repeats):
                        t = time.perf_counter()
                        r = client.get(path, headers=headers)
                        times.append((time.perf_counter() - t) * 1000)
                        if r.status_code != 200:
                            raise RuntimeError(f"{path}: {r.status_code}")
                    report.timings_ms[name] = times
        finally:
            db.dispose()
    return report
