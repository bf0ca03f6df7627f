"""The worker's shared retry rules: the back-off and when an item is parked (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from minyi.core.retries import Retried, RetryPolicy, error_text, note_failure

NOW = datetime(2026, 12, 1, tzinfo=UTC)
POLICY = RetryPolicy(
    kind="test", max_attempts=4, first_delay=timedelta(minutes=1), max_delay=timedelta(minutes=5)
)


class Row(Retried):
    def __init__(self) -> None:
        self.attempts, self.last_error, self.next_attempt_at, self.parked_at = 0, None, None, None


class Refused(Exception):
    permanent = True


class TestRetryPolicy:
    def test_delay_doubles_up_to_its_cap(self) -> None:
        assert [POLICY.delay(n) for n in range(1, 6)] == [
            timedelta(minutes=m) for m in (1, 2, 4, 5, 5)
        ]
        assert POLICY.delay(10**9) == timedelta(minutes=5)

    def test_attempts_count_from_one(self) -> None:
        with pytest.raises(ValueError, match="from 1"):
            POLICY.delay(0)


class TestNoteFailure:
    def test_backs_off_then_parks_after_the_last_attempt(self) -> None:
        row = Row()
        for n in range(1, 4):
            assert not note_failure(row, RuntimeError("boom"), policy=POLICY, now=NOW, item_id=7)
            assert (row.attempts, row.next_attempt_at, row.parked_at) == (
                n,
                NOW + POLICY.delay(n),
                None,
            )
        assert row.last_error == "RuntimeError: boom"
        assert note_failure(row, RuntimeError("boom"), policy=POLICY, now=NOW, item_id=7)
        assert (row.attempts, row.next_attempt_at, row.parked_at) == (4, None, NOW)

    def test_a_permanent_error_parks_at_once(self) -> None:
        row = Row()
        policy = RetryPolicy(
            kind="test", is_permanent=lambda e: bool(getattr(e, "permanent", False))
        )
        assert note_failure(row, Refused("no such recipient"), policy=policy, now=NOW, item_id=1)
        assert (row.attempts, row.parked_at) == (1, NOW)

    def test_rearm_makes_it_due_at_once_with_a_fresh_count(self) -> None:
        row = Row()
        for _ in range(4):
            note_failure(row, "broken", policy=POLICY, now=NOW, item_id=1)
        row.rearm(NOW + timedelta(days=1))
        assert (row.attempts, row.next_attempt_at, row.parked_at, row.last_error) == (
            0,
            None,
            None,
            "broken",
        )

    def test_error_text_has_no_nul_and_is_bounded(self) -> None:
        assert error_text(ValueError("a\x00b")) == "ValueError: a\\0b"
        assert len(error_text("x" * 10_000)) == 2000
