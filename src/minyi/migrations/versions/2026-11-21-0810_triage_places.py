"""triage: gazetteer entries (routing history is an in-memory count of dispatch events)

Revision ID: f2places0001
Revises: f1triage0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "f2places0001"
down_revision = "f1triage0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gazetteer_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("created_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_gazetteer_entries_created_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_gazetteer_entries_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gazetteer_entries")),
        sa.UniqueConstraint("name", "unit_id", name=op.f("uq_gazetteer_entries_name_unit_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("gazetteer_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gazetteer_entries_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("gazetteer_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gazetteer_entries_unit_id"))

    op.drop_table("gazetteer_entries")
