"""The worker's early-warning scan: today's alerts are raised as the signals appear (every
MINYI_ALERTS_SCAN_MINUTES, 15 by default), not only when the next morning's daily report is
issued; the leader dashboard and the alert list show them within one interval.

One scan per interval however many workers run: a worker claims the interval's slot in the
`counters` table (an UPDATE that only the first can make) before it stores anything. The
detection itself, reads over the day and the 28 days before, runs in a reading transaction
first, so on SQLite intake never waits for it. What the last interval of a day missed is raised
by the daily report, which scans the whole day again (alert keys are unique: nothing twice).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from minyi.analytics.alerts import detect, store_alerts
from minyi.core.db import reading_beside
from minyi.core.settings import defaults

log = logging.getLogger(__name__)
SLOT_COUNTER = "alert_scan_slot"
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def scan_slot(now: datetime, minutes: int) -> int:
    """The number of the interval `now` falls in (intervals counted from 2020)."""
    return int((now - EPOCH).total_seconds() // 60) // minutes


def scan_today(
    session: Session, *, now: datetime, minutes: int | None = None, timezone: str | None = None
) -> int:
    """Raise today's new alerts once per interval (MINYI_ALERTS_SCAN_MINUTES; 0: never);
    returns how many were raised."""
    settings = defaults()
    minutes = settings.alerts.scan_minutes if minutes is None else minutes
    if minutes <= 0:
        return 0
    slot = scan_slot(now, minutes)
    day = now.astimezone(ZoneInfo(timezone or settings.timezone)).date()
    # `session` is not touched before the reads are done: on SQLite its first statement takes
    # the write lock.
    with reading_beside(session) as reader:
        claimed = reader.execute(
            text("SELECT value FROM counters WHERE name = :n"), {"n": SLOT_COUNTER}
        ).scalar()
        if claimed is not None and claimed >= slot:
            return 0  # this interval was scanned (by this or another worker)
        candidates = detect(reader, day=day)
    session.execute(
        text("INSERT INTO counters (name, value) VALUES (:n, 0) ON CONFLICT (name) DO NOTHING"),
        {"n": SLOT_COUNTER},
    )
    won = session.execute(
        text("UPDATE counters SET value = :s WHERE name = :n AND value < :s RETURNING value"),
        {"s": slot, "n": SLOT_COUNTER},
    ).first()
    if won is None:
        return 0  # another worker claimed the slot while we read
    new = store_alerts(session, candidates, day=day, now=now)
    if new:
        log.info("raised %d early-warning alert(s) for %s", len(new), day)
    return len(new)
