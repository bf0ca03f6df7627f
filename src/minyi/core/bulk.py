"""Write many new rows at once: one JSON document on PostgreSQL, an executemany INSERT elsewhere.

A group commit writes dozens of rows into a handful of tables. As an INSERT executemany,
psycopg sends (and the server runs) one Bind/Execute per row; COPY streams them as one command
but takes two round trips and cannot be prepared. Here every table's rows travel as one JSON
array (orjson, in C) in one prepared statement,
`INSERT ... SELECT ... FROM json_populate_recordset(NULL::table, $1)`: one round trip, no
planning after the first few batches, and the least client CPU of the three (measured with
`minyi bench intake`). The rows get the same Python-side column defaults and type checks
(aware UTC datetimes) as an ORM insert, so what is stored is the same on both backends.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Column, Connection, Engine, Table, TypeDecorator, event, insert
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from minyi.core.db import Base, is_postgres


def insert_rows(
    session: Session,
    model: type[Base],
    rows: list[dict[str, Any]],
    *,
    skip_conflicts_on: Sequence[str] = (),
) -> None:
    """Insert `rows` (dicts with the same keys) in the session's transaction; no RETURNING.
    With `skip_conflicts_on` (the columns of a unique index), a row whose key is already there,
    committed or earlier in the same rows, is skipped (ON CONFLICT DO NOTHING) instead of failing."""
    if not rows:
        return
    if not is_postgres(session):
        stmt: Any = insert(model)
        if skip_conflicts_on:
            stmt = sqlite.insert(model).on_conflict_do_nothing(
                index_elements=list(skip_conflicts_on)
            )
        session.execute(stmt, rows)
        return
    table: Table = model.__table__  # type: ignore[assignment]
    given = list(rows[0])
    defaults = _python_defaults(table, given)
    columns = [table.c[name] for name in given] + [table.c[name] for name in defaults]
    # Type decorators check and convert (UTCDateTime refuses naive datetimes); orjson does the rest.
    converters = [
        (c.name, c.type.process_bind_param) for c in columns if isinstance(c.type, TypeDecorator)
    ]
    connection = session.connection()
    dialect = connection.dialect
    records = []
    for row in rows:
        record = dict(row)
        for name, make in defaults.items():
            record[name] = make()
        for name, convert in converters:
            record[name] = convert(record[name], dialect)
        records.append(record)
    statement = _json_insert(
        table, tuple(c.name for c in columns), tuple(skip_conflicts_on), dialect
    )
    send(session, statement, (orjson.dumps(records, default=_json_default).decode(),))


def send(session: Session, statement: str, params: tuple[Any, ...]) -> None:
    """Run a PostgreSQL statement that returns nothing on the session's connection, straight
    through the driver (inside `pipelined`, without waiting for its answer). The driver's error
    is raised as SQLAlchemy would have raised it (a unique violation as IntegrityError)."""
    connection = session.connection()
    dialect = connection.dialect
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(statement, params)
    except dialect.loaded_dbapi.Error as error:
        # The driver's own error, as SQLAlchemy would have raised it for an INSERT (a unique
        # violation becomes IntegrityError), so callers handle both backends alike.
        raise DBAPIError.instance(
            statement, None, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from error
    finally:
        cursor.close()


@contextmanager
def pipelined(session: Session) -> Iterator[None]:
    """On PostgreSQL, the statements `insert_rows` and `send` run inside go out one after the
    other without waiting for each answer (psycopg's pipeline mode): a group commit's half dozen
    INSERTs cost one round trip instead of one each. Errors arrive at the end of the block, as
    SQLAlchemy's exceptions. Anywhere else a no-op.

    Only those two belong inside: SQLAlchemy reads a pipelined statement's result as having no
    rows (a SELECT would silently answer None), so any statement sent through SQLAlchemy inside
    the block is refused (`NotInsidePipeline`)."""
    if not is_postgres(session):
        yield
        return
    connection = session.connection()
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    connection.info[_PIPELINED] = True
    try:
        with driver.pipeline():  # type: ignore[union-attr]
            yield
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(
            None, None, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from error
    finally:
        connection.info.pop(_PIPELINED, None)


class NotInsidePipeline(RuntimeError):
    """A statement went through SQLAlchemy inside `pipelined`, where its result would be lost."""


_PIPELINED = "minyi.bulk.pipelined"


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_inside_pipeline(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    if conn.info.get(_PIPELINED):
        raise NotInsidePipeline(
            "only core.bulk.insert_rows and send may run inside pipelined(): "
            f"{' '.join(statement.split())[:80]}"
        )


def _json_insert(
    table: Table, names: tuple[str, ...], conflict_keys: tuple[str, ...], dialect: Any
) -> str:
    """`INSERT INTO t (a, b) SELECT a, b FROM json_populate_recordset(NULL::t, %s::json)`: the
    same text whatever the number of rows, so the driver prepares it once."""
    key = (table.name, names, conflict_keys)
    cached = _STATEMENTS.get(key)
    if cached is None:
        quote = dialect.identifier_preparer.quote
        listed = ", ".join(quote(name) for name in names)
        target = dialect.identifier_preparer.format_table(table)
        # Identifiers come from the table's metadata, quoted by the dialect: no user input.
        cached = f"INSERT INTO {target} ({listed}) SELECT {listed} FROM json_populate_recordset(NULL::{target}, %s::json)"  # noqa: S608
        if conflict_keys:
            cached += f" ON CONFLICT ({', '.join(quote(k) for k in conflict_keys)}) DO NOTHING"
        _STATEMENTS[key] = cached
    return cached


_STATEMENTS: dict[tuple[str, tuple[str, ...], tuple[str, ...]], str] = {}


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # exact: PostgreSQL reads the numeric from its text
    raise TypeError(f"cannot write a {type(value).__name__} in a bulk insert")


def _python_defaults(table: Table, given: list[str]) -> dict[str, Any]:
    """Factories for the Python-side defaults of the columns the rows leave out (an INSERT
    through SQLAlchemy would apply them; the JSON rows only get the server's)."""
    out = {}
    for column in table.columns:
        if column.name in given or column.default is None:
            continue
        out[column.name] = _factory(column)
    return out


def _factory(column: Column[Any]) -> Any:
    default = column.default
    if default.is_scalar:  # type: ignore[union-attr]
        value = default.arg  # type: ignore[union-attr]
        return lambda: value
    if default.is_callable:  # type: ignore[union-attr]
        # SQLAlchemy wraps a zero-argument callable to take the execution context.
        make = default.arg  # type: ignore[union-attr]
        return lambda: make(None)
    raise NotImplementedError(f"no bulk insert for the default of {column}")
