"""volunteers: 平安志愿者, their reports, the point rules (with the two general defaults) and the
append-only points ledger

Revision ID: volunteers0001
Revises: grid160001
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "volunteers0001"
down_revision = "grid160001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    rules = op.create_table(
        "volunteer_point_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("class_name", sa.String(length=20), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "points >= 0 AND points <= 10000", name=op.f("ck_volunteer_point_rules_points_range")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["staff.id"],
            name=op.f("fk_volunteer_point_rules_updated_by_id_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_point_rules")),
        sa.UniqueConstraint(
            "kind", "class_name", name=op.f("uq_volunteer_point_rules_kind_class_name")
        ),
    )
    op.create_table(
        "volunteers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("registered_via", sa.String(length=10), nullable=False),
        sa.Column("registered_by_id", sa.Integer(), nullable=True),
        sa.Column("registered_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["units.id"], name=op.f("fk_volunteers_community_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["staff.id"], name=op.f("fk_volunteers_decided_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_id"], ["staff.id"], name=op.f("fk_volunteers_registered_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteers")),
        sa.UniqueConstraint("code", name=op.f("uq_volunteers_code")),
        sa.UniqueConstraint("phone", name=op.f("uq_volunteers_phone")),
    )
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteers_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_volunteers_status"), ["status"], unique=False)

    op.create_table(
        "volunteer_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("submitted_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("matter_case_id", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_volunteer_reports_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["units.id"], name=op.f("fk_volunteer_reports_community_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["staff.id"], name=op.f("fk_volunteer_reports_decided_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["matter_case_id"], ["cases.id"], name=op.f("fk_volunteer_reports_matter_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_volunteer_reports_volunteer_id_volunteers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_reports")),
        sa.UniqueConstraint("case_id", name=op.f("uq_volunteer_reports_case_id")),
        sa.UniqueConstraint(
            "volunteer_id", "token", name=op.f("uq_volunteer_reports_volunteer_id_token")
        ),
    )
    with op.batch_alter_table("volunteer_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteer_reports_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(
            "ix_volunteer_reports_state_submitted_at", ["state", "submitted_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_volunteer_reports_volunteer_id"), ["volunteer_id"], unique=False
        )

    op.create_table(
        "volunteer_point_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("matter_case_id", sa.BigInteger(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_volunteer_point_entries_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff.id"],
            name=op.f("fk_volunteer_point_entries_created_by_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["matter_case_id"],
            ["cases.id"],
            name=op.f("fk_volunteer_point_entries_matter_case_id_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["volunteer_reports.id"],
            name=op.f("fk_volunteer_point_entries_report_id_volunteer_reports"),
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["volunteer_point_rules.id"],
            name=op.f("fk_volunteer_point_entries_rule_id_volunteer_point_rules"),
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_volunteer_point_entries_volunteer_id_volunteers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_point_entries")),
        sa.UniqueConstraint(
            "matter_case_id", "kind", name=op.f("uq_volunteer_point_entries_matter_case_id_kind")
        ),
        sa.UniqueConstraint(
            "volunteer_id",
            "case_id",
            "rule_id",
            name=op.f("uq_volunteer_point_entries_volunteer_id_case_id_rule_id"),
        ),
    )
    with op.batch_alter_table("volunteer_point_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteer_point_entries_report_id"), ["report_id"], unique=False
        )
        batch_op.create_index(
            "ix_volunteer_point_entries_volunteer_id_id", ["volunteer_id", "id"], unique=False
        )
    # The general rules an administrator starts from (志愿者积分规则): 10 points a verified report,
    # 5 more when its case is answered; the rules page changes them.
    now = datetime.datetime.now(datetime.UTC)
    op.bulk_insert(
        rules,
        [
            {
                "kind": "verified",
                "class_name": None,
                "points": 10,
                "is_active": True,
                "updated_at": now,
            },
            {
                "kind": "closed",
                "class_name": None,
                "points": 5,
                "is_active": True,
                "updated_at": now,
            },
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("volunteer_point_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteer_point_entries_volunteer_id_id")
        batch_op.drop_index(batch_op.f("ix_volunteer_point_entries_report_id"))

    op.drop_table("volunteer_point_entries")
    with op.batch_alter_table("volunteer_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_reports_volunteer_id"))
        batch_op.drop_index("ix_volunteer_reports_state_submitted_at")
        batch_op.drop_index(batch_op.f("ix_volunteer_reports_community_id"))

    op.drop_table("volunteer_reports")
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteers_status"))
        batch_op.drop_index(batch_op.f("ix_volunteers_community_id"))

    op.drop_table("volunteers")
    op.drop_table("volunteer_point_rules")
