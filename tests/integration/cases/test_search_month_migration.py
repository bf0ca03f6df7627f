"""searchmonth0001 on both backends: on PostgreSQL its back-fill gives every search index row
its case's month term (in both columns, as `cases.search.index_docs` writes them) and its
downgrade takes them out; on SQLite it changes nothing. A search answers the same either way."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text

from conftest import demo_database_url, drop_database
from factories import TZ, appeal_payload
from migration_history import downgrade
from minyi.bootstrap import migrate
from minyi.cases.models import Case
from minyi.cases.queries import CaseFilter, page_cases
from minyi.cases.search_terms import MONTH_MARK, month_term
from minyi.core.db import Database
from minyi.core.ids import IdAllocator
from minyi.intake.refs import RefCache
from minyi.intake.schemas import AppealIn
from minyi.intake.service import register_appeals
from minyi.org.service import actor_for_username
from minyi.wiring import build_registry

BEFORE = "unitdue0001"


def _months(db: Database) -> dict[int, tuple[list[str], list[str]]]:
    """Each case's month terms in its index row: (the text's, the name and address's)."""
    with db.reading() as session:
        rows = session.execute(
            text(
                "SELECT case_id,"
                " ARRAY(SELECT t FROM unnest(tsvector_to_array(terms)) AS t WHERE t LIKE '\\_m%'),"
                " ARRAY(SELECT t FROM unnest(tsvector_to_array(private_terms)) AS t"
                " WHERE t LIKE '\\_m%') FROM case_search"
            )
        ).all()
    return {int(i): (sorted(a), sorted(b)) for i, a, b in rows}


def _found(db: Database, q: str) -> list[int]:
    with db.reading() as session:
        actor = actor_for_username(session, "dispatcher")
        page = page_cases(session, actor, CaseFilter(q=q), cursor=None, size=50)
    return [c.id for c, _ in page.rows]


def test_the_back_fill_gives_every_row_its_month(backend: str, tmp_path: Path) -> None:
    url = demo_database_url(backend, tmp_path)
    db = Database(url, registry=build_registry())
    try:
        # Two months, and a case registered early on a month's first day in Beijing: the month
        # before in UTC.
        at = ("2026-09-14T10:00:00+08:00", "2026-11-01T07:30:00+08:00", "2026-11-02T09:00:00+08:00")
        items = [
            AppealIn.model_validate(
                appeal_payload(title="桂花树倒了", body="压到了车", submitted_at=when)
            )
            for when in at
        ]
        ids = IdAllocator(db, "appeals", block=len(items)).take(len(items))
        with db.unit_of_work() as session:
            clerk = actor_for_username(session, "clerk")
            now = max(item.submitted_at for item in items if item.submitted_at)
            register_appeals(
                session, items, actors=[clerk] * 3, ids=ids, refs=RefCache(), now=now, tz=TZ
            )
            registered = {i: at for i, at in session.execute(select(Case.id, Case.registered_at))}
        found = _found(db, "桂花树")
        assert sorted(found) == sorted(ids)
        expected = {i: ([month_term(at)], [month_term(at)]) for i, at in registered.items()}
        assert month_term(registered[ids[1]]) == "_m202610"

        downgrade(db, BEFORE)
        if backend == "postgres":
            months = _months(db)
            assert len(months) == len(registered)
            assert all(m == ([], []) for m in months.values())
        assert _found(db, "桂花树") == found

        migrate(db)
        if backend == "postgres":
            assert _months(db) == expected
            with db.reading() as session:
                # The SQL the migration and the rank compute is month_term's.
                marks = session.scalar(
                    text("SELECT count(*) FROM case_search WHERE terms::text LIKE :m"),
                    {"m": f"%'{MONTH_MARK}%"},
                )
            assert marks == len(registered)
        assert _found(db, "桂花树") == found
    finally:
        db.dispose()
        drop_database(url)
