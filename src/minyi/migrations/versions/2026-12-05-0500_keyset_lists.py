"""keyset lists: indexes in the order each list reads its pages

Revision ID: keylists0001
Revises: keyset0001

A list paged by keyset (core/listing) reads "the next N rows after these sort values" in its
scope: an index on (scope, sort keys…, id) makes that a short range scan however long the
history, where before it sorted every matching row. On PostgreSQL the indexes are built
CONCURRENTLY, outside the migration's transaction, so writers are not blocked while they build
(on a large database this takes a while per index, and an interrupted build leaves an INVALID
index: drop it and run again; IF NOT EXISTS makes the re-run safe). SQLite builds them in place.
"""

from __future__ import annotations

from alembic import op

revision = "keylists0001"
down_revision = "keyset0001"
branch_labels = None
depends_on = None

# (table, index, columns)
INDEXES = (
    ("case_escalations", "ix_case_escalations_lifted_at_case_id", ("lifted_at", "case_id")),
    ("holdings", "ix_holdings_leader_id_taken_at_id", ("leader_id", "taken_at", "id")),
    ("instructions", "ix_instructions_author_id_created_at_id", ("author_id", "created_at", "id")),
    (
        "instruction_tasks",
        "ix_instruction_tasks_unit_id_deadline_id",
        ("unit_id", "deadline", "id"),
    ),
    (
        "supervision_orders",
        "ix_supervision_orders_unit_id_issued_at_id",
        ("unit_id", "issued_at", "id"),
    ),
    ("whistles", "ix_whistles_created_at_id", ("created_at", "id")),
    (
        "notifications",
        "ix_notifications_recipient_id_created_at_id",
        ("recipient_id", "created_at", "id"),
    ),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            for table, name, columns in INDEXES:
                op.execute(
                    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} ({', '.join(columns)})"
                )
        return
    for table, name, columns in INDEXES:
        op.create_index(name, table, list(columns), unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            for _, name, _ in INDEXES:
                op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        return
    for table, name, _ in INDEXES:
        op.drop_index(name, table_name=table)
