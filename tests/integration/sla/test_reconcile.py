"""`minyi db reconcile` and the worker's job (sla/reconcile.py) put right the derived columns an
app from before their migrations leaves stale while it still serves: `cases.next_due_at` and
`case_units.case_status`, corrupted here directly in SQL. Exactly those rows are repaired, the
summary counts them per column, and every other row is left as it was; on both backends."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text, update

from cli_harness import minyi_env, run_cli
from conftest import START, demo_database_url, drop_database
from minyi.bench.analytics import _fill
from minyi.cases.models import Case, CaseUnit
from minyi.cases.search import backfill
from minyi.core.db import Database, is_postgres
from minyi.core.ids import Counter
from minyi.org.models import Unit
from minyi.sla.reconcile import CURSOR, reconcile_job
from minyi.wiring import build_registry


@pytest.fixture
def history(backend: str, tmp_path: Path) -> Iterator[Database]:
    url = demo_database_url(backend, tmp_path)
    db = Database(url, registry=build_registry())
    _fill(db, 120, 30, random.Random(5), lambda _: None)
    yield db
    db.dispose()
    drop_database(url)


def _derived(db: Database) -> dict[str, Any]:
    with db.reading() as session:
        return {
            "next_due": dict(session.execute(select(Case.id, Case.next_due_at)).all()),
            "status": dict(session.execute(select(CaseUnit.id, CaseUnit.case_status)).all()),
            "copy": dict(session.execute(select(CaseUnit.id, CaseUnit.next_due_at)).all()),
        }


def _corrupt(db: Database) -> tuple[int, int, int]:
    """Stale values as an old app would leave them, spread over the id range; returns how many
    next_due_at, case_status and copied next_due_at values were changed (a copy is stale where
    its case's column is made stale, too: the repair puts the column right first)."""
    with db.unit_of_work() as session:
        due = session.execute(select(Case.id, Case.next_due_at).order_by(Case.id)).all()
        with_due = [i for i, at in due if at is not None]
        without = [i for i, at in due if at is None]
        units = list(
            session.scalars(
                select(CaseUnit.id).where(CaseUnit.case_status != "archived").order_by(CaseUnit.id)
            )
        )
        cleared, moved, flipped = with_due[::3][:4], without[::10][:2], units[::20][:5]
        session.execute(update(Case).where(Case.id.in_(cleared)).values(next_due_at=None))
        session.execute(
            update(Case).where(Case.id.in_(moved)).values(next_due_at=START + timedelta(days=3))
        )
        session.execute(
            update(CaseUnit).where(CaseUnit.id.in_(flipped)).values(case_status="archived")
        )
        copies = session.execute(
            select(CaseUnit.id, CaseUnit.case_id, CaseUnit.next_due_at).order_by(CaseUnit.id)
        ).all()
        skewed = [i for i, case_id, at in copies[1::7][:6] if case_id not in cleared + moved]
        session.execute(
            update(CaseUnit)
            .where(CaseUnit.id.in_(skewed))
            .values(next_due_at=START + timedelta(days=9))
        )
    assert cleared and moved and flipped and skewed
    return len(cleared) + len(moved), len(flipped), len(skewed)


def _reconcile(db: Database, tmp_path: Path, *args: str) -> str:
    url = db.engine.url.render_as_string(hide_password=False)
    result = run_cli(["db", "reconcile", *args], env=minyi_env(url, tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return lines[0]


def _counts(line: str) -> tuple[int, int, int]:
    parts = dict(p.rsplit(" ", 1) for p in line.split(": ", 1)[1].split(" (")[0].split(", "))
    return (
        int(parts["cases.next_due_at"]),
        int(parts["case_units.case_status"]),
        int(parts["case_units.next_due_at"]),
    )


def test_the_command_repairs_exactly_the_stale_rows(history: Database, tmp_path: Path) -> None:
    # The history as the current code writes it: nothing to repair, nothing touched.
    assert _counts(_reconcile(history, tmp_path)) == (0, 0, 0)
    good = _derived(history)
    assert sum(at is not None for at in good["next_due"].values()) >= 5
    stale = _corrupt(history)
    corrupted = _derived(history)
    assert corrupted != good
    line = _reconcile(history, tmp_path, "--window", "7")
    assert _counts(line) == stale
    assert line.startswith("repaired rows: cases.next_due_at ")
    assert _derived(history) == good


def test_the_job_walks_from_its_cursor_and_starts_over(history: Database) -> None:
    def run(windows: int) -> int:
        with history.unit_of_work() as session:
            return reconcile_job(session, windows=windows, size=9)

    assert run(100_000) == 0  # every case once, nothing stale; the cursor back at 0
    good = _derived(history)
    stale = _corrupt(history)
    with history.reading() as session:
        cases = len(session.scalars(select(Case.id)).all())
    repaired, runs = 0, 0
    while True:
        repaired += run(2)
        runs += 1
        with history.reading() as session:
            cursor = session.get(Counter, CURSOR)
            assert cursor is not None
            if cursor.value == 0:
                break
    assert runs == -(-cases // 18) or runs == -(-cases // 18) + 1
    assert repaired == sum(stale)
    assert _derived(history) == good


def test_an_old_apps_unit_row_goes_in_and_is_repaired(history: Database, tmp_path: Path) -> None:
    """A dispatch by an app from before unitstatus0001 names no case_status: the column's
    default (unitdefault0001) lets the row in, and the reconcile gives it the case's status."""
    with history.unit_of_work() as session:
        case_id, status = session.execute(
            select(Case.id, Case.status).where(Case.status != "registered").limit(1)
        ).one()
        taken = select(CaseUnit.unit_id).where(CaseUnit.case_id == case_id)
        unit_id = session.scalar(select(Unit.id).where(Unit.id.not_in(taken)).limit(1))
        # The columns that app's CaseUnit has, and no more; but `registered_at`, NOT NULL with no
        # default since unitdue0001, whose upgrade stops the old writers (deployment.md §2).
        registered = session.scalar(select(Case.registered_at).where(Case.id == case_id))
        session.execute(
            insert(CaseUnit.__table__).values(
                case_id=case_id,
                unit_id=unit_id,
                role="co",
                assigned_at=START,
                is_active=True,
                registered_at=registered,
            )
        )
        row = select(CaseUnit.case_status).where(
            CaseUnit.case_id == case_id, CaseUnit.unit_id == unit_id
        )
        assert session.scalar(row) == ""
    assert _counts(_reconcile(history, tmp_path))[:2] == (0, 1)
    with history.reading() as session:
        assert session.scalar(row) == status


def _index_terms(db: Database) -> dict[int, list[str]]:
    with db.reading() as session:
        return {
            case_id: sorted(terms)
            for case_id, terms in session.execute(
                text("SELECT case_id, tsvector_to_array(terms) FROM case_search")
            )
        }


def test_index_rows_without_their_month_term_get_it(
    history: Database, tmp_path: Path, backend: str
) -> None:
    """A case indexed by an app from before searchmonth0001 has no month term, and a rare
    word's windowed read would miss it: the reconcile adds exactly the missing terms."""
    if not is_postgres(history.engine):
        # SQLite's index has no month terms: nothing to repair, and the summary says so.
        assert "case_search month terms 0" in _reconcile(history, tmp_path)
        return
    # The generated history went in past the ORM: indexed here as the search back-fill does.
    assert backfill(history.unit_of_work, batch=50, step=lambda _: None) > 0
    good = _index_terms(history)
    assert good and all(any(t.startswith("_m") for t in terms) for terms in good.values())
    stripped = sorted(good)[::17][:5]
    with history.unit_of_work() as session:
        session.execute(
            text(
                "UPDATE case_search SET terms = ts_delete(terms, ARRAY(SELECT t FROM"
                " unnest(tsvector_to_array(terms)) AS t WHERE t LIKE '\\_m%')),"
                " private_terms = ts_delete(private_terms, ARRAY(SELECT t FROM"
                " unnest(tsvector_to_array(private_terms)) AS t WHERE t LIKE '\\_m%'))"
                " WHERE case_id = ANY(:ids)"
            ),
            {"ids": stripped},
        )
    assert _index_terms(history) != good
    assert "case_search month terms 5" in _reconcile(history, tmp_path, "--window", "7")
    assert _index_terms(history) == good
