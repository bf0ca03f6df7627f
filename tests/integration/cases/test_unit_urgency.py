"""A unit's lists in urgency order walk its rows' copy of the key (`unit_walk`, migration
unitdue0001), and newest first its rows' copy of `registered_at`: page after page they hold the
cases and the order computed from `cases` gives, for a unit with cases in every unsettled status, led and co-handled, first received
and handed on, settled, with running, paused, extended and breached clocks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from conftest import START
from factories import act_on, dispatched, register_appeal
from minyi.cases.models import Case, CaseUnit
from minyi.cases.queries import (
    NEWEST,
    URGENCY,
    CaseFilter,
    SortKey,
    list_cases,
    page_cases,
    unit_walk,
)
from minyi.cases.rules import UNSETTLED, WORKING, CaseStatus
from minyi.core.db import Database
from minyi.org.models import Unit
from minyi.org.rules import Actor
from minyi.org.service import actor_for_username
from minyi.sla.jobs import fire_due_clocks
from minyi.sla.queries import urgency_order
from minyi.sla.service import pause_case, resume_case

FAR = datetime.max.replace(tzinfo=UTC)
DAY = timedelta(days=1)


def _life(db: Database) -> None:
    """DEP25's cases in many states; DEP03's and the centre's around them."""
    at = [START + timedelta(minutes=7 * i) for i in range(24)]
    # Led by DEP25, in each working status, some with co-units.
    for i in range(6):
        dispatched(db, now=at[i], lead="DEP25", co=["DEP04"] if i % 2 else [], street="S01")
    # DEP25 a co-unit of DEP03's cases.
    for i in range(6, 9):
        dispatched(db, now=at[i], lead="DEP03", co=["DEP25"], street="S01")
    # DEP03's alone: never in DEP25's lists.
    for i in range(9, 11):
        dispatched(db, now=at[i], lead="DEP03", street="S01")
    # First received by DEP25 (首办: as through a mailbox it owns), then left registered,
    # accepted, and handed on to DEP03.
    received = [register_appeal(db, now=at[i], street="S01")["id"] for i in range(11, 14)]
    with db.unit_of_work() as session:
        dep25 = session.scalar(select(Unit.id).where(Unit.code == "DEP25"))
        session.execute(update(Case).where(Case.id.in_(received)).values(first_unit_id=dep25))
    # Two registered at the same instant: the id breaks the tie.
    for _ in range(2):
        dispatched(db, now=at[14], lead="DEP25", street="S01")
    with db.reading() as session:
        dep25 = session.scalar(select(Unit.id).where(Unit.code == "DEP25"))
        led = session.scalars(
            select(CaseUnit.case_id)
            .where(CaseUnit.unit_id == dep25, CaseUnit.role == "lead")
            .order_by(CaseUnit.case_id)
        ).all()
        first = session.scalars(
            select(Case.id).where(Case.first_unit_id == dep25).order_by(Case.id)
        ).all()
        co = session.scalars(
            select(CaseUnit.case_id)
            .where(CaseUnit.unit_id == dep25, CaseUnit.role == "co")
            .order_by(CaseUnit.case_id)
        ).all()
    later = at[-1] + timedelta(hours=1)
    act_on(db, led[0], "sign_for", "dep25.handler", now=later)
    act_on(db, led[1], "sign_for", "dep25.handler", now=later)
    act_on(db, led[1], "reply", "dep25.handler", now=later, text="答复内容")  # replied
    act_on(db, led[2], "sign_for", "dep25.handler", now=later)
    act_on(db, led[2], "reply", "dep25.handler", now=later, text="答复内容")
    act_on(db, led[2], "feedback", "dispatcher", now=later, rating="satisfied")
    act_on(db, led[3], "bounce", "dep25.handler", now=later, reason="不属本单位")
    act_on(db, led[3], "approve_bounce", "dispatcher", now=later)  # DEP25's row inactive
    act_on(db, first[0], "accept", "clerk", now=later)
    act_on(db, first[1], "accept", "clerk", now=later)
    act_on(db, first[1], "dispatch", "dispatcher", now=later, lead_unit="DEP03")
    with db.unit_of_work() as session:
        centre = actor_for_username(session, "dispatcher")
        pause_case(session, led[4], centre, reason="等待鉴定", now=later)  # no running clock
        pause_case(session, co[0], centre, reason="等待鉴定", now=later)
    with db.unit_of_work() as session:
        # Resumed a day on: its deadlines move a day later than its neighbours'.
        resume_case(session, co[0], actor_for_username(session, "dispatcher"), now=later + DAY)
    # Days on: the clocks breach (red first); a case dispatched then has its deadlines ahead.
    with db.unit_of_work() as session:
        fire_due_clocks(session, now=later + 3 * DAY)
    with db.unit_of_work() as session:
        fire_due_clocks(session, now=later + 3 * DAY)
    dispatched(db, now=later + 3 * DAY, lead="DEP25", street="S01")


