"""A replayed (channel, external_id) and a bad item in a group commit, on both backends.

A replay gets the first receipt only when it says the same thing from the same sender;
anything else is a 409, never another person's appeal. One bad appeal in a concurrent burst
gets its own error and the rest of its group commit registers.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conftest import START
from factories import appeal_payload, auth
from minyi.cases.models import Appeal
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.core.errors import Conflict, Invalid, MinyiError
from minyi.core.ids import IdAllocator
from minyi.intake.batcher import IntakeBatcher
from minyi.intake.refs import RefCache
from minyi.intake.schemas import AppealIn
from minyi.intake.service import Registered, register_appeals
from minyi.org.rules import Actor, Role

TZ = ZoneInfo("Asia/Shanghai")
# A year-1 time east of UTC is year 0 in UTC: it overflows the tracking number's date.
OVERFLOWING = datetime.fromisoformat("0001-01-01T00:30:00+01:00")


def post(client: TestClient, payload: dict[str, object], user: str = "clerk") -> object:
    return client.post("/api/v1/appeals", json=payload, headers=auth(client, user))


def burst(
    db: Database, items: list[AppealIn], max_batch: int = 8
) -> list[Registered | BaseException]:
    batcher = IntakeBatcher(
        db, ManualClock(START), IdAllocator(db, "appeals"), RefCache(), TZ, max_batch=max_batch
    )

    async def submit_all() -> list[Registered | BaseException]:
        return list(
            await asyncio.gather(
                *(batcher.submit(item, None) for item in items), return_exceptions=True
            )
        )

    batcher.start()
    try:
        return asyncio.run(submit_all())
    finally:
        batcher.stop()


class TestReplay:
    def test_the_same_content_from_the_same_sender_gets_the_first_receipt(
        self, app_client: TestClient
    ) -> None:
        payload = appeal_payload()
        first, again = post(app_client, payload), post(app_client, payload)
        assert (first.status_code, again.status_code) == (201, 200)  # type: ignore[attr-defined]
        assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False  # type: ignore[attr-defined]

    def test_other_content_under_the_same_external_id_is_409(
        self, app_client: TestClient, db: Database
    ) -> None:
        payload = appeal_payload()
        first = post(app_client, payload)
        assert first.status_code == 201  # type: ignore[attr-defined]
        for change in ({"body": "另一个人的另一件事"}, {"phone": "13900001111"}, {"name": "别人"}):
            r = post(app_client, payload | change)
            assert r.status_code == 409, change  # type: ignore[attr-defined]
            error = r.json()["error"]  # type: ignore[attr-defined]
            assert (
                error["code"] == "external_id_conflict"
                and payload["external_id"] in error["message"]
            )
            assert first.json()["tracking_no"] not in r.text  # type: ignore[attr-defined]
        with db.reading() as session:
            count = session.scalar(
                select(func.count())
                .select_from(Appeal)
                .where(Appeal.external_id == payload["external_id"])
            )
        assert count == 1

    def test_another_sender_with_the_same_content_is_409(self, app_client: TestClient) -> None:
        payload = appeal_payload()
        assert post(app_client, payload).status_code == 201  # type: ignore[attr-defined]
        r = post(app_client, payload, user="dispatcher")
        assert r.status_code == 409 and r.json()["error"]["code"] == "external_id_conflict"  # type: ignore[attr-defined]

    def test_in_one_group_commit_the_clash_is_409_and_the_replay_is_answered(
        self, db: Database
    ) -> None:
        payload = appeal_payload(channel="mailbox_mayor")
        items = [
            AppealIn(**payload),
            AppealIn(**payload),
            AppealIn(**payload | {"body": "完全不同的内容"}),
        ]
        items += [AppealIn(**appeal_payload(channel="mailbox_mayor")) for _ in range(5)]
        results = burst(db, items)
        first = results[0]
        assert isinstance(first, Registered) and first.created
        assert (
            isinstance(results[1], Registered)
            and results[1].id == first.id
            and not results[1].created
        )
        assert isinstance(results[2], Conflict) and results[2].code == "external_id_conflict"
        assert all(isinstance(r, Registered) and r.created for r in results[3:])

    def test_across_group_commits_a_clash_is_409(self, db: Database) -> None:
        payload = appeal_payload(channel="mailbox_mayor")
        (first,) = burst(db, [AppealIn(**payload)])
        assert isinstance(first, Registered)
        results = burst(db, [AppealIn(**payload | {"body": "冒用他人的编号"}), AppealIn(**payload)])
        assert isinstance(results[0], Conflict)
        assert isinstance(results[1], Registered) and results[1].id == first.id

    def test_an_appeal_from_before_digests_answers_by_body_phone_and_sender(
        self, app_client: TestClient, db: Database
    ) -> None:
        payload = appeal_payload()
        made = post(app_client, payload).json()  # type: ignore[attr-defined]
        with db.unit_of_work() as session:
            appeal = session.get(Appeal, made["id"])
            assert appeal is not None and appeal.content_digest
            appeal.content_digest = None  # as registered before this change
        assert post(app_client, payload).json()["id"] == made["id"]  # type: ignore[attr-defined]
        assert post(app_client, payload | {"body": "别的事"}).status_code == 409  # type: ignore[attr-defined]


class TestOneBadItem:
    def test_a_date_that_overflows_fails_only_its_own_appeal(self, db: Database) -> None:
        items = [AppealIn(**appeal_payload(channel="mailbox_mayor")) for _ in range(23)]
        # AppealIn refuses such a date at the door; the writer must still survive one that slips in.
        items.insert(
            11,
            AppealIn(**appeal_payload(channel="mailbox_mayor")).model_copy(
                update={"submitted_at": OVERFLOWING}
            ),
        )
        results = burst(db, items)
        bad = results.pop(11)
        assert isinstance(bad, Invalid) and bad.code == "bad_submitted_at"
        assert all(isinstance(r, Registered) and r.created for r in results)

    def test_over_the_api_the_bad_one_is_422_the_rest_201(self, app_client: TestClient) -> None:
        for bad in (OVERFLOWING.isoformat(), "9999-12-31T23:59:59+00:00"):
            r = post(app_client, appeal_payload(submitted_at=bad))
            assert r.status_code == 422 and "submitted_at" in r.text, r.text  # type: ignore[attr-defined]
        assert (
            post(app_client, appeal_payload(submitted_at="2026-11-19T23:59:59+00:00")).status_code
            == 201
        )  # type: ignore[attr-defined]

    def test_a_batch_the_database_refuses_is_redone_item_by_item(
        self, backend: str, db: Database
    ) -> None:
        """PostgreSQL refuses a NUL character in text: the whole INSERT fails, then only that item."""
        if backend != "postgres":
            pytest.skip("SQLite stores NUL characters")
        items = [AppealIn(**appeal_payload(channel="mailbox_mayor")) for _ in range(15)]
        items.insert(
            7,
            AppealIn(**appeal_payload(channel="mailbox_mayor")).model_copy(
                update={"body": "含有\x00的正文"}
            ),
        )
        results = burst(db, items, max_batch=16)
        bad = results.pop(7)
        assert isinstance(bad, Exception) and not isinstance(bad, Registered)
        assert all(isinstance(r, Registered) and r.created for r in results)

    def test_the_cli_path_reports_the_bad_item_and_registers_the_rest(self, db: Database) -> None:
        actor = Actor(
            staff_id=None,
            username="cli",
            name="cli",
            role=Role.ADMIN,
            unit_id=None,
            unit_code=None,
            unit_kind=None,
            unit_path=None,
        )
        items = [
            AppealIn(**appeal_payload()),
            AppealIn(**appeal_payload()).model_copy(update={"submitted_at": OVERFLOWING}),
        ]
        ids = IdAllocator(db, "appeals").take(2)
        with db.unit_of_work() as session:
            results: list[Registered | MinyiError] = register_appeals(
                session, items, actors=[actor, actor], ids=ids, refs=RefCache(), now=START, tz=TZ
            )
        assert isinstance(results[0], Registered) and isinstance(results[1], Invalid)
