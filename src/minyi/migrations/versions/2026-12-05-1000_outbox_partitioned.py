"""outbox partitioned by month on PostgreSQL: outbox_messages (created_at)

Revision ID: outboxpart0001
Revises: keylists0001

ADR 0008. Both backends: the dedupe keys move to `outbox_dedupe` (one row a key, the insert
path claims the key there: a partitioned table's unique key holds only within a month);
`webhook_deliveries` gets `message_created_at`, its foreign key naming (message_id,
message_created_at), which is the outbox's primary key on PostgreSQL; the queue's index becomes
a partial one over the rows not sent. SQLite keeps one table.

PostgreSQL converts the live table as partition0001 did (core/partition_copy.py), with what a
table whose rows change needs besides: before the copy a trigger notes the id of every row
updated or deleted (the worker marks rows sent while the copy runs), and under the lock those
rows are copied again. The dedupe keys and the deliveries' new column are filled on the side
connection too, and put right under the lock for what was written since. Writes to the outbox
and the deliveries are held only for the swap.

The deliveries' new foreign key is added NOT VALID above VALIDATE_UP_TO messages (it checks
every write from then on) and validated right after the swap commits, in Alembic's autocommit
block: `VALIDATE CONSTRAINT` does not hold writes (6.6 s on 800,000 deliveries).

Measured (shared 2-core machine, busy; PostgreSQL 15) on the 100,000-appeal bench database with
1,000,000 messages and 800,000 deliveries, a writer inserting and marking sent every 0.2 s: 126 s
in all, writes held 3.1 s (one wait of 3.0 s; median 0.04 s); every row the writer wrote or
changed was in the partitioned table afterwards. See ADR 0008.
"""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Connection, text

import minyi.core.db
from minyi.core.partition_copy import BATCH, RECENT, prepare, prepare_aside, swap, unpartition

revision = "outboxpart0001"
down_revision = "keylists0001"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

