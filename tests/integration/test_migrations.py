"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from minyi.core.db import Database
from minyi.models import Base


class TestMigrations:
    def test_models_and_migrations_agree(self, fresh_db: Database) -> None:
        with fresh_db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert diff == []
