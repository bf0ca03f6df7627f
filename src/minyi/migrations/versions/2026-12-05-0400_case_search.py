"""case search: the index of each case's text for staff search, back-filled

Revision ID: ftsearch0001
Revises: counselling0001

Also the phone's last four digits on appeals, indexed: staff search finds a caller by the ending
of their number without reading every appeal.

PostgreSQL: a side table of two tsvector columns under GIN indexes; SQLite: an FTS5 table. The
back-fill indexes the existing cases 5,000 at a time (bounded memory); the GIN indexes are built
after it, which is several times faster than keeping them up to date row by row. Measured on
a shared 2-core machine: 49 s for 100,000 cases on PostgreSQL (about 8 minutes per million),
39 s per 100,000 on SQLite; the revision holds its transaction for that long, so run it in a
maintenance window on a large database.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from minyi.cases.search import backfill

revision = "ftsearch0001"
down_revision = "counselling0001"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_last4", sa.String(length=4), nullable=True))
    # Phones are stored as bare digits (intake's normalise_phone).
    op.execute(
        "UPDATE appeals SET phone_last4 = substr(phone, length(phone) - 3) WHERE phone IS NOT NULL"
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appeals_phone_last4"), ["phone_last4"], unique=False)
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE case_search ("
            " case_id BIGINT NOT NULL,"
            " terms tsvector NOT NULL,"
            " private_terms tsvector NOT NULL,"
            " CONSTRAINT pk_case_search PRIMARY KEY (case_id),"
            " CONSTRAINT fk_case_search_case_id_cases FOREIGN KEY (case_id)"
            " REFERENCES cases (id) ON DELETE CASCADE)"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE case_search USING fts5("
            "terms, private_terms, tokenize='ascii', detail='column')"
        )
    session = Session(bind=bind)
    total = 0

    def step(n: int) -> None:
        nonlocal total
        total += n
        log.info("case search: %d cases indexed", total)

    backfill(lambda: _Batch(session), batch=5000, step=step)
    if bind.dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_case_search_terms ON case_search USING gin (terms)")
        op.execute(
            "CREATE INDEX ix_case_search_private_terms ON case_search USING gin (private_terms)"
        )


class _Batch:
    """One batch of the back-fill in the migration's own transaction (flushed, not committed:
    Alembic commits the revision as a whole)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __enter__(self) -> Session:
        return self.session

    def __exit__(self, *exc: object) -> None:
        self.session.flush()
        self.session.expunge_all()


def downgrade() -> None:
    op.execute("DROP TABLE case_search")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeals_phone_last4"))
        batch_op.drop_column("phone_last4")
