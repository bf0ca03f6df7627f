"""The shared throttle: fixed-window counters in the database, on both backends."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conftest import START
from minyi.core.db import Database
from minyi.core.errors import NotFound, TooManyAttempts
from minyi.core.throttle import (
    Limit,
    ThrottleCounter,
    check,
    clear,
    failures,
    guarded,
    record_failure,
)

LIMIT = Limit("test", 3, timedelta(minutes=10), "尝试次数过多，请稍后再试")


class TestThrottle:
    def test_the_limit_refuses_once_used_up_and_names_the_wait(self, fresh_db: Database) -> None:
        with fresh_db.unit_of_work() as session:
            for _ in range(3):
                check(session, LIMIT, "k", now=START)
                record_failure(session, LIMIT, "k", now=START)
        with fresh_db.reading() as session:
            with pytest.raises(TooManyAttempts) as caught:
                check(session, LIMIT, "k", now=START + timedelta(minutes=1))
            # Another key is not affected.
            check(session, LIMIT, "other", now=START + timedelta(minutes=1))
        window_start, ends_at = LIMIT.window_of(START + timedelta(minutes=1))
        assert window_start <= START < ends_at
        assert 0 < caught.value.retry_after <= 600
        assert caught.value.message == "尝试次数过多，请稍后再试"

    def test_a_new_window_starts_afresh_and_old_windows_are_swept(self, fresh_db: Database) -> None:
        with fresh_db.unit_of_work() as session:
            for key in ("a", "b"):
                record_failure(session, LIMIT, key, now=START)
        later = START + timedelta(minutes=30)
        with fresh_db.unit_of_work() as session:
            check(session, LIMIT, "a", now=later)
            assert record_failure(session, LIMIT, "a", now=later) == 1
        with fresh_db.reading() as session:
            # The expired windows of both keys went with the next recorded failure.
            assert session.scalar(select(func.count()).select_from(ThrottleCounter)) == 1

    def test_clear_forgets_a_key(self, fresh_db: Database) -> None:
        with fresh_db.unit_of_work() as session:
            record_failure(session, LIMIT, "k", now=START)
            clear(session, LIMIT, "k")
        with fresh_db.reading() as session:
            assert failures(session, LIMIT, "k", now=START) == 0

    def test_keys_are_not_stored_in_clear(self, fresh_db: Database) -> None:
        with fresh_db.unit_of_work() as session:
            record_failure(session, LIMIT, "20261120-000123", now=START)
        with fresh_db.reading() as session:
            assert "20261120" not in session.scalars(select(ThrottleCounter.key)).one()

    def test_concurrent_failures_are_all_counted(self, fresh_db: Database) -> None:
        wide = Limit("wide", 1000, timedelta(minutes=10), "x")

        def fail_five(_: int) -> None:
            for _ in range(5):
                with fresh_db.unit_of_work() as session:
                    record_failure(session, wide, "shared", now=START)

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(fail_five, range(8)))
        with fresh_db.reading() as session:
            assert failures(session, wide, "shared", now=START) == 40

    def test_guarded_counts_failures_that_survive_the_callers_rollback(
        self, fresh_db: Database
    ) -> None:
        for _ in range(3):
            with (
                pytest.raises(NotFound),
                guarded(fresh_db, [(LIMIT, "case")], now=START, failure=(NotFound,)),
            ):
                raise NotFound("case_not_found", "没有找到")
        # Over the limit the block does not even run.
        ran = []
        with (
            pytest.raises(TooManyAttempts),
            guarded(fresh_db, [(LIMIT, "case")], now=START, failure=(NotFound,)),
        ):
            ran.append(True)
        assert ran == []
