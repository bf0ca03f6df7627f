"""worker: attempts, last error, back-off and parking for outbox messages, triage queue entries
and scheduled reports (core/retries.py)

Revision ID: retries0001
Revises: worker0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "retries0001"
down_revision = "worker0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(
            sa.Column("parked_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("triage_queue") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("next_attempt_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("parked_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "report_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("created_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("parked_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["report_issues.id"], name=op.f("fk_report_runs_issue_id_report_issues")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_runs")),
        sa.UniqueConstraint("kind", "period_start", name=op.f("uq_report_runs_kind_period_start")),
    )


def downgrade() -> None:
    op.drop_table("report_runs")
    with op.batch_alter_table("triage_queue") as batch:
        batch.drop_column("parked_at")
        batch.drop_column("next_attempt_at")
        batch.drop_column("last_error")
        batch.drop_column("attempts")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("parked_at")
