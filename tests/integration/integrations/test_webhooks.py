"""Webhook subscribers get HMAC-signed JSON for the case events they chose, through the outbox,
with retries and a delivery log; checked against a real HTTP receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from conftest import private_demo_app
from factories import act, auth, make_appeal, make_dispatched
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.notify.jobs import deliver_due
from minyi.notify.senders import Senders, WebhookSender

from .conftest import Receiver

PLATFORM_SECRET = "platform-secret-not-the-subscribers"
Env = tuple[TestClient, Database, ManualClock]


@pytest.fixture(scope="module")
def env(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    # Delivery claims every due outbox row, so these tests run on a demo database of their own.
    with private_demo_app(backend, tmp_path_factory.mktemp("webhooks")) as found:
        yield found


@pytest.fixture
def senders() -> Iterator[Senders]:
    registry = Senders({"webhook": WebhookSender(PLATFORM_SECRET)})
    yield registry
    registry.close()


def deliver(db: Database, clock: ManualClock, senders: Senders) -> int:
    with db.unit_of_work() as session:
        return deliver_due(session, now=clock.now(), senders=senders)


def subscribe(
    client: TestClient, receiver: Receiver, name: str, events: list[str]
) -> dict[str, str]:
    r = client.post(
        "/api/v1/webhooks",
        json={"name": name, "url": f"{receiver.url}/{name}", "events": events},
        headers=auth(client, "admin"),
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def signed(receiver: Receiver, secret: str) -> list[dict[str, object]]:
    docs = []
    for request in receiver.received:
        expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(request.headers["x-minyi-signature"], expected)
        docs.append(json.loads(request.body))
    return docs


class TestSubscribers:
    def test_only_admins_manage_them(self, env: Env, receiver: Receiver) -> None:
        client, _, _ = env
        r = client.post(
            "/api/v1/webhooks",
            json={"name": "x", "url": receiver.url, "events": ["*"]},
            headers=auth(client, "dispatcher"),
        )
        assert r.status_code == 403
        assert client.get("/api/v1/webhooks", headers=auth(client, "clerk")).status_code == 403

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"name": "bad-url", "url": "ftp://x", "events": ["*"]}, "url"),
            (
                {"name": "bad-event", "url": "http://127.0.0.1:1/x", "events": ["case.exploded"]},
                "events",
            ),
            ({"name": "no-event", "url": "http://127.0.0.1:1/x", "events": []}, "events"),
        ],
    )
    def test_bad_input_is_422_and_adds_nothing(
        self, env: Env, body: dict[str, object], field: str
    ) -> None:
        client, _, _ = env
        r = client.post("/api/v1/webhooks", json=body, headers=auth(client, "admin"))
        assert r.status_code == 422 and field in r.text
        names = [
            s["name"]
            for s in client.get("/api/v1/webhooks", headers=auth(client, "admin")).json()[
                "subscribers"
            ]
        ]
        assert body["name"] not in names


class TestDelivery:
    def test_chosen_events_arrive_signed_with_the_subscribers_secret(
        self, env: Env, receiver: Receiver, senders: Senders
    ) -> None:
        client, db, clock = env
        sub = subscribe(client, receiver, "city12345", ["case.registered", "case.dispatch"])
        other = subscribe(client, receiver, "replies-only", ["case.reply"])
        appeal = make_dispatched(client)
        deliver(db, clock, senders)
        mine = [r for r in receiver.received if r.path == "/city12345"]
        assert not [r for r in receiver.received if r.path == "/replies-only"]
        receiver.received = mine
        docs = signed(receiver, sub["secret"])
        events = [(d["event"], d["case_id"]) for d in docs if d["case_id"] == appeal["id"]]
        assert events == [("case.registered", appeal["id"]), ("case.dispatch", appeal["id"])]
        dispatch = next(d for d in docs if d["event"] == "case.dispatch")
        assert dispatch["from_status"] == "accepted" and dispatch["to_status"] == "dispatched"
        assert dispatch["tracking_no"] == appeal["tracking_no"] and "phone" not in dispatch
        assert other["secret"] != sub["secret"]
        with pytest.raises(AssertionError):
            signed(receiver, PLATFORM_SECRET)

    def test_a_failing_receiver_is_retried_and_the_log_shows_it(
        self, env: Env, receiver: Receiver, senders: Senders
    ) -> None:
        client, db, clock = env
        subscribe(client, receiver, "flaky", ["case.accept"])
        appeal = make_appeal(client)
        receiver.answer_with(503)
        assert act(client, appeal["id"], "accept", "clerk").status_code == 200
        deliver(db, clock, senders)
        log = client.get("/api/v1/webhooks/flaky/deliveries", headers=auth(client, "admin")).json()
        [entry] = [e for e in log if e["case_id"] == appeal["id"]]
        assert (
            entry["status"] == "pending" and entry["attempts"] == 1 and "503" in entry["last_error"]
        )
        deliver(db, clock, senders)  # not due yet: the back-off holds it
        assert len([r for r in receiver.received if r.path == "/flaky"]) == 1
        clock.advance(timedelta(seconds=31))
        deliver(db, clock, senders)
        [entry] = [
            e
            for e in client.get(
                "/api/v1/webhooks/flaky/deliveries", headers=auth(client, "admin")
            ).json()
            if e["case_id"] == appeal["id"]
        ]
        assert entry["status"] == "sent" and entry["attempts"] == 2 and entry["sent_at"]
        bodies = [r.body for r in receiver.received if r.path == "/flaky"]
        assert (
            bodies[0] == bodies[1]
        )  # the same signed message again: receivers drop repeats by its id
        sent_only = client.get(
            "/api/v1/webhooks/flaky/deliveries?status=failed", headers=auth(client, "admin")
        ).json()
        assert sent_only == []

    def test_ping_and_switching_off(self, env: Env, receiver: Receiver, senders: Senders) -> None:
        client, db, clock = env
        subscribe(client, receiver, "pinged", ["case.archive"])
        r = client.post("/api/v1/webhooks/pinged/ping", headers=auth(client, "admin"))
        assert r.status_code == 202
        deliver(db, clock, senders)
        assert [json.loads(x.body)["event"] for x in receiver.received if x.path == "/pinged"] == [
            "ping"
        ]
        off = client.delete("/api/v1/webhooks/pinged", headers=auth(client, "admin"))
        assert off.status_code == 200 and off.json()["is_active"] is False
        subscribe(client, receiver, "all-events", ["*"])
        client.patch(
            "/api/v1/webhooks/all-events", json={"is_active": False}, headers=auth(client, "admin")
        )
        appeal = make_appeal(client)
        assert act(client, appeal["id"], "decline", "clerk", reason="重复").status_code == 200
        assert act(client, appeal["id"], "archive", "dispatcher").status_code == 200
        for name in ("all-events", "pinged"):
            log = client.get(
                f"/api/v1/webhooks/{name}/deliveries", headers=auth(client, "admin")
            ).json()
            assert [e["event"] for e in log if e["case_id"] is not None] == []

    def test_unknown_subscriber_is_404(self, env: Env) -> None:
        client, _, _ = env
        assert (
            client.get(
                "/api/v1/webhooks/nobody/deliveries", headers=auth(client, "admin")
            ).status_code
            == 404
        )
