"""One appeal whose triage raises never holds back the queue: the others are suggested and
dispatched, the bad one stays queued with its attempts, last error and a back-off, is parked
after RETRY.max_attempts, shows in `minyi parked` and /metrics, and goes through once re-armed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from conftest import private_demo_app
from factories import make_appeal
from minyi.cases.hooks import CASE_ACTION, ActionDone
from minyi.cases.models import Case
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.triage.classifier.registry import store_classifier
from minyi.triage.jobs import RETRY, triage_pending
from minyi.triage.models import TriageQueueEntry, TriageSuggestion
from parked_checks import parked_cli, parked_metric
from triage_toy import toy_model

SURE_GARBAGE = "城市绿洲花园小区门口的垃圾站臭味很大，垃圾中转站异味刺鼻，请尽快处理"


@pytest.fixture
def world(backend: str, tmp_path: Path) -> Iterator[tuple[TestClient, Database, ManualClock, Path]]:
    with private_demo_app(backend, tmp_path) as (client, db, clock):
        data_dir = client.app.state.minyi.settings.data_dir  # type: ignore[attr-defined]
        with db.unit_of_work() as session:
            store_classifier(session, toy_model(), data_dir=data_dir, now=clock.now())
        yield client, db, clock, data_dir


def run(db: Database, clock: ManualClock, data_dir: Path) -> int:
    with db.unit_of_work() as session:
        return triage_pending(session, now=clock.now(), data_dir=data_dir)


def entry(db: Database, appeal_id: int) -> TriageQueueEntry | None:
    with db.reading() as session:
        return session.get(TriageQueueEntry, appeal_id)


def state(db: Database, case_id: int) -> tuple[str, Any]:
    with db.reading() as session:
        status = session.scalar(select(Case.status).where(Case.id == case_id))
        suggestion = session.scalar(
            select(TriageSuggestion.status).where(TriageSuggestion.case_id == case_id)
        )
    return str(status), suggestion


class TestPoisonedTriage:
    def test_a_failing_appeal_is_retried_then_parked_and_the_rest_go_on(
        self, world: tuple[TestClient, Database, ManualClock, Path]
    ) -> None:
        client, db, clock, data_dir = world
        ids = [
            make_appeal(client, title="垃圾站臭味", body=SURE_GARBAGE + "。" * n)["id"]
            for n in range(3)
        ]
        bad = ids[1]

        def broken(session: Session, done: ActionDone) -> None:
            if done.case_id == bad:
                raise RuntimeError(f"dispatch handler broken for case {bad}")

        assert db.registry is not None  # the app's (private_demo_app)
        db.registry.add(CASE_ACTION, "test.broken", broken)
        try:
            assert run(db, clock, data_dir) == 3
            for good in (ids[0], ids[2]):
                assert state(db, good) == ("dispatched", "auto_dispatched")
                assert entry(db, good) is None
            assert state(db, bad) == ("registered", None), "nothing of the failed triage was kept"
            failed = entry(db, bad)
            assert failed is not None and failed.attempts == 1 and failed.parked_at is None
            assert failed.last_error is not None and "dispatch handler broken" in failed.last_error
            assert failed.next_attempt_at == clock.now() + RETRY.delay(1)
            assert run(db, clock, data_dir) == 0, "backing off: not taken again at once"

            for attempt in range(2, RETRY.max_attempts + 1):
                clock.advance(RETRY.delay(attempt - 1))
                assert run(db, clock, data_dir) == 1
                again = entry(db, bad)
                assert again is not None and again.attempts == attempt
            parked = entry(db, bad)
            assert (
                parked is not None
                and parked.parked_at == clock.now()
                and parked.next_attempt_at is None
            )
            clock.advance(timedelta(days=1))
            assert run(db, clock, data_dir) == 0, "a parked appeal is left alone"

            listed = parked_cli(db.url, "list", "--kind", "triage")
            assert listed["counts"]["triage"] == 1
            assert [(i["id"], i["attempts"]) for i in listed["items"]] == [
                (bad, RETRY.max_attempts)
            ]
            assert parked_metric(client, "triage") == 1
        finally:
            db.registry.remove(CASE_ACTION, "test.broken")

        parked_cli(db.url, "retry", "triage", str(bad))
        assert parked_metric(client, "triage") == 0
        assert run(db, clock, data_dir) == 1
        assert state(db, bad) == ("dispatched", "auto_dispatched")
        assert entry(db, bad) is None
