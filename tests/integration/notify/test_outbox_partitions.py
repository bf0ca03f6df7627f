"""The outbox partitioned by month on PostgreSQL (ADR 0008, migration outboxpart0001): the
migration keeps every message, id, dedupe key and delivery, on both databases; a dedupe key
still sends once across months; deliveries keep their reference; the worker's claim reads only
the part of each month's index that holds unsent rows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event, select, text
from sqlalchemy.exc import IntegrityError

from conftest import START
from migration_history import database_at, downgrade, is_partitioned
from minyi.bootstrap import migrate
from minyi.core.db import Database
from minyi.core.partitions import Month, ensure_partitions
from minyi.integrations.models import WebhookDelivery, WebhookSubscriber
from minyi.notify.jobs import deliver_due
from minyi.notify.models import OutboxDedupe, OutboxMessage
from minyi.notify.senders import Senders
from minyi.notify.service import enqueue, enqueue_many

BEFORE = "keylists0001"
# Fourteen months of messages, a few of them not sent yet.
FIRST = datetime(2025, 10, 3, 4, tzinfo=UTC)


def _old_rows(conn: Connection) -> None:
    """Messages and deliveries as the schema before the migration has them."""
    conn.execute(
        text(
            "INSERT INTO webhook_subscribers (id, name, url, secret, events, is_active, "
            "created_at, created_by) VALUES (1, 'hook', 'https://h.example.org/x', "
            "'s3cret-s3cret-s3cret', '[\"*\"]', true, :at, 'test')"
        ),
        {"at": FIRST},
    )
    for i in range(60):
        at = FIRST + timedelta(days=7 * i, hours=i % 5)
        status = "pending" if i % 13 == 0 else "failed" if i % 17 == 0 else "sent"
        conn.execute(
            text(
                "INSERT INTO outbox_messages (id, channel, recipient, subject, body, payload, "
                "dedupe_key, status, attempts, next_attempt_at, created_at, sent_at) VALUES "
                "(:id, 'webhook', 'https://h.example.org/x', 'e', 'e', '{}', :key, :status, 1, "
                ":at, :at, :sent)"
            ),
            {
                "id": i + 1,
                "key": f"k:{i}" if i % 2 else None,
                "status": status,
                "at": at,
                "sent": at if status == "sent" else None,
            },
        )
        if i % 3 == 0:
            conn.execute(
                text(
                    "INSERT INTO webhook_deliveries (subscriber_id, message_id, event, "
                    "created_at) VALUES (1, :id, 'case.x', :at)"
                ),
                {"id": i + 1, "at": at},
            )


def _state(db: Database) -> dict[str, Any]:
    with db.engine.connect() as conn:
        return {
            "messages": set(
                conn.execute(text("SELECT id, created_at, status, dedupe_key FROM outbox_messages"))
            ),
            "deliveries": set(conn.execute(text("SELECT id, message_id FROM webhook_deliveries"))),
        }


def _history(db: Database) -> None:
    with db.engine.begin() as conn:
        _old_rows(conn)
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval('outbox_messages_id_seq', 60)"))


@pytest.fixture
def history(backend: str, tmp_path: Path) -> Iterator[Database]:
    """A database before the migration with fourteen months of outbox."""
    with database_at(backend, tmp_path, BEFORE, _history) as db:
        yield db


class TestMigration:
    def test_keeps_every_message_key_and_delivery(self, history: Database) -> None:
        before = _state(history)
        migrate(history)
        assert _state(history) == before
        with history.reading() as session:
            keys = set(session.scalars(select(OutboxDedupe.dedupe_key)))
            assert keys == {k for *_, k in before["messages"] if k is not None}
            pairs = session.execute(
                select(WebhookDelivery.message_created_at, OutboxMessage.created_at).join(
                    OutboxMessage, OutboxMessage.id == WebhookDelivery.message_id
                )
            ).all()
            assert len(pairs) == 20 and all(a == b for a, b in pairs)
        # The key of a message written before the migration still stops a second one; a new
        # message takes the next id.
        with history.unit_of_work() as session:
            assert enqueue(session, now=START, dedupe_key="k:1", **_hook()) is None
            made = enqueue(session, now=START, dedupe_key="k:new", **_hook())
            assert made is not None and made.id > 60

    def test_downgrade_gives_every_row_back(self, history: Database) -> None:
        before = _state(history)
        migrate(history)
        downgrade(history, BEFORE)
        assert _state(history) == before
        if history.engine.dialect.name == "postgresql":
            with history.engine.connect() as conn:
                assert not is_partitioned(conn, "outbox_messages")

    @pytest.mark.parametrize("backend", ["postgres"])
    def test_postgres_rows_are_in_their_months_partition(self, history: Database) -> None:
        migrate(history)
        with history.engine.connect() as conn:
            assert not conn.scalar(text("SELECT count(*) FROM outbox_messages_default"))
            where = {
                i: t
                for i, t in conn.execute(
                    text("SELECT id, tableoid::regclass::text FROM outbox_messages")
                )
            }
        assert where[1] == Month.of(FIRST).name("outbox_messages")
        assert len(set(where.values())) >= 14


def _hook(**overrides: Any) -> dict[str, Any]:
    return {
        "channel": "webhook",
        "recipient": "https://h.example.org/x",
        "subject": "e",
        "body": "e",
    } | overrides


class TestOnceAcrossMonths:
    def test_a_key_sends_once_whatever_the_month(self, fresh_db: Database) -> None:
        with fresh_db.unit_of_work() as session:
            assert enqueue(session, now=START, dedupe_key="receipt:9", **_hook()) is not None
        for later in (START + timedelta(days=40), START + timedelta(days=400)):
            with fresh_db.unit_of_work() as session:
                assert enqueue(session, now=later, dedupe_key="receipt:9", **_hook()) is None
                enqueue_many(
                    session, [_hook(dedupe_key="receipt:9"), _hook(dedupe_key="b:1")], now=later
                )
        with fresh_db.reading() as session:
            keys = list(
                session.scalars(select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id))
            )
        assert keys == ["receipt:9", "b:1"]

    def test_a_rolled_back_message_frees_its_key(self, fresh_db: Database) -> None:
        def change_that_fails() -> None:
            with fresh_db.unit_of_work() as session:
                assert enqueue(session, now=START, dedupe_key="r:1", **_hook()) is not None
                raise RuntimeError("the change failed")

        with pytest.raises(RuntimeError):
            change_that_fails()
        with fresh_db.unit_of_work() as session:
            assert enqueue(session, now=START, dedupe_key="r:1", **_hook()) is not None

    def test_a_delivery_must_name_its_message_and_month(self, fresh_db: Database) -> None:
        with fresh_db.unit_of_work() as session:
            hook = WebhookSubscriber(
                name="h",
                url="https://h.example.org/x",
                secret="s3cret-s3cret-s3cret",
                events=["*"],
                created_at=START,
                created_by="test",
            )
            session.add(hook)
            message = enqueue(session, now=START, **_hook())
            assert message is not None
            session.flush()
            hook_id, message_id = hook.id, message.id
        wrong = START + timedelta(days=35)
        with pytest.raises(IntegrityError), fresh_db.unit_of_work() as session:
            session.add(
                WebhookDelivery(
                    subscriber_id=hook_id,
                    message_id=message_id,
                    message_created_at=wrong,
                    event="x",
                    created_at=START,
                )
            )


def _explained(db: Database, run: Any) -> str:
    """The plan PostgreSQL makes for the last SELECT `run` sends."""
    sent: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        with db.unit_of_work() as session:
            run(session)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    statement, parameters = sent[0]
    with db.engine.connect() as conn:
        return "\n".join(conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars())


class TestClaim:
    @pytest.mark.parametrize("backend", ["postgres"])
    def test_postgres_the_claim_reads_only_the_unsent_index(self, history: Database) -> None:
        migrate(history)
        with history.engine.begin() as conn:
            ensure_partitions(conn, START)
            # A month's worth of sent messages in each month, as a district's history has (on a
            # handful of rows the planner rightly reads the table itself).
            conn.execute(
                text(
                    "INSERT INTO outbox_messages (channel, recipient, body, payload, status, "
                    "attempts, next_attempt_at, created_at, sent_at) "
                    "SELECT 'sms', '13900001111', 'x', '{}', 'sent', 1, t, t, t "
                    "FROM generate_series(CAST(:a AS timestamptz), :b, interval '10 minutes') t"
                ),
                {"a": FIRST, "b": START},
            )
            conn.execute(text("ANALYZE outbox_messages"))
            holding = set(
                conn.scalars(text("SELECT DISTINCT tableoid::regclass::text FROM outbox_messages"))
            )
            unsent_indexes = set(
                conn.scalars(
                    text(
                        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                        "JOIN pg_inherits h ON h.inhrelid = i.indrelid "
                        "WHERE h.inhparent = CAST('outbox_messages' AS regclass) "
                        "AND i.indpred IS NOT NULL"
                    )
                )
            )
        plan = _explained(
            history,
            lambda s: deliver_due(s, now=START, senders=Senders(by_channel={}), limit=50),
        )
        scans = re.findall(r"(\w+ Scan)(?: using (\w+))? on (outbox_messages_\w+)", plan)
        assert len(holding) >= 14
        # Every month with rows is read through its part of the partial index, empty where all
        # was sent (the months made ahead are empty tables, read as such).
        assert holding <= {table for *_, table in scans}
        assert all(
            kind == "Index Scan" and index in unsent_indexes
            for kind, index, table in scans
            if table in holding
        )


class TestPartitionJob:
    @pytest.mark.parametrize("backend", ["postgres"])
    def test_postgres_the_hourly_job_makes_the_outbox_months_too(self, fresh_db: Database) -> None:
        with fresh_db.engine.begin() as conn:
            made = ensure_partitions(conn, datetime(2031, 5, 10, tzinfo=UTC))
        assert {f"outbox_messages_p2031_{m:02d}" for m in range(5, 9)} <= set(made)
