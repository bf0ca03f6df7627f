"""leader instructions, supervision orders and letters

Revision ID: c1superv0001
Revises: b1escal00001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minyi.core.db

revision = "c1superv0001"
down_revision = "b1escal00001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instructions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("subject_ref", sa.String(length=200), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "case_id IS NOT NULL OR subject_ref IS NOT NULL",
            name=op.f("ck_instructions_has_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["staff.id"], name=op.f("fk_instructions_author_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_instructions_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instructions")),
    )
    with op.batch_alter_table("instructions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_instructions_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_instructions_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_instructions_subject_ref"), ["subject_ref"], unique=False
        )

    op.create_table(
        "instruction_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instruction_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("deadline", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("is_overdue", sa.Boolean(), nullable=False),
        sa.Column("done_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["staff.id"], name=op.f("fk_instruction_tasks_done_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["instructions.id"],
            name=op.f("fk_instruction_tasks_instruction_id_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_instruction_tasks_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instruction_tasks")),
        sa.UniqueConstraint(
            "instruction_id", "unit_id", name=op.f("uq_instruction_tasks_instruction_id_unit_id")
        ),
    )
    with op.batch_alter_table("instruction_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_instruction_tasks_instruction_id"), ["instruction_id"], unique=False
        )
        batch_op.create_index(
            "ix_instruction_tasks_unit_status", ["unit_id", "status"], unique=False
        )

    op.create_table(
        "supervision_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("deadline", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("is_overdue", sa.Boolean(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("responded_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("responded_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_supervision_orders_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["staff.id"], name=op.f("fk_supervision_orders_closed_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["staff.id"], name=op.f("fk_supervision_orders_issued_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["responded_by_id"],
            ["staff.id"],
            name=op.f("fk_supervision_orders_responded_by_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_supervision_orders_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_orders")),
    )
    with op.batch_alter_table("supervision_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supervision_orders_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_supervision_orders_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_supervision_orders_unit_status", ["unit_id", "status"], unique=False
        )

    op.create_table(
        "letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("suggestion_right", sa.String(length=20), nullable=True),
        sa.Column("addressee_unit_id", sa.Integer(), nullable=True),
        sa.Column("addressee", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("issuer", sa.String(length=100), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", minyi.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["addressee_unit_id"], ["units.id"], name=op.f("fk_letters_addressee_unit_id_units")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_letters_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["staff.id"], name=op.f("fk_letters_issued_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["supervision_orders.id"],
            name=op.f("fk_letters_order_id_supervision_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letters")),
        sa.UniqueConstraint("kind", "year", "seq", name=op.f("uq_letters_kind_year_seq")),
        sa.UniqueConstraint("number", name=op.f("uq_letters_number")),
    )
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_letters_addressee_unit_id"), ["addressee_unit_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_letters_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_letters_issued_at", ["issued_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_letters_order_id"), ["order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letters_order_id"))
        batch_op.drop_index("ix_letters_issued_at")
        batch_op.drop_index(batch_op.f("ix_letters_case_id"))
        batch_op.drop_index(batch_op.f("ix_letters_addressee_unit_id"))
    op.drop_table("letters")

    with op.batch_alter_table("supervision_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_supervision_orders_unit_status")
        batch_op.drop_index(batch_op.f("ix_supervision_orders_status"))
        batch_op.drop_index(batch_op.f("ix_supervision_orders_case_id"))
    op.drop_table("supervision_orders")

    with op.batch_alter_table("instruction_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_instruction_tasks_unit_status")
        batch_op.drop_index(batch_op.f("ix_instruction_tasks_instruction_id"))
    op.drop_table("instruction_tasks")

    with op.batch_alter_table("instructions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instructions_subject_ref"))
        batch_op.drop_index(batch_op.f("ix_instructions_case_id"))
        batch_op.drop_index(batch_op.f("ix_instructions_author_id"))
    op.drop_table("instructions")
    # The letter counters ("letter:<kind>:<year>") go with the letters they numbered.
    op.execute("DELETE FROM counters WHERE name LIKE 'letter:%'")
