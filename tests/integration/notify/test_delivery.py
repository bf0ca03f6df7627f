"""The worker's deliver_due sends committed messages to real local receivers, at least once,
retrying with back-off and giving up after MAX_ATTEMPTS."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from conftest import START
from minyi.core.db import Database
from minyi.core.registry import Registry
from minyi.notify import hooks, jobs
from minyi.notify.jobs import SENDERS, deliver_due
from minyi.notify.models import OutboxMessage
from minyi.notify.rules import MAX_ATTEMPTS, NO_SENDER, UNCONFIGURED_DELAY, retry_delay
from minyi.notify.senders import (
    Senders,
    SmsGatewaySender,
    SmtpSender,
    WebhookSender,
    WeComRobotSender,
)
from minyi.notify.service import enqueue

from .conftest import SECRET, HttpReceiver, SmtpServer, free_port


@pytest.fixture
def senders(smtp_server: SmtpServer, http_receiver: HttpReceiver) -> Iterator[Senders]:
    registry = Senders(
        {
            "email": SmtpSender(
                smtp_server.host, smtp_server.port, None, None, False, "minyi@tinglan.gov.cn"
            ),
            "sms": SmsGatewaySender(f"{http_receiver.url}/sms", "gw-token"),
            "webhook": WebhookSender(SECRET),
            "wecom": WeComRobotSender(f"{http_receiver.url}/wecom"),
        }
    )
    yield registry
    registry.close()


def put(db: Database, *, now: datetime = START, **fields: Any) -> int:
    values: dict[str, Any] = {
        "channel": "sms",
        "recipient": "13900002222",
        "subject": None,
        "body": "您好",
    } | fields
    with db.unit_of_work() as session:
        message = enqueue(session, now=now, **values)
        assert message is not None
        return message.id


def run(db: Database, now: datetime, senders: Senders | None = None, **kwargs: Any) -> int:
    with db.unit_of_work() as session:
        return deliver_due(session, now=now, senders=senders, **kwargs)


def load(db: Database, message_id: int) -> OutboxMessage:
    with db.reading() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        return message


class TestEmail:
    def test_reaches_the_smtp_server_with_chinese_intact(
        self, outbox_db: Database, senders: Senders, smtp_server: SmtpServer
    ) -> None:
        mid = put(
            outbox_db,
            channel="email",
            recipient="citizen@example.org",
            subject="诉求办理提醒：编号MY001",
            body="程先生您好：\n您反映的垃圾中转站臭味问题已转交汀澜区城管局办理。",
        )
        assert run(outbox_db, START, senders) == 1
        [mail] = smtp_server.box.received
        assert mail.rcpt_tos == ["citizen@example.org"]
        assert mail.mail_from == "minyi@tinglan.gov.cn"
        assert mail.message["Subject"] == "诉求办理提醒：编号MY001"
        # SMTP carries CRLF line ends; the text itself arrives as written.
        assert mail.message.get_content().splitlines() == [
            "程先生您好：",
            "您反映的垃圾中转站臭味问题已转交汀澜区城管局办理。",
        ]
        assert mail.message.get_content_charset() == "utf-8"
        assert mail.message["Message-ID"] == f"<minyi-outbox-{mid}@tinglan.gov.cn>"
        sent = load(outbox_db, mid)
        assert (sent.status, sent.attempts, sent.sent_at, sent.last_error) == (
            "sent",
            1,
            START,
            None,
        )

    def test_unreachable_smtp_server_is_retried(self, outbox_db: Database) -> None:
        mid = put(
            outbox_db, channel="email", recipient="citizen@example.org", subject="s", body="b"
        )
        down = Senders(
            {"email": SmtpSender("127.0.0.1", free_port(), None, None, False, "minyi@localhost")}
        )
        assert run(outbox_db, START, down) == 1
        failed = load(outbox_db, mid)
        assert (failed.status, failed.attempts) == ("pending", 1)
        assert failed.next_attempt_at == START + retry_delay(1)
        assert failed.last_error


class TestHttp:
    def test_sms_goes_to_the_gateway_as_json_with_the_token(
        self, outbox_db: Database, senders: Senders, http_receiver: HttpReceiver
    ) -> None:
        mid = put(
            outbox_db, recipient="13900003333", body="【汀澜区民意速办】您的诉求已登记，编号MY002。"
        )
        run(outbox_db, START, senders)
        [request] = http_receiver.at("/sms")
        assert request.json() == {
            "phone": "13900003333",
            "text": "【汀澜区民意速办】您的诉求已登记，编号MY002。",
        }
        assert request.headers["authorization"] == "Bearer gw-token"
        assert request.headers["x-minyi-message-id"] == f"minyi-outbox-{mid}"
        assert load(outbox_db, mid).status == "sent"

    def test_webhook_posts_the_payload_signed_with_the_secret(
        self, outbox_db: Database, senders: Senders, http_receiver: HttpReceiver
    ) -> None:
        payload = {"event": "case.replied", "tracking_no": "MY003", "unit": "汀澜区城管局"}
        mid = put(
            outbox_db,
            channel="webhook",
            recipient=f"{http_receiver.url}/hook",
            subject="答复",
            body="已答复",
            payload=payload,
        )
        run(outbox_db, START, senders)
        [request] = http_receiver.at("/hook")
        assert request.json() == payload
        expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        assert request.headers["x-minyi-signature"] == f"sha256={expected}"
        assert request.headers["x-minyi-message-id"] == f"minyi-outbox-{mid}"
        assert load(outbox_db, mid).status == "sent"

    def test_wecom_robot_gets_a_text_message(
        self, outbox_db: Database, senders: Senders, http_receiver: HttpReceiver
    ) -> None:
        mid = put(
            outbox_db,
            channel="wecom",
            recipient="",
            subject="超时预警",
            body="编号MY004距办结时限不足2小时",
        )
        run(outbox_db, START, senders)
        [request] = http_receiver.at("/wecom")
        assert request.json() == {
            "msgtype": "text",
            "text": {"content": "超时预警\n编号MY004距办结时限不足2小时"},
        }
        assert load(outbox_db, mid).status == "sent"


class TestRetry:
    def test_server_error_is_retried_later_then_succeeds(
        self, outbox_db: Database, senders: Senders, http_receiver: HttpReceiver
    ) -> None:
        mid = put(outbox_db)
        http_receiver.answer_with(500)
        assert run(outbox_db, START, senders) == 1
        waiting = load(outbox_db, mid)
        assert (waiting.status, waiting.attempts) == ("pending", 1)
        assert waiting.next_attempt_at == START + timedelta(seconds=30) > START
        assert "HTTP 500" in (waiting.last_error or "")
        assert run(outbox_db, START + timedelta(seconds=29), senders) == 0
        assert len(http_receiver.at("/sms")) == 1
        assert run(outbox_db, waiting.next_attempt_at, senders) == 1
        sent = load(outbox_db, mid)
        assert (sent.status, sent.attempts, sent.sent_at, sent.last_error) == (
            "sent",
            2,
            waiting.next_attempt_at,
            None,
        )
        assert len(http_receiver.at("/sms")) == 2

    def test_gives_up_after_max_attempts(
        self, outbox_db: Database, senders: Senders, http_receiver: HttpReceiver
    ) -> None:
        mid = put(outbox_db)
        http_receiver.answer_with(*[503] * MAX_ATTEMPTS)
        now = START
        for _ in range(MAX_ATTEMPTS):
            assert run(outbox_db, now, senders) == 1
            now = load(outbox_db, mid).next_attempt_at
        failed = load(outbox_db, mid)
        assert (failed.status, failed.attempts, failed.sent_at) == ("failed", MAX_ATTEMPTS, None)
        assert "HTTP 503" in (failed.last_error or "")
        assert run(outbox_db, START + timedelta(days=2), senders) == 0
        assert len(http_receiver.at("/sms")) == MAX_ATTEMPTS

    def test_refusal_for_good_fails_at_once(
        self, outbox_db: Database, senders: Senders, http_receiver: HttpReceiver
    ) -> None:
        mid = put(outbox_db)
        http_receiver.answer_with(400)
        run(outbox_db, START, senders)
        failed = load(outbox_db, mid)
        assert (failed.status, failed.attempts) == ("failed", 1)

    def test_rate_limit_is_retried(
        self, outbox_db: Database, senders: Senders, http_receiver: HttpReceiver
    ) -> None:
        mid = put(outbox_db)
        http_receiver.answer_with(429)
        run(outbox_db, START, senders)
        assert (load(outbox_db, mid).status, load(outbox_db, mid).attempts) == ("pending", 1)

    def test_unconfigured_channel_waits_without_counting_an_attempt(
        self, outbox_db: Database, senders: Senders, http_receiver: HttpReceiver
    ) -> None:
        mid = put(outbox_db)
        assert run(outbox_db, START, Senders({})) == 1
        waiting = load(outbox_db, mid)
        assert (waiting.status, waiting.attempts, waiting.last_error) == ("pending", 0, NO_SENDER)
        assert waiting.next_attempt_at == START + UNCONFIGURED_DELAY
        # Once someone configures the gateway, the message leaves.
        run(outbox_db, waiting.next_attempt_at, senders)
        assert load(outbox_db, mid).status == "sent"
        assert len(http_receiver.at("/sms")) == 1

    def test_unsendable_messages_wait_in_bounded_lots_beside_sendable_ones(
        self,
        outbox_db: Database,
        senders: Senders,
        smtp_server: SmtpServer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # More unsendable messages than one ORM pass takes (limit) and than one held lot: the
        # lot stops at HOLD_BATCH, the email beside them goes out in the same pass.
        monkeypatch.setattr(jobs, "HOLD_BATCH", 4)
        sms = [put(outbox_db, now=START + timedelta(seconds=i), body=f"回执{i}") for i in range(6)]
        mail = put(outbox_db, channel="email", recipient="a@example.org", body="提醒")
        no_sms = Senders({"email": senders.get("email")})
        later = START + timedelta(seconds=10)
        assert run(outbox_db, later, no_sms, limit=1) == 4 + 1
        assert load(outbox_db, mail).status == "sent"
        assert len(smtp_server.box.received) == 1
        held = [load(outbox_db, m) for m in sms]
        assert [m.next_attempt_at == later + UNCONFIGURED_DELAY for m in held] == [True] * 4 + [
            False
        ] * 2
        assert {(m.status, m.attempts) for m in held} == {("pending", 0)}
        assert run(outbox_db, later, no_sms) == 2
        assert all(load(outbox_db, m).last_error == NO_SENDER for m in sms)
        # Nothing due any more: the job finds nothing until the wait is over.
        assert run(outbox_db, later, no_sms) == 0

    def test_wecom_without_a_robot_url_waits(self, outbox_db: Database) -> None:
        mid = put(outbox_db, channel="wecom", recipient="", body="预警")
        registry = Senders({"wecom": WeComRobotSender(None)})
        run(outbox_db, START, registry)
        registry.close()
        waiting = load(outbox_db, mid)
        assert (waiting.status, waiting.attempts) == ("pending", 0)

    def test_configured_senders_serve_the_worker_signature(
        self, outbox_db: Database, senders: Senders
    ) -> None:
        mid = put(outbox_db)
        outbox_db.caches.put(SENDERS, senders)
        try:
            with outbox_db.unit_of_work() as session:
                assert deliver_due(session, now=START) == 1
        finally:
            outbox_db.caches.reset(SENDERS)
        assert load(outbox_db, mid).status == "sent"


class TestAtLeastOnce:
    def test_second_run_does_not_send_again(
        self, outbox_db: Database, senders: Senders, http_receiver: HttpReceiver
    ) -> None:
        put(outbox_db)
        assert run(outbox_db, START, senders) == 1
        assert run(outbox_db, START + timedelta(hours=1), senders) == 0
        assert len(http_receiver.at("/sms")) == 1

    def test_messages_due_later_wait(
        self, outbox_db: Database, senders: Senders, http_receiver: HttpReceiver
    ) -> None:
        put(outbox_db, now=START + timedelta(minutes=1))
        assert run(outbox_db, START, senders) == 0
        assert http_receiver.requests == []

    def test_worker_dying_before_commit_sends_again_and_loses_nothing(
        self, outbox_db: Database, senders: Senders, http_receiver: HttpReceiver
    ) -> None:
        mid = put(outbox_db)

        def send_then_die() -> None:
            with outbox_db.unit_of_work() as session:
                deliver_due(session, now=START, senders=senders)
                raise RuntimeError("worker killed before commit")

        with pytest.raises(RuntimeError, match="killed"):
            send_then_die()
        assert (load(outbox_db, mid).status, load(outbox_db, mid).attempts) == ("pending", 0)
        run(outbox_db, START, senders)
        assert load(outbox_db, mid).status == "sent"
        ids = [r.headers["x-minyi-message-id"] for r in http_receiver.at("/sms")]
        assert ids == [f"minyi-outbox-{mid}"] * 2  # the receiver can drop the repeat by its id

    def test_concurrent_workers_send_each_message_once(
        self, outbox_db: Database, senders: Senders, http_receiver: HttpReceiver
    ) -> None:
        ids = [put(outbox_db, recipient=f"1390000{n:04d}") for n in range(24)]
        start = threading.Barrier(2, timeout=30)
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                start.wait()
                while run(outbox_db, START, senders, limit=4):
                    pass
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads)
        assert errors == []
        sent = Counter(r.headers["x-minyi-message-id"] for r in http_receiver.at("/sms"))
        assert sent == Counter({f"minyi-outbox-{i}": 1 for i in ids})
        with outbox_db.reading() as session:
            assert set(session.scalars(select(OutboxMessage.status))) == {"sent"}


class TestSentHooks:
    def test_handlers_run_after_sent_in_the_same_transaction(
        self, outbox_db: Database, senders: Senders
    ) -> None:
        seen: list[tuple[int, str, datetime]] = []

        def follow_up(session: Session, message: OutboxMessage, now: datetime) -> None:
            seen.append((message.id, message.status, now))
            enqueue(
                session,
                channel="wecom",
                recipient="",
                subject=None,
                body="回执已发送",
                now=now,
                dedupe_key=f"follow:{message.id}",
            )

        registry = Registry()  # exactly the handler under test
        registry.add(hooks.MESSAGE_SENT, "test.follow_up", follow_up)
        mid = put(outbox_db)
        run(outbox_db.with_registry(registry), START, senders, limit=1)
        assert seen == [(mid, "sent", START)]
        with outbox_db.reading() as session:
            assert (
                session.scalar(
                    select(OutboxMessage.body).where(OutboxMessage.dedupe_key == f"follow:{mid}")
                )
                == "回执已发送"
            )

    def test_failing_handler_neither_unsends_nor_leaves_writes(
        self,
        outbox_db: Database,
        senders: Senders,
        http_receiver: HttpReceiver,
    ) -> None:
        def broken(session: Session, message: OutboxMessage, now: datetime) -> None:
            enqueue(
                session,
                channel="wecom",
                recipient="",
                subject=None,
                body="half done",
                now=now,
                dedupe_key="half",
            )
            raise RuntimeError("handler bug")

        registry = Registry()
        registry.add(hooks.MESSAGE_SENT, "test.broken", broken)
        mid = put(outbox_db)
        run(outbox_db.with_registry(registry), START, senders)
        sent = load(outbox_db, mid)
        assert sent.status == "sent"
        assert sent.last_error == "sent; handlers failed: test.broken"
        with outbox_db.reading() as session:
            assert (
                session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == "half"))
                is None
            )
        run(outbox_db, START + timedelta(hours=1), senders)
        assert len(http_receiver.at("/sms")) == 1
