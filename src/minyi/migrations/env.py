"""Alembic environment: the URL comes from the caller (minyi.bootstrap.migrate), never a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

# The models serve autogenerate's comparison only: a revision never imports them or any domain
# code (README.md in this folder says what a revision may import, and why).
from minyi.models import Base

config = context.config


def run(connection: Connection) -> None:
    is_sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=is_sqlite,
        compare_type=True,
    )
    # Alembic owns the transaction (the caller passes a connection outside one), so a revision
    # can build an index CONCURRENTLY in an autocommit block.
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # A migration must not queue behind a long report query and freeze every request.
            connection.exec_driver_sql("SET lock_timeout = '10s'")
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `minyi db upgrade`, which passes the connection")
run(connection)
