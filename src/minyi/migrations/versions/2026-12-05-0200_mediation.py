"""mediation: disputes on cases with parties, mediators, sessions, agreements and their terms

Revision ID: mediation0001
Revises: services0001

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "mediation0001"
down_revision = "services0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mediation_disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("matters", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("outcome_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("referral", sa.String(length=12), nullable=True),
        sa.Column("referral_reason", sa.Text(), nullable=True),
        sa.Column("referred_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_mediation_disputes_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["staff.id"], name=op.f("fk_mediation_disputes_opened_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["service_sites.id"],
            name=op.f("fk_mediation_disputes_site_id_service_sites"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_disputes")),
        sa.UniqueConstraint("case_id", name=op.f("uq_mediation_disputes_case_id")),
    )
    with op.batch_alter_table("mediation_disputes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mediation_disputes_opened_at"), ["opened_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mediation_disputes_outcome_at"), ["outcome_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mediation_disputes_site_id"), ["site_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mediation_disputes_status"), ["status"], unique=False)

    op.create_table(
        "mediation_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("is_partial", sa.Boolean(), nullable=False),
        sa.Column("performance", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=False),
        sa.Column("made_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("court", sa.String(length=100), nullable=True),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("ruling", sa.String(length=12), nullable=True),
        sa.Column("ruled_on", sa.Date(), nullable=True),
        sa.Column("ruling_number", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["mediation_disputes.id"],
            name=op.f("fk_mediation_agreements_dispute_id_mediation_disputes"),
        ),
        sa.ForeignKeyConstraint(
            ["made_by_id"], ["staff.id"], name=op.f("fk_mediation_agreements_made_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_agreements")),
        sa.UniqueConstraint("number", name=op.f("uq_mediation_agreements_number")),
    )
    with op.batch_alter_table("mediation_agreements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mediation_agreements_dispute_id"), ["dispute_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mediation_agreements_made_at"), ["made_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mediation_agreements_status"), ["status"], unique=False
        )

    op.create_table(
        "mediation_mediators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("is_lead", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["mediation_disputes.id"],
            name=op.f("fk_mediation_mediators_dispute_id_mediation_disputes"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_mediation_mediators_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_mediators")),
        sa.UniqueConstraint(
            "dispute_id", "staff_id", name=op.f("uq_mediation_mediators_dispute_id_staff_id")
        ),
    )
    with op.batch_alter_table("mediation_mediators", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mediation_mediators_dispute_id"), ["dispute_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mediation_mediators_staff_id"), ["staff_id"], unique=False
        )

    op.create_table(
        "mediation_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["mediation_disputes.id"],
            name=op.f("fk_mediation_parties_dispute_id_mediation_disputes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_parties")),
    )
    with op.batch_alter_table("mediation_parties", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mediation_parties_dispute_id"), ["dispute_id"], unique=False
        )

    op.create_table(
        "mediation_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispute_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("is_online", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("planned_by_id", sa.Integer(), nullable=False),
        sa.Column("planned_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("held_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("minutes", sa.Text(), nullable=True),
        sa.Column("attendance", sa.JSON(), nullable=True),
        sa.Column("cancelled_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["mediation_disputes.id"],
            name=op.f("fk_mediation_sessions_dispute_id_mediation_disputes"),
        ),
        sa.ForeignKeyConstraint(
            ["planned_by_id"], ["staff.id"], name=op.f("fk_mediation_sessions_planned_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["site_rooms.id"], name=op.f("fk_mediation_sessions_room_id_site_rooms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_sessions")),
    )
    with op.batch_alter_table("mediation_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mediation_sessions_dispute_id"), ["dispute_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mediation_sessions_held_at"), ["held_at"], unique=False
        )

    op.create_table(
        "mediation_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("done_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_note", sa.String(length=500), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["mediation_agreements.id"],
            name=op.f("fk_mediation_terms_agreement_id_mediation_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["staff.id"], name=op.f("fk_mediation_terms_recorded_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_terms")),
        sa.UniqueConstraint(
            "agreement_id", "position", name=op.f("uq_mediation_terms_agreement_id_position")
        ),
    )
    with op.batch_alter_table("mediation_terms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mediation_terms_agreement_id"), ["agreement_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mediation_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediation_terms_agreement_id"))

    op.drop_table("mediation_terms")
    with op.batch_alter_table("mediation_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediation_sessions_held_at"))
        batch_op.drop_index(batch_op.f("ix_mediation_sessions_dispute_id"))

    op.drop_table("mediation_sessions")
    with op.batch_alter_table("mediation_parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediation_parties_dispute_id"))

    op.drop_table("mediation_parties")
    with op.batch_alter_table("mediation_mediators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediation_mediators_staff_id"))
        batch_op.drop_index(batch_op.f("ix_mediation_mediators_dispute_id"))

    op.drop_table("mediation_mediators")
    with op.batch_alter_table("mediation_agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediation_agreements_status"))
        batch_op.drop_index(batch_op.f("ix_mediation_agreements_made_at"))
        batch_op.drop_index(batch_op.f("ix_mediation_agreements_dispute_id"))

    op.drop_table("mediation_agreements")
    with op.batch_alter_table("mediation_disputes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediation_disputes_status"))
        batch_op.drop_index(batch_op.f("ix_mediation_disputes_site_id"))
        batch_op.drop_index(batch_op.f("ix_mediation_disputes_outcome_at"))
        batch_op.drop_index(batch_op.f("ix_mediation_disputes_opened_at"))

    op.drop_table("mediation_disputes")
