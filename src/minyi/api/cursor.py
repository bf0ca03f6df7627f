"""The `cursor` query parameter every paginated list takes (core/listing): the `next_cursor` of
the page before. A cursor the list did not make is refused with 400 `bad_cursor`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

PageCursor = Annotated[
    str | None,
    Query(
        max_length=1000,
        description="the previous page's `next_cursor` (keyset paging: as fast at page 500 as at"
        " page 1); with it, `page` is ignored",
    ),
]
