"""Shared fixtures. Every storage test runs on SQLite and on PostgreSQL.

PostgreSQL comes from MINYI_TEST_PG_URL (default: the local server, trust auth). If it cannot
be reached the run fails: a storage suite that silently skips half its backends proves nothing.

Isolation: the API commits its own transactions (group commit runs in a writer thread), so an
outer rolled-back transaction cannot wrap a test. Instead each backend gets one database per
test session with the demo district loaded, tests create their own appeals (unique external
ids, unique phones), and tests that change the organisation use `fresh_db`.

Speed: each xdist worker builds two template databases per backend once (migrated; migrated with
the demo district) and every private database is a copy of one (a file copy on SQLite,
`CREATE DATABASE ... TEMPLATE` on PostgreSQL): a demo district costs a fraction of a second
instead of seconds. Passwords are hashed with a cheap Argon2 cost (same algorithm, same format).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from minyi.app import create_app
from minyi.bootstrap import load_demo, migrate
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.core.settings import Settings
from minyi.org import service as org_service
from minyi.wiring import build_registry

PG_ADMIN_URL = os.environ.get(
    "MINYI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
START = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 09:00 in Beijing, a Friday
BACKENDS = ["sqlite", "postgres"]


def _worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _new_name() -> str:
    return f"minyi_t_{_worker_suffix()}_{uuid.uuid4().hex[:8]}"


def _pg_url(name: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _pg_create(name: str, template: str | None = None) -> None:
    statement = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        for attempt in range(20):
            try:
                with admin.connect() as conn:
                    conn.execute(text(statement))
                    # A test database need not survive a power cut: commits skip the WAL flush
                    # (the setting is per database; a copy does not inherit it).
                    conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
                return
            except OperationalError as error:
                # A template must have no sessions; autovacuum may hold one for a moment.
                if (
                    template is None
                    or "is being accessed by other users" not in str(error)
                    or attempt == 19
                ):
                    raise
                time.sleep(0.1)
    except Exception as error:
        pytest.fail(f"PostgreSQL is unreachable at {PG_ADMIN_URL}: {error}", pytrace=False)
    finally:
        admin.dispose()


def new_database_url(backend: str, tmp: Path) -> str:
    """A brand-new empty database on the backend."""
    name = _new_name()
    if backend == "sqlite":
        return f"sqlite:///{tmp / (name + '.db')}"
    _pg_create(name)
    return _pg_url(name)


class _Templates:
    """This worker's template databases, built on first use: "migrated" (the schema only) and
    "demo" (the schema and the demo district, as `load_demo(db, now=START)` leaves it)."""

    def __init__(self) -> None:
        self.urls: dict[tuple[str, str], str] = {}
        self.folder: Path | None = None

    def url(self, backend: str, kind: str) -> str:
        key = (backend, kind)
        if key not in self.urls:
            if self.folder is None:
                self.folder = Path(tempfile.mkdtemp(prefix=f"minyi-templates-{_worker_suffix()}-"))
            url = new_database_url(backend, self.folder)
            db = Database(url, registry=build_registry())
            migrate(db)
            if kind == "demo":
                load_demo(db, now=START)
            db.dispose()  # no session may remain on a PostgreSQL template; SQLite checkpoints its WAL
            self.urls[key] = url
        return self.urls[key]

    def copy(self, backend: str, kind: str, tmp: Path) -> str:
        template = self.url(backend, kind)
        name = _new_name()
        if backend == "sqlite":
            target = tmp / (name + ".db")
            tmp.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(str(make_url(template).database), target)
            return f"sqlite:///{target}"
        _pg_create(name, template=str(make_url(template).database))
        return _pg_url(name)

    def drop_all(self) -> None:
        for url in self.urls.values():
            drop_database(url)
        self.urls.clear()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


_templates = _Templates()


def migrated_database_url(backend: str, tmp: Path) -> str:
    """A new database with the schema migrated and nothing in it (a copy of a template)."""
    return _templates.copy(backend, "migrated", tmp)


def demo_database_url(backend: str, tmp: Path) -> str:
    """A new database holding the demo district loaded at START (a copy of a template)."""
    return _templates.copy(backend, "demo", tmp)


@pytest.fixture(scope="session", autouse=True)
def _drop_templates() -> Iterator[None]:
    yield
    _templates.drop_all()


# Argon2 as production uses it, at the lowest cost: the suite signs in thousands of times and
# builds dozens of districts; the cost parameters live in each hash, so hashes verify either way.
org_service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
org_service._DUMMY_HASH = org_service._hasher.hash("no-such-user")


def drop_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


# /metrics answers only this bearer in tests (MINYI_METRICS_TOKEN).
METRICS_TOKEN = "test-metrics-token"
METRICS_AUTH = {"Authorization": f"Bearer {METRICS_TOKEN}"}


def make_settings(url: str, tmp: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=url,
        data_dir=tmp / "data",
        load_demo_if_empty=False,
        worker_interval_seconds=0.2,
        metrics_token=METRICS_TOKEN,
    )


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def demo_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database per backend with the demo district, shared by the session."""
    url = demo_database_url(backend, tmp_path_factory.mktemp(backend))
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture(scope="session")
def app_client(
    demo_url: str, clock: ManualClock, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    app = create_app(make_settings(demo_url, tmp_path_factory.mktemp("app")), clock=clock)
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="session")
def db(demo_url: str) -> Iterator[Database]:
    database = Database(demo_url, registry=build_registry())
    yield database
    database.dispose()


@pytest.fixture
def fresh_db(backend: str, tmp_path: Path) -> Iterator[Database]:
    """An empty migrated database of its own, for tests that change shared data."""
    url = migrated_database_url(backend, tmp_path)
    database = Database(url, registry=build_registry())
    yield database
    database.dispose()
    drop_database(url)


@pytest.fixture
def fresh_demo_db(backend: str, tmp_path: Path) -> Iterator[Database]:
    """A demo district of its own (as `load_demo(fresh_db, now=START)` would make it)."""
    url = demo_database_url(backend, tmp_path)
    database = Database(url, registry=build_registry())
    yield database
    database.dispose()
    drop_database(url)


@contextmanager
def private_demo_app(backend: str, tmp: Path) -> Iterator[tuple[TestClient, Database, ManualClock]]:
    """An app on a demo database of its own, with its own clock: for tests that move time and
    fire clocks, which must not touch the cases other test modules look at. The database handed
    to the test runs the app's registry (a handler a test adds there runs in both)."""
    url = demo_database_url(backend, tmp)
    clock = ManualClock(START)
    app = create_app(make_settings(url, tmp), clock=clock)
    db = Database(url, registry=app.state.minyi.db.registry)
    try:
        with TestClient(app) as client:
            yield client, db, clock
    finally:
        db.dispose()
        drop_database(url)


# The files that each take a minute or more on a 2-core machine. `-n 2 --dist loadfile` hands
# files out in collection order, so these (late in the alphabet) used to start last and leave one
# worker running them alone at the end; collected first, they start at once and the short files
# fill in around them.
LONG_POLES = (
    "integration/worker/test_stop.py",
    "integration/worker/test_stop_postgres.py",
    "integration/faults/test_kill_server.py",
    "integration/sla/test_many_workers.py",
    "integration/triage/test_classifier.py",
    "integration/demo/test_first_run.py",
    "browser/test_first_run.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.path.as_posix()
        return next((i for i, p in enumerate(LONG_POLES) if path.endswith(p)), len(LONG_POLES))

    items.sort(key=rank)  # stable: every file keeps its own order, the rest keep theirs
