"""legal: consultations with resident lawyers, legal-aid referrals, pre-petition advice

Revision ID: legal0001
Revises: mediation0001

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "legal0001"
down_revision = "mediation0001"
branch_labels = None
depends_on = None

UTC = minyi.core.db.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _index(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    t = "legal_consultations"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("lawyer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("area", sa.String(length=20), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("advice", sa.Text(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("needs_follow_up", sa.Boolean(), nullable=False),
        sa.Column("follow_up", sa.String(length=500), nullable=True),
        sa.Column("consulted_at", UTC, nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        _fk(t, "appointment_id", "service_appointments"),
        _fk(t, "case_id", "cases"),
        _fk(t, "site_id", "service_sites"),
        _fk(t, "lawyer_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("appointment_id", name=op.f(f"uq_{t}_appointment_id")),
    )
    _index(t, "case_id", "site_id", "lawyer_id", "area", "consulted_at")
    t = "legal_aid_referrals"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=True),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("area", sa.String(length=20), nullable=False),
        sa.Column("monthly_income", sa.Numeric(12, 2), nullable=True),
        sa.Column("household_size", sa.Integer(), nullable=True),
        sa.Column("hardship", sa.String(length=20), nullable=False),
        sa.Column("situation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("referred_by_id", sa.Integer(), nullable=False),
        sa.Column("referred_at", UTC, nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("lawyer_id", sa.Integer(), nullable=True),
        _fk(t, "consultation_id", "legal_consultations"),
        _fk(t, "case_id", "cases"),
        _fk(t, "referred_by_id", "staff"),
        _fk(t, "decided_by_id", "staff"),
        _fk(t, "lawyer_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    _index(t, "consultation_id", "case_id", "status", "referred_by_id", "referred_at", "decided_at")
    t = "legal_pre_petition_advices"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column("advice", sa.Text(), nullable=False),
        sa.Column("choice", sa.String(length=20), nullable=False),
        sa.Column("advised_by_id", sa.Integer(), nullable=False),
        sa.Column("advised_at", UTC, nullable=False),
        sa.Column("chosen_at", UTC, nullable=True),
        _fk(t, "case_id", "cases"),
        _fk(t, "advised_by_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    _index(t, "case_id", "advised_at")


def downgrade() -> None:
    op.drop_table("legal_pre_petition_advices")
    op.drop_table("legal_aid_referrals")
    op.drop_table("legal_consultations")
