"""Keyset pages and capped counts (core/paging) on the demo's staff (some 300 rows), on both
backends."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from minyi.core.db import Database
from minyi.core.errors import Invalid
from minyi.core.paging import Total, asc, count_capped, desc, keyset_page
from minyi.org.models import Staff


def _walk(db: Database, order: list, size: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    with db.reading() as session:
        for _ in range(1000):
            page = keyset_page(session, select(Staff.id), order, cursor=cursor, size=size)
            assert len(page.rows) <= size
            seen.extend(page.rows)
            cursor = page.next_cursor
            if cursor is None:
                return seen
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_pages_in_turn_give_every_row_once_in_order(db: Database, size: int) -> None:
    # Many staff share a role: the id breaks the ties, mixing directions.
    order = [asc(Staff.role), desc(Staff.username), desc(Staff.id)]
    with db.reading() as session:
        expected = list(
            session.scalars(
                select(Staff.id).order_by(Staff.role, Staff.username.desc(), Staff.id.desc())
            )
        )
    assert len(expected) > 100
    assert _walk(db, order, size) == expected


def test_a_cursor_is_refused_by_another_order_and_when_tampered(db: Database) -> None:
    with db.reading() as session:
        first = keyset_page(session, select(Staff.id), [desc(Staff.id)], cursor=None, size=3)
        assert first.next_cursor is not None
        with pytest.raises(Invalid) as caught:
            keyset_page(
                session, select(Staff.id), [asc(Staff.id)], cursor=first.next_cursor, size=3
            )
        assert caught.value.code == "bad_cursor"
        for bad in ("", "%%%", "bm90IGpzb24", first.next_cursor[:-3]):
            if not bad:
                continue
            with pytest.raises(Invalid):
                keyset_page(session, select(Staff.id), [desc(Staff.id)], cursor=bad, size=3)


def test_several_columns_come_back_as_rows(db: Database) -> None:
    with db.reading() as session:
        page = keyset_page(
            session, select(Staff.id, Staff.role), [desc(Staff.id)], cursor=None, size=2, count=True
        )
        total = session.scalar(select(func.count()).select_from(Staff))
    assert page.rows[0][0] > page.rows[1][0]
    assert len(page.rows[0]) == 2
    assert page.total == Total(total or 0)


def test_orm_entities_come_back_whole(db: Database) -> None:
    # An entity is one item of the row however many columns it has.
    with db.reading() as session:
        alone = keyset_page(session, select(Staff), [desc(Staff.id)], cursor=None, size=2)
        pair = keyset_page(
            session, select(Staff, Staff.role), [desc(Staff.id)], cursor=None, size=2
        )
    assert all(isinstance(s, Staff) for s in alone.rows)
    assert [(type(s), r) for s, r in pair.rows] == [(Staff, s.role) for s, _ in pair.rows]
    assert alone.next_cursor is not None


def test_counts_are_exact_up_to_the_cap_then_estimated_or_capped(db: Database) -> None:
    with db.reading() as session:
        n = session.scalar(select(func.count()).select_from(Staff)) or 0
        assert count_capped(session, select(Staff.id), cap=n) == Total(n)
        over = count_capped(session, select(Staff.id), cap=5)
        # An IN list and a time: the estimate's EXPLAIN gets each value as a parameter.
        roles = select(Staff.id).where(
            Staff.role.in_(["unit_handler", "unit_head", "street_staff"]), Staff.id > 0
        )
        listed = count_capped(session, roles, cap=5)
        postgres = session.get_bind().dialect.name == "postgresql"
    assert not over.exact and not listed.exact
    if postgres:
        assert over.estimated and over.value > 5
        # The planner's guess for a small table may fall under the cap: then the cap stands.
        assert listed.value > 5 if listed.estimated else listed == Total(5, exact=False)
    else:
        assert over == Total(5, exact=False) == listed
        assert over.zh() == "5+ 条"


def test_totals_read_as_people_write_them() -> None:
    assert Total(1234).zh() == "1,234 条"
    assert Total(983_412, exact=False, estimated=True).zh() == "约 98 万条"
    assert Total(15_400, exact=False, estimated=True).zh() == "约 1.5 万条"
    assert Total(1000, exact=False).zh() == "1,000+ 条"
    assert Total(1000, exact=False).en() == "1,000+"
    # A heading says 共 before an exact count only: "共 约 1,720 条" read oddly.
    assert Total(580).zh_total() == "共 580 条"
    assert Total(1720, exact=False, estimated=True).zh_total() == "约 1,720 条"
    assert Total(1000, exact=False).zh_total() == "1,000+ 条"
