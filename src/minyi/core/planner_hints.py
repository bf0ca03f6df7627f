"""Hints for SQLite's query planner, written only into SQLite's SQL.

SQLite has no statistics unless ANALYZE runs (the app never runs it), so it takes an equality
on an index's first column for a few rows: `clocks.subject = 'case'` (nearly every clock) won
over the period's `breached_at` range. `likely(X)` tells it X keeps most rows, so it does not
pick an index for X; the term is still checked. PostgreSQL plans from its statistics and gets
the term as it is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class Likely(ColumnElement[bool]):
    """`term`, which keeps most rows: `likely(term)` on SQLite, `term` elsewhere."""

    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy declares it per instance)
        ("term", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, term: ColumnElement[bool]) -> None:
        self.term = term


@compiles(Likely)
def _plain(element: Likely, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.term, **kw)


@compiles(Likely, "sqlite")
def _likely(element: Likely, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(func.likely(element.term), **kw)
