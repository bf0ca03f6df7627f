"""sla: a handler's request for an extension (延期申请), decided by the unit head

Revision ID: approvalweb0002
Revises: approvalweb0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "approvalweb0002"
down_revision = "approvalweb0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "extension_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("milestone", sa.String(length=30), nullable=False),
        sa.Column("days", sa.Double(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_extension_requests_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["staff.id"],
            name=op.f("fk_extension_requests_requested_by_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["staff.id"], name=op.f("fk_extension_requests_decided_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extension_requests")),
    )
    op.create_index(op.f("ix_extension_requests_case_id"), "extension_requests", ["case_id"])
    op.create_index(op.f("ix_extension_requests_status"), "extension_requests", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_extension_requests_status"), table_name="extension_requests")
    op.drop_index(op.f("ix_extension_requests_case_id"), table_name="extension_requests")
    op.drop_table("extension_requests")