TABLE, COLUMN = "outbox_messages", "created_at"
UNSENT = "status <> 'sent'"
FK = "fk_webhook_deliveries_message_id_outbox_messages"
# Where the copy notes the rows changed while it runs (dropped at the swap).
CHANGED = "outbox_messages_changed"
# What fills and checks the deliveries' new column while the copy runs (dropped at the swap).
FILL = "webhook_deliveries_message_created_at"
# Up to this many messages the deliveries' reference is validated at the swap (well under a
# second); beyond, it is left to a VALIDATE that does not hold writes (_deliveries_after).
VALIDATE_UP_TO = 100_000


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        _upgrade_sqlite()
        return
    started = time.perf_counter()
    # Everything before the swap on a connection of its own while the application writes the
    # old table; the migration's transaction does it where that cannot be (core/partition_copy).
    first_max = prepare_aside(bind, TABLE, COLUMN, _prepare)
    if first_max is None:
        first_max = _prepare(bind)
    locked = time.perf_counter()
    # The deliveries too: a delivery written now would name a message the copy may not have.
    bind.execute(text(f"LOCK TABLE {TABLE}, webhook_deliveries IN EXCLUSIVE MODE"))
    bind.execute(text(f"ALTER TABLE webhook_deliveries DROP CONSTRAINT {FK}"))
    # Before swap, which would otherwise build the old table's dropped indexes on the copy.
    _resync(bind, first_max)
    resynced = time.perf_counter()
    swap(bind, TABLE, COLUMN, first_max)
    swapped = time.perf_counter()
    _deliveries_after(bind, first_max)
    done = time.perf_counter()
    if first_max > VALIDATE_UP_TO:
        # The swap's transaction commits here (releasing the lock), then the deliveries' rows
        # are proved against the new key without holding writes (SHARE UPDATE EXCLUSIVE).
        with op.get_context().autocommit_block():
            op.execute(text(f"ALTER TABLE webhook_deliveries VALIDATE CONSTRAINT {FK}"))
    log.info(
        "%s partitioned in %.1f s, of which %.1f s with writes held "
        "(changed rows and keys %.1f s, swap %.1f s, deliveries %.1f s)",
        TABLE,
        done - started,
        done - locked,
        resynced - locked,
        swapped - resynced,
        done - swapped,
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        _downgrade_sqlite()
        return
    # One transaction, writes held throughout: a downgrade is an emergency, not a routine.
    bind.execute(text(f"ALTER TABLE webhook_deliveries DROP CONSTRAINT {FK}"))
    unpartition(bind, TABLE, COLUMN)
    bind.execute(text("DROP INDEX ix_outbox_messages_unsent"))
    bind.execute(text("DROP INDEX ix_outbox_messages_dedupe_key"))
    bind.execute(
        text(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT uq_outbox_messages_dedupe_key UNIQUE (dedupe_key)"
        )
    )
    bind.execute(
        text(
            f"CREATE INDEX ix_outbox_messages_status_next_attempt_at ON {TABLE} "
            "(status, next_attempt_at)"
        )
    )
    bind.execute(text("ALTER TABLE webhook_deliveries DROP COLUMN message_created_at"))
    bind.execute(
        text(
            f"ALTER TABLE webhook_deliveries ADD CONSTRAINT {FK} FOREIGN KEY (message_id) "
            f"REFERENCES {TABLE} (id)"
        )
    )
    bind.execute(text("DROP TABLE outbox_dedupe"))


# --- PostgreSQL ---------------------------------------------------------------------------------


def _prepare(conn: Connection) -> int:
    # Noted before the copy reads a row, so no change made after it is missed.
    conn.execute(text(f"CREATE TABLE IF NOT EXISTS {CHANGED} (id bigint NOT NULL)"))
    conn.execute(
        text(
            f"CREATE OR REPLACE FUNCTION {CHANGED}() RETURNS trigger LANGUAGE plpgsql AS "  # noqa: S608 - ours
            f"$$ BEGIN INSERT INTO {CHANGED} VALUES (OLD.id); RETURN NULL; END $$"
        )
    )
    conn.execute(
        text(
            f"CREATE OR REPLACE TRIGGER {CHANGED} AFTER UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION {CHANGED}()"
        )
    )
    conn.execute(
        text(
            "CREATE TABLE IF NOT EXISTS outbox_dedupe "
            "(dedupe_key varchar(120) NOT NULL, CONSTRAINT pk_outbox_dedupe PRIMARY KEY (dedupe_key))"
        )
    )
    conn.execute(
        text(
            "ALTER TABLE webhook_deliveries ADD COLUMN IF NOT EXISTS message_created_at timestamptz"
        )
    )
    # A delivery the application writes meanwhile gets its message's time from the database,
    # so none is left to fill under the lock, and a validated CHECK lets SET NOT NULL skip its
    # scan of the table there.
    conn.execute(
        text(
            f"CREATE OR REPLACE FUNCTION {FILL}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "  # noqa: S608 - ours
            "IF NEW.message_created_at IS NULL THEN NEW.message_created_at := "
            f"(SELECT created_at FROM {TABLE} WHERE id = NEW.message_id); END IF; "
            "RETURN NEW; END $$"
        )
    )
    conn.execute(
        text(
            f"CREATE OR REPLACE TRIGGER {FILL} BEFORE INSERT OR UPDATE ON webhook_deliveries "
            f"FOR EACH ROW EXECUTE FUNCTION {FILL}()"
        )
    )
    top = int(conn.scalar(text(f"SELECT coalesce(max(id), 0) FROM {TABLE}")) or 0)  # noqa: S608 - names of our own tables
    for low in range(0, top, BATCH):
        conn.execute(
            text(
                f"INSERT INTO outbox_dedupe SELECT dedupe_key FROM {TABLE} "  # noqa: S608 - ours
                "WHERE id > :lo AND id <= :hi AND dedupe_key IS NOT NULL ON CONFLICT DO NOTHING"
            ),
            {"lo": low, "hi": low + BATCH},
        )
    top = int(conn.scalar(text("SELECT coalesce(max(id), 0) FROM webhook_deliveries")) or 0)
    for low in range(0, top, BATCH):
        conn.execute(
            text(
                "UPDATE webhook_deliveries d SET message_created_at = m.created_at "  # noqa: S608 - ours
                f"FROM {TABLE} m WHERE m.id = d.message_id AND d.id > :lo AND d.id <= :hi "
                "AND d.message_created_at IS NULL"
            ),
            {"lo": low, "hi": low + BATCH},
        )
    conn.execute(text(f"ALTER TABLE webhook_deliveries DROP CONSTRAINT IF EXISTS {FILL}"))
    conn.execute(
        text(
            f"ALTER TABLE webhook_deliveries ADD CONSTRAINT {FILL} "
            "CHECK (message_created_at IS NOT NULL) NOT VALID"
        )
    )
    conn.execute(text(f"ALTER TABLE webhook_deliveries VALIDATE CONSTRAINT {FILL}"))
    first_max = prepare(conn, TABLE, COLUMN)
    # The copy's indexes as the model wants them: the dedupe keys' uniqueness is outbox_dedupe's
    # now, and the queue reads the partial index of the rows not sent.
    new = f"{TABLE}_partitioned"
    conn.execute(
        text(f"ALTER TABLE {new} DROP CONSTRAINT IF EXISTS uq_outbox_messages_dedupe_key_p")
    )
    conn.execute(text("DROP INDEX IF EXISTS ix_outbox_messages_status_next_attempt_at_p"))
    conn.execute(
        text(f"CREATE INDEX IF NOT EXISTS ix_outbox_messages_dedupe_key ON {new} (dedupe_key)")
    )
    conn.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS ix_outbox_messages_unsent ON {new} "
            f"(status, next_attempt_at, id) WHERE {UNSENT}"
        )
    )
    return first_max


