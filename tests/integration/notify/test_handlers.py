"""Citizens get SMS from case events: a receipt with the tracking number when the case is
registered (once, whatever is replayed), and a notice when it is replied."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import START, make_settings
from factories import act, appeal_payload, auth, make_appeal, make_dispatched, unique_phone
from minyi.app import create_app
from minyi.cases import hooks as case_hooks
from minyi.cases.hooks import RegisteredCase
from minyi.cases.models import Case
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.notify.handlers import send_receipts
from minyi.notify.jobs import deliver_due
from minyi.notify.models import OutboxMessage
from minyi.notify.rules import receipt_text, replied_text
from minyi.notify.senders import Senders, SmsGatewaySender
from minyi.wiring import build_registry

from .conftest import HttpReceiver


def messages_of(db: Database, case_id: int) -> list[OutboxMessage]:
    with db.reading() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.case_id == case_id)
                .order_by(OutboxMessage.id)
            )
        )


def test_cases_package_offers_the_registration_hook() -> None:
    assert "notify.receipt" in build_registry().names(case_hooks.CASES_REGISTERED)


class TestReceipt:
    def test_registration_enqueues_one_receipt_with_the_tracking_number(
        self, app_client: TestClient, db: Database
    ) -> None:
        phone = unique_phone()
        appeal = make_appeal(app_client, phone=phone)
        [receipt] = messages_of(db, appeal["id"])
        assert (receipt.channel, receipt.recipient, receipt.status) == ("sms", phone, "pending")
        assert receipt.body == receipt_text(appeal["tracking_no"])
        assert appeal["tracking_no"] in receipt.body
        assert receipt.dedupe_key == f"receipt:{appeal['id']}"
        assert receipt.payload == {"kind": "receipt", "tracking_no": appeal["tracking_no"]}

    def test_resubmitted_appeal_gets_no_second_receipt(
        self, app_client: TestClient, db: Database
    ) -> None:
        payload = appeal_payload(external_id=uuid.uuid4().hex)
        first = app_client.post("/api/v1/appeals", json=payload, headers=auth(app_client, "clerk"))
        again = app_client.post("/api/v1/appeals", json=payload, headers=auth(app_client, "clerk"))
        assert first.status_code == 201, first.text
        assert again.status_code == 200, again.text
        assert again.json()["id"] == first.json()["id"]
        assert len(messages_of(db, first.json()["id"])) == 1

    def test_replayed_registration_batch_sends_no_second_receipt(
        self, app_client: TestClient, db: Database
    ) -> None:
        appeal = make_appeal(app_client)
        with db.unit_of_work() as session:
            case = session.get(Case, appeal["id"])
            assert case is not None
            phone = messages_of(db, appeal["id"])[0].recipient
            send_receipts(
                session,
                [
                    RegisteredCase(
                        case.id,
                        case.tracking_no,
                        phone,
                        "hotline_12345",
                        case.registered_at,
                        case.policy_code,
                    )
                ],
            )
        assert len(messages_of(db, appeal["id"])) == 1

    def test_landline_gets_no_sms(self, app_client: TestClient, db: Database) -> None:
        appeal = make_appeal(app_client, phone="057187654321")
        assert messages_of(db, appeal["id"]) == []


class TestReplyNotice:
    def test_reply_enqueues_a_notice_to_the_citizen(
        self, app_client: TestClient, db: Database
    ) -> None:
        phone = unique_phone()
        appeal = make_dispatched(app_client, lead="DEP02", phone=phone)
        assert act(app_client, appeal["id"], "sign_for", "dep02.handler").status_code == 200
        assert (
            act(
                app_client, appeal["id"], "reply", "dep02.head", text="已安排清运企业每日冲洗除臭。"
            ).status_code
            == 200
        )
        notices = [m for m in messages_of(db, appeal["id"]) if m.payload.get("kind") == "replied"]
        assert [(m.channel, m.recipient, m.body) for m in notices] == [
            ("sms", phone, replied_text(appeal["tracking_no"]))
        ]

    def test_other_actions_send_nothing(self, app_client: TestClient, db: Database) -> None:
        appeal = make_dispatched(app_client, lead="DEP02")
        assert act(app_client, appeal["id"], "sign_for", "dep02.handler").status_code == 200
        assert [m.payload["kind"] for m in messages_of(db, appeal["id"])] == ["receipt"]


@pytest.fixture
def own_district(
    fresh_demo_db: Database, tmp_path: Path
) -> Iterator[tuple[TestClient, Database, ManualClock]]:
    """A district of its own, so delivering every due message touches only this test's."""
    clock = ManualClock(START)
    app = create_app(make_settings(fresh_demo_db.url, tmp_path), clock=clock)
    with TestClient(app) as client:
        yield client, fresh_demo_db, clock


class TestReceiptDelivery:
    def test_receipt_reaches_the_gateway_within_ten_minutes(
        self, own_district: tuple[TestClient, Database, ManualClock], http_receiver: HttpReceiver
    ) -> None:
        client, db, clock = own_district
        phone = unique_phone()
        appeal = make_appeal(client, phone=phone)
        gateway = Senders({"sms": SmsGatewaySender(f"{http_receiver.url}/sms", "gw-token")})
        with db.unit_of_work() as session:
            assert deliver_due(session, now=clock.now(), senders=gateway) == 1
        gateway.close()
        [request] = http_receiver.at("/sms")
        assert request.json() == {"phone": phone, "text": receipt_text(appeal["tracking_no"])}
        [receipt] = messages_of(db, appeal["id"])
        with db.reading() as session:
            case = session.get(Case, appeal["id"])
            assert case is not None
        assert receipt.status == "sent"
        assert receipt.sent_at is not None
        assert receipt.sent_at - case.registered_at <= timedelta(minutes=10)
