"""web: sessions, sign-in throttling

Revision ID: i1web000001
Revises: h1integr0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "i1web000001"
down_revision = "h1integr0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
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


def downgrade() -> None:
    with op.batch_alter_table("web_sign_in_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_web_sign_in_failures_key_at")

    op.drop_table("web_sign_in_failures")
