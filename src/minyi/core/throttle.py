"""Attempt counting shared by every process: fixed-window counters in the database.

Each (limit, key, window) is one row whose count is raised by an atomic upsert, so API
processes, the web portal and the worker all see the same numbers on SQLite and PostgreSQL
alike; process memory would let an attacker multiply the limit by the number of processes.
Callers check before the guarded work and record a failure after it, each in its own short
transaction, so a refused attempt is counted even though its request rolls back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, String, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from minyi.core.db import Base, Database
from minyi.core.errors import MinyiError, NotFound, TooManyAttempts
from minyi.core.settings import Settings

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class ThrottleCounter(Base):
    """Failures counted for one key in one fixed window. Rows whose window has ended are
    deleted by `sweep` (run on every recorded failure, cheap through the index on ends_at)."""

    __tablename__ = "throttle_counters"

    # The key is hashed: it may hold a username or a tracking number, which need not sit in
    # clear in a table that exists only to count.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    ends_at: Mapped[datetime] = mapped_column(index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class Limit:
    """At most `attempts` failures per key in a fixed window of `window`; `message` (zh-CN) is
    what the refused caller reads."""

    name: str
    attempts: int
    window: timedelta
    message: str

    def window_of(self, now: datetime) -> tuple[datetime, datetime]:
        size = int(self.window.total_seconds())
        start = _EPOCH + timedelta(seconds=(int((now - _EPOCH).total_seconds()) // size) * size)
        return start, start + self.window


def _hashed(limit: Limit, key: str) -> str:
    return hashlib.sha256(f"{limit.name}\x00{key}".encode()).hexdigest()


def failures(session: Session, limit: Limit, key: str, *, now: datetime) -> int:
    start, _ = limit.window_of(now)
    return (
        session.scalar(
            select(ThrottleCounter.count).where(
                ThrottleCounter.key == _hashed(limit, key), ThrottleCounter.window_start == start
            )
        )
        or 0
    )


def check(session: Session, limit: Limit, key: str, *, now: datetime) -> None:
    """Raise TooManyAttempts once `key` has used up its failures in the current window."""
    if failures(session, limit, key, now=now) >= limit.attempts:
        _, ends_at = limit.window_of(now)
        retry_after = max(1, int((ends_at - now).total_seconds()) + 1)
        raise TooManyAttempts("too_many_attempts", limit.message, retry_after=retry_after)


def record_failure(session: Session, limit: Limit, key: str, *, now: datetime) -> int:
    """Count one failure (an atomic upsert: concurrent callers never lose a count) and return
    the key's count in this window."""
    start, ends_at = limit.window_of(now)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(ThrottleCounter).values(
        key=_hashed(limit, key), window_start=start, ends_at=ends_at, count=1
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[ThrottleCounter.key, ThrottleCounter.window_start],
        set_={"count": ThrottleCounter.count + 1},
    ).returning(ThrottleCounter.count)
    count = int(session.execute(stmt).scalar_one())
    sweep(session, now=now)
    return count


def clear(session: Session, limit: Limit, key: str) -> None:
    """Forget a key's failures (a right password ends the wrong ones' count)."""
    session.execute(delete(ThrottleCounter).where(ThrottleCounter.key == _hashed(limit, key)))


def sweep(session: Session, *, now: datetime) -> None:
    session.execute(delete(ThrottleCounter).where(ThrottleCounter.ends_at <= now))


@contextmanager
def guarded(
    db: Database,
    checks: list[tuple[Limit, str]],
    *,
    now: datetime,
    failure: tuple[type[MinyiError], ...],
) -> Iterator[None]:
    """Run the guarded block only while every (limit, key) has failures left, and count one
    failure on each when the block raises one of `failure`. The check reads, the count writes
    in its own short transaction: it survives the request's rollback."""
    with db.reading() as session:
        for limit, key in checks:
            check(session, limit, key, now=now)
    try:
        yield
    except failure:
        with db.unit_of_work() as session:
            for limit, key in checks:
                record_failure(session, limit, key, now=now)
        raise


@contextmanager
def citizen_secret_guard(
    db: Database, settings: Settings, *, key: str, client: str, now: datetime
) -> Iterator[None]:
    """Every check of a citizen secret goes through here (tracking a case, rating it, cancelling a
    booking or an appointment, a volunteer's code): the last four digits are one of 10,000, so
    wrong answers (`NotFound`) are counted per thing (`key`, e.g. "appointment:FW…") and per
    client address, and once either is used up even the right answer gets 429 until the window
    ends."""
    per_thing, per_address = citizen_secret_limits(settings)
    with guarded(db, [(per_thing, key), (per_address, client)], now=now, failure=(NotFound,)):
        yield


def sign_in_limits(settings: Settings) -> tuple[Limit, Limit, Limit]:
    """(per username and address, per username, per address)."""
    window = timedelta(minutes=settings.limits.sign_in_window_minutes)
    message = f"登录失败次数过多，请{settings.limits.sign_in_window_minutes}分钟后再试"
    return (
        Limit("sign_in_account", settings.limits.sign_in_failures_per_account, window, message),
        Limit("sign_in_user", settings.limits.sign_in_failures_per_user, window, message),
        Limit("sign_in_address", settings.limits.sign_in_failures_per_address, window, message),
    )


def citizen_secret_limits(settings: Settings) -> tuple[Limit, Limit]:
    """(per case, per address) for the last four phone digits or a tracking code."""
    window = timedelta(minutes=settings.limits.citizen_secret_window_minutes)
    message = f"查询失败次数过多，请{settings.limits.citizen_secret_window_minutes}分钟后再试"
    return (
        Limit(
            "citizen_secret_case", settings.limits.citizen_secret_failures_per_case, window, message
        ),
        Limit(
            "citizen_secret_address",
            settings.limits.citizen_secret_failures_per_address,
            window,
            message,
        ),
    )
