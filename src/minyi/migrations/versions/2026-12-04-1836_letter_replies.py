"""letter_replies: the addressed unit answers a letter (提醒函/建议函/通报) from the web

Revision ID: leaderweb0002
Revises: leaderweb0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "leaderweb0002"
down_revision = "leaderweb0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "letter_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("replied_by_id", sa.Integer(), nullable=False),
        sa.Column("replied_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["letter_id"], ["letters.id"], name=op.f("fk_letter_replies_letter_id_letters")
        ),
        sa.ForeignKeyConstraint(
            ["replied_by_id"], ["staff.id"], name=op.f("fk_letter_replies_replied_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_letter_replies_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_replies")),
        sa.UniqueConstraint(
            "letter_id", "unit_id", name=op.f("uq_letter_replies_letter_id_unit_id")
        ),
    )
    op.create_index(
        op.f("ix_letter_replies_letter_id"), "letter_replies", ["letter_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_letter_replies_letter_id"), table_name="letter_replies")
    op.drop_table("letter_replies")
