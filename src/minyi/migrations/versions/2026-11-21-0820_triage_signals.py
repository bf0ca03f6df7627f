"""triage: repeat/crowd links and risk lexicons

Revision ID: f3signal0001
Revises: f2places0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "f3signal0001"
down_revision = "f2places0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appeal_links",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("appeal_id", sa.BigInteger(), nullable=False),
        sa.Column("other_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("cluster_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_appeal_links_appeal_id_appeals")
        ),
        sa.ForeignKeyConstraint(
            ["other_id"], ["appeals.id"], name=op.f("fk_appeal_links_other_id_appeals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_links")),
        sa.UniqueConstraint(
            "appeal_id", "other_id", "kind", name=op.f("uq_appeal_links_appeal_id_other_id_kind")
        ),
    )
    with op.batch_alter_table("appeal_links", schema=None) as batch_op:
        batch_op.create_index("ix_appeal_links_other_id", ["other_id"], unique=False)
        batch_op.create_index("ix_appeal_links_cluster_id", ["cluster_id"], unique=False)

    op.create_table(
        "risk_lexicons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_lexicons")),
        sa.UniqueConstraint("version", name=op.f("uq_risk_lexicons_version")),
    )


def downgrade() -> None:
    op.drop_table("risk_lexicons")
    with op.batch_alter_table("appeal_links", schema=None) as batch_op:
        batch_op.drop_index("ix_appeal_links_cluster_id")
        batch_op.drop_index("ix_appeal_links_other_id")

    op.drop_table("appeal_links")
