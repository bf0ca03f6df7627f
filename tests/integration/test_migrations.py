"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from minyi.cases.search import TABLE as SEARCH_TABLE
from minyi.core.db import Database
from minyi.models import Base


def _modelled(name: str | None, type_: str, parent_names: object) -> bool:
    # The case search index is the migration's, in a form per backend (a tsvector table, an FTS5
    # table and its shadow tables): no model describes it (cases/search.py).
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLE))


class TestMigrations:
    def test_models_and_migrations_agree(self, fresh_db: Database) -> None:
        with fresh_db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(
                    conn, opts={"compare_type": True, "include_name": _modelled}
                ),
                Base.metadata,
            )
        assert diff == []
