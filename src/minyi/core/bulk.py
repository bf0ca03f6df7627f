"""Write many new rows at once: COPY on PostgreSQL, an executemany INSERT elsewhere.

A group commit writes hundreds of rows into a handful of tables. As an INSERT executemany,
psycopg sends (and the server runs) one Bind/Execute per row and reads back one result per
row; COPY streams them all as one command, which costs the client and the server markedly less
CPU. The rows go through the same type processing as an INSERT (aware UTC datetimes, JSON) and
get the same Python-side column defaults, so what is stored is the same either way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Table, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from minyi.core.db import Base, is_postgres


def insert_rows(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) in the session's transaction; no RETURNING."""
    if not rows:
        return
    if not is_postgres(session):
        session.execute(insert(model), rows)
        return
    table: Table = model.__table__  # type: ignore[assignment]
    given = list(rows[0])
    defaults = _python_defaults(table, given)
    columns = [table.c[name] for name in given] + [table.c[name] for name in defaults]
    connection = session.connection()
    dialect = connection.dialect
    processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]  # what INSERT applies
    names = ", ".join(dialect.identifier_preparer.quote(c.name) for c in columns)
    default_values = list(defaults.values())
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    statement = f"COPY {dialect.identifier_preparer.format_table(table)} ({names}) FROM STDIN"
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                values = [row[name] for name in given] + [d() for d in default_values]
                copy.write_row([v if p is None else p(v) for p, v in zip(processors, values, strict=True)])
    except dialect.loaded_dbapi.Error as error:
        # The driver's own error, as SQLAlchemy would have raised it for an INSERT (a unique
        # violation becomes IntegrityError), so callers handle both backends alike.
        raise DBAPIError.instance(statement, None, error, dialect.loaded_dbapi.Error, dialect=dialect) from error
    finally:
        cursor.close()


def _python_defaults(table: Table, given: list[str]) -> dict[str, Any]:
    """Factories for the Python-side defaults of the columns the rows leave out (an INSERT
    through SQLAlchemy would apply them; COPY only knows the server's)."""
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
    raise NotImplementedError(f"no COPY for the default of {column}")
