"""One webhook delivery that keeps failing among good messages: the good ones go out, the bad
one records its attempts, last error and back-off on its row, and after MAX_ATTEMPTS it is
parked, listed by `minyi parked`, counted by /metrics, and sent again by `minyi parked retry`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import START, make_settings
from minyi.app import create_app
from minyi.cli.main import app as cli_app
from minyi.core.db import Database
from minyi.notify.jobs import deliver_due
from minyi.notify.models import OutboxMessage
from minyi.notify.rules import MAX_ATTEMPTS, retry_delay
from minyi.notify.senders import Senders, SmsGatewaySender, WebhookSender
from minyi.notify.service import enqueue
from parked_checks import parked_cli, parked_metric

from .conftest import SECRET, HttpReceiver, free_port


@pytest.fixture
def senders(http_receiver: HttpReceiver) -> Iterator[Senders]:
    registry = Senders(
        {
            "sms": SmsGatewaySender(f"{http_receiver.url}/sms", "gw-token"),
            "webhook": WebhookSender(SECRET),
        }
    )
    yield registry
    registry.close()


def put(db: Database, channel: str, recipient: str) -> int:
    with db.unit_of_work() as session:
        message = enqueue(
            session,
            channel=channel,
            recipient=recipient,
            subject="case.registered",
            body="x",
            now=START,
            payload={"n": 1},
        )
        assert message is not None
        return message.id


def load(db: Database, message_id: int) -> OutboxMessage:
    with db.reading() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        return message


class TestParkedDelivery:
    def test_a_dead_receiver_is_parked_while_the_others_go_out(
        self, outbox_db: Database, senders: Senders, http_receiver: HttpReceiver, tmp_path: Path
    ) -> None:
        good_hook = put(outbox_db, "webhook", f"{http_receiver.url}/hook")
        dead = put(
            outbox_db, "webhook", f"http://127.0.0.1:{free_port()}/hook"
        )  # nothing listens there
        good_sms = put(outbox_db, "sms", "13900002222")

        with outbox_db.unit_of_work() as session:
            assert deliver_due(session, now=START, senders=senders) == 3
        assert (load(outbox_db, good_hook).status, load(outbox_db, good_sms).status) == (
            "sent",
            "sent",
        )
        bad = load(outbox_db, dead)
        assert (bad.status, bad.attempts, bad.parked_at) == ("pending", 1, None)
        assert bad.last_error and bad.next_attempt_at == START + retry_delay(1)

        now = START
        for attempt in range(2, MAX_ATTEMPTS + 1):
            with outbox_db.unit_of_work() as session:
                assert deliver_due(session, now=now, senders=senders) == 0, (
                    "nothing is due before the back-off"
                )
            now = load(outbox_db, dead).next_attempt_at
            with outbox_db.unit_of_work() as session:
                assert deliver_due(session, now=now, senders=senders) == 1
            assert load(outbox_db, dead).attempts == attempt
        parked = load(outbox_db, dead)
        assert (parked.status, parked.attempts, parked.parked_at) == ("failed", MAX_ATTEMPTS, now)
        assert len(http_receiver.at("/hook")) == 1 and len(http_receiver.at("/sms")) == 1

        listed = parked_cli(outbox_db.url, "list", "--kind", "webhook")
        assert listed["counts"]["webhook"] == 1 and listed["counts"]["outbox"] == 0
        [item] = listed["items"]
        assert (item["kind"], item["id"], item["attempts"]) == ("webhook", dead, MAX_ATTEMPTS)
        assert (
            item["last_error"] and "127.0.0.1" not in item["what"]
        )  # the recipient is never shown
        with TestClient(create_app(make_settings(outbox_db.url, tmp_path))) as client:
            assert parked_metric(client, "webhook") == 1
            assert parked_metric(client, "outbox") == 0

            parked_cli(outbox_db.url, "retry", "webhook", str(dead))
            again = load(outbox_db, dead)
            assert (again.status, again.attempts, again.parked_at) == ("pending", 0, None)
            assert parked_metric(client, "webhook") == 0
        with outbox_db.unit_of_work() as session:
            # Re-armed for the machine's now: due at any later time.
            assert deliver_due(session, now=again.next_attempt_at, senders=senders) == 1
        assert load(outbox_db, dead).attempts == 1

    def test_retrying_what_is_not_parked_is_refused(self, outbox_db: Database) -> None:
        mid = put(outbox_db, "sms", "13900002222")
        result = CliRunner().invoke(
            cli_app,
            ["parked", "retry", "outbox", str(mid)],
            env={"MINYI_DATABASE_URL": outbox_db.url},
        )
        assert result.exit_code == 2 and "no parked outbox" in result.output
        result = CliRunner().invoke(
            cli_app, ["parked", "retry", "nonsense", "1"], env={"MINYI_DATABASE_URL": outbox_db.url}
        )
        assert result.exit_code == 2 and "no parked kind" in result.output
