"""meetings: joint meetings (联席会议), their member units and agenda items

Revision ID: meetings0001
Revises: markets0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "meetings0001"
down_revision = "markets0001"
branch_labels = None
depends_on = None

TS = minyi.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "joint_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("convener_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("held_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["street_id"], ["units.id"], name=op.f("fk_joint_meetings_street_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["convener_id"], ["staff.id"], name=op.f("fk_joint_meetings_convener_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_joint_meetings_created_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joint_meetings")),
    )
    op.create_index("ix_joint_meetings_starts_at", "joint_meetings", ["starts_at"], unique=False)
    op.create_index(
        op.f("ix_joint_meetings_street_id"), "joint_meetings", ["street_id"], unique=False
    )
    op.create_table(
        "joint_meeting_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["joint_meetings.id"],
            name=op.f("fk_joint_meeting_units_meeting_id_joint_meetings"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_joint_meeting_units_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joint_meeting_units")),
        sa.UniqueConstraint(
            "meeting_id", "unit_id", name=op.f("uq_joint_meeting_units_meeting_id_unit_id")
        ),
    )
    op.create_index(
        op.f("ix_joint_meeting_units_meeting_id"),
        "joint_meeting_units",
        ["meeting_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_joint_meeting_units_unit_id"), "joint_meeting_units", ["unit_id"], unique=False
    )
    op.create_table(
        "joint_meeting_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.String(length=200), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", TS, nullable=False),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["joint_meetings.id"],
            name=op.f("fk_joint_meeting_items_meeting_id_joint_meetings"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_joint_meeting_items_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["staff.id"], name=op.f("fk_joint_meeting_items_added_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["staff.id"],
            name=op.f("fk_joint_meeting_items_decided_by_id_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joint_meeting_items")),
        sa.UniqueConstraint(
            "meeting_id", "case_id", name=op.f("uq_joint_meeting_items_meeting_id_case_id")
        ),
    )
    op.create_index(
        op.f("ix_joint_meeting_items_meeting_id"),
        "joint_meeting_items",
        ["meeting_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_joint_meeting_items_case_id"), "joint_meeting_items", ["case_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("joint_meeting_items")
    op.drop_table("joint_meeting_units")
    op.drop_table("joint_meetings")
