"""relief: applications, their reviews, payments and follow-up visits

Revision ID: relief0001
Revises: legal0001

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "relief0001"
down_revision = "legal0001"
branch_labels = None
depends_on = None

UTC = minyi.core.db.UTCDateTime(timezone=True)
MONEY = sa.Numeric(12, 2)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    t = "relief_applications"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=20), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("returned_from", sa.String(length=20), nullable=True),
        sa.Column("via", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("person_key", sa.String(length=90), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("income", MONEY, nullable=True),
        sa.Column("requested_amount", MONEY, nullable=True),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("approved_amount", MONEY, nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("duplicate_of", sa.JSON(), nullable=False),
        sa.Column("flagged_at", UTC, nullable=True),
        sa.Column("repeat_reason", sa.Text(), nullable=True),
        _fk(t, "case_id", "cases"),
        _fk(t, "community_id", "units"),
        _fk(t, "household_id", "households"),
        _fk(t, "created_by_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_applications")),
        sa.UniqueConstraint("ref", name=op.f("uq_relief_applications_ref")),
    )
    for column in ("case_id", "kind", "status", "person_key", "community_id", "created_at"):
        op.create_index(op.f(f"ix_{t}_{column}"), t, [column])
    t = "relief_reviews"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", UTC, nullable=False),
        _fk(t, "application_id", "relief_applications"),
        _fk(t, "actor_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_reviews")),
    )
    op.create_index(op.f(f"ix_{t}_application_id"), t, ["application_id"])
    t = "relief_payments"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("person_key", sa.String(length=90), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("paid_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.Column("repeat_reason", sa.Text(), nullable=True),
        _fk(t, "application_id", "relief_applications"),
        _fk(t, "paid_by_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_payments")),
        sa.UniqueConstraint("application_id", name=op.f("uq_relief_payments_application_id")),
    )
    op.create_index(op.f(f"ix_{t}_person_key"), t, ["person_key"])
    op.create_index(op.f(f"ix_{t}_paid_on"), t, ["paid_on"])
    t = "relief_follow_ups"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("visited_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        _fk(t, "application_id", "relief_applications"),
        _fk(t, "visited_by_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relief_follow_ups")),
        sa.UniqueConstraint("application_id", name=op.f("uq_relief_follow_ups_application_id")),
    )


def downgrade() -> None:
    op.drop_table("relief_follow_ups")
    op.drop_table("relief_payments")
    op.drop_table("relief_reviews")
    op.drop_table("relief_applications")
