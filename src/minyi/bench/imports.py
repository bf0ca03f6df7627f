"""`minyi bench import`: bulk import and export speed on a fresh demo database.

It writes a CSV of N historical cases (a realistic mix of final and open states over two
years), imports it (checking every row, registering through intake, applying the history),
imports it again (the idempotent pass finds every case), and exports all the cases to CSV and
to .xlsx; each step is timed and reported in rows per second.
"""

from __future__ import annotations

import csv
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from minyi.bench.intake import fresh_database
from minyi.bootstrap import load_demo, migrate
from minyi.cases.queries import CaseFilter
from minyi.core.db import Database
from minyi.integrations.case_export import COLUMNS, export_rows
from minyi.integrations.case_import import import_cases, load_mapping
from minyi.integrations.tabular import read_rows, write_csv, write_xlsx
from minyi.org.service import actor_for_username
from minyi.wiring import build_registry

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
STATUSES = ["archived"] * 6 + ["replied"] * 2 + ["in_progress", "registered"]


@dataclass
class ImportBench:
    db: str
    rows: int
    seconds: dict[str, float] = field(default_factory=dict)
    created: int = 0
    existing: int = 0

    def rate(self, step: str) -> float:
        return self.rows / self.seconds[step] if self.seconds.get(step) else 0.0


def _write_history(path: Path, n: int) -> None:
    rng = random.Random(20261121)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "external_id",
                "channel",
                "registered_at",
                "status",
                "closed_at",
                "title",
                "body",
                "phone",
                "name",
                "street",
                "lead_unit",
                "reply_text",
            ]
        )
        for i in range(n):
            registered = NOW - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
            status = rng.choice(STATUSES)
            closed = (
                registered + timedelta(days=rng.randrange(1, 20))
                if status in ("archived", "replied")
                else None
            )
            writer.writerow(
                [
                    f"hist-{i:08d}",
                    "hotline_12345",
                    registered.astimezone(TZ).isoformat(),
                    status,
                    closed.astimezone(TZ).isoformat() if closed else "",
                    f"历史诉求{i}",
                    f"第{i}号历史诉求：小区路灯损坏，晚上出行不便。",
                    f"139{i:08d}",
                    "程先生",
                    f"S{rng.randrange(1, 11):02d}",
                    f"DEP{rng.randrange(1, 20):02d}" if status != "registered" else "",
                    "已处理" if closed else "",
                ]
            )


def run_import_bench(
    db_kind: str, rows: int, start: Callable[[str, int], Callable[[int], None]]
) -> ImportBench:
    report = ImportBench(db_kind, rows)
    with tempfile.TemporaryDirectory() as tmp, fresh_database(db_kind, Path(tmp)) as url:
        db = Database(url, registry=build_registry())
        try:
            migrate(db)
            load_demo(db, now=NOW - timedelta(days=800))
            path = Path(tmp) / "history.csv"
            _write_history(path, rows)
            for step in ("import", "re-import"):
                advance = start(step, rows)
                began = time.perf_counter()
                _, table = read_rows(path)
                with db.unit_of_work() as session:
                    result = import_cases(
                        session,
                        table,
                        mapping=load_mapping(None),
                        actor=actor_for_username(session, "admin"),
                        source=path.name,
                        now=NOW,
                        tz=TZ,
                        progress=advance,
                    )
                report.seconds[step] = time.perf_counter() - began
                if step == "import":
                    report.created = result.created
                else:
                    report.existing = result.existing
            for fmt in ("csv", "xlsx"):
                advance = start(f"export {fmt}", rows)
                began = time.perf_counter()
                with db.reading() as session:
                    actor = actor_for_username(session, "dispatcher")
                    data = list(export_rows(session, actor, CaseFilter(), tz=TZ))
                advance(len(data))
                out = (
                    b"".join(write_csv(COLUMNS, data))
                    if fmt == "csv"
                    else write_xlsx(COLUMNS, data)
                )
                (Path(tmp) / f"out.{fmt}").write_bytes(out)
                report.seconds[f"export {fmt}"] = time.perf_counter() - began
        finally:
            db.dispose()
    return report