def _resync(conn: Connection, first_max: int) -> None:
    """Under the lock, before `swap` copies the rows written since: the rows changed since they
    were copied are copied again (a deleted one stays deleted), the dedupe keys of the rows
    written or deleted since are put right, and the old indexes the copy no longer has are
    dropped from the old table so that the swap does not build them again."""
    new = f"{TABLE}_partitioned"
    changed = f"SELECT DISTINCT id FROM {CHANGED}"  # noqa: S608 - names of our own tables
    conn.execute(text(f"DROP TRIGGER {CHANGED} ON {TABLE}"))
    conn.execute(text(f"DELETE FROM {new} WHERE id IN ({changed})"))  # noqa: S608 - ours
    conn.execute(text(f"INSERT INTO {new} SELECT * FROM {TABLE} WHERE id IN ({changed})"))  # noqa: S608 - ours
    conn.execute(text(f"DROP TABLE {CHANGED}"))
    conn.execute(text(f"DROP FUNCTION {CHANGED}()"))
    conn.execute(
        text(
            f"INSERT INTO outbox_dedupe SELECT dedupe_key FROM {TABLE} "  # noqa: S608 - ours
            "WHERE id > :lo AND dedupe_key IS NOT NULL ON CONFLICT DO NOTHING"
        ),
        {"lo": first_max - RECENT},
    )
    # The old table's dedupe keys are unique: equal counts, with every old key in outbox_dedupe,
    # mean equal sets. Otherwise (a row deleted, or one committed late below the window) all of
    # them again, and the keys no message holds any more go.
    if conn.scalar(
        text(
            f"SELECT (SELECT count(dedupe_key) FROM {TABLE}) "  # noqa: S608 - ours
            "<> (SELECT count(*) FROM outbox_dedupe)"
        )
    ):
        conn.execute(
            text(
                f"INSERT INTO outbox_dedupe SELECT dedupe_key FROM {TABLE} "  # noqa: S608 - ours
                "WHERE dedupe_key IS NOT NULL ON CONFLICT DO NOTHING"
            )
        )
        conn.execute(
            text(
                "DELETE FROM outbox_dedupe d WHERE NOT EXISTS "  # noqa: S608 - ours
                f"(SELECT 1 FROM {TABLE} m WHERE m.dedupe_key = d.dedupe_key)"
            )
        )
    conn.execute(text(f"ALTER TABLE {TABLE} DROP CONSTRAINT uq_outbox_messages_dedupe_key"))
    conn.execute(text("DROP INDEX ix_outbox_messages_status_next_attempt_at"))


