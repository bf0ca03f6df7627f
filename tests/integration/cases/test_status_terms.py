"""A list's status filter as each backend's planner needs it (`cases.models.StatusIn`): the same
cases as the plain `IN` on both backends; on SQLite (no statistics) constants in `likely()` with
the open and unsettled sets beside them, so the lists walk their partial indexes in order
instead of reading a third of the history through `(status, registered_at)` and sorting it
(docs/scaling.md §3o); on PostgreSQL the plain `IN` of bound values it had."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, not_, select
from sqlalchemy.orm import Session

from conftest import START
from factories import dispatched, register_appeal
from minyi.cases.models import Case, CaseUnit, StatusIn
from minyi.cases.queries import CaseFilter, page_cases
from minyi.cases.rules import OPEN, UNSETTLED, WORKING, CaseStatus
from minyi.core.db import Database
from minyi.core.planner_hints import Likely
from minyi.escalation.queries import backlog, list_escalations
from minyi.org.service import actor_for_username
from minyi.sla.queries import urgency_order

SETS = [
    list(OPEN),
    list(UNSETTLED),
    list(WORKING),
    [CaseStatus.REGISTERED],
    [CaseStatus.REPLIED],
    [CaseStatus.ARCHIVED, CaseStatus.REPLIED],
]


def test_the_term_has_a_cache_key_of_its_statuses() -> None:
    """Cached apart per set: on SQLite the statuses are in the statement's text."""
    keys = [select(Case.id).where(StatusIn(Case.status, s))._generate_cache_key() for s in SETS]
    assert all(k is not None for k in keys)
    assert len({k.key for k in keys if k is not None}) == len(SETS)


@pytest.mark.parametrize("statuses", SETS, ids=lambda s: ",".join(x.value for x in s))
def test_the_term_keeps_the_cases_the_plain_in_keeps(
    fresh_demo_db: Database, statuses: list[CaseStatus]
) -> None:
    db = fresh_demo_db
    for i in range(4):
        dispatched(db, now=START + timedelta(minutes=i), lead="DEP25")
    register_appeal(db, now=START + timedelta(minutes=9))
    with db.reading() as session:
        values = [s.value for s in statuses]
        for column in (Case.status, CaseUnit.case_status):
            table = column.class_
            key = table.id if table is Case else table.case_id
            plain = set(session.scalars(select(key).where(column.in_(values))))
            both = set(session.scalars(select(key)))
            assert set(session.scalars(select(key).where(StatusIn(column, statuses)))) == plain
            negated = set(session.scalars(select(key).where(not_(StatusIn(column, statuses)))))
            assert negated == both - plain
            unindexed = StatusIn(column, statuses, lookup=False)
            assert set(session.scalars(select(key).where(unindexed))) == plain
        assert session.scalars(select(Case.status).distinct()).all()  # the history is not empty


@contextmanager
def _statements(db: Database) -> Iterator[list[tuple[str, Any]]]:
    caught: list[tuple[str, Any]] = []

    def hook(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        caught.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", hook)
    try:
        yield caught
    finally:
        event.remove(db.engine, "before_cursor_execute", hook)


def _plans(session: Session, read: Callable[[], Any], db: Database) -> list[tuple[str, str]]:
    """Each statement the read ran with its plan (SQLite's EXPLAIN QUERY PLAN, joined)."""
    with _statements(db) as caught:
        read()
    conn = session.connection()
    plans = []
    for statement, params in caught:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
        plans.append((statement, " | ".join(str(r[3]) for r in rows)))
    return plans


def test_sqlite_walks_the_partial_indexes_in_the_lists_order(
    fresh_demo_db: Database,
) -> None:
    db = fresh_demo_db
    for i in range(3):
        dispatched(db, now=START + timedelta(minutes=i), lead="DEP01")
    with db.reading() as session:
        handler = actor_for_username(session, "dep01.handler")
        dispatcher = actor_for_username(session, "dispatcher")
        secretary = actor_for_username(session, "secretary")
        inbox = CaseFilter(status=list(UNSETTLED))

        def read_inbox() -> Any:
            return page_cases(
                session, dispatcher, inbox, cursor=None, size=20, order=urgency_order()
            )

        def read_backlog() -> Any:
            now = START + timedelta(days=60)
            return backlog(session, secretary, now=now, min_age_days=30, page=1, page_size=20)

        if db.engine.dialect.name != "sqlite":
            # PostgreSQL keeps the plain IN of bound values (its statistics choose the plan).
            with _statements(db) as caught:
                read_inbox()
                read_backlog()
            assert not any("likely(" in s for s, _ in caught)
            assert any("cases.status IN (" in s for s, _ in caught)
            return
        pages = [(s, p) for s, p in _plans(session, read_inbox, db) if "LIMIT" in s]
        assert pages and all("likely(cases.status IN ('registered'" in s for s, _ in pages)
        # The inbox walks the unsettled cases' urgency index: no sort, no status lookup.
        assert any(
            "ix_cases_unsettled_urgency" in p and "TEMP B-TREE" not in p for _, p in pages
        ), pages
        # A unit's legs walk its rows' urgency index, one status each.
        mine = CaseFilter(status=list(OPEN))
        pages = _plans(
            session,
            lambda: page_cases(session, handler, mine, cursor=None, size=20, order=urgency_order()),
            db,
        )
        legs = [p for s, p in pages if "LIMIT" in s and "case_units" in s]
        assert legs and all("ix_case_units_unit_unsettled_urgency" in p for p in legs), legs
        # The backlog, oldest first, walks the open cases' index from its age limit.
        pages = [(s, p) for s, p in _plans(session, read_backlog, db) if "LIMIT" in s]
        assert any("ix_cases_open_registered" in p and "TEMP B-TREE" not in p for _, p in pages), (
            pages
        )
        # The open cases' escalations are read from the escalations, not from the open cases.
        escalations = _plans(
            session,
            lambda: list_escalations(
                session,
                dispatcher,
                level=None,
                assigned_to=None,
                open_only=True,
                page=1,
                page_size=20,
            ),
            db,
        )
        assert len(escalations) == 2  # the page and its count
        assert all("case_escalations" in p and "status" not in p for _, p in escalations), (
            escalations
        )


def test_a_likely_term_is_hinted_to_sqlite_alone(db: Database) -> None:
    """`core.planner_hints.Likely`: `likely(term)` on SQLite, the term on PostgreSQL, the same
    rows either way."""
    term = Case.status == "replied"
    hinted = select(Case.id).where(Likely(term))
    text = str(hinted.compile(dialect=db.engine.dialect))
    assert ("likely(cases.status = " in text) == (db.engine.dialect.name == "sqlite")
    with db.reading() as session:
        assert set(session.scalars(hinted)) == set(session.scalars(select(Case.id).where(term)))
