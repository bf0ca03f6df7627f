"""Step aside for intake during a burst, for a bounded time.

Triage costs about as much CPU per appeal as registering it (the model, the repeat index, its
own reads and writes), and on a small server the worker shares the cores with the API. In a
burst (a flood of calls after a water main bursts, another platform pushing its backlog) both
would run at once: intake slower and its tail latency up, for suggestions that nobody reads
within the same seconds. So while appeals arrive faster than `burst_rate` a second, far above
any district's human traffic, the worker's triage job waits, for at most `max_defer_s` at a
stretch; then (or as soon as the burst ends) it works the backlog off at full speed. Measured
with `minyi bench intake` (README).

The arrival rate is read off the queue itself, so it needs no signal from the API processes:
the queue's size now, minus its size at the start of the window, plus what this job took from it
meanwhile, over windows of at least `window_s`. Another worker's takings only make the rate look
lower, so several workers never defer more than one would. Time is the injected clock's: with a
frozen clock no window ever closes and the job never defers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class BurstGate:
    burst_rate: float  # appeals a second
    max_defer_s: float
    window_s: float = 2.0
    _window_start: datetime | None = None
    _window_size: int = 0
    _taken: int = 0
    _bursting: bool = False
    _deferring_since: datetime | None = None

    def should_defer(self, queue_size: int, now: datetime) -> bool:
        """Look at the queue (its size now); True while the job should leave it for later."""
        if self._window_start is None or now < self._window_start:
            self._start_window(queue_size, now)
        elapsed = (now - self._window_start).total_seconds()  # type: ignore[operator]
        if elapsed >= self.window_s:
            arrived = queue_size - self._window_size + self._taken
            self._bursting = arrived / elapsed > self.burst_rate
            self._start_window(queue_size, now)
        if not self._bursting or queue_size == 0:
            self._deferring_since = None
            return False
        if self._deferring_since is None:
            self._deferring_since = now
        return (now - self._deferring_since).total_seconds() < self.max_defer_s

    def took(self, count: int) -> None:
        """The job took `count` entries off the queue since its last look."""
        self._taken += count

    def _start_window(self, queue_size: int, now: datetime) -> None:
        self._window_start, self._window_size, self._taken = now, queue_size, 0
