"""Lists that do not count the world: keyset pages and capped counts.

A page read by OFFSET reads and throws away every row before it, and a list that counts its
total reads every row that matches: both grow with the history. Here a page starts after the
last row of the one before (its sort keys, carried in an opaque cursor), so page 500 costs what
page 1 does, and the total is counted exactly only up to a cap; past it, PostgreSQL's planner
estimate (or, on SQLite, "more than the cap") stands in, shown as "约 98 万条" or "1,000+".

The cursor holds nothing but the last row's sort values, used only as bound parameters: a
tampered cursor can move a reader within the list they may see, never outside it (the list's
own WHERE still applies). It names the order it was made for, so a cursor from one order is
refused by another rather than silently skipping rows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, union_all
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from minyi.core.errors import Invalid

# Any SELECT, whatever its columns.
AnySelect = Select[*tuple[Any, ...]]

# Counted exactly up to this many rows; beyond, estimated (PostgreSQL) or shown as "1,000+".
COUNT_CAP = 1000


class BadCursor(Invalid):
    """A cursor this list did not make (tampered, truncated, from another order): the request's
    fault, answered 400 (`bad_cursor`) by the API and a page in the reader's words by the web."""

    kind = "bad_request"


@dataclass(frozen=True)
class Total:
    """How many rows a list holds: exact, or at least `value` (`estimated`: the planner's guess,
    else the cap)."""

    value: int
    exact: bool = True
    estimated: bool = False

    def zh(self) -> str:
        """The total as a Chinese page shows it: 1,234 条 / 约 98 万条 / 1,000+ 条."""
        if self.exact:
            return f"{self.value:,} 条"
        if self.estimated and self.value >= 10_000:
            wan = self.value / 10_000
            shown = f"{wan:.0f}" if wan >= 10 else f"{wan:.1f}".rstrip("0").rstrip(".")
            return f"约 {shown} 万条"
        if self.estimated:
            return f"约 {self.value:,} 条"
        return f"{self.value:,}+ 条"

    def zh_total(self) -> str:
        """The total as a list's heading says it: 共 580 条, but 约 1,720 条 and 1,000+ 条 (共
        before an approximate figure reads as 共 约)."""
        return f"共 {self.zh()}" if self.exact else self.zh()

    def en(self) -> str:
        if self.exact:
            return f"{self.value:,}"
        return f"about {self.value:,}" if self.estimated else f"{self.value:,}+"


def count_capped(session: Session, stmt: AnySelect, *, cap: int = COUNT_CAP) -> Total:
    """The number of rows `stmt` answers, read no further than `cap` + 1 rows; past the cap the
    planner's estimate on PostgreSQL (never below the cap), on SQLite the cap itself."""
    # Counted over a constant, not the list's columns: the capped subquery is not flattened,
    # and selecting every column would read each row whole (and, on SQLite, give up covering
    # indexes) only to count it.
    capped = (
        stmt.order_by(None)
        .with_only_columns(literal(1), maintain_column_froms=True)
        .limit(cap + 1)
        .subquery()
    )
    counted = session.scalar(select(func.count()).select_from(capped)) or 0
    if counted <= cap:
        return Total(counted)
    if session.get_bind().dialect.name == "postgresql":
        estimate = _planner_rows(session, stmt.order_by(None))
        if estimate is not None and estimate > cap:
            return Total(estimate, exact=False, estimated=True)
    return Total(cap, exact=False)


def estimated_total(session: Session, stmt: AnySelect, *, at_least: int) -> Total:
    """PostgreSQL's estimate of the rows `stmt` answers, not counted, as an estimated total never
    below `at_least` (the rows already seen); the caller knows the list is long, and counting
    it is what it avoids."""
    guess = _planner_rows(session, stmt.order_by(None))
    return Total(max(guess or 0, at_least), exact=False, estimated=True)


