"""Shared fixtures. Every storage test runs on SQLite and on PostgreSQL.

PostgreSQL comes from MINYI_TEST_PG_URL (default: the local server, trust auth). If it cannot
be reached the run fails: a storage suite that silently skips half its backends proves nothing.

Isolation: the API commits its own transactions (group commit runs in a writer thread), so an
outer rolled-back transaction cannot wrap a test. Instead each backend gets one database per
test session with the demo district loaded, tests create their own appeals (unique external
ids, unique phones), and tests that change the organisation use `fresh_db`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from minyi.app import create_app
from minyi.bootstrap import load_demo, migrate
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.core.settings import Settings

PG_ADMIN_URL = os.environ.get("MINYI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
START = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 09:00 in Beijing, a Friday
BACKENDS = ["sqlite", "postgres"]


def _worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def new_database_url(backend: str, tmp: Path) -> str:
    """A brand-new empty database on the backend."""
    name = f"minyi_t_{_worker_suffix()}_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        return f"sqlite:///{tmp / (name + '.db')}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - turned into a hard failure with the reason
        pytest.fail(f"PostgreSQL is unreachable at {PG_ADMIN_URL}: {error}", pytrace=False)
    finally:
        admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()

# /metrics answers only this bearer in tests (MINYI_METRICS_TOKEN).
METRICS_TOKEN = "test-metrics-token"  # noqa: S105 - a test value
METRICS_AUTH = {"Authorization": f"Bearer {METRICS_TOKEN}"}


def make_settings(url: str, tmp: Path) -> Settings:
    return Settings(environment="test", database_url=url, data_dir=tmp / "data", load_demo_if_empty=False, worker_interval_seconds=0.2, metrics_token=METRICS_TOKEN)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def demo_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One migrated database per backend with the demo district, shared by the session."""
    url = new_database_url(backend, tmp_path_factory.mktemp(backend))
    db = Database(url)
    migrate(db)
    load_demo(db, now=START)
    db.dispose()
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture(scope="session")
def app_client(demo_url: str, clock: ManualClock, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(make_settings(demo_url, tmp_path_factory.mktemp("app")), clock=clock)
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="session")
def db(demo_url: str) -> Iterator[Database]:
    database = Database(demo_url)
    yield database
    database.dispose()


@pytest.fixture
def fresh_db(backend: str, tmp_path: Path) -> Iterator[Database]:
    """An empty migrated database of its own, for tests that change shared data."""
    url = new_database_url(backend, tmp_path)
    database = Database(url)
    migrate(database)
    yield database
    database.dispose()
    drop_database(url)


@contextmanager
def private_demo_app(backend: str, tmp: Path) -> Iterator[tuple[TestClient, Database, ManualClock]]:
    """An app on a demo database of its own, with its own clock: for tests that move time and
    fire clocks, which must not touch the cases other test modules look at."""
    url = new_database_url(backend, tmp)
    db = Database(url)
    migrate(db)
    load_demo(db, now=START)
    clock = ManualClock(START)
    try:
        with TestClient(create_app(make_settings(url, tmp), clock=clock)) as client:
            yield client, db, clock
    finally:
        db.dispose()
        drop_database(url)