def _expected(
    session: Session, unit_id: int, f: CaseFilter, *, first_received: bool, newest: bool = False
) -> list[int]:
    """The list written over `cases` alone: the urgency order (or, `newest`, newest first) of the
    cases the unit handles (or first received), in the filter's statuses, computed in Python from
    the cases' own columns."""
    values = {s.value for s in f.status or []}
    rows = session.execute(
        select(Case.id, Case.status, Case.next_due_at, Case.registered_at, Case.first_unit_id)
    ).all()
    handled = set(
        session.scalars(
            select(CaseUnit.case_id).where(
                CaseUnit.unit_id == unit_id, CaseUnit.is_active.is_(True)
            )
        )
    )
    overdue = set(session.scalars(select(Case.id).where(Case.is_overdue.is_(True))))
    chosen = [
        r
        for r in rows
        if r.status in values
        and (r.id in handled or (first_received and r.first_unit_id == unit_id))
        and (not f.overdue or r.id in overdue)
    ]

    def aware(at: datetime) -> datetime:
        # SQLite returns naive UTC.
        return at if at.tzinfo else at.replace(tzinfo=UTC)

    def key(r: Any) -> tuple[datetime, float, int]:
        due = aware(r.next_due_at) if r.next_due_at and not newest else FAR
        return (due, -aware(r.registered_at).timestamp(), -r.id)

    return [r.id for r in sorted(chosen, key=key)]


def _paged(
    session: Session, actor: Actor, f: CaseFilter, size: int, order: list[SortKey] | None = None
) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        found = page_cases(
            session, actor, f, cursor=cursor, size=size, order=order or urgency_order(), count=False
        )
        seen.extend(c.id for c, _ in found.rows)
        cursor = found.next_cursor
        if cursor is None:
            return seen


Case_ = Callable[[int], CaseFilter]
LISTS: list[tuple[str, str, Case_, bool]] = [
    # The handler's inbox (the default "open"): the unit's scope, first-received cases too.
    ("dep25.handler", "open inbox", lambda _u: CaseFilter(status=list(UNSETTLED)), True),
    ("dep25.handler", "replied", lambda _u: CaseFilter(status=[CaseStatus.REPLIED]), True),
    # The head's board blocks: the unit's own rows (`unit=`).
    ("dep25.head", "queue", lambda u: CaseFilter(status=list(WORKING), unit=u), False),
    (
        "dep25.head",
        "overdue",
        lambda u: CaseFilter(status=list(WORKING), unit=u, overdue=True),
        False,
    ),
    ("dep25.head", "replied", lambda u: CaseFilter(status=[CaseStatus.REPLIED], unit=u), False),
    # The centre filtering by the unit: district-wide, the unit's rows.
    ("dispatcher", "by unit", lambda u: CaseFilter(status=list(UNSETTLED), unit=u), False),
]


