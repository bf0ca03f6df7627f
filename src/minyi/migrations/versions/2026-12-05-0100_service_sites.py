"""services: service sites with rooms, professionals and hours; appointments; a case's service

Revision ID: services0001
Revises: receptions0001

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "services0001"
down_revision = "receptions0001"
branch_labels = None
depends_on = None

UTC = minyi.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    # Nullable and without a default: instant on PostgreSQL however many cases there are.
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("service", sa.String(length=20), nullable=True))
    op.create_table(
        "service_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("hours", sa.String(length=200), nullable=False),
        sa.Column("is_bookable", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_service_sites_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_sites")),
        sa.UniqueConstraint("unit_id", name=op.f("uq_service_sites_unit_id")),
    )
    op.create_index(op.f("ix_service_sites_category"), "service_sites", ["category"])
    op.create_table(
        "site_rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["service_sites.id"], name=op.f("fk_site_rooms_site_id_service_sites")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_rooms")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_site_rooms_site_id_name")),
    )
    op.create_index(op.f("ix_site_rooms_site_id"), "site_rooms", ["site_id"])
    op.create_table(
        "site_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("hours", sa.String(length=200), nullable=True),
        sa.Column("supervisor_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["service_sites.id"], name=op.f("fk_site_staff_site_id_service_sites")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_site_staff_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"], ["staff.id"], name=op.f("fk_site_staff_supervisor_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_staff")),
        sa.UniqueConstraint("site_id", "staff_id", "kind", name=op.f("uq_site_staff_site_id_staff_id_kind")),
    )
    op.create_index(op.f("ix_site_staff_site_id"), "site_staff", ["site_id"])
    op.create_index(op.f("ix_site_staff_staff_id"), "site_staff", ["staff_id"])
    op.create_index(op.f("ix_site_staff_kind"), "site_staff", ["kind"])
    op.create_table(
        "service_appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", UTC, nullable=False),
        sa.Column("ends_at", UTC, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("booked_by_id", sa.Integer(), nullable=True),
        sa.Column("booked_at", UTC, nullable=False),
        sa.Column("came_at", UTC, nullable=True),
        sa.Column("cancelled_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["service_sites.id"],
            name=op.f("fk_service_appointments_site_id_service_sites"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_service_appointments_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_service_appointments_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["booked_by_id"], ["staff.id"], name=op.f("fk_service_appointments_booked_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_appointments")),
        sa.UniqueConstraint("ref", name=op.f("uq_service_appointments_ref")),
    )
    op.create_index(op.f("ix_service_appointments_site_id"), "service_appointments", ["site_id"])
    op.create_index(op.f("ix_service_appointments_service"), "service_appointments", ["service"])
    op.create_index(
        op.f("ix_service_appointments_starts_at"), "service_appointments", ["starts_at"]
    )
    op.create_index(op.f("ix_service_appointments_case_id"), "service_appointments", ["case_id"])
    op.create_index(
        "ix_service_appointments_staff_id_starts_at",
        "service_appointments",
        ["staff_id", "starts_at"],
    )


def downgrade() -> None:
    op.drop_table("service_appointments")
    op.drop_table("site_staff")
    op.drop_table("site_rooms")
    op.drop_table("service_sites")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("service")
