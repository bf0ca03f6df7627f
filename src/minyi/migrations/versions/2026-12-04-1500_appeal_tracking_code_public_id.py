"""appeals: the tracking code's digest and a random public id for Open311

Revision ID: track3110001
Revises: worker0001
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "track3110001"
down_revision = "retries0001"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    # Nullable: older appeals have no code (they track with the phone's last four digits).
    op.add_column("appeals", sa.Column("tracking_code_hash", sa.String(length=64), nullable=True))
    op.add_column("appeals", sa.Column("public_id", sa.String(length=24), nullable=True))
    # Older appeals get their public id here rather than in a CLI backfill: Open311 lists serve
    # them from the moment this revision runs, and an id is needed to list them at all.
    appeals = sa.table("appeals", sa.column("id", sa.BigInteger), sa.column("public_id", sa.String))
    bind = op.get_bind()
    last = 0
    while True:
        ids = list(
            bind.execute(
                sa.select(appeals.c.id)
                .where(appeals.c.id > last, appeals.c.public_id.is_(None))
                .order_by(appeals.c.id)
                .limit(BATCH)
            ).scalars()
        )
        if not ids:
            break
        bind.execute(
            appeals.update()
            .where(appeals.c.id == sa.bindparam("key"))
            .values(public_id=sa.bindparam("value")),
            [{"key": i, "value": secrets.token_hex(8)} for i in ids],
        )
        last = ids[-1]
    with op.batch_alter_table("appeals") as batch_op:
        batch_op.create_unique_constraint("uq_appeals_public_id", ["public_id"])


def downgrade() -> None:
    with op.batch_alter_table("appeals") as batch_op:
        batch_op.drop_constraint("uq_appeals_public_id", type_="unique")
        batch_op.drop_column("public_id")
        batch_op.drop_column("tracking_code_hash")
