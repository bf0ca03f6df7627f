"""core: shared throttle counters replace the web-only sign-in failure rows

Revision ID: throttle0001
Revises: intake0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "throttle0001"
down_revision = "intake0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throttle_counters",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("window_start", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_throttle_counters")),
    )
    with op.batch_alter_table("throttle_counters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_throttle_counters_ends_at"), ["ends_at"], unique=False)
    # Failure rows only ever lived for fifteen minutes: nothing worth carrying over.
    with op.batch_alter_table("web_sign_in_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_web_sign_in_failures_key_at")
    op.drop_table("web_sign_in_failures")


def downgrade() -> None:
    op.create_table(
        "web_sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sign_in_failures")),
    )
    with op.batch_alter_table("web_sign_in_failures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_web_sign_in_failures_key_at", ["username", "client", "at"], unique=False
        )
    with op.batch_alter_table("throttle_counters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_throttle_counters_ends_at"))
    op.drop_table("throttle_counters")
