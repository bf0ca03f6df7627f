"""The worker's early-warning scan raises today's alerts once per interval, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conftest import START, private_demo_app
from factories import make_appeal, unique_phone
from minyi.analytics.jobs import scan_today
from minyi.analytics.models import Alert
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.core.settings import Settings
from minyi.wiring import build_registry
from minyi.worker.runner import run_once


def repeat_petitioner(client: object, clock: ManualClock) -> str:
    """Three appeals from one phone, two minutes apart: a repeat-petitioner signal."""
    phone = unique_phone()
    for topic in ("养老金没有按时发放", "养老金为何还没发放", "再次反映养老金问题"):
        clock.advance(timedelta(minutes=2))
        make_appeal(client, title=topic, body=topic, phone=phone, street="S04")  # type: ignore[arg-type]
    return phone


def repeat_alerts(db: Database) -> int:
    with db.reading() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Alert).where(Alert.kind == "repeat_petitioner")
            )
            or 0
        )


def all_alerts(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(Alert)) or 0)


@pytest.fixture
def world(
    backend: str, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[object, Database, ManualClock]]:
    monkeypatch.setenv("MINYI_ALERTS_SCAN_MINUTES", "15")
    with private_demo_app(backend, tmp_path_factory.mktemp("scan")) as (client, db, clock):
        clock.advance(START - clock.now())
        yield client, db, clock


def test_alerts_are_raised_during_the_day_once_per_interval(
    world: tuple[object, Database, ManualClock],
) -> None:
    client, db, clock = world
    assert "scan_alerts" in build_registry().jobs  # the worker runs it every tick
    repeat_petitioner(client, clock)  # (three appeals of one street in an hour: a burst too)
    with db.unit_of_work() as session:
        first = scan_today(session, now=clock.now())
    assert first == all_alerts(db) >= 1 and repeat_alerts(db) == 1
    # A second citizen writes a third time minutes later, in the interval already scanned.
    repeat_petitioner(client, clock)
    with db.unit_of_work() as session:
        assert scan_today(session, now=clock.now()) == 0
    assert all_alerts(db) == first and repeat_alerts(db) == 1
    # The next interval finds it; nothing of the first scan is raised again.
    clock.advance(timedelta(minutes=15))
    with db.unit_of_work() as session:
        second = scan_today(session, now=clock.now())
    with db.unit_of_work() as session:
        assert scan_today(session, now=clock.now()) == 0
    assert second >= 1 and all_alerts(db) == first + second and repeat_alerts(db) == 2
    with db.reading() as session:
        days = set(session.scalars(select(Alert.day)))
    assert days == {"2026-11-20"}  # the local (Beijing) day of the appeals


def test_the_scan_can_be_turned_off(
    world: tuple[object, Database, ManualClock], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, db, clock = world
    monkeypatch.setenv("MINYI_ALERTS_SCAN_MINUTES", "0")
    repeat_petitioner(client, clock)
    assert run_once(db, clock, settings=Settings())["scan_alerts"] == 0  # the worker, as configured
    assert repeat_alerts(db) == 0
