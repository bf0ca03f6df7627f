"""Group commit for intake: many concurrent submissions share one transaction and one fsync.

Requests hand their validated appeal to a writer thread and wait; the thread takes whatever
has queued up while the previous commit ran (no artificial delay, so a lone request is not
held back), registers the batch in one transaction, commits, and only then answers each
request. If the batch fails as a whole, for any reason (a race on an external id with another
process, a dropped connection, one item the database refuses), each item is retried in its own
transaction so one bad apple spoils nothing.

With a read replica (ADR 0009), each commit's WAL position is remembered for every staff member
whose appeal it carried (one position read a group), so a clerk's new appeal is in their own
list at once, not only after the replica has replayed it.

One writer on PostgreSQL too: a pool of writers was measured (`minyi bench intake`, 3 and 2
writers against 1) to spend 25-50% more CPU per appeal, in this process and in the server,
for smaller batches, and gave no more appeals per second on a busy 2-core machine.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minyi.core.clock import Clock
from minyi.core.db import Database
from minyi.core.errors import MinyiError, Unauthorized
from minyi.core.ids import IdAllocator
from minyi.core.replica import acting_for
from minyi.intake.refs import RefCache
from minyi.intake.schemas import AppealIn
from minyi.intake.service import Registered, register_appeals
from minyi.org.rules import Actor
from minyi.org.service import live_token_holders

log = logging.getLogger(__name__)


@dataclass
class _Pending:
    item: AppealIn
    actor: Actor | None
    future: asyncio.Future[Registered]
    loop: asyncio.AbstractEventLoop
    # The hash of the token the actor came from (None for the public): the hot path may take the
    # actor from a per-process cache, so the writer checks the token again in the batch.
    token_hash: str | None = None
    code_seed: bytes | None = None  # see register_appeals


class IntakeBatcher:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        ids: IdAllocator,
        refs: RefCache,
        tz: ZoneInfo,
        max_batch: int,
    ) -> None:
        self._db, self._clock, self._ids, self._refs, self._tz = db, clock, ids, refs, tz
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="intake-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    async def submit(
        self,
        item: AppealIn,
        actor: Actor | None,
        *,
        token_hash: str | None = None,
        code_seed: bytes | None = None,
    ) -> Registered:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Registered] = loop.create_future()
        self._queue.put(_Pending(item, actor, future, loop, token_hash, code_seed))
        return await future

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            self._process(batch)
            if stop:
                return

    def _process(self, batch: list[_Pending]) -> None:
        try:
            # Optimistic: no look-up of earlier (channel, external_id) pairs; a replayed one
            # fails the batch on the unique index and the item-by-item pass below answers it.
            results = self._register(batch, check_existing=False)
        except IntegrityError:
            log.info(
                "intake batch of %d holds a replayed or conflicting appeal; registering one by one",
                len(batch),
            )
            results = self._one_by_one(batch)
        except Exception:
            # A dropped connection, or one item the database or the code refuses (a date out of
            # range): the others must not pay for it, so each is redone in its own transaction
            # and only the bad one gets the error.
            log.warning(
                "intake batch of %d failed as a whole; retrying one by one",
                len(batch),
                exc_info=True,
            )
            results = self._one_by_one(batch)
        for pending, result in zip(batch, results, strict=True):
            pending.loop.call_soon_threadsafe(_settle, pending.future, result)

    def _one_by_one(self, batch: list[_Pending]) -> list[Registered | MinyiError]:
        results: list[Registered | MinyiError] = []
        for pending in batch:
            try:
                results.extend(self._register([pending]))
            except Exception as error:
                log.exception("intake item failed on its own (channel %s)", pending.item.channel)
                results.append(error)  # type: ignore[arg-type]
        return results

    def _register(
        self, batch: list[_Pending], *, check_existing: bool = True
    ) -> list[Registered | MinyiError]:
        # Ids first: their allocator takes its own transaction (SQLite allows one writer). A refused
        # token's id goes unused, which only happens in a batch that raced a revocation.
        ids = self._ids.take(len(batch))
        now = self._clock.now()
        with acting_for(self._writers(batch)), self._db.unit_of_work() as session:
            refused = _refused_tokens(session, batch, now)
            kept = [p for p in batch if id(p) not in refused]
            results = iter(
                register_appeals(
                    session,
                    [p.item for p in kept],
                    actors=[p.actor for p in kept],
                    ids=ids[: len(kept)],
                    refs=self._refs,
                    now=now,
                    tz=self._tz,
                    check_existing=check_existing,
                    code_seeds=[p.code_seed for p in kept],
                )
                if kept
                else []
            )
            return [refused[id(p)] if id(p) in refused else next(results) for p in batch]

    def _writers(self, batch: list[_Pending]) -> list[str]:
        """The staff members the group's commit writes for, whose next lists must show it; none
        without a replica, where every read is the primary's. A member whose token the batch
        then refuses is counted too: their next replica read waits for this commit, no more."""
        if self._db.replica is None:
            return []
        return [
            p.actor.username
            for p in batch
            if p.actor is not None and p.actor.staff_id is not None and not p.actor.automated
        ]


def _refused_tokens(
    session: Session, batch: list[_Pending], now: datetime
) -> dict[int, MinyiError]:
    """The items whose token no longer works, in the batch's own transaction: signed out,
    expired, the password changed, the person deactivated or moved to another unit since the
    hot path's cache took it. One query a batch keeps revocation immediate at intake's speed."""
    hashes = {p.token_hash for p in batch if p.token_hash}
    if not hashes:
        return {}
    live = live_token_holders(session, hashes, now=now)
    refused: dict[int, MinyiError] = {}
    for p in batch:
        if p.token_hash is None or p.actor is None:
            continue
        holder = live.get(p.token_hash)
        if holder != (p.actor.staff_id, p.actor.unit_id, str(p.actor.role)):
            refused[id(p)] = Unauthorized("bad_token", "登录已失效，请重新登录")
    return refused


def _settle(future: asyncio.Future[Registered], result: object) -> None:
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)  # type: ignore[arg-type]
