"""`minyi bench reports`: a fresh database per backend filled with a synthetic three-year
history (bench/report_history.py), then the daily report of its last day timed: the snapshot
plus the page (what GET .html costs when an issue is made), and the PDF, as medians of repeats."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from weasyprint import HTML

from minyi.bench.intake import fresh_database
from minyi.bench.report_history import TZ, generate, load_district
from minyi.bootstrap import load_demo, migrate
from minyi.cases.models import Case
from minyi.core.db import Database
from minyi.core.pdf import forget as forget_pdfs
from minyi.reports.render import render_html, render_pdf
from minyi.reports.rules import ReportKind
from minyi.reports.service import issue_daily_report
from minyi.reports.snapshot import build_snapshot
from minyi.wiring import build_registry

END = date(2026, 11, 20)


@dataclass
class ReportBench:
    db: str
    appeals: int
    generate_s: float = 0.0
    rows_per_s: float = 0.0
    html_ms: list[float] = field(default_factory=list)
    pdf_ms: list[float] = field(default_factory=list)
    issue_ms: float = 0.0
    pdf_pages: int = 0
    pdf_bytes: int = 0
    received: int = 0

    @property
    def html_median(self) -> float:
        return statistics.median(self.html_ms)

    @property
    def pdf_median(self) -> float:
        return statistics.median(self.pdf_ms)


def run_reports_bench(
    db: str,
    appeals: int,
    repeats: int,
    start: Callable[[str, int], Callable[[int], None]],
    out_dir: Path | None = None,
) -> ReportBench:
    result = ReportBench(db, appeals)
    now = datetime.combine(END + timedelta(days=1), datetime.min.time(), tzinfo=TZ) + timedelta(
        hours=8
    )
    with tempfile.TemporaryDirectory() as tmp, fresh_database(db, Path(tmp)) as url:
        database = Database(url, registry=build_registry())
        try:
            migrate(database)
            load_demo(database, now=now - timedelta(days=3 * 365 + 2))
            with database.reading() as session:
                district = load_district(session)
            step = start(f"generating {appeals:,} appeals ({db})", appeals)
            t0 = time.perf_counter()
            generate(database.engine, district, appeals, END, step)
            result.generate_s = time.perf_counter() - t0
            result.rows_per_s = appeals / result.generate_s
            step = start(f"daily report of {END} x{repeats} ({db})", repeats)
            for n in range(repeats + 1):  # the first run warms caches and fonts, not counted
                t0 = time.perf_counter()
                with database.reading() as session:
                    snapshot = build_snapshot(
                        session, kind=ReportKind.DAILY, day=END, tz=TZ, now=now
                    )
                render_html(snapshot | {"number": 1}, number=1, issued_at=now, tz=TZ)
                html_ms = (time.perf_counter() - t0) * 1000
                # Each run renders: the same page is otherwise served from core.pdf's memory.
                forget_pdfs()
                t0 = time.perf_counter()
                pdf = render_pdf(
                    render_html(
                        snapshot | {"number": 1}, number=1, issued_at=now, tz=TZ, show_keys=False
                    )
                )
                pdf_ms = (time.perf_counter() - t0) * 1000
                if n:
                    result.html_ms.append(html_ms)
                    result.pdf_ms.append(pdf_ms)
                    step(1)
            result.received = snapshot["sections"][0]["data"]["received"]
            result.pdf_bytes = len(pdf)
            printed = render_html(
                snapshot | {"number": 1}, number=1, issued_at=now, tz=TZ, show_keys=False
            )
            result.pdf_pages = len(HTML(string=printed).render().pages)
            forget_pdfs()
            t0 = time.perf_counter()
            with database.unit_of_work() as session:
                issued = issue_daily_report(session, day=END, now=now, tz=TZ, issued_by="bench")
                if out_dir is not None:
                    out_dir.mkdir(parents=True, exist_ok=True)
                    (out_dir / f"daily-{db}.html").write_text(issued.html, encoding="utf-8")
                    (out_dir / f"daily-{db}.pdf").write_bytes(issued.pdf)
            result.issue_ms = (time.perf_counter() - t0) * 1000
            with database.reading() as session:
                assert session.scalar(select(func.count()).select_from(Case)) == appeals
        finally:
            database.dispose()
    return result
