"""The cases per service from the per-day roll-up (services/rollup.py) against counting the
cases, on both backends: the services hub's "last 30 days" and the report's received/closed.

Cases registered over four days at various hours, some moved to mediation or legal aid, some
declined (closed). Each period (partial first and last days, whole days, within one day) must
count as the cases do: before the job folds the days (all marked, read live), after it, after a
change to a folded day's case (its mark makes the read count it live; the folded rows alone are
asserted stale, so a missing mark would fail), after the job folds that again, and after a
rebuild. The counts are also checked against the numbers the test made.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from factories import act_on, register_appeal
from minyi.analytics.rollups import roll_up_areas
from minyi.cases.models import Case, CaseDayMark
from minyi.cases.rules import CLOSED
from minyi.core.db import Database
from minyi.org.service import actor_for_username
from minyi.services.models import ServiceDayCount
from minyi.services.queries import cases_by_service, service_totals
from minyi.services.rollup import rebuild_service_rollup
from minyi.services.rules import Service, service_of
from minyi.services.service import change_service

TZ = ZoneInfo("Asia/Shanghai")
DAY0 = datetime(2026, 9, 1, tzinfo=TZ)  # before the demo's own cases
# (day, hour, service moved to or None, declined)
MADE = [
    (0, 2, None, False),
    (0, 11, "mediation", False),
    (0, 23, None, True),
    (1, 0, "legal", False),
    (1, 9, "mediation", True),
    (1, 17, None, False),
    (2, 8, None, False),
    (2, 12, "mediation", False),
    (3, 6, "legal", True),
    (3, 20, None, False),
]
PERIODS = [
    (DAY0 + timedelta(hours=10), DAY0 + timedelta(days=3, hours=12)),  # partial ends
    (DAY0, DAY0 + timedelta(days=4)),  # whole days only
    (DAY0 + timedelta(days=1, hours=5), DAY0 + timedelta(days=1, hours=18)),  # inside one day
    (DAY0 - timedelta(days=30), DAY0 + timedelta(days=2, hours=9)),  # empty days before
]


def direct(session: Any, since: datetime, until: datetime) -> dict[Service, tuple[int, int]]:
    """As the hub counted before the roll-up: every case of the period, grouped."""
    received: Counter[Service] = Counter()
    closed: Counter[Service] = Counter()
    for class_name, chosen, status in session.execute(
        select(Case.class_name, Case.service, Case.status).where(
            Case.registered_at >= since, Case.registered_at < until
        )
    ):
        s = service_of(class_name, chosen)
        received[s] += 1
        closed[s] += status in CLOSED
    return {s: (received[s], closed[s]) for s in Service}


def assert_exact(db: Database) -> list[dict[Service, tuple[int, int]]]:
    with db.reading() as session:
        found = [service_totals(session, since, until) for since, until in PERIODS]
        assert found == [direct(session, since, until) for since, until in PERIODS]
        hub = cases_by_service(session, *PERIODS[0])
        assert hub == {s: n for s, (n, _) in found[0].items()}
    return found


def folded_only(session: Any) -> dict[str, int]:
    """The folded rows of the four days alone, as if no day were marked: per chosen service."""
    rows = session.execute(
        select(ServiceDayCount.service, func.sum(ServiceDayCount.cases))
        .where(
            ServiceDayCount.day >= DAY0.date(), ServiceDayCount.day <= DAY0.date() + timedelta(3)
        )
        .group_by(ServiceDayCount.service)
    )
    return {s or "": int(n) for s, n in rows}


def job(db: Database, now: datetime) -> int:
    with db.unit_of_work() as session:
        return roll_up_areas(session, now=now)


def test_the_rollup_counts_as_the_cases(fresh_demo_db: Database) -> None:
    db = fresh_demo_db
    ids = []
    for day, hour, service, declined in MADE:
        at = DAY0 + timedelta(days=day, hours=hour)
        case_id = register_appeal(db, now=at)["id"]
        ids.append(case_id)
        if service:
            with db.unit_of_work() as session:
                clerk = actor_for_username(session, "clerk")
                change_service(session, clerk, case_id, service, reason="转专业服务", now=at)
        if declined:
            act_on(db, case_id, "decline", "clerk", now=at, reason="不属于受理范围")
    live = assert_exact(db)
    # The numbers made above: the whole four days hold 3 mediation (1 declined), 2 legal aid
    # (1 declined), 5 others (1 declined).
    whole = live[1]
    assert whole[Service.MEDIATION] == (3, 1)
    assert whole[Service.LEGAL] == (2, 1)
    assert sum(n for n, _ in whole.values()) == 10
    assert sum(done for _, done in whole.values()) == 3

    # The job folds the four days (and removes their marks); the read is the same.
    assert job(db, DAY0 + timedelta(days=10)) >= 4
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(CaseDayMark)) == 0
        assert sum(folded_only(session).values()) == 10
    assert assert_exact(db) == live

    # A folded day's case changes: moved to counselling (its day is marked), then declined.
    moved = ids[6]
    with db.unit_of_work() as session:
        clerk = actor_for_username(session, "clerk")
        change_service(session, clerk, moved, "counselling", reason="需心理疏导", now=DAY0)
    act_on(db, moved, "decline", "clerk", now=DAY0, reason="重复件")
    changed = assert_exact(db)
    assert changed != live
    assert changed[1][Service.COUNSELLING] == (1, 1)
    with db.reading() as session:
        assert folded_only(session).get("counselling", 0) == 0  # stale without the mark

    assert job(db, DAY0 + timedelta(days=10)) == 1
    with db.reading() as session:
        assert folded_only(session)["counselling"] == 1
    assert assert_exact(db) == changed

    with db.unit_of_work() as session:
        assert rebuild_service_rollup(session) >= 4
    assert assert_exact(db) == changed
