"""report_issues: a correction keeps the number of the issue it corrects (第12期（更正）)

The number stays unique among original issues only: a partial unique index replaces the
unique constraint on (kind, number).

Revision ID: leaderweb0001
Revises: adminweb0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "leaderweb0001"
down_revision = "adminweb0001"
branch_labels = None
depends_on = None

INDEX = "uq_report_issues_kind_number_original"
WHERE = sa.text("corrects_id IS NULL")
TRIGGERS = ("UPDATE", "DELETE")


def _sqlite_triggers(create: bool) -> None:
    # SQLite's batch mode copies the table: its immutability triggers go with the old copy.
    for verb in TRIGGERS:
        if create:
            op.execute(
                f"CREATE TRIGGER report_issues_no_{verb.lower()} BEFORE {verb} ON report_issues "
                "BEGIN SELECT RAISE(ABORT, 'report_issues is immutable; issue a correction'); END"
            )
        else:
            op.execute(f"DROP TRIGGER IF EXISTS report_issues_no_{verb.lower()}")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _sqlite_triggers(create=False)
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("report_issues") as batch_op:
        batch_op.drop_constraint("uq_report_issues_kind_number", type_="unique")
    op.create_index(
        INDEX,
        "report_issues",
        ["kind", "number"],
        unique=True,
        sqlite_where=WHERE,
        postgresql_where=WHERE,
    )
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")
        _sqlite_triggers(create=True)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index(INDEX, table_name="report_issues")
    if sqlite:
        _sqlite_triggers(create=False)
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("report_issues") as batch_op:
        batch_op.create_unique_constraint("uq_report_issues_kind_number", ["kind", "number"])
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")
        _sqlite_triggers(create=True)
