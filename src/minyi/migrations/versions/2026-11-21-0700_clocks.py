"""clock policies and clock rows

Revision ID: d1sla0000001
Revises: e0keycase001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "d1sla0000001"
down_revision = "e0keycase001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, minyi.core.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "clock_policy_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        ts("created_at"),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clock_policy_sets")),
        sa.UniqueConstraint("version", name=op.f("uq_clock_policy_sets_version")),
    )
    op.create_table(
        "clocks",
        sa.Column("id", ID, nullable=False),
        sa.Column("subject", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("milestone", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("policy_code", sa.String(length=20), nullable=True),
        sa.Column("calendar", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        ts("started_at"),
        ts("due_at"),
        ts("warn_at"),
        ts("next_fire_at", nullable=True),
        sa.Column("total_seconds", sa.Double(), nullable=False),
        sa.Column("warn_seconds", sa.Double(), nullable=False),
        ts("warned_at", nullable=True),
        ts("breached_at", nullable=True),
        ts("completed_at", nullable=True),
        ts("paused_at", nullable=True),
        sa.Column("pause_reason", sa.Text(), nullable=True),
        sa.Column("remaining_seconds", sa.Double(), nullable=True),
        sa.Column("extended_seconds", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_clocks_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clocks")),
    )
    with op.batch_alter_table("clocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clocks_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_clocks_state_next_fire_at", ["state", "next_fire_at"], unique=False
        )
        batch_op.create_index("ix_clocks_subject", ["subject", "subject_id"], unique=False)
    op.create_table(
        "clock_firings",
        sa.Column("id", ID, nullable=False),
        sa.Column("clock_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        ts("fired_at"),
        sa.Column("worker", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["clock_id"], ["clocks.id"], name=op.f("fk_clock_firings_clock_id_clocks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clock_firings")),
        sa.UniqueConstraint("clock_id", "kind", name=op.f("uq_clock_firings_clock_id_kind")),
    )


def downgrade() -> None:
    op.drop_table("clock_firings")
    op.drop_table("clocks")
    op.drop_table("clock_policy_sets")
