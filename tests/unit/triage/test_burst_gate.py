"""The triage job's burst gate: it waits while appeals pour in, for a bounded time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from minyi.triage.burst import BurstGate

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_normal_traffic_is_triaged_at_once() -> None:
    gate = BurstGate(burst_rate=100, max_defer_s=60)
    assert not gate.should_defer(3, at(0))
    gate.took(3)
    # Twenty appeals in five seconds: 4/s.
    assert not gate.should_defer(20, at(5))


def test_a_burst_is_left_for_later_until_it_ends() -> None:
    gate = BurstGate(burst_rate=100, max_defer_s=60)
    assert not gate.should_defer(0, at(0))  # no rate known yet
    assert gate.should_defer(2_600, at(2))  # 1,300 a second
    assert gate.should_defer(5_200, at(4))
    # The burst is over: nothing new in the last window, the backlog is worked off.
    assert not gate.should_defer(5_200, at(9))
    gate.took(50)
    assert not gate.should_defer(5_150, at(9.5))


def test_what_the_job_took_counts_as_arrived() -> None:
    gate = BurstGate(burst_rate=100, max_defer_s=60)
    assert not gate.should_defer(100, at(0))
    gate.took(1_000)  # the queue stayed at 100 because the job kept taking: 500 a second arrived
    assert gate.should_defer(100, at(2))


def test_a_burst_is_deferred_for_at_most_max_defer() -> None:
    gate = BurstGate(burst_rate=100, max_defer_s=60)
    gate.should_defer(0, at(0))
    size = 0
    deferred = []
    for second in range(2, 200, 2):
        size += 1_000  # a sustained 500 a second
        deferred.append((second, gate.should_defer(size, at(second))))
    assert [s for s, d in deferred if d] == list(range(2, 62, 2))  # 2 s .. 60 s, then it runs


def test_an_empty_queue_is_never_deferred_and_a_frozen_clock_never_defers() -> None:
    gate = BurstGate(burst_rate=100, max_defer_s=60)
    gate.should_defer(0, at(0))
    gate.took(5_000)
    assert not gate.should_defer(0, at(2))
    frozen = BurstGate(burst_rate=100, max_defer_s=60)
    assert not any(frozen.should_defer(n * 1_000, at(0)) for n in range(10))
