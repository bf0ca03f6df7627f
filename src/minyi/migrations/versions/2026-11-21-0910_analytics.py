"""analytics: alerts, sweep tasks, assessments

Revision ID: g2analyt0001
Revises: g1report0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from minyi.core.db import UTCDateTime

revision = "g2analyt0001"
down_revision = "g1report0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("class_name", sa.String(length=20), nullable=True),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("raised_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("ack_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["staff.id"],
            name=op.f("fk_analytics_alerts_acknowledged_by_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_analytics_alerts_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_alerts")),
        sa.UniqueConstraint("key", name=op.f("uq_analytics_alerts_key")),
    )
    op.create_index(
        "ix_analytics_alerts_status_raised_at", "analytics_alerts", ["status", "raised_at"]
    )
    op.create_index(op.f("ix_analytics_alerts_unit_id"), "analytics_alerts", ["unit_id"])
    op.create_table(
        "analytics_sweeps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_case_id", sa.BigInteger(), nullable=False),
        sa.Column("instruction_id", sa.Integer(), nullable=False),
        sa.Column("place_kind", sa.String(length=20), nullable=False),
        sa.Column("place_filter", sa.String(length=60), nullable=True),
        sa.Column("similar_case_ids", sa.JSON(), nullable=False),
        sa.Column("places", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_analytics_sweeps_created_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["instructions.id"],
            name=op.f("fk_analytics_sweeps_instruction_id_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["source_case_id"], ["cases.id"], name=op.f("fk_analytics_sweeps_source_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_sweeps")),
        sa.UniqueConstraint("instruction_id", name=op.f("uq_analytics_sweeps_instruction_id")),
    )
    op.create_index(
        op.f("ix_analytics_sweeps_source_case_id"), "analytics_sweeps", ["source_case_id"]
    )
    # Read paths of the assessment and the hotspot pass (see minyi/analytics/models.py).
    op.create_index("ix_cases_closed_at_lead_unit_id", "cases", ["closed_at", "lead_unit_id"])
    op.create_index("ix_case_units_assigned_at_unit_id", "case_units", ["assigned_at", "unit_id"])
    op.create_index("ix_bounces_requested_at_unit_id", "bounces", ["requested_at", "unit_id"])
    op.create_index("ix_case_events_action_at", "case_events", ["action", "at"])


def downgrade() -> None:
    op.drop_index("ix_case_events_action_at", table_name="case_events")
    op.drop_index("ix_bounces_requested_at_unit_id", table_name="bounces")
    op.drop_index("ix_case_units_assigned_at_unit_id", table_name="case_units")
    op.drop_index("ix_cases_closed_at_lead_unit_id", table_name="cases")
    op.drop_index(op.f("ix_analytics_sweeps_source_case_id"), table_name="analytics_sweeps")
    op.drop_table("analytics_sweeps")
    op.drop_index(op.f("ix_analytics_alerts_unit_id"), table_name="analytics_alerts")
    op.drop_index("ix_analytics_alerts_status_raised_at", table_name="analytics_alerts")
    op.drop_table("analytics_alerts")
