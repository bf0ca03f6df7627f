"""escalation, leader case-holding, whistle

Revision ID: b1escal00001
Revises: a1notify0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "b1escal00001"
down_revision = "a1notify0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalation_rule_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("imported_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["imported_by_id"],
            ["staff.id"],
            name=op.f("fk_escalation_rule_sets_imported_by_id_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_rule_sets")),
        sa.UniqueConstraint("version", name=op.f("uq_escalation_rule_sets_version")),
    )
    with op.batch_alter_table("escalation_rule_sets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_rule_sets_is_current"), ["is_current"], unique=False
        )

    op.create_table(
        "case_escalations",
        sa.Column("case_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("rule_code", sa.String(length=40), nullable=False),
        sa.Column("rule_set_version", sa.Integer(), nullable=False),
        sa.Column("lifted_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assigned_staff_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_staff_id"],
            ["staff.id"],
            name=op.f("fk_case_escalations_assigned_staff_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_escalations_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_escalations")),
    )
    with op.batch_alter_table("case_escalations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_escalations_assigned_staff_id"), ["assigned_staff_id"], unique=False
        )
        batch_op.create_index(
            "ix_case_escalations_level_lifted_at", ["level", "lifted_at"], unique=False
        )

    op.create_table(
        "holdings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("active_case_id", sa.BigInteger(), nullable=True),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("taken_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("plan", sa.Text(), nullable=True),
        sa.Column("plan_updated_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("problem_solved", sa.Text(), nullable=True),
        sa.Column("policy_explained", sa.Text(), nullable=True),
        sa.Column("hardship_helped", sa.Text(), nullable=True),
        sa.Column("unlawful_handled", sa.Text(), nullable=True),
        sa.Column("release_requested_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("closed_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_holdings_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["staff.id"], name=op.f("fk_holdings_decided_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["leader_id"], ["staff.id"], name=op.f("fk_holdings_leader_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holdings")),
        sa.UniqueConstraint("active_case_id", name=op.f("uq_holdings_active_case_id")),
    )
    with op.batch_alter_table("holdings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holdings_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_holdings_leader_status", ["leader_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_holdings_status"), ["status"], unique=False)

    op.create_table(
        "whistles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("issuer_unit_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("place_unit_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("report_minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_whistles_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["issuer_id"], ["staff.id"], name=op.f("fk_whistles_issuer_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["issuer_unit_id"], ["units.id"], name=op.f("fk_whistles_issuer_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["place_unit_id"], ["units.id"], name=op.f("fk_whistles_place_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whistles")),
    )
    with op.batch_alter_table("whistles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_whistles_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_whistles_issuer_unit_id"), ["issuer_unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_whistles_place_unit_id"), ["place_unit_id"], unique=False
        )
        batch_op.create_index(
            "ix_whistles_status_created_at", ["status", "created_at"], unique=False
        )

    op.create_table(
        "holding_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holding_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("visited_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_holding_visits_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["holding_id"], ["holdings.id"], name=op.f("fk_holding_visits_holding_id_holdings")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["staff.id"], name=op.f("fk_holding_visits_recorded_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holding_visits")),
    )
    with op.batch_alter_table("holding_visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holding_visits_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_holding_visits_holding_id"), ["holding_id"], unique=False
        )

    op.create_table(
        "summonses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("whistle_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("summoned_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reported_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("action_text", sa.Text(), nullable=True),
        sa.Column("acted_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acted_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirm_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acted_by_id"], ["staff.id"], name=op.f("fk_summonses_acted_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["staff.id"], name=op.f("fk_summonses_confirmed_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["reported_by_id"], ["staff.id"], name=op.f("fk_summonses_reported_by_id_staff")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_summonses_unit_id_units")),
        sa.ForeignKeyConstraint(
            ["whistle_id"], ["whistles.id"], name=op.f("fk_summonses_whistle_id_whistles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summonses")),
        sa.UniqueConstraint("whistle_id", "unit_id", name=op.f("uq_summonses_whistle_id_unit_id")),
    )
    with op.batch_alter_table("summonses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_summonses_unit_id_summoned_at", ["unit_id", "summoned_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("summonses", schema=None) as batch_op:
        batch_op.drop_index("ix_summonses_unit_id_summoned_at")

    op.drop_table("summonses")
    with op.batch_alter_table("holding_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holding_visits_holding_id"))
        batch_op.drop_index(batch_op.f("ix_holding_visits_case_id"))

    op.drop_table("holding_visits")
    with op.batch_alter_table("whistles", schema=None) as batch_op:
        batch_op.drop_index("ix_whistles_status_created_at")
        batch_op.drop_index(batch_op.f("ix_whistles_place_unit_id"))
        batch_op.drop_index(batch_op.f("ix_whistles_issuer_unit_id"))
        batch_op.drop_index(batch_op.f("ix_whistles_case_id"))

    op.drop_table("whistles")
    with op.batch_alter_table("holdings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holdings_status"))
        batch_op.drop_index("ix_holdings_leader_status")
        batch_op.drop_index(batch_op.f("ix_holdings_case_id"))

    op.drop_table("holdings")
    with op.batch_alter_table("case_escalations", schema=None) as batch_op:
        batch_op.drop_index("ix_case_escalations_level_lifted_at")
        batch_op.drop_index(batch_op.f("ix_case_escalations_assigned_staff_id"))

    op.drop_table("case_escalations")
    with op.batch_alter_table("escalation_rule_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_rule_sets_is_current"))

    op.drop_table("escalation_rule_sets")
