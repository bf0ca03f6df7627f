"""markets: service market events, their stalls and stall staff, and the matters raised there

Revision ID: markets0001
Revises: gridrest0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "markets0001"
down_revision = "gridrest0001"
branch_labels = None
depends_on = None

UTC = minyi.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "market_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", UTC, nullable=False),
        sa.Column("ends_at", UTC, nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("is_cancelled", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["units.id"], name=op.f("fk_market_events_area_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_market_events_created_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_events")),
    )
    op.create_index(op.f("ix_market_events_area_id"), "market_events", ["area_id"])
    op.create_index(op.f("ix_market_events_starts_at"), "market_events", ["starts_at"])
    op.create_table(
        "market_stalls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("visitors", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["market_events.id"], name=op.f("fk_market_stalls_event_id_market_events")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_market_stalls_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_stalls")),
        sa.UniqueConstraint("event_id", "unit_id", name=op.f("uq_market_stalls_event_id_unit_id")),
    )
    op.create_index(op.f("ix_market_stalls_event_id"), "market_stalls", ["event_id"])
    op.create_index(op.f("ix_market_stalls_unit_id"), "market_stalls", ["unit_id"])
    op.create_table(
        "market_stall_staff",
        sa.Column("stall_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stall_id"],
            ["market_stalls.id"],
            name=op.f("fk_market_stall_staff_stall_id_market_stalls"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_market_stall_staff_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("stall_id", "staff_id", name=op.f("pk_market_stall_staff")),
    )
    op.create_index(op.f("ix_market_stall_staff_staff_id"), "market_stall_staff", ["staff_id"])
    op.create_table(
        "market_matters",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("stall_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=100), nullable=False),
        sa.Column("theme", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.Column("solved_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["market_events.id"],
            name=op.f("fk_market_matters_event_id_market_events"),
        ),
        sa.ForeignKeyConstraint(
            ["stall_id"],
            ["market_stalls.id"],
            name=op.f("fk_market_matters_stall_id_market_stalls"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_market_matters_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["staff.id"], name=op.f("fk_market_matters_recorded_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_matters")),
        sa.UniqueConstraint("stall_id", "token", name=op.f("uq_market_matters_stall_id_token")),
    )
    op.create_index(op.f("ix_market_matters_stall_id"), "market_matters", ["stall_id"])
    op.create_index(op.f("ix_market_matters_case_id"), "market_matters", ["case_id"])
    op.create_index(op.f("ix_market_matters_recorded_at"), "market_matters", ["recorded_at"])
    op.create_index("ix_market_matters_event_id_outcome", "market_matters", ["event_id", "outcome"])


def downgrade() -> None:
    op.drop_table("market_matters")
    op.drop_table("market_stall_staff")
    op.drop_table("market_stalls")
    op.drop_table("market_events")
