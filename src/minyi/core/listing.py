"""One page of a domain's list, as its query hands it to the API, the CLI and the console.

Every list reads by keyset (core/paging): the first page and every page after a `cursor` cost the
same however long the history. The old `page` number still works for the clients that send it
(page 3 without a cursor is read by OFFSET, in the same order, and also answers the cursor of the
page after it), so a client moves to cursors one request at a time. The total is counted exactly
up to the cap, then estimated or shown as "1,000+".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from minyi.core.paging import AnySelect, SortKey, Total, count_capped, keyset_page

R = TypeVar("R")
S = TypeVar("S")


@dataclass(frozen=True)
class Listing(Generic[R]):
    """A page of rows, the list's total (exact or not) and the cursor of the next page."""

    rows: list[R]
    total: Total
    next_cursor: str | None
    page: int
    page_size: int

    def map(self, fn: Callable[[Any], S]) -> Listing[S]:
        rows = [fn(r) for r in self.rows]
        return Listing(rows, self.total, self.next_cursor, self.page, self.page_size)

    def with_rows(self, rows: list[S]) -> Listing[S]:
        return Listing(rows, self.total, self.next_cursor, self.page, self.page_size)

    def page_fields(self) -> dict[str, Any]:
        """Everything of a `Page[T]` but its items."""
        return {
            "total": self.total.value,
            "total_exact": self.total.exact,
            "page": self.page,
            "page_size": self.page_size,
            "next_cursor": self.next_cursor,
        }


def list_page(
    session: Session,
    stmt: AnySelect,
    order: Sequence[SortKey],
    *,
    page: int = 1,
    page_size: int,
    cursor: str | None = None,
    count: bool = True,
) -> Listing[Any]:
    """The page of `stmt` in `order`: after `cursor` when there is one (the keyset path), else
    page `page` (page 1 is the keyset's first page; a later page number is read by OFFSET for the
    clients that still send one). A bad cursor is refused (`bad_cursor`, a 400)."""
    if cursor or page <= 1:
        found = keyset_page(
            session, stmt, order, cursor=cursor or None, size=page_size, count=count
        )
        total = found.total
    else:
        found = keyset_page(
            session, stmt.offset((page - 1) * page_size), order, cursor=None, size=page_size
        )
        total = count_capped(session, stmt) if count else None
    return Listing(
        found.rows,
        total if total is not None else Total(len(found.rows)),
        found.next_cursor,
        1 if cursor else max(page, 1),
        page_size,
    )


def next_href(path: str, cursor: str | None, **params: Any) -> str | None:
    """The console link to the page after this one: the page's own filters and the cursor."""
    if not cursor:
        return None
    kept = {k: v for k, v in params.items() if v not in (None, "", False)}
    return f"{path}?{urlencode({**kept, 'cursor': cursor})}"


def first_href(path: str, later: object, **params: Any) -> str | None:
    """The link back to the first page, shown on a later page (`later`: its cursor, or a truthy
    page number past 1)."""
    if not later:
        return None
    kept = {k: v for k, v in params.items() if v not in (None, "", False)}
    return f"{path}?{urlencode(kept)}" if kept else path
