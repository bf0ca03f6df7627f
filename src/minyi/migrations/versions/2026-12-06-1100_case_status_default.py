"""rolling upgrades: case_units.case_status gets a server default ('') for old app versions

Revision ID: unitdefault0001
Revises: rollups0001

An app from before unitstatus0001 does not know `case_units.case_status`: while it still serves
during a rolling upgrade, its dispatch inserts a case_units row without it, which the NOT NULL
column refuses (the dispatch fails). With a default of '' the row goes in, matches no status
filter until `minyi db reconcile` or the worker's `reconcile_derived` job copies the case's
status onto it (sla/reconcile.py, docs/deployment.md §2). The current code always writes the
column (cases.service), so the model states no default: it is the old versions' alone.

PostgreSQL: a catalogue change (no rewrite), under the migrations' lock_timeout. SQLite: the
table is rebuilt (batch mode); an SQLite district runs one host, so it is for symmetry.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "unitdefault0001"
down_revision = "rollups0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_units") as batch:
        batch.alter_column(
            "case_status",
            existing_type=sa.String(length=20),
            existing_nullable=False,
            server_default="",
        )


def downgrade() -> None:
    with op.batch_alter_table("case_units") as batch:
        batch.alter_column(
            "case_status",
            existing_type=sa.String(length=20),
            existing_nullable=False,
            server_default=None,
        )
