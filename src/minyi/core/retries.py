"""One failing item never blocks the others: the worker's one way to handle due items (clocks,
outbox messages and webhook deliveries, triage queue entries, scheduled reports).

`handle_each` runs a job's due items each in a SAVEPOINT of its own inside the job's
transaction (optionally the whole batch in one savepoint first, the cheap path, redone item by
item only when it raises). A savepoint rather than a transaction per item keeps the batch claim
(FOR UPDATE SKIP LOCKED on PostgreSQL) and one commit, with the same isolation: a rolled-back
savepoint leaves nothing of the bad item's writes, and the row locks taken before it stay held.

The bad item's row records the failure (`note_failure`): an attempt count, the last error and
the next attempt, backed off exponentially; after `max_attempts` it is parked: left alone until
someone fixes the cause and re-arms it (`minyi parked retry`). Every failure is logged with the
item's kind and id. Rows carry the state through the `Retried` mixin's protocol: `attempts`,
`last_error`, `next_attempt_at`, `parked_at`, and `park`/`rearm`, which a model overrides when
parking means more than the columns (an outbox message also turns `failed`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy.orm import Session

# The policy is pure (rules modules name theirs); re-exported for the worker's callers.
from minyi.core.retry_policy import (
    RetryPolicy as RetryPolicy,
)  # re-exported: jobs import it from here

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_ERROR = 2000


class RetryState(Protocol):
    attempts: int
    last_error: str | None
    parked_at: datetime | None

    # Read as optional, written with a time: a queue whose column is NOT NULL (the outbox) is
    # one too; it keeps the time when parked (its own `park`).
    @property
    def next_attempt_at(self) -> datetime | None: ...

    @next_attempt_at.setter
    def next_attempt_at(self, value: datetime) -> None: ...

    def park(self, now: datetime) -> None: ...

    def rearm(self, now: datetime) -> None: ...


class Retried:
    """Mixin for a model the worker retries: the default meaning of parking and re-arming.
    The model declares the four columns (or synonyms of them)."""

    if TYPE_CHECKING:  # declared by the model; plain annotations here would confuse Declarative
        attempts: int
        last_error: str | None
        next_attempt_at: datetime | None
        parked_at: datetime | None

    def park(self, now: datetime) -> None:
        self.parked_at, self.next_attempt_at = now, None

    def rearm(self, now: datetime) -> None:  # noqa: ARG002 - models that need a time use it
        """Back in the queue, due at once (no next attempt time: whatever clock the worker
        reads), with a fresh count; the last error stays until a success."""
        self.parked_at, self.next_attempt_at, self.attempts = None, None, 0


def error_text(error: BaseException | str) -> str:
    """What goes on the row: the exception's type and message, without NUL (PostgreSQL refuses
    it in text, and a row that cannot record its error would fail again every tick)."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return text.replace("\x00", "\\0")[:MAX_ERROR]


def note_failure(
    row: RetryState, error: BaseException | str, *, policy: RetryPolicy, now: datetime, item_id: Any
) -> bool:
    """Record one failed attempt on the row: back off, or park after the last. True if parked."""
    row.attempts = (row.attempts or 0) + 1
    row.last_error = error_text(error)
    permanent = isinstance(error, BaseException) and policy.is_permanent(error)
    if permanent or policy.gives_up(row.attempts):
        row.park(now)
        log.error(
            "%s %s parked after %d failed attempts: %s",
            policy.kind,
            item_id,
            row.attempts,
            row.last_error,
            extra={"kind": policy.kind, "item_id": item_id, "attempts": row.attempts},
        )
        return True
    retry_at = row.next_attempt_at = now + policy.delay(row.attempts)
    log.warning(
        "%s %s failed (attempt %d), retry at %s: %s",
        policy.kind,
        item_id,
        row.attempts,
        retry_at.isoformat(),
        row.last_error,
        extra={"kind": policy.kind, "item_id": item_id, "attempts": row.attempts},
    )
    return False


@dataclass(frozen=True)
class Outcome:
    done: int
    failed: int


def handle_each(
    session: Session,
    items: Sequence[T],
    handle: Callable[[list[T]], int],
    *,
    policy: RetryPolicy,
    now: datetime,
    state_of: Callable[[T], RetryState | None],
    id_of: Callable[[T], Any],
    batch_first: bool = False,
    keep_going: Callable[[], bool] | None = None,
) -> Outcome:
    """Handle `items`, a failing one never failing the others. The outcome's `done` sums what
    `handle` returned for the items that succeeded; `failed` counts the items that raised.

    `handle(items)` does the work of a list of items (flushing is done here). With
    `batch_first`, the whole list goes first in one savepoint (one flush for the lot); if it
    raises, that savepoint is rolled back and each item is redone in one of its own. Without it
    (for work with side effects that must not be redone, like a message that went out), each
    item gets its own savepoint from the start. A failed item's row comes from `state_of`
    (after the rollback, so it is read afresh) and gets `note_failure`. `keep_going` is asked
    before each item after the first (a time budget)."""
    if not items:
        return Outcome(0, 0)
    if batch_first and len(items) > 1:
        try:
            with session.begin_nested():
                done = handle(list(items))
                session.flush()
            return Outcome(done, 0)
        except Exception:  # noqa: BLE001 - find the bad item by redoing the batch one by one
            log.warning(
                "%s batch of %d failed; handling its items one by one", policy.kind, len(items)
            )
    done = failed = 0
    for n, item in enumerate(items):
        if n and keep_going is not None and not keep_going():
            break
        item_id = id_of(item)
        try:
            with session.begin_nested():
                done += handle([item])
                session.flush()
        except Exception as error:  # noqa: BLE001 - recorded on its row, retried with back-off
            failed += 1
            state = state_of(item)
            if state is None:
                log.warning(
                    "%s %s failed and has no row to record it: %s",
                    policy.kind,
                    item_id,
                    error_text(error),
                )
                continue
            try:
                with session.begin_nested():
                    note_failure(state, error, policy=policy, now=now, item_id=item_id)
            except Exception:
                log.exception(
                    "%s %s failed and its failure could not be recorded", policy.kind, item_id
                )
    return Outcome(done, failed)
