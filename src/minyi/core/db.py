"""Engine, sessions and the declarative base. Built from Settings at the edges, never at import."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Connection, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator
from typing_extensions import override

from minyi.core.caches import CACHES_KEY, Caches, caches_of
from minyi.core.clock import as_utc
from minyi.core.registry import REGISTRY_KEY, Registry
from minyi.core.replica import Replica, ReplicaPolicy, ReplicaState

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would otherwise return naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @override
    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use the injected clock")
        return as_utc(value)

    @override
    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # SQLAlchemy reads this once when the registry is built; nothing mutates it.
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


# How far the intake writer lets a GIN index's pending list grow before its own INSERT merges it
# (kB; PostgreSQL's default is 4 MB). The worker merges the search index's lists every few
# seconds; this bounds them only if the worker stops.
WRITER_GIN_PENDING_LIMIT_KB = 32 * 1024


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _make_sqlite_engine(url, **kwargs)
    if parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    kwargs["connect_args"] = _without_jit(dict(kwargs.get("connect_args") or {}))
    return create_engine(url, **kwargs)


def _without_jit(connect_args: dict[str, Any]) -> dict[str, Any]:
    """Every PostgreSQL connection of the app runs with JIT off. Its reads are short index
    reads, but the planner prices some past `jit_above_cost` on a big table whose index it
    cannot estimate: a word with no hits in the search index is planned at 58,000 rows at 10M,
    and compiling that plan took 2-19 ms of a 0.04 ms execution (docs/scaling.md §3t). No
    result depends on it; a session may still `SET jit = on` for a long analytical read."""
    options = str(connect_args.get("options") or "")
    if "jit=" not in options:
        connect_args["options"] = f"{options} -c jit=off".strip()
    return connect_args


def _make_sqlite_engine(url: str, **kwargs: Any) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's documented
        # workaround is to switch it off and emit BEGIN ourselves (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: an acknowledged appeal survives even a power cut; group commit pays for it.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front (IMMEDIATE): a deferred transaction that reads
        # and then writes fails with SQLITE_BUSY when another writer committed in between.
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


@contextmanager
def reading_beside(session: Session) -> Iterator[Session]:
    """A reading transaction on the same database as `session`, for a worker job that reads a
    lot before it writes a little: on SQLite the job's own (IMMEDIATE) transaction would hold
    the write lock, and intake with it, for the whole read."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    reader_engine = engine.execution_options(sqlite_begin="DEFERRED")
    with (
        Session(bind=reader_engine, expire_on_commit=False, info=_runtime_info(session)) as reader,
        reader.begin(),
    ):
        yield reader


def _runtime_info(session: Session) -> dict[str, Any]:
    """What a session beside `session` carries of its runtime: the caches and the registry."""
    info: dict[str, Any] = {CACHES_KEY: caches_of(session)}
    if REGISTRY_KEY in session.info:
        info[REGISTRY_KEY] = session.info[REGISTRY_KEY]
    return info


def flush_changes(session: Session, kinds: tuple[type, ...]) -> Iterator[tuple[Any, bool]]:
    """What a `before_flush` listener looks at: each object of one of `kinds` that the flush
    will insert, update or delete, with whether it goes (deleted). Loaded objects only touched,
    with no net change to a column, are left out. `Session.dirty`, `.new` and `.deleted` build
    a new collection on every access, so they are read once here: a listener that asked
    `obj in session.dirty` per object cost a flush of 500 fired clocks 500 x 500 steps (ADR
    0010, the clocks regression)."""
    for obj in session.new:
        if isinstance(obj, kinds):
            yield obj, False
    for obj in session.dirty:
        if isinstance(obj, kinds) and session.is_modified(obj):
            yield obj, False
    for obj in session.deleted:
        if isinstance(obj, kinds):
            yield obj, True


def column_limit(model: type[Base], column: str) -> int | None:
    """The declared length of a string column, so imports refuse what PostgreSQL would."""
    length = getattr(model.__table__.c[column].type, "length", None)
    return int(length) if length else None


def is_postgres(engine_or_session: Engine | Session) -> bool:
    bind = (
        engine_or_session.get_bind()
        if isinstance(engine_or_session, Session)
        else engine_or_session
    )
    return bind.dialect.name == "postgresql"


# Set while this thread (or task) is inside `Database.unit_of_work`: slow work that must not hold
# a write lock (password hashes) refuses to run under it (`outside_write_transaction`).
_in_unit_of_work: ContextVar[bool] = ContextVar("minyi_in_unit_of_work", default=False)


def in_write_transaction() -> bool:
    return _in_unit_of_work.get()


def outside_write_transaction(what: str) -> None:
    """Refuse deliberately slow work inside a write transaction: on SQLite it would hold the
    write lock, and every writer with it, for its whole length (an Argon2 hash takes ~50 ms)."""
    if _in_unit_of_work.get():
        raise RuntimeError(
            f"{what} inside a write transaction: do it before the unit of work opens"
        )


