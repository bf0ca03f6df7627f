"""triage: suggestions and dispatcher corrections

Revision ID: f4suggest001
Revises: f3signal0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "f4suggest001"
down_revision = "f3signal0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "triage_suggestions",
        sa.Column("id", _ID, nullable=False),
        sa.Column("appeal_id", sa.BigInteger(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=60), nullable=True),
        sa.Column("leaf_code", sa.String(length=40), nullable=True),
        sa.Column("class_name", sa.String(length=20), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("top_k", sa.JSON(), nullable=False),
        sa.Column("place", sa.JSON(), nullable=False),
        sa.Column("place_candidates", sa.JSON(), nullable=False),
        sa.Column("lead_unit", sa.String(length=40), nullable=True),
        sa.Column("co_units", sa.JSON(), nullable=False),
        sa.Column("excluded", sa.JSON(), nullable=False),
        sa.Column("risk_flags", sa.JSON(), nullable=False),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("qualifies_for_auto", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("hold_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=60), nullable=True),
        sa.Column("decided_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_triage_suggestions_appeal_id_appeals")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_triage_suggestions_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_suggestions")),
        sa.UniqueConstraint("appeal_id", name=op.f("uq_triage_suggestions_appeal_id")),
    )
    with op.batch_alter_table("triage_suggestions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_triage_suggestions_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            "ix_triage_suggestions_status_created_at", ["status", "created_at"], unique=False
        )

    op.create_table(
        "triage_corrections",
        sa.Column("id", _ID, nullable=False),
        sa.Column("suggestion_id", _ID, nullable=False),
        sa.Column("appeal_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=True),
        sa.Column("leaf_code", sa.String(length=40), nullable=True),
        sa.Column("predicted_label", sa.String(length=60), nullable=True),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("place", sa.JSON(), nullable=False),
        sa.Column("lead_unit", sa.String(length=40), nullable=True),
        sa.Column("co_units", sa.JSON(), nullable=False),
        sa.Column("corrected_by_id", sa.Integer(), nullable=True),
        sa.Column("corrected_by", sa.String(length=60), nullable=False),
        sa.Column("corrected_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_triage_corrections_appeal_id_appeals")
        ),
        sa.ForeignKeyConstraint(
            ["corrected_by_id"],
            ["staff.id"],
            name=op.f("fk_triage_corrections_corrected_by_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["suggestion_id"],
            ["triage_suggestions.id"],
            name=op.f("fk_triage_corrections_suggestion_id_triage_suggestions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_corrections")),
    )
    with op.batch_alter_table("triage_corrections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_triage_corrections_appeal_id"), ["appeal_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_triage_corrections_suggestion_id"), ["suggestion_id"], unique=False
        )

    # Nullable, no default: intake's inserts need not know the column (NULL = nobody accused).
    op.add_column("cases", sa.Column("identity_hidden_from", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("identity_hidden_from")
    with op.batch_alter_table("triage_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_triage_corrections_suggestion_id"))
        batch_op.drop_index(batch_op.f("ix_triage_corrections_appeal_id"))
    op.drop_table("triage_corrections")
    with op.batch_alter_table("triage_suggestions", schema=None) as batch_op:
        batch_op.drop_index("ix_triage_suggestions_status_created_at")
        batch_op.drop_index(batch_op.f("ix_triage_suggestions_case_id"))
    op.drop_table("triage_suggestions")
