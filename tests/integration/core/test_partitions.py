"""Monthly partitions of the history tables (ADR 0008, core/partitions.py): the migration keeps
every row and id, on both databases; on PostgreSQL rows land in their month's partition, the
job makes the coming months once, and the hot reads open only the months they need."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from conftest import START, drop_database, make_settings, new_database_url
from migration_history import database_at, downgrade, is_partitioned, partition_of
from minyi.bench.analytics import _fill
from minyi.bootstrap import load_demo, migrate
from minyi.cases.models import Case, CaseEvent
from minyi.cases.queries import timeline
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.core.partitions import Month, ensure_month, ensure_partitions, months_between
from minyi.core.registry import JobContext
from minyi.sla.models import Clock, ClockFiring
from minyi.wiring import build_registry

BEFORE = "ftsearch0001"
TABLES = {"case_events": "at", "clock_firings": "fired_at"}


def _rows(db: Database) -> dict[str, set[tuple[int, datetime]]]:
    with db.engine.connect() as conn:
        return {
            table: {(r[0], r[1]) for r in conn.execute(text(f"SELECT id, {col} FROM {table}"))}  # noqa: S608 - names of our own tables
            for table, col in TABLES.items()
        }


def _with_firings(db: Database) -> None:
    """The generator writes clocks but no firings: one per clock that warned or breached."""
    with db.unit_of_work() as session:
        rows = [
            {"clock_id": c.id, "kind": kind, "fired_at": at, "worker": "test"}
            for c in session.scalars(select(Clock))
            for kind, at in (("warning", c.warned_at or c.warn_at), ("breach", c.breached_at))
            if at is not None and at < START
        ]
        session.execute(insert(ClockFiring), rows)


def _history(db: Database) -> None:
    """14 months of history, as the generator writes it in the schema before partitioning."""
    load_demo(db, now=START)
    _fill(db, 400, 420, random.Random(7), lambda _: None)
    _with_firings(db)


@pytest.fixture
def history(backend: str, tmp_path: Path) -> Iterator[Database]:
    """A database as it was before partitioning, with 14 months of history, then upgraded."""
    with database_at(backend, tmp_path, BEFORE, _history) as db:
        yield db


class TestMigration:
    def test_keeps_every_row_and_id_and_the_sequences(self, history: Database) -> None:
        before = _rows(history)
        assert len(before["case_events"]) > 200 and len(before["clock_firings"]) > 20
        migrate(history)
        assert _rows(history) == before
        with history.unit_of_work() as session:
            clock_id = session.scalars(select(Clock.id)).first()
            session.execute(
                insert(ClockFiring),
                [{"clock_id": clock_id, "kind": "x", "fired_at": START, "worker": "test"}],
            )
            new_id = session.scalar(select(func.max(ClockFiring.id)))
        assert new_id is not None and new_id > max(i for i, _ in before["clock_firings"])

    def test_downgrade_gives_every_row_back(self, history: Database) -> None:
        before = _rows(history)
        migrate(history)
        downgrade(history, BEFORE)
        assert _rows(history) == before
        if history.engine.dialect.name == "postgresql":
            with history.engine.connect() as conn:
                assert not conn.scalar(text("SELECT count(*) FROM pg_partitioned_table"))

    @pytest.mark.parametrize("backend", ["postgres"])
    def test_postgres_tables_are_partitioned_by_month_and_stay_append_only(
        self, history: Database
    ) -> None:
        before = _rows(history)
        migrate(history)
        with history.engine.connect() as conn:
            for table in TABLES:
                assert is_partitioned(conn, table)
                # Every existing row is in its month's partition, none in DEFAULT.
                assert not conn.scalar(text(f"SELECT count(*) FROM {table}_default"))  # noqa: S608 - names of our own tables
            some_id, some_at = min(before["case_events"])
            assert partition_of(conn, "case_events", some_id) == Month.of(some_at).name(
                "case_events"
            )
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(
                    text("UPDATE case_events SET reason = 'x' WHERE id = :i"), {"i": some_id}
                )


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[Database]:
    url = new_database_url("postgres", tmp_path)
    db = Database(url, registry=build_registry())
    migrate(db)
    yield db
    db.dispose()
    drop_database(url)


def _partitions(conn: Connection, table: str) -> set[str]:
    return set(
        conn.scalars(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = CAST(:t AS regclass)"
            ),
            {"t": table},
        )
    )


class TestPartitionJob:
    @pytest.mark.postgres
    def test_postgres_makes_the_coming_months_once(self, pg: Database, tmp_path: Path) -> None:
        clock = ManualClock(datetime(2031, 5, 10, tzinfo=UTC))
        job = build_registry().jobs["partitions_ahead"]
        settings = make_settings(str(pg.engine.url.render_as_string(hide_password=False)), tmp_path)
        for _ in range(2):
            with pg.unit_of_work() as session:
                job.run(
                    JobContext(session=session, now=clock.now(), settings=settings, clock=clock)
                )
        with pg.engine.connect() as conn:
            for table in TABLES:
                made = _partitions(conn, table)
                wanted = {f"{table}_p2031_{m:02d}" for m in range(5, 9)}
                assert wanted <= made and f"{table}_p2031_09" not in made
                assert len([n for n in made if "_p2031_" in n]) == 4
            # Run again: nothing more to make.
            assert ensure_partitions(conn, clock.now()) == []

    @pytest.mark.postgres
    def test_postgres_a_busy_table_waits_for_the_next_run(
        self, pg: Database, tmp_path: Path
    ) -> None:
        clock = ManualClock(datetime(2032, 3, 10, tzinfo=UTC))
        job = build_registry().jobs["partitions_ahead"]
        settings = make_settings(pg.engine.url.render_as_string(hide_password=False), tmp_path)
        holder = pg.engine.connect()
        holder.execute(text("LOCK TABLE clock_firings IN ACCESS EXCLUSIVE MODE"))
        try:
            with pg.unit_of_work() as session:
                job.run(
                    JobContext(session=session, now=clock.now(), settings=settings, clock=clock)
                )
        finally:
            holder.rollback()
            holder.close()
        with pg.engine.connect() as conn:
            assert "clock_firings_p2032_03" not in _partitions(conn, "clock_firings")
        with pg.unit_of_work() as session:
            job.run(JobContext(session=session, now=clock.now(), settings=settings, clock=clock))
        with pg.engine.connect() as conn:
            assert "clock_firings_p2032_03" in _partitions(conn, "clock_firings")

    @pytest.mark.parametrize("backend", ["sqlite"])
    def test_sqlite_has_nothing_to_make(self, backend: str, tmp_path: Path) -> None:
        url = new_database_url(backend, tmp_path)
        db = Database(url, registry=build_registry())
        migrate(db)
        with db.engine.connect() as conn:
            assert ensure_partitions(conn, START) == []
        db.dispose()


class TestRouting:
    @pytest.mark.postgres
    def test_postgres_rows_land_in_their_month_or_default_until_it_is_made(
        self, pg: Database
    ) -> None:
        load_demo(pg, now=START)
        _fill(pg, 30, 40, random.Random(3), lambda _: None)
        with pg.engine.begin() as conn:
            late = conn.scalar(select(func.max(CaseEvent.id)))
            month = Month(2026, 11)
            # The generator's history (to 19 November 2026) is older than the partitions the
            # migration made: it went to DEFAULT, and making its months moves it out.
            assert partition_of(conn, "case_events", late) == "case_events_default"
            for m in months_between(Month(2026, 10), month):
                ensure_month(conn, "case_events", "at", m)
            assert partition_of(conn, "case_events", late) == month.name("case_events")
            assert not conn.scalar(text("SELECT count(*) FROM case_events_default"))

    @pytest.mark.postgres
    def test_postgres_a_firing_lands_in_the_month_it_fired(self, pg: Database) -> None:
        load_demo(pg, now=START)
        _fill(pg, 200, 30, random.Random(5), lambda _: None)
        now = datetime(2027, 1, 20, 2, tzinfo=UTC)
        with pg.unit_of_work() as session:
            clock_id = session.scalars(select(Clock.id)).first()
            # As the sweep writes them (sla/jobs.py _fire_batch).
            session.execute(
                insert(ClockFiring),
                [{"clock_id": clock_id, "kind": "breach", "fired_at": now, "worker": "test"}],
            )
        with pg.engine.connect() as conn:
            where = set(
                conn.scalars(text("SELECT DISTINCT tableoid::regclass::text FROM clock_firings"))
            )
        assert where == {"clock_firings_p2027_01"}


def _explained(db: Database, run: Any) -> str:
    """The plan PostgreSQL makes for the last statement `run` sends."""
    sent: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        with db.reading() as session:
            run(session)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    statement, parameters = sent[-1]
    with db.engine.connect() as conn:
        return "\n".join(conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars())


def _scanned(plan: str, table: str) -> set[str]:
    return set(re.findall(rf"\b({table}_(?:p\d{{4}}_\d{{2}}|default))\b", plan))


class TestPruning:
    @pytest.fixture
    def months(self, pg: Database) -> Database:
        """Fourteen months of history, each in its month's partition."""
        load_demo(pg, now=START)
        _fill(pg, 300, 420, random.Random(11), lambda _: None)
        with pg.engine.begin() as conn:
            for m in months_between(Month(2025, 9), Month(2026, 11)):
                ensure_month(conn, "case_events", "at", m)
            conn.execute(text("ANALYZE case_events"))
        return pg

    @pytest.mark.postgres
    def test_postgres_a_timeline_opens_the_months_since_registration(
        self, months: Database
    ) -> None:
        with months.reading() as session:
            case = session.scalars(
                select(Case)
                .where(Case.registered_at < datetime(2026, 6, 1, tzinfo=UTC))
                .order_by(Case.registered_at.desc())
            ).first()
            assert case is not None
            case_id, since = case.id, Month.of(case.registered_at)
            assert timeline(session, case_id)
        scanned = _scanned(_explained(months, lambda s: timeline(s, case_id)), "case_events")
        everything = _partitions_of(months, "case_events")
        before = {m.name("case_events") for m in months_between(Month(2025, 9), since)} - {
            since.name("case_events")
        }
        assert since.name("case_events") in scanned
        assert scanned and not scanned & before
        assert scanned < everything

    @pytest.mark.postgres
    def test_postgres_a_day_of_events_opens_one_month(self, months: Database) -> None:
        day = datetime(2026, 8, 12, tzinfo=UTC)

        def read(session: Any) -> None:
            session.execute(
                select(func.count()).where(
                    CaseEvent.action == "feedback",
                    CaseEvent.at >= day,
                    CaseEvent.at < day + timedelta(days=1),
                )
            )

        assert _scanned(_explained(months, read), "case_events") == {"case_events_p2026_08"}


def _partitions_of(db: Database, table: str) -> set[str]:
    with db.engine.connect() as conn:
        return _partitions(conn, table)
