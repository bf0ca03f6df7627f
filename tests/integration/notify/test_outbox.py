"""Messages enter the outbox with the caller's transaction, once per dedupe key."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from conftest import START
from minyi.core.db import Database
from minyi.core.errors import Invalid
from minyi.notify.models import OutboxMessage
from minyi.notify.service import enqueue, enqueue_many


def count(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def sms(**overrides: Any) -> dict[str, Any]:
    return {
        "channel": "sms",
        "recipient": "13900001111",
        "subject": None,
        "body": "您好",
    } | overrides


class TestEnqueue:
    def test_rolled_back_change_leaves_no_message(self, outbox_db: Database) -> None:
        def change_that_fails() -> None:
            with outbox_db.unit_of_work() as session:
                assert enqueue(session, now=START, **sms()) is not None
                raise RuntimeError("the change failed")

        with pytest.raises(RuntimeError, match="the change failed"):
            change_that_fails()
        assert count(outbox_db) == 0

    def test_committed_message_is_pending_and_due_at_once(self, outbox_db: Database) -> None:
        with outbox_db.unit_of_work() as session:
            message = enqueue(session, now=START, payload={"kind": "test"}, **sms())
            assert message is not None
            message_id = message.id
        with outbox_db.reading() as session:
            stored = session.get(OutboxMessage, message_id)
        assert stored is not None
        assert (stored.status, stored.attempts) == ("pending", 0)
        assert stored.next_attempt_at == stored.created_at == START
        assert (stored.payload, stored.sent_at, stored.last_error) == ({"kind": "test"}, None, None)

    def test_second_message_with_a_committed_key_is_skipped(self, outbox_db: Database) -> None:
        with outbox_db.unit_of_work() as session:
            assert enqueue(session, now=START, dedupe_key="receipt:1", **sms()) is not None
        later = START + timedelta(minutes=1)
        with outbox_db.unit_of_work() as session:
            assert enqueue(session, now=later, dedupe_key="receipt:1", **sms(body="again")) is None
        assert count(outbox_db) == 1

    def test_second_message_with_a_key_of_the_same_transaction_is_skipped(
        self, outbox_db: Database
    ) -> None:
        with outbox_db.unit_of_work() as session:
            assert enqueue(session, now=START, dedupe_key="receipt:2", **sms()) is not None
            assert enqueue(session, now=START, dedupe_key="receipt:2", **sms()) is None
            # The skipped insert did not spoil the transaction: later writes still commit.
            assert enqueue(session, now=START, dedupe_key="receipt:3", **sms()) is not None
        assert count(outbox_db) == 2

    def test_messages_without_a_key_never_collide(self, outbox_db: Database) -> None:
        with outbox_db.unit_of_work() as session:
            for _ in range(3):
                assert enqueue(session, now=START, **sms()) is not None
        assert count(outbox_db) == 3

    def test_bad_recipient_is_refused(self, outbox_db: Database) -> None:
        with outbox_db.unit_of_work() as session, pytest.raises(Invalid) as caught:
            enqueue(session, now=START, **sms(recipient="021-1234"))
        assert caught.value.code == "bad_recipient"
        assert count(outbox_db) == 0


class TestEnqueueMany:
    def test_writes_every_row_and_skips_known_keys(self, outbox_db: Database) -> None:
        with outbox_db.unit_of_work() as session:
            enqueue(session, now=START, dedupe_key="receipt:10", **sms())
        rows = [
            sms(dedupe_key=f"receipt:{n}", body=f"编号{n}", payload={"n": n}) for n in range(10, 15)
        ]
        rows.append(sms(body="no key"))
        with outbox_db.unit_of_work() as session:
            assert enqueue_many(session, rows, now=START) == 6
        with outbox_db.reading() as session:
            stored = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        keys = [m.dedupe_key for m in stored]
        assert keys == ["receipt:10", "receipt:11", "receipt:12", "receipt:13", "receipt:14", None]
        assert [m.body for m in stored[:2]] == ["您好", "编号11"]
        assert stored[1].payload == {"n": 11}
        assert {m.status for m in stored} == {"pending"}

    def test_bad_row_refuses_the_batch(self, outbox_db: Database) -> None:
        with outbox_db.unit_of_work() as session, pytest.raises(Invalid):
            enqueue_many(session, [sms(), sms(channel="fax")], now=START)
        assert count(outbox_db) == 0
