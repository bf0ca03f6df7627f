"""A demo district of the package's own with a hand-made week of appeals (made through the API
with tests/factories.py), its clock left on the morning after the reported day.

The reported day D is Saturday 2026-11-28 (Asia/Shanghai); D-1 is 11-27, D-7 is 11-21:
  11-21  A1 hotline S01/S01C01 占道经营 (TS-01-01-01)   A2 hotline S02
  11-27  B1 hotline S01   B2, B3 区长信箱 S02
  11-28  C1-C3 hotline S01/S01C01 占道经营 (C1 dispatched to DEP01)
         C4 walk-in S02 流动摊贩 (TS-01-01-02), 8 people   C5 区长信箱 S03, wage arrears (敏感)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

import factories
from conftest import private_demo_app
from factories import act, make_appeal
from minyi.core.clock import ManualClock
from minyi.core.db import Database

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 28)
MORNING_AFTER = datetime(2026, 11, 29, 8, 30, tzinfo=TZ)
WAGES = "公司拖欠我们二十多名工人工资三个月了，大家准备明天去区政府集体上访讨薪。"


def move_to(clock: ManualClock, client: TestClient, when: datetime) -> None:
    """Forward to `when`; sign-ins made before it may have expired, so sign in again."""
    delta = when - clock.now()
    assert delta.total_seconds() >= 0, "the fixture only moves time forward"
    clock.advance(delta)
    url = client.app.state.minyi.db.url  # type: ignore[attr-defined]
    for key in [k for k in factories._tokens if k[0] == url]:
        del factories._tokens[key]


@dataclass
class District:
    client: TestClient
    db: Database
    clock: ManualClock
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=TZ).astimezone(UTC)


@pytest.fixture(scope="package")
def district(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    with private_demo_app(backend, tmp_path_factory.mktemp(f"reports-{backend}")) as (
        client,
        db,
        clock,
    ):
        d = District(client, db, clock)
        move_to(clock, client, _at(21))
        d.cases["A1"] = make_appeal(
            client, street="S01", community="S01C01", category="TS-01-01-01"
        )
        d.cases["A2"] = make_appeal(client, street="S02")
        move_to(clock, client, _at(27))
        d.cases["B1"] = make_appeal(client, street="S01")
        for name in ("B2", "B3"):
            d.cases[name] = make_appeal(client, channel="mailbox_mayor", street="S02")
        move_to(clock, client, _at(28))
        for name in ("C1", "C2", "C3"):
            d.cases[name] = make_appeal(
                client,
                street="S01",
                community="S01C01",
                category="TS-01-01-01",
                title="人行道占道经营",
                body="小区门口人行道被摊位占用，行人只能走机动车道。",
            )
        assert act(client, d.cases["C1"]["id"], "accept", "clerk").status_code == 200
        r = act(
            client, d.cases["C1"]["id"], "dispatch", "dispatcher", lead_unit="DEP01", co_units=[]
        )
        assert r.status_code == 200, r.text
        d.cases["C4"] = make_appeal(
            client,
            channel="walk_in",
            street="S02",
            category="TS-01-01-02",
            crowd_size=8,
            title="流动摊贩聚集",
            body="菜市场外流动摊贩聚集，八户居民联名反映出行困难。",
        )
        d.cases["C5"] = make_appeal(
            client, channel="mailbox_mayor", street="S03", title="工资被拖欠", body=WAGES
        )
        move_to(clock, client, MORNING_AFTER.astimezone(UTC))
        yield d
