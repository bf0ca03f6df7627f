"""One clock whose handler raises never holds back the other due clocks: it gets an attempt
count, its last error and a back-off, and after MAX_ATTEMPTS it is parked and listed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from conftest import private_demo_app
from factories import make_appeal
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.sla.hooks import CLOCK_FIRED
from minyi.sla.jobs import MAX_ATTEMPTS, parked_clocks
from minyi.sla.models import Clock, ClockFiring
from minyi.worker.runner import run_once


@pytest.fixture
def world(backend: str, tmp_path: object) -> Iterator[tuple[TestClient, Database, ManualClock]]:
    with private_demo_app(backend, tmp_path) as w:  # type: ignore[arg-type]
        yield w


def fire_all(db: Database, clock: ManualClock) -> None:
    while run_once(db, clock)["fire_clocks"]:
        pass


def clocks_of(db: Database, case_id: int) -> list[Clock]:
    with db.reading() as session:
        return list(
            session.scalars(select(Clock).where(Clock.case_id == case_id).order_by(Clock.id))
        )


class TestPoisonedClock:
    def test_a_failing_handler_does_not_block_other_clocks(
        self, world: tuple[TestClient, Database, ManualClock]
    ) -> None:
        client, db, clock = world
        poisoned = make_appeal(client)["id"]
        healthy = make_appeal(client)["id"]

        def poison(session: Session, c: Clock, kind: str, now: datetime) -> None:
            if c.case_id == poisoned:
                raise RuntimeError(f"handler broken for case {poisoned}")

        assert db.registry is not None  # the app's (private_demo_app)
        db.registry.add(CLOCK_FIRED, "test.poison", poison)
        try:
            clock.advance(
                timedelta(minutes=40)
            )  # past the 10-minute feedback and 30-minute contact clocks
            fire_all(db, clock)
            good = clocks_of(db, healthy)
            bad = clocks_of(db, poisoned)
            with db.reading() as session:
                good_fired = set(
                    session.scalars(
                        select(ClockFiring.clock_id).where(
                            ClockFiring.clock_id.in_([c.id for c in good])
                        )
                    )
                )
                bad_fired = set(
                    session.scalars(
                        select(ClockFiring.clock_id).where(
                            ClockFiring.clock_id.in_([c.id for c in bad])
                        )
                    )
                )
            assert good_fired, "the healthy case's due clocks fired"
            assert not bad_fired, "nothing of the failing handler's firing was kept"
            failed = [c for c in bad if c.fire_attempts]
            assert failed
            for c in failed:
                assert c.fire_attempts == 1
                assert c.last_error is not None and "handler broken" in c.last_error
                assert c.next_fire_at is not None and c.next_fire_at > clock.now()
                assert c.parked_at is None

            for _ in range(MAX_ATTEMPTS + 2):
                clock.advance(timedelta(hours=1))
                fire_all(db, clock)
            for c in clocks_of(db, poisoned):
                if c.fire_attempts:
                    assert c.fire_attempts == MAX_ATTEMPTS
                    assert c.parked_at is not None and c.next_fire_at is None
            with db.reading() as session:
                parked = {c.id for c in parked_clocks(session)}
            assert {c.id for c in failed} <= parked
            assert not parked & {c.id for c in good}
        finally:
            db.registry.remove(CLOCK_FIRED, "test.poison")

    def test_a_repaired_handler_fires_the_clock_and_clears_its_error(
        self, world: tuple[TestClient, Database, ManualClock]
    ) -> None:
        client, db, clock = world
        case_id = make_appeal(client)["id"]
        broken = {"on": True}

        def flaky(session: Session, c: Clock, kind: str, now: datetime) -> None:
            if broken["on"] and c.case_id == case_id:
                raise RuntimeError("temporarily broken")

        assert db.registry is not None  # the app's (private_demo_app)
        db.registry.add(CLOCK_FIRED, "test.flaky", flaky)
        try:
            clock.advance(timedelta(minutes=40))
            fire_all(db, clock)
            assert any(c.fire_attempts == 1 for c in clocks_of(db, case_id))
            broken["on"] = False
            clock.advance(timedelta(hours=1))
            fire_all(db, clock)
            for c in clocks_of(db, case_id):
                assert c.fire_attempts == 0 and c.last_error is None
            with db.reading() as session:
                assert session.scalars(
                    select(ClockFiring).where(
                        ClockFiring.clock_id.in_([c.id for c in clocks_of(db, case_id)])
                    )
                ).first()
        finally:
            db.registry.remove(CLOCK_FIRED, "test.flaky")
