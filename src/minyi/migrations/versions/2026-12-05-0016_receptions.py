"""receptions: leaders' receptions, slots, bookings and home visits

Revision ID: receptions0001
Revises: meetings0001

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "receptions0001"
down_revision = "meetings0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("held_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_receptions_created_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["leader_id"], ["staff.id"], name=op.f("fk_receptions_leader_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["staff.id"], name=op.f("fk_receptions_recorded_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_receptions_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receptions")),
    )
    with op.batch_alter_table("receptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receptions_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_receptions_held_at"), ["held_at"], unique=False)
        batch_op.create_index("ix_receptions_leader_id_day", ["leader_id", "day"], unique=False)
        batch_op.create_index(batch_op.f("ix_receptions_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_receptions_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "reception_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reception_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reception_id"],
            ["receptions.id"],
            name=op.f("fk_reception_slots_reception_id_receptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reception_slots")),
    )
    with op.batch_alter_table("reception_slots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reception_slots_reception_id"), ["reception_id"], unique=False
        )

    op.create_table(
        "reception_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reception_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("matter", sa.Text(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("booked_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("came_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("is_held", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_reception_bookings_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["reception_id"],
            ["receptions.id"],
            name=op.f("fk_reception_bookings_reception_id_receptions"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["staff.id"],
            name=op.f("fk_reception_bookings_recorded_by_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["reception_slots.id"],
            name=op.f("fk_reception_bookings_slot_id_reception_slots"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reception_bookings")),
        sa.UniqueConstraint(
            "reception_id", "phone", name=op.f("uq_reception_bookings_reception_id_phone")
        ),
        sa.UniqueConstraint("ref", name=op.f("uq_reception_bookings_ref")),
    )
    with op.batch_alter_table("reception_bookings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reception_bookings_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reception_bookings_reception_id"), ["reception_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reception_bookings_slot_id"), ["slot_id"], unique=False
        )

    op.create_table(
        "reception_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reception_id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("visited_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["reception_bookings.id"],
            name=op.f("fk_reception_visits_booking_id_reception_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_reception_visits_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["reception_id"],
            ["receptions.id"],
            name=op.f("fk_reception_visits_reception_id_receptions"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["staff.id"], name=op.f("fk_reception_visits_recorded_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reception_visits")),
    )
    with op.batch_alter_table("reception_visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reception_visits_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reception_visits_reception_id"), ["reception_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reception_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reception_visits_reception_id"))
        batch_op.drop_index(batch_op.f("ix_reception_visits_case_id"))

    op.drop_table("reception_visits")
    with op.batch_alter_table("reception_bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reception_bookings_slot_id"))
        batch_op.drop_index(batch_op.f("ix_reception_bookings_reception_id"))
        batch_op.drop_index(batch_op.f("ix_reception_bookings_case_id"))

    op.drop_table("reception_bookings")
    with op.batch_alter_table("reception_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reception_slots_reception_id"))

    op.drop_table("reception_slots")
    with op.batch_alter_table("receptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receptions_unit_id"))
        batch_op.drop_index(batch_op.f("ix_receptions_status"))
        batch_op.drop_index("ix_receptions_leader_id_day")
        batch_op.drop_index(batch_op.f("ix_receptions_held_at"))
        batch_op.drop_index(batch_op.f("ix_receptions_day"))

    op.drop_table("receptions")
