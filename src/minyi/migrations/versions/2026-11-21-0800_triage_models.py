"""triage: classifier model registry

Revision ID: f1triage0001
Revises: c1superv0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "f1triage0001"
down_revision = "c1superv0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "triage_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("threshold", sa.Double(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_models")),
        sa.UniqueConstraint("version", name=op.f("uq_triage_models_version")),
    )
    with op.batch_alter_table("triage_models", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_triage_models_is_current"), ["is_current"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("triage_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_triage_models_is_current"))

    op.drop_table("triage_models")