def _planner_rows(session: Session, stmt: AnySelect) -> int | None:
    # IN lists expand at execution; rendered here so that EXPLAIN gets one parameter each. The
    # statement goes to the driver as compiled (text() would read its %(name)s as literals).
    compiled = stmt.compile(
        dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
    )
    plan = session.connection().exec_driver_sql(
        "EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params
    )
    try:
        return int(plan.scalar_one()[0]["Plan"]["Plan Rows"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


@dataclass(frozen=True)
class SortKey:
    """One term of a list's order. The last key must make the order total (a unique id), and no
    key may be NULL (wrap a nullable one in `coalesce` or pair it with an `is_(None)` key)."""

    expr: ColumnElement[Any]
    descending: bool = False


def desc(expr: Any) -> SortKey:
    return SortKey(expr, descending=True)


def asc(expr: Any) -> SortKey:
    return SortKey(expr)


@dataclass(frozen=True)
class KeysetPage:
    """One page: its rows (as the statement selects them), the cursor of the next page (None on
    the last) and, when asked for, the total."""

    rows: list[Any]
    next_cursor: str | None
    total: Total | None = None


def keyset_page(
    session: Session,
    stmt: AnySelect,
    order: Sequence[SortKey],
    *,
    cursor: str | None,
    size: int,
    count: bool = False,
    cap: int = COUNT_CAP,
) -> KeysetPage:
    """The page of `stmt` in `order` after `cursor` (the first page without one): `size` rows
    and the cursor of the page after them. The rows are what `stmt` selects; the sort values
    ride along as extra columns and are cut off here."""
    if size < 1:
        raise Invalid("bad_page_size", "page_size must be at least 1", field="page_size")
    signature = _signature(order, session.get_bind().dialect)
    paged = stmt
    if cursor:
        paged = paged.where(_after(order, _decode(cursor, signature, len(order))))
    # What a row holds: one item per entity or column selected (an entity is one, whatever its
    # columns), so the sort values appended after them are cut off at the right place.
    width = len(stmt.column_descriptions)
    labelled = [k.expr.label(f"_sort{i}") for i, k in enumerate(order)]
    found = session.execute(
        paged.add_columns(*labelled)
        .order_by(*(k.expr.desc() if k.descending else k.expr.asc() for k in order))
        .limit(size + 1)
    ).all()
    more = len(found) > size
    found = found[:size]
    next_cursor = _encode(signature, list(found[-1][width:])) if more and found else None
    rows = [row[:width] if width > 1 else row[0] for row in found]
    total = count_capped(session, stmt, cap=cap) if count else None
    return KeysetPage(rows=rows, next_cursor=next_cursor, total=total)


def after_cursor(session: Session, order: Sequence[SortKey], cursor: str) -> ColumnElement[bool]:
    """The rows after `cursor` in `order`, as `keyset_page` reads them: for a caller that walks
    the list's ids itself before reading the page (a search's candidates, `cases.queries`). A
    cursor made for another order is refused (`BadCursor`)."""
    signature = _signature(order, session.get_bind().dialect)
    return _after(order, _decode(cursor, signature, len(order)))


def cursor_values(session: Session, order: Sequence[SortKey], cursor: str) -> list[Any]:
    """The sort values `cursor` holds, one per key of `order` (a caller that narrows its read by
    them before `after_cursor` filters it: a search's month windows, `cases.queries`). A cursor
    made for another order is refused (`BadCursor`)."""
    return _decode(cursor, _signature(order, session.get_bind().dialect), len(order))


def merged_page(
    session: Session,
    legs: Sequence[tuple[AnySelect, Sequence[SortKey]]],
    rows_of: Callable[[Any], AnySelect],
    signed: Sequence[SortKey],
    *,
    cursor: str | None,
    size: int,
    offset: int = 0,
) -> KeysetPage:
    """`keyset_page` of a list that is the union of ordered legs: each leg selects one id and
    sorts by its own expressions of the list's keys (`signed`, which the cursor names, as a
    `keyset_page` over them would), and is read only as far as the page reaches (after the
    cursor, `offset` + `size` + 1 rows), so each leg is an index walk that stops early; the
    legs' rows are merged in the order and cut to the page. `rows_of(page)` selects what a row
    shows for the page's ids (a subquery with `id` and the sort values), one row per id.

    PostgreSQL merges a UNION ALL in order (Merge Append) only of legs without a WHERE of their
    own, so a leg's range under a filter is sorted whole; a leg with its own ORDER BY and LIMIT
    is a walk of its index that stops at the limit."""
    if size < 1:
        raise Invalid("bad_page_size", "page_size must be at least 1", field="page_size")
    signature = _signature(signed, session.get_bind().dialect)
    values = _decode(cursor, signature, len(signed)) if cursor else None
    reach = offset + size + 1
    walked = []
    for n, (stmt, keys) in enumerate(legs):
        leg = stmt.where(_after(keys, values)) if values is not None else stmt
        labelled = [k.expr.label(f"_sort{i}") for i, k in enumerate(keys)]
        leg = leg.add_columns(*labelled).order_by(*_terms(keys)).limit(reach)
        # As a subquery each: a compound SELECT's members take no ORDER BY or LIMIT (SQLite).
        walked.append(select(leg.subquery(f"leg{n}")))
    merged = union_all(*walked).subquery("merged")
    order = [SortKey(merged.c[f"_sort{i}"], k.descending) for i, k in enumerate(signed)]
    page = select(merged).order_by(*_terms(order)).offset(offset).limit(size + 1).subquery("page")
    sorts = [SortKey(page.c[f"_sort{i}"], k.descending) for i, k in enumerate(signed)]
    stmt = rows_of(page)
    width = len(stmt.column_descriptions)
    found = session.execute(
        stmt.add_columns(*(k.expr for k in sorts)).order_by(*_terms(sorts))
    ).all()
    more = len(found) > size
    found = found[:size]
    next_cursor = _encode(signature, list(found[-1][width:])) if more and found else None
    return KeysetPage(
        rows=[row[:width] if width > 1 else row[0] for row in found], next_cursor=next_cursor
    )


def _terms(order: Sequence[SortKey]) -> list[Any]:
    return [k.expr.desc() if k.descending else k.expr.asc() for k in order]


def _after(order: Sequence[SortKey], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in `order`: (k0 after v0) or (k0 = v0 and k1 after v1) …,
    which each key's own direction decides (a row value comparison cannot mix directions)."""
    clauses: list[ColumnElement[bool]] = []
    for i, key in enumerate(order):
        value = literal(values[i], type_=key.expr.type)
        beyond = key.expr < value if key.descending else key.expr > value
        equal_before = [
            order[j].expr == literal(values[j], type_=order[j].expr.type) for j in range(i)
        ]
        clauses.append(and_(*equal_before, beyond))
    # The first key's bound, implied by the OR but stated: an index on that key then starts at
    # the cursor (an Index Cond) instead of reading every row before it and filtering them out.
    first = order[0]
    start = literal(values[0], type_=first.expr.type)
    bound = first.expr <= start if first.descending else first.expr >= start
    return and_(bound, or_(*clauses))


def _signature(order: Sequence[SortKey], dialect: Dialect) -> str:
    # Rendered in the database's own dialect: a key may be a construct only it compiles (the
    # search index's rank), which the generic string form cannot render.
    described = "|".join(
        f"{k.expr.compile(dialect=dialect)}:{'d' if k.descending else 'a'}" for k in order
    )
    return hashlib.sha256(described.encode()).hexdigest()[:12]


def _encode(signature: str, values: list[Any]) -> str:
    payload = json.dumps([signature, [_plain(v) for v in values]], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"a sort value of type {type(value).__name__} cannot be in a cursor")


def _decode(cursor: str, signature: str, width: int) -> list[Any]:
    bad = BadCursor("bad_cursor", "the page cursor is not valid for this list", field="cursor")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        made_for, values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if made_for != signature or not isinstance(values, list) or len(values) != width:
            raise bad
        return [_typed(v) for v in values]
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise bad from exc


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "t":
            return datetime.fromisoformat(raw)
        if tag == "d":
            return date.fromisoformat(raw)
        if tag == "n":
            return Decimal(raw)
        raise ValueError(tag)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise ValueError("unexpected value in cursor")
