"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from minyi.cases.search import TABLE as SEARCH_TABLE
from minyi.core.db import Database
from minyi.core.partitions import is_partition, partitioned_tables
from minyi.models import Base


def _modelled(name: str | None, type_: str, parent_names: object) -> bool:
    # The case search index is the migration's, in a form per backend (a tsvector table, an FTS5
    # table and its shadow tables): no model describes it (cases/search.py).
    if type_ == "table" and name is not None and name.startswith(SEARCH_TABLE):
        return False
    # A partitioned table's months and DEFAULT are made by the migration and the partition job
    # (core/partitions.py), not described by a model.
    return not (type_ == "table" and name is not None and is_partition(name))


def _compared(obj: object, name: str | None, type_: str, reflected: bool, other: object) -> bool:
    # PostgreSQL widens a partitioned table's unique keys by its partition column (the DDL
    # compiled for it does: core/partitions.py); the model states the key SQLite enforces.
    table = getattr(obj, "table", None)
    if type_ == "unique_constraint" and getattr(table, "name", None) in partitioned_tables():
        return False
    # A foreign key to a partitioned table (webhook_deliveries to the outbox) has a child key
    # per partition, which PostgreSQL makes with it: the model states the parent one.
    referred = getattr(obj, "referred_table", None)
    return not (type_ == "foreign_key_constraint" and is_partition(getattr(referred, "name", "")))


class TestMigrations:
    def test_models_and_migrations_agree(self, fresh_db: Database) -> None:
        with fresh_db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(
                    conn,
                    opts={
                        "compare_type": True,
                        "include_name": _modelled,
                        "include_object": _compared,
                    },
                ),
                Base.metadata,
            )
        assert diff == []