def _deliveries_after(conn: Connection, first_max: int) -> None:
    """The deliveries' column made NOT NULL (the validated CHECK spares the scan) and their
    reference to the partitioned outbox by (id, created_at). It checks every write from now on;
    the rows already there are valid by construction (the old key held for each, and each took
    its message's created_at), and proving it again took 7 s for 800,000 deliveries with writes
    held: so beyond VALIDATE_UP_TO messages it is added NOT VALID here and validated by
    `upgrade` after the swap commits, which does not hold writes (ADR 0008)."""
    conn.execute(
        text("ALTER TABLE webhook_deliveries ALTER COLUMN message_created_at SET NOT NULL")
    )
    conn.execute(text(f"ALTER TABLE webhook_deliveries DROP CONSTRAINT {FILL}"))
    conn.execute(text(f"DROP TRIGGER {FILL} ON webhook_deliveries"))
    conn.execute(text(f"DROP FUNCTION {FILL}()"))
    conn.execute(
        text(
            f"ALTER TABLE webhook_deliveries ADD CONSTRAINT {FK} FOREIGN KEY "
            f"(message_id, message_created_at) REFERENCES {TABLE} (id, created_at) NOT VALID"
        )
    )
    if first_max <= VALIDATE_UP_TO:
        conn.execute(text(f"ALTER TABLE webhook_deliveries VALIDATE CONSTRAINT {FK}"))


# --- SQLite -------------------------------------------------------------------------------------


def _upgrade_sqlite() -> None:
    op.create_table(
        "outbox_dedupe",
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("dedupe_key", name=op.f("pk_outbox_dedupe")),
    )
    op.execute(
        "INSERT INTO outbox_dedupe SELECT dedupe_key FROM outbox_messages "
        "WHERE dedupe_key IS NOT NULL"
    )
    # The deliveries' reference goes first: SQLite rebuilds outbox_messages below (to drop its
    # unique key), and with foreign keys on it would refuse to drop a referenced table.
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(
            sa.Column("message_created_at", minyi.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.drop_constraint(FK, type_="foreignkey")
    op.execute(
        "UPDATE webhook_deliveries SET message_created_at = (SELECT m.created_at FROM "
        "outbox_messages m WHERE m.id = webhook_deliveries.message_id)"
    )
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_constraint("uq_outbox_messages_dedupe_key", type_="unique")
        batch.drop_index("ix_outbox_messages_status_next_attempt_at")
        batch.create_index("ix_outbox_messages_dedupe_key", ["dedupe_key"], unique=False)
        batch.create_index(
            "ix_outbox_messages_unsent",
            ["status", "next_attempt_at", "id"],
            unique=False,
            sqlite_where=sa.text(UNSENT),
        )
        batch.create_unique_constraint("uq_outbox_messages_id_created_at", ["id", "created_at"])
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.alter_column(
            "message_created_at",
            existing_type=minyi.core.db.UTCDateTime(timezone=True),
            nullable=False,
        )
        batch.create_foreign_key(
            FK, "outbox_messages", ["message_id", "message_created_at"], ["id", "created_at"]
        )


def _downgrade_sqlite() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_constraint(FK, type_="foreignkey")
        batch.drop_column("message_created_at")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_constraint("uq_outbox_messages_id_created_at", type_="unique")
        batch.drop_index("ix_outbox_messages_unsent")
        batch.drop_index("ix_outbox_messages_dedupe_key")
        batch.create_index(
            "ix_outbox_messages_status_next_attempt_at", ["status", "next_attempt_at"]
        )
        batch.create_unique_constraint("uq_outbox_messages_dedupe_key", ["dedupe_key"])
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.create_foreign_key(FK, "outbox_messages", ["message_id"], ["id"])
    op.drop_table("outbox_dedupe")
