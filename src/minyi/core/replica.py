"""Reads on a PostgreSQL streaming replica, when it is up and caught up for the reader (ADR 0009).

`Database.reading(replica=True, reader=...)` asks `Replica.open` for a session: the replica
answers a probe on the connection the read then uses (is it a standby, is it streaming, how far
behind is its replay, has it replayed the reader's own last commit) and the read stays there,
or it gets nothing and reads the primary. A replica that refuses or times out is left alone for
`retry_seconds` (logged once); no read fails because of it.

Read-your-own-writes: after a unit of work commits, the primary's WAL position is remembered for
the staff member the request acts for (`acting_as`, set where the request's actor is resolved),
or for every staff member whose write a group commit carried (`acting_for`, intake's writer
thread: one position read per group); their replica reads first check that the replica has
replayed that far. Memory: per process,
the last `REMEMBERED` actors. Another process does not know the position: there the reader's
view is at most `max_lag_seconds` old, the bound everyone's reads have.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from minyi.core.settings import Settings

log = logging.getLogger("minyi.db.replica")

ReplicaState = Literal["off", "up", "lagging", "down"]

# Whom the current request's writes are made for (staff members' usernames), set where the
# request's actor is resolved: `Database.unit_of_work` remembers its commit's position for them.
_acting: ContextVar[tuple[str, ...]] = ContextVar("minyi_acting", default=())


def acting_as(reader: str | None) -> None:
    """The request (task or thread) acts for `reader`: the positions of its commits are theirs."""
    _acting.set(() if reader is None else (reader,))


@contextmanager
def acting_for(readers: Iterable[str]) -> Iterator[None]:
    """The commits inside are made for all of `readers` (a group commit carrying several staff
    members' writes): each commit's position is read once and remembered for each of them."""
    token = _acting.set(tuple(dict.fromkeys(readers)))
    try:
        yield
    finally:
        _acting.reset(token)


# One round trip, on the connection the read goes on to use. Lag counts only while WAL waits to
# be replayed: an idle primary sends nothing, and then an old last-replay time means nothing.
# It is the time since the last transaction the replica replayed, an over-estimate on a quiet
# primary (conservative: the first write after a lull briefly sends everyone to the primary).
PROBE = text(
    """
    SELECT pg_is_in_recovery() AS standby,
           EXISTS (SELECT FROM pg_stat_wal_receiver) AS streaming,
           CASE WHEN pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()
                THEN coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8,
                              'Infinity'::float8)
                ELSE 0 END AS lag,
           coalesce(pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn), false) AS replayed
    """
)
NOTHING_WRITTEN = "0/0"
_COMMITTING = "minyi.replica.committing"  # session.info: the connection of an actor's transaction


@dataclass(frozen=True)
class ReplicaPolicy:
    """Where the replica is and how far it may fall behind (Settings' replica_* fields)."""

    url: str
    max_lag_seconds: float = 5.0
    retry_seconds: float = 30.0
    connect_timeout_seconds: int = 2

    @classmethod
    def of(cls, settings: Settings) -> ReplicaPolicy | None:
        if not settings.database_replica_url:
            return None
        return cls(
            settings.database_replica_url,
            settings.replica_max_lag_seconds,
            settings.replica_retry_seconds,
            settings.replica_connect_timeout_seconds,
        )

    def connect_args(self) -> dict[str, object]:
        # tcp_user_timeout: a replica that vanishes from the network (no refusal, no reset)
        # fails a read's unacknowledged send in as long as a refused connection would take.
        return {
            "connect_timeout": self.connect_timeout_seconds,
            "tcp_user_timeout": self.connect_timeout_seconds * 1000,
            "application_name": "minyi-replica-reader",  # what pg_stat_activity shows for it
        }


class Replica:
    """The replica's engine, whether it is usable, and each recent writer's commit position."""

    REMEMBERED = 10_000

    def __init__(self, engine: Engine, policy: ReplicaPolicy) -> None:
        self.engine = engine
        self.policy = policy
        self._lock = threading.Lock()
        self._written: OrderedDict[str, str] = OrderedDict()
        self._down = False
        self._retry_at = 0.0  # monotonic; while down, reads before it go to the primary
        self._state: ReplicaState = "up"

    @property
    def state(self) -> ReplicaState:
        """What the last read found: up, lagging (too far behind, or not streaming) or down."""
        return self._state

    # --- writes ---------------------------------------------------------------------------------
    def track(self, sessions: sessionmaker[Session]) -> None:
        """Remember, after each commit of these (the primary's writing) sessions, the primary's
        WAL position for the staff members the request (or group commit) acts for."""
        event.listen(sessions, "after_begin", self._after_begin)
        event.listen(sessions, "after_commit", self._after_commit)

    def _after_begin(self, session: Session, _transaction: Any, connection: Connection) -> None:
        if _acting.get():
            session.info[_COMMITTING] = connection

    def _after_commit(self, session: Session) -> None:
        """On the transaction's own connection, still checked out (the session releases it after
        this event) and idle: one round trip in autocommit, no pool ping, no BEGIN/ROLLBACK. The
        commit has happened: a failure is logged, never raised (that writer may then read the
        replica before it has their write, at most max_lag_seconds behind)."""
        connection = session.info.pop(_COMMITTING, None)
        readers = _acting.get()
        if connection is None or not readers:
            return
        # Imported here: only a PostgreSQL process with a replica gets this far (psycopg is loaded
        # by then), and a SQLite process (most tests' servers and CLI runs) need not pay for it.
        import psycopg

        try:
            raw = connection.connection.dbapi_connection
            raw.autocommit = True
            try:
                with raw.cursor() as cursor:
                    cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
                    row = cursor.fetchone()
            finally:
                raw.autocommit = False
        except (DBAPIError, psycopg.Error) as error:
            log.warning(
                "could not read the commit's WAL position for %s: %s", ", ".join(readers), error
            )
            return
        if row is not None:
            self.remember(readers, str(row[0]))

    def remember(self, readers: Iterable[str], lsn: str) -> None:
        with self._lock:
            for reader in readers:
                self._written[reader] = lsn
                self._written.move_to_end(reader)
            while len(self._written) > self.REMEMBERED:
                self._written.popitem(last=False)

    def written_by(self, reader: str) -> str | None:
        with self._lock:
            return self._written.get(reader)

    # --- reads ----------------------------------------------------------------------------------
    def open(self, sessions: Callable[[], Session], reader: str | None) -> Session | None:
        """A session on the replica, its transaction begun, if the replica may serve `reader`
        now; None sends the read to the primary."""
        if not self._may_try():
            return None
        lsn = (self.written_by(reader) if reader else None) or NOTHING_WRITTEN
        session = sessions()
        try:
            session.begin()
            row = session.execute(PROBE, {"lsn": lsn}).one()
        except PoolTimeout:
            session.close()  # every replica connection is busy: the primary serves this one
            return None
        except DBAPIError as error:
            session.close()
            self._failed(str(error.orig or error).strip())
            return None
        if not row.standby:
            session.close()
            self._failed("the server is not a standby (promoted?)")
            return None
        self._reached()
        if not row.streaming or row.lag > self.policy.max_lag_seconds:
            self._state = "lagging"
            session.close()
            return None
        self._state = "up"
        if not row.replayed:
            session.close()  # the reader's own last write is not there yet
            return None
        if lsn != NOTHING_WRITTEN and reader is not None:
            self._forget(reader, lsn)  # replay only moves on: this write stays visible
        return session

    @contextmanager
    def serving(self, session: Session) -> Iterator[Session]:
        """The read on an opened replica session, committed at the end. A connection lost in the
        middle fails this read (the route has half run) and sends the next ones to the primary."""
        with session:
            try:
                yield session
            except DBAPIError as error:
                if error.connection_invalidated:
                    self._failed(str(error.orig or error).strip())
                raise
            session.commit()

    # --- health ---------------------------------------------------------------------------------
    def _may_try(self) -> bool:
        with self._lock:
            if not self._down:
                return True
            now = time.monotonic()
            if now < self._retry_at:
                return False
            # This read tries; the others keep to the primary until it knows.
            self._retry_at = now + self.policy.retry_seconds
            return True

    def _failed(self, why: str) -> None:
        with self._lock:
            was_down = self._down
            self._down, self._state = True, "down"
            self._retry_at = time.monotonic() + self.policy.retry_seconds
        if not was_down:
            log.warning(
                "read replica unusable (%s): reading the primary, trying again in %g s",
                why,
                self.policy.retry_seconds,
            )
        # The pool's connections are dead or about to be: the next try starts clean.
        self.engine.dispose()

    def _reached(self) -> None:
        with self._lock:
            was_down, self._down, self._retry_at = self._down, False, 0.0
        if was_down:
            log.warning("read replica reachable again: lists and reports read it")

    def _forget(self, reader: str, lsn: str) -> None:
        with self._lock:
            if self._written.get(reader) == lsn:
                del self._written[reader]
