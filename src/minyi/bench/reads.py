"""`minyi bench reads`: the reads staff make all day, timed on a large synthetic history: the
case list (first page and page 500), a unit handler's scoped list, search (a two-character word,
a word no case holds, a word in 0.17 % of the cases, a full tracking number) through the search
index and through the old substring scan (the index's on the path people use: the first page by cursor, its count capped;
the old scan's by OFFSET, counted to the cap), the web inbox's search, the unit head's board and the backlog (积案); then every
board and dashboard of every role (bench/reads_roles.py), at the query level the page uses.

The history is `minyi bench analytics`'s (`bench/analytics._fill`: appeals over `days` days with
a weekday rhythm, bursts, 92 % replied); the search index is then back-filled as the migration
`ftsearch0001` does, and that back-fill is timed too. `--reuse URL` times a database built
before (its missing index rows are back-filled first); `--keep URL` builds into a database that
is kept for that.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, inspect, make_url, select, text
from sqlalchemy.orm import Session

from minyi.analytics.hotspot_passes import compute_hotspots
from minyi.analytics.rollups import rebuild_area_rollup
from minyi.analytics.rules import BEIJING
from minyi.analytics.unit_rollup import rebuild_unit_rollup
from minyi.app import tune_garbage_collector
from minyi.bench.analytics import END_DAY, _fill
from minyi.bench.intake import fresh_database
from minyi.bench.reads_copies import copy_history
from minyi.bench.reads_roles import READERS, role_reads
from minyi.bootstrap import load_demo, migrate
from minyi.cases.models import Appeal, Case
from minyi.cases.queries import CaseFilter, list_cases, page_cases
from minyi.cases.rules import OPEN, WORKING, CaseStatus
from minyi.cases.search import TABLE, backfill
from minyi.core.db import Database
from minyi.escalation.queries import backlog
from minyi.org.rules import Actor
from minyi.org.service import actor_for_username
from minyi.sla.queries import urgency_order
from minyi.web.mount import register_panels
from minyi.wiring import build_registry

NOW = datetime(END_DAY.year, END_DAY.month, END_DAY.day, 18, tzinfo=BEIJING).astimezone(UTC)
WORD = "路灯"  # one matter in twelve of the history
NO_HITS = "火箭"
RARE = "桂花"  # a word of 172 cases of the 100k history (0.17 %, an estate name's)
INBOX_WORD = "噪音"


@dataclass
class ReadsReport:
    db: str
    appeals: int
    fill_seconds: float = 0.0
    backfill_seconds: float = 0.0
    indexed: int = 0
    timings_ms: dict[str, list[float]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)

    def p50(self, name: str) -> float:
        return statistics.median(self.timings_ms[name])

    def p95(self, name: str) -> float:
        values = sorted(self.timings_ms[name])
        return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]

    def as_dict(self) -> dict[str, Any]:
        """The figures as `--json` prints them."""
        return {
            "db": self.db,
            "cases": self.appeals,
            "fill_seconds": round(self.fill_seconds, 1),
            "backfill_seconds": round(self.backfill_seconds, 1),
            "indexed": self.indexed,
            "reads": [
                {
                    "read": name,
                    "hits": self.hits[name],
                    "p50_ms": round(self.p50(name), 2),
                    "p95_ms": round(self.p95(name), 2),
                    "runs": len(values),
                }
                for name, values in self.timings_ms.items()
            ],
        }


def _create_if_missing(url: str) -> None:
    """A PostgreSQL database named by `url` is created on its server if it is not there yet."""
    parsed = make_url(url)
    if not parsed.get_backend_name().startswith("postgresql"):
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            found = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
            )
            if not found:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


def _has_history(db: Database) -> bool:
    if not inspect(db.engine).has_table("cases"):
        return False
    with db.reading() as session:
        return session.scalar(select(Case.id).limit(1)) is not None


@contextmanager
def _database(db_kind: str, reuse: str | None, keep: str | None) -> Iterator[tuple[str, bool]]:
    if reuse:
        yield reuse, False
        return
    if keep:  # built here and left for `--reuse` to time again
        _create_if_missing(keep)
        yield keep, True
        return
    with tempfile.TemporaryDirectory() as tmp, fresh_database(db_kind, Path(tmp)) as url:
        yield url, True


def _reads(
    tracking_no: str, phone: str
) -> list[tuple[str, str, Callable[[Session, Actor], tuple[int, Any]]]]:
    """(name, the reader's username, the read): each returns (total, rows)."""

    def cases(f: CaseFilter, *, page: int = 1, size: int = 20, order: Any = None) -> Any:
        def read(s: Session, a: Actor) -> tuple[int, Any]:
            total, rows = list_cases(s, a, f, page=page, page_size=size, order=order)
            return total.value, rows

        return read

    def first_page(f: CaseFilter, *, size: int = 20, order: Any = None) -> Any:
        """The first page as the API, the console's inbox and the CLI read it (by cursor, the
        count capped): a search through the index is timed on this path."""

        def read(s: Session, a: Actor) -> tuple[int, Any]:
            found = page_cases(s, a, f, cursor=None, size=size, order=order)
            assert found.total is not None
            return found.total.value, found.rows

        return read

    def board(s: Session, a: Actor) -> tuple[int, Any]:
        total = 0
        for f in (
            CaseFilter(status=list(WORKING), unit=a.unit_id),
            CaseFilter(status=list(WORKING), unit=a.unit_id, overdue=True),
            CaseFilter(status=[CaseStatus.REPLIED], unit=a.unit_id),
        ):
            n, _ = list_cases(s, a, f, page=1, page_size=50, order=urgency_order())
            total += n.value
        return total, None

    reads: list[tuple[str, str, Callable[[Session, Actor], tuple[int, Any]]]] = [
        ("case list, first page", "dispatcher", cases(CaseFilter())),
        ("case list, page 500", "dispatcher", cases(CaseFilter(), page=500)),
        ("unit handler's list", "dep01.handler", cases(CaseFilter(status=list(OPEN)))),
    ]
    for label, q in (
        (f"search '{WORD}'", WORD),
        (f"search '{NO_HITS}' (no hits)", NO_HITS),
        (f"search '{RARE}' (rare)", RARE),
        ("search a tracking number", tracking_no),
    ):
        for how, index in (("index", True), ("old scan", False)):
            f = CaseFilter(q=q, search_index=index)
            reads.append((f"{label}, {how}", "dispatcher", first_page(f) if index else cases(f)))
    for how, index in (("index", True), ("old scan", False)):
        reads.append(
            (
                f"web inbox search '{INBOX_WORD}', {how}",
                "dispatcher",
                (first_page if index else cases)(
                    CaseFilter(q=INBOX_WORD, search_index=index), size=30, order=urgency_order()
                ),
            )
        )

    def backlog_page(s: Session, a: Actor) -> tuple[int, Any]:
        found = backlog(s, a, now=NOW, min_age_days=30, page=1, page_size=20)
        return found.total.value, found.rows

    reads.append(("unit head's board", "dep01.head", board))
    reads.append(("backlog (积案)", "secretary", backlog_page))
    return reads + role_reads(NOW, phone)


def run_reads_bench(
    db_kind: str,
    appeals: int,
    days: int,
    repeats: int,
    start_task: Callable[[str, int], Callable[[int], None]],
    *,
    reuse: str | None = None,
    keep: str | None = None,
    only: str | None = None,
    skip: str | None = None,
    copies: int = 1,
    seed: int = 20261121,
) -> ReadsReport:
    report = ReadsReport(db=db_kind, appeals=appeals)
    with _database(db_kind, reuse, keep) as (url, fresh):
        db = Database(url)
        if fresh and _has_history(db):  # a kept database built before: only --copies grows it
            fresh = False
        if fresh:
            migrate(db)
            load_demo(db, now=datetime(2026, 11, 20, 1, tzinfo=UTC))
            t0 = time.perf_counter()
            _fill(
                db,
                appeals,
                days,
                random.Random(seed),
                start_task(f"history: {appeals:,} appeals over {days} days", appeals),
            )
            report.fill_seconds = time.perf_counter() - t0
        with db.reading() as session:
            report.appeals = session.scalar(select(func.count()).select_from(Case)) or 0
            missing = report.appeals - (session.scalar(text(f"SELECT count(*) FROM {TABLE}")) or 0)
        t0 = time.perf_counter()
        if missing:
            report.indexed = backfill(
                db.unit_of_work, batch=5000, step=start_task("search index back-fill", missing)
            )
        report.backfill_seconds = time.perf_counter() - t0
        if copies > 1:
            t0 = time.perf_counter()
            report.appeals += copy_history(
                db,
                copies,
                start_task(
                    f"history copied {copies - 1} more times", (copies - 1) * report.appeals
                ),
            )
            report.fill_seconds += time.perf_counter() - t0
        if fresh or copies > 1:
            # The history went in by bulk INSERTs, past the session's day marks: the area
            # and unit roll-ups are made again from the cases, as the migrations make them.
            with db.unit_of_work() as session:
                rebuild_area_rollup(session, now=datetime.now(UTC))
                rebuild_unit_rollup(session, now=datetime.now(UTC))
        # The pages read the worker's stored hotspot pass: stored once for the bench's day, as
        # the worker would have (its cost is the "job: hotspot pass" row).
        with db.unit_of_work() as session:
            compute_hotspots(session, now=NOW)
        # As autovacuum would after a bulk load: fresh statistics and, on PostgreSQL, the GIN
        # indexes' pending lists merged (each search would otherwise read them through).
        # SQLite has no autovacuum and the app never runs ANALYZE there, so its planner works
        # without statistics, and so do the reads timed here (the ANALYZE this ran on SQLite
        # before went into the engine's BEGIN IMMEDIATE and was rolled back at close: the
        # figures before and after this change are of the same planner; docs/scaling.md §3o).
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.exec_driver_sql("VACUUM ANALYZE")
        with db.reading() as session:
            middle = session.execute(
                select(Case.tracking_no, Appeal.phone)
                .join(Appeal, Appeal.id == Case.appeal_id)
                .order_by(Case.id)
                .offset(report.appeals // 2)
                .limit(1)
            ).first()
            tracking_no, phone = middle if middle else ("", "")
            actors = {
                name: actor_for_username(session, name)
                for name in {"dep01.handler", "dep01.head", *READERS.values()}
            }
        reads = [
            r
            for r in _reads(tracking_no, phone or "")
            if (not only or only in r[0]) and not (skip and skip in r[0])
        ]
        # The pages' panels (triage queue, approvals, hotspots, the daily report) come from the
        # registry the web app fills at start-up; the reads get the same one.
        registry = build_registry()
        register_panels(registry)
        db = db.with_registry(registry)
        # The reads run in a heap like the server's: start-up's objects frozen and young ones
        # collected rarely (`tune_garbage_collector`, as `create_app` does). Without it a full
        # collection of the bench's own heap (the hotspot pass just stored, 130-330 ms at 10M)
        # fell inside one of five timed reads of a page: a p95 of 300-600 ms on the whistles
        # page, before and after any change to it, that no server would show.
        tune_garbage_collector()
        tick = start_task("timed reads", repeats * len(reads))
        for name, reader, read in reads:
            for n in range(repeats + 1):
                with db.reading() as session:
                    t0 = time.perf_counter()
                    total, _ = read(session, actors[reader])
                    elapsed = (time.perf_counter() - t0) * 1000
                if n == 0:  # a warm-up, not counted: the first read loads the pages
                    report.hits[name] = total
                    continue
                report.timings_ms.setdefault(name, []).append(elapsed)
                tick(1)
        db.dispose()
    return report
