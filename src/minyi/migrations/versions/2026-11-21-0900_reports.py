"""reports: daily report issues, subscribers

Revision ID: g1report0001
Revises: f4suggest001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "g1report0001"
down_revision = "f4suggest001"
branch_labels = None
depends_on = None

# Indexes the report's period queries need on other packages' tables (see reports/models.py).
PERIOD_INDEXES = [
    ("cases", "ix_cases_registered_at", ["registered_at"]),
    ("cases", "ix_cases_closed_at", ["closed_at"]),
    ("clocks", "ix_clocks_breached_at", ["breached_at"]),
    ("clocks", "ix_clocks_state_warn_at", ["state", "warn_at"]),
    ("case_escalations", "ix_case_escalations_lifted_at", ["lifted_at"]),
]


def upgrade() -> None:
    op.create_table(
        "report_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("edition_key", sa.String(length=40), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("issued_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=60), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("correction_note", sa.Text(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["report_issues.id"],
            name=op.f("fk_report_issues_corrects_id_report_issues"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_issues")),
        sa.UniqueConstraint("edition_key", name=op.f("uq_report_issues_edition_key")),
        sa.UniqueConstraint("kind", "number", name=op.f("uq_report_issues_kind_number")),
    )
    with op.batch_alter_table("report_issues", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_issues_corrects_id"), ["corrects_id"], unique=False
        )
        batch_op.create_index(
            "ix_report_issues_kind_period_start", ["kind", "period_start"], unique=False
        )

    op.create_table(
        "report_subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_subscribers")),
        sa.UniqueConstraint("email", name=op.f("uq_report_subscribers_email")),
    )
    for table, name, columns in PERIOD_INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)
    _make_issues_immutable()


def _make_issues_immutable() -> None:
    """An issued report is a record a leader signed off on: the database refuses to rewrite it.
    A correction is a new issue pointing at the old one."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION minyi_report_issue_immutable() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'report_issues is immutable; issue a correction'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER report_issues_immutable BEFORE UPDATE OR DELETE ON report_issues "
            "FOR EACH ROW EXECUTE FUNCTION minyi_report_issue_immutable()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER report_issues_no_{verb.lower()} BEFORE {verb} ON report_issues "
                "BEGIN SELECT RAISE(ABORT, 'report_issues is immutable; issue a correction'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER report_issues_immutable ON report_issues")
        op.execute("DROP FUNCTION minyi_report_issue_immutable()")
    else:
        op.execute("DROP TRIGGER report_issues_no_update")
        op.execute("DROP TRIGGER report_issues_no_delete")
    for table, name, _columns in reversed(PERIOD_INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
    op.drop_table("report_subscribers")
    with op.batch_alter_table("report_issues", schema=None) as batch_op:
        batch_op.drop_index("ix_report_issues_kind_period_start")
        batch_op.drop_index(batch_op.f("ix_report_issues_corrects_id"))
    op.drop_table("report_issues")
    op.execute("DELETE FROM counters WHERE name LIKE 'report:%'")
