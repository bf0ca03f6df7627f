"""The settings every PostgreSQL connection of the app starts with (core/db.py `make_engine`).
PostgreSQL only: SQLite has no planner settings of this kind."""

from __future__ import annotations

from sqlalchemy import text

from conftest import PG_ADMIN_URL
from minyi.core.db import Database


def test_every_connection_runs_without_jit_and_the_writer_keeps_its_own_options() -> None:
    db = Database(PG_ADMIN_URL)
    writer = db.for_one_writer()
    try:
        with db.reading() as session:
            assert session.scalar(text("SHOW jit")) == "off"
        with writer.reading() as session:
            assert session.scalar(text("SHOW jit")) == "off"
            assert session.scalar(text("SHOW plan_cache_mode")) == "force_generic_plan"
            # The worker merges the search index's pending lists; the writer does not stop to.
            assert session.scalar(text("SHOW gin_pending_list_limit")) == "32MB"
    finally:
        writer.dispose()
        db.dispose()