class Database:
    """The engine and its session factory; one per process, made from Settings.

    `caches` and `registry`: the runtime's (core/caches.py, core/registry.py), handed to every
    session this database opens, so what one runtime builds from its data and the handlers it
    runs are never another's. A database made on its own (a test's, a tool's) has caches of its
    own and runs the registry it is given; without one its sessions raise no event (one raised
    there is refused: `registry.Unwired`), enough for migrations and reads.

    `replica`: a PostgreSQL streaming replica that `reading(replica=True)` may read (ADR 0009);
    another database's `Replica` to share its engine and its memory of who wrote what."""

    registry: Registry | None
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    replica_sessions: sessionmaker[Session] | None

    def __init__(
        self,
        url: str,
        *,
        caches: Caches | None = None,
        registry: Registry | None = None,
        replica: ReplicaPolicy | Replica | None = None,
        **engine_kwargs: Any,
    ) -> None:
        self.url = url
        self.caches = caches if caches is not None else Caches()
        self.engine = make_engine(url, **engine_kwargs)
        # Reads on SQLite start DEFERRED so they never wait for the write lock.
        self.read_engine = self.engine.execution_options(sqlite_begin="DEFERRED")
        # A shared replica is its owner's to dispose.
        self._owns_replica = isinstance(replica, ReplicaPolicy)
        self.replica = (
            Replica(make_engine(replica.url, connect_args=replica.connect_args()), replica)
            if isinstance(replica, ReplicaPolicy)
            else replica
        )
        self._open_sessions(registry)

    def _open_sessions(self, registry: Registry | None) -> None:
        self.registry = registry
        info: dict[str, Any] = {CACHES_KEY: self.caches}
        if registry is not None:
            info[REGISTRY_KEY] = registry
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info=info)
        self.read_sessions = sessionmaker(self.read_engine, expire_on_commit=False, info=info)
        self.replica_sessions = None
        if self.replica is not None:
            self.replica_sessions = sessionmaker(
                self.replica.engine, expire_on_commit=False, info=info
            )
            # Read-your-own-writes: each commit's position, for the acting staff member.
            self.replica.track(self.sessions)

    def with_registry(self, registry: Registry) -> Database:
        """This database (its engines and caches) with sessions that run `registry`'s handlers:
        a test's own handlers beside or instead of the composition, a tool's composition. The
        engines are shared: dispose either one, not both."""
        other = copy.copy(self)
        other._open_sessions(registry)
        return other

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction, committed here at the edge; services only flush."""
        token = _in_unit_of_work.set(True)
        try:
            with self.sessions() as session, session.begin():
                yield session
        finally:
            _in_unit_of_work.reset(token)

    @contextmanager
    def reading(self, *, replica: bool = False, reader: str | None = None) -> Iterator[Session]:
        """A reading transaction on the primary; with `replica`, on the replica when one is
        configured, reachable, within the lag allowed and has replayed `reader`'s own last
        commit (their username), else on the primary. Only for reads that tolerate a view a few
        seconds old for everyone else: lists, search, reports, analytics, exports."""
        if replica and self.replica is not None and self.replica_sessions is not None:
            session = self.replica.open(self.replica_sessions, reader)
            if session is not None:
                with self.replica.serving(session):
                    yield session
                return
        with self.read_sessions() as session, session.begin():
            yield session

    @property
    def replica_state(self) -> ReplicaState:
        return "off" if self.replica is None else self.replica.state

    def for_one_writer(self) -> Database:
        """The database as a single long-lived writer thread should hold it (intake's group commit).

        On PostgreSQL its own one-connection engine: no ping on checkout (a round trip per
        batch; a dropped connection fails the batch, which the writer retries item by item on a
        fresh one), generic plans (its statements are the same keyed ones batch after batch, so
        planning each is waste), and no sequential scan where an index serves: a table whose
        statistics lag behind a burst of inserts (a new district, an import) would otherwise
        turn the petition count by phone into a scan of every appeal. JIT off: with sequential
        scans priced out, a small whole-table read (the calendar's version) looks costly enough
        to be compiled, some 30 ms of CPU per batch for a one-row table. A long GIN pending list
        (`WRITER_GIN_PENDING_LIMIT_KB`): the worker merges the search index's list
        (cases.search.merge_pending_terms), so no group commit stops to do it. SQLite: this
        database.

        It shares this database's replica: the positions of its commits are remembered where
        this database's replica reads look for them (read-your-own-writes for intake)."""
        if self.engine.dialect.name != "postgresql":
            return self
        return Database(
            self.url,
            caches=self.caches,
            registry=self.registry,
            replica=self.replica,
            pool_size=1,
            max_overflow=1,
            pool_pre_ping=False,
            connect_args={
                "options": "-c plan_cache_mode=force_generic_plan -c enable_seqscan=off -c jit=off"
                f" -c gin_pending_list_limit={WRITER_GIN_PENDING_LIMIT_KB}",
                "application_name": "minyi-intake-writer",  # what pg_stat_activity shows for it
            },
        )

    def dispose(self) -> None:
        self.engine.dispose()
        if self.replica is not None and self._owns_replica:
            self.replica.engine.dispose()
