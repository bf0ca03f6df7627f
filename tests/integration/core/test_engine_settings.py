"""The settings every PostgreSQL connection of the app starts with (core/db.py `make_engine`).
PostgreSQL only: SQLite has no planner settings of this kind."""

from __future__ import annotations

from sqlalchemy import text

from conftest import PG_ADMIN_URL
from minyi.core.db import Database


def test_every_connection_runs_without_jit_and_keeps_the_options_it_was_given() -> None:
    db = Database(PG_ADMIN_URL)
    writer = db.for_one_writer()
    try:
        with db.reading() as session:
            assert session.scalar(text("SHOW jit")) == "off"
        with writer.reading() as session:
            assert session.scalar(text("SHOW jit")) == "off"
            assert session.scalar(text("SHOW plan_cache_mode")) == "force_generic_plan"
    finally:
        writer.dispose()
        db.dispose()
