"""counselling: records, sessions, follow-ups and 话聊

Revision ID: counselling0001
Revises: relief0001

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "counselling0001"
down_revision = "relief0001"
branch_labels = None
depends_on = None

UTC = minyi.core.db.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "counselling_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("client_name", sa.String(length=60), nullable=False),
        sa.Column("client_phone", sa.String(length=20), nullable=False),
        sa.Column("risk_level", sa.String(length=10), nullable=False),
        sa.Column("risk_from", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", UTC, nullable=False),
        sa.Column("closed_at", UTC, nullable=True),
        _fk("counselling_records", "site_id", "service_sites"),
        _fk("counselling_records", "counsellor_id", "staff"),
        _fk("counselling_records", "case_id", "cases"),
        _fk("counselling_records", "appointment_id", "service_appointments"),
        _fk("counselling_records", "opened_by_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counselling_records")),
    )
    for col in ("site_id", "case_id", "risk_level", "status", "opened_at"):
        op.create_index(op.f(f"ix_counselling_records_{col}"), "counselling_records", [col])
    op.create_index(
        "ix_counselling_records_counsellor_id_status",
        "counselling_records",
        ["counsellor_id", "status"],
    )
    op.create_table(
        "counselling_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("held_at", UTC, nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_at", UTC, nullable=False),
        _fk("counselling_sessions", "record_id", "counselling_records"),
        _fk("counselling_sessions", "appointment_id", "service_appointments"),
        _fk("counselling_sessions", "counsellor_id", "staff"),
        _fk("counselling_sessions", "room_id", "site_rooms"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counselling_sessions")),
    )
    for col in ("record_id", "held_at"):
        op.create_index(op.f(f"ix_counselling_sessions_{col}"), "counselling_sessions", [col])
    op.create_table(
        "counselling_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("planned_by_id", sa.Integer(), nullable=False),
        sa.Column("planned_at", UTC, nullable=False),
        sa.Column("done_at", UTC, nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        _fk("counselling_follow_ups", "record_id", "counselling_records"),
        _fk("counselling_follow_ups", "planned_by_id", "staff"),
        _fk("counselling_follow_ups", "done_by_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counselling_follow_ups")),
    )
    for col in ("record_id", "due_on", "done_at"):
        op.create_index(op.f(f"ix_counselling_follow_ups_{col}"), "counselling_follow_ups", [col])
    op.create_table(
        "counselling_talks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", UTC, nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("counsellor_id", sa.Integer(), nullable=True),
        sa.Column("lawyer_id", sa.Integer(), nullable=True),
        sa.Column("mediator_id", sa.Integer(), nullable=True),
        sa.Column("planned_at", UTC, nullable=True),
        sa.Column("held_at", UTC, nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("cancelled_at", UTC, nullable=True),
        _fk("counselling_talks", "case_id", "cases"),
        _fk("counselling_talks", "requested_by_id", "staff"),
        _fk("counselling_talks", "site_id", "service_sites"),
        _fk("counselling_talks", "room_id", "site_rooms"),
        _fk("counselling_talks", "counsellor_id", "staff"),
        _fk("counselling_talks", "lawyer_id", "staff"),
        _fk("counselling_talks", "mediator_id", "staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counselling_talks")),
    )
    for col in ("case_id", "status", "held_at"):
        op.create_index(op.f(f"ix_counselling_talks_{col}"), "counselling_talks", [col])


def downgrade() -> None:
    for table in (
        "counselling_talks",
        "counselling_follow_ups",
        "counselling_sessions",
        "counselling_records",
    ):
        op.drop_table(table)