@pytest.mark.parametrize(("username", "name", "make", "first_received"), LISTS)
def test_unit_lists_page_in_the_urgency_order_of_cases(
    fresh_demo_db: Database,
    username: str,
    name: str,
    make: Case_,
    first_received: bool,
) -> None:
    db = fresh_demo_db
    _life(db)
    with db.reading() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == "DEP25"))
        assert unit_id is not None
        actor = actor_for_username(session, username)
        f = make(unit_id)
        # The list does walk the units' copy of the key (not the order over `cases`).
        assert unit_walk(actor, f, urgency_order()) is not None
        expected = _expected(session, unit_id, f, first_received=first_received)
        assert expected, f"{name}: the life gave the list no case"
        for size in (1, 2, 5, 50):
            assert _paged(session, actor, f, size) == expected, f"{name}, pages of {size}"
        # The legacy page by number and its total (exact below the cap) read the same walk.
        total, rows = list_cases(session, actor, f, page=1, page_size=3, order=list(URGENCY))
        assert total.exact and total.value == len(expected)
        assert [c.id for c, _ in rows] == expected[:3]
        found = page_cases(session, actor, f, cursor=None, size=2, order=urgency_order())
        assert found.total is not None and found.total.value == len(expected)


def test_the_life_covers_the_statuses_and_clocks(fresh_demo_db: Database) -> None:
    """The comparison above means something: the unit's cases are in several unsettled
    statuses, with deadlines in the past, in the future and none, and some first received."""
    db = fresh_demo_db
    _life(db)
    with db.reading() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == "DEP25"))
        rows = session.execute(
            select(Case.status, Case.next_due_at, Case.is_overdue, Case.first_unit_id)
            .join(CaseUnit, CaseUnit.case_id == Case.id, isouter=True)
            .where((CaseUnit.unit_id == unit_id) | (Case.first_unit_id == unit_id))
        ).all()
    statuses = {r.status for r in rows}
    assert {"registered", "accepted", "dispatched", "signed_for", "replied"} <= statuses
    assert any(r.next_due_at is None and r.status in {"dispatched", "signed_for"} for r in rows)
    assert any(r.is_overdue for r in rows)
    assert any(r.next_due_at is not None and not r.is_overdue for r in rows)


@pytest.mark.parametrize(("username", "name", "make", "first_received"), LISTS)
def test_unit_lists_page_newest_first_as_the_cases_order_them(
    fresh_demo_db: Database,
    username: str,
    name: str,
    make: Case_,
    first_received: bool,
) -> None:
    """Newest first (the default order, the API's `page=N` list): the same cases, in the order of
    `cases.registered_at` and id, through the rows' copies (two cases share an instant)."""
    db = fresh_demo_db
    _life(db)
    with db.reading() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == "DEP25"))
        assert unit_id is not None
        actor = actor_for_username(session, username)
        f = make(unit_id)
        assert unit_walk(actor, f, list(NEWEST)) is not None
        expected = _expected(session, unit_id, f, first_received=first_received, newest=True)
        assert expected, f"{name}: the life gave the list no case"
        assert expected != _expected(session, unit_id, f, first_received=first_received) or (
            len(expected) < 3
        )
        for size in (1, 2, 5, 50):
            assert _paged(session, actor, f, size, list(NEWEST)) == expected, f"{name}, {size}"
        for page in (1, 2):
            total, rows = list_cases(session, actor, f, page=page, page_size=3)
            assert [c.id for c, _ in rows] == expected[3 * (page - 1) : 3 * page]
            assert total.value == len(expected)


def test_a_statement_in_the_urgency_order_has_a_cache_key() -> None:
    """The key's no-deadline constant is cacheable: without a cache key SQLAlchemy compiled
    every urgency list anew on each read (its log's "[no key]")."""
    assert select(Case.id).order_by(*(k.expr for k in URGENCY))._generate_cache_key() is not None
