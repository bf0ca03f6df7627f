"""A database as it stood at an older revision, filled the way that revision's schema has it,
for the tests of a migration that converts existing rows (the partitioned history and outbox,
the area roll-up's back-fill): made, filled, upgraded or taken back down, then dropped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from sqlalchemy import Connection, text

from conftest import drop_database, new_database_url
from minyi.bootstrap import alembic_config, migrate
from minyi.core.db import Database
from minyi.wiring import build_registry


@contextmanager
def database_at(
    backend: str, tmp_path: Path, revision: str, fill: Callable[[Database], None]
) -> Iterator[Database]:
    """A new database migrated to `revision` and filled by `fill`, dropped afterwards."""
    url = new_database_url(backend, tmp_path)
    db = Database(url, registry=build_registry())
    try:
        migrate(db, revision)
        fill(db)
        yield db
    finally:
        db.dispose()
        drop_database(url)


def downgrade(db: Database, revision: str) -> None:
    """`minyi db upgrade`'s way of running Alembic (bootstrap.migrate), downwards."""
    config = alembic_config()
    with db.engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def is_partitioned(conn: Connection, table: str) -> bool:
    return bool(
        conn.scalar(
            text(
                "SELECT count(*) FROM pg_partitioned_table WHERE partrelid = CAST(:t AS regclass)"
            ),
            {"t": table},
        )
    )


def partition_of(conn: Connection, table: str, row_id: int) -> str:
    """The partition that holds a row (PostgreSQL)."""
    found = conn.scalar(
        text(f"SELECT tableoid::regclass::text FROM {table} WHERE id = :i"),  # noqa: S608 - ours
        {"i": row_id},
    )
    return str(found)
