"""How one kind of item is retried: pure policy, no storage (rules modules name their own
policies; core/retries.py applies them to rows)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta


def _never(_error: BaseException) -> bool:
    return False


@dataclass(frozen=True)
class RetryPolicy:
    """How one kind of item is retried. `kind` names it in logs, `minyi parked` and the metric."""

    kind: str
    max_attempts: int = 5
    first_delay: timedelta = timedelta(minutes=1)
    max_delay: timedelta = timedelta(hours=1)
    # Errors not worth retrying (a receiver that refused for good): parked at the first one.
    is_permanent: Callable[[BaseException], bool] = field(default=_never)

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failure: first_delay doubling, at most max_delay."""
        if attempts < 1:
            raise ValueError("delays count failed attempts from 1")
        # Stop the exponent early: a large count must not build an enormous timedelta.
        return min(self.first_delay * (1 << min(attempts - 1, 30)), self.max_delay)

    def gives_up(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
