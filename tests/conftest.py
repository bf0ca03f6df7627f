"""Shared fixtures. Every storage test runs on SQLite and on PostgreSQL.

PostgreSQL comes from MINYI_TEST_PG_URL (default: the local server, trust auth). If it cannot
be reached the run fails: a storage suite that silently skips half its backends proves nothing.

Isolation: the API commits its own transactions (group commit runs in a writer thread), so an
outer rolled-back transaction cannot wrap a test. Instead each backend gets one database per
test session with the demo district loaded, tests create their own appeals (unique external
ids, unique phones), and tests that change the organisation use `fresh_db`.

Speed: the run builds two template databases per backend once (migrated; migrated with the
demo district), shared by the xdist workers (whichever asks first builds, under a file lock), and
every private database is a copy of one (a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on
PostgreSQL): a demo district costs a fraction of a second instead of seconds. Passwords are hashed
with a cheap Argon2 cost (same algorithm, same format).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from db_drops import DROPPER
from minyi.app import create_app
from minyi.bootstrap import first_run, load_demo, migrate
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


class _Shared:
    """The run's shared folder and database names, one set for the whole run: the xdist
    controller (or the lone process without xdist) picks the run id and puts it in the
    environment, which its workers inherit, so what one worker builds under a file lock the
    other copies instead of building it again; the controller removes it all when the run ends.
    (The environment, not this module: tests import `conftest` a second time, as a module of
    their own, and both copies must find the same things.)"""

    @property
    def run_id(self) -> str:
        return os.environ.setdefault(RUN_ID, uuid.uuid4().hex)

    @property
    def folder(self) -> Path:
        folder = Path(tempfile.gettempdir()) / f"minyi-shared-{self.run_id[:16]}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def pg_name(self, key: str) -> str:
        return f"minyi_s_{self.run_id[:12]}_{key}"

    @contextmanager
    def building(self, key: str) -> Iterator[Path]:
        """Held while `key` is built or read: the first comer builds, the others wait for it."""
        with (self.folder / f"{key}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield self.folder / f"{key}.json"
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def remove_all(self) -> None:
        prefix = self.pg_name("")
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                names = conn.scalars(
                    text("SELECT datname FROM pg_database WHERE starts_with(datname, :p)"),
                    {"p": prefix},
                ).all()
        except OperationalError:
            names = []  # no server: nothing was made on it
        finally:
            admin.dispose()
        for name in names:
            DROPPER.drop(PG_ADMIN_URL, name)  # side by side: their checkpoints coincide
        DROPPER.drain()
        shutil.rmtree(self.folder, ignore_errors=True)


RUN_ID = "MINYI_TEST_RUN_ID"
_shared = _Shared()


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        os.environ[RUN_ID] = uuid.uuid4().hex  # a new run; xdist's workers inherit it


BROWSER_TESTS = Path(__file__).parent / "browser"


def _stop_chromium() -> None:
    # Loaded only once a browser file ran (browser_steps.stop_shared_chromium says why).
    steps = sys.modules.get("browser_steps")
    if steps is not None:
        steps.stop_shared_chromium()


def pytest_runtest_setup(item: pytest.Item) -> None:
    if BROWSER_TESTS not in item.path.parents:
        _stop_chromium()


def pytest_unconfigure(config: pytest.Config) -> None:
    _stop_chromium()
    DROPPER.drain()  # this process's private databases (db_drops.py)
    if not hasattr(config, "workerinput"):
        _shared.remove_all()


def _shared_database(
    backend: str, key: str, build: Callable[[Database], object], *, base: str | None = None
) -> str:
    """The url of the run's shared database `key` on `backend`, built once by whichever worker
    asks first: a new database, migrated (or a copy of the template `base`), that `build` fills.
    Nobody connects to it after the build: it is only ever copied (a PostgreSQL template must
    have no sessions)."""
    with _shared.building(f"{backend}-{key}") as done:
        if done.exists():
            return str(json.loads(done.read_text())["url"])
        source = None if base is None else make_url(_templates.url(backend, base)).database
        if backend == "sqlite":
            path = _shared.folder / f"{key}.db"
            if source is not None:
                shutil.copyfile(str(source), path)
            url = f"sqlite:///{path}"
        else:
            name = _shared.pg_name(key)
            _pg_create(name, template=source)
            url = _pg_url(name)
        db = Database(url, registry=build_registry())
        try:
            if source is None:
                migrate(db)
            build(db)
        finally:
            db.dispose()  # no session may remain on a template; SQLite checkpoints its WAL
        done.write_text(json.dumps({"url": url}))
        return url


def _copy_database(backend: str, template: str, tmp: Path) -> str:
    name = _new_name()
    if backend == "sqlite":
        target = tmp / (name + ".db")
        tmp.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(str(make_url(template).database), target)
        return f"sqlite:///{target}"
    _pg_create(name, template=str(make_url(template).database))
    return _pg_url(name)


class _Templates:
    """The run's template databases, built on first use and shared by the xdist workers:
    "migrated" (the schema only) and "demo" (the schema and the demo district, as
    `load_demo(db, now=START)` leaves it)."""

    BUILDS: ClassVar[dict[str, tuple[str | None, Callable[[Database], object]]]] = {
        "migrated": (None, lambda _db: None),
        "demo": ("migrated", lambda db: load_demo(db, now=START)),
    }

    def __init__(self) -> None:
        self.urls: dict[tuple[str, str], str] = {}

    def url(self, backend: str, kind: str) -> str:
        key = (backend, kind)
        if key not in self.urls:
            base, build = self.BUILDS[kind]
            self.urls[key] = _shared_database(backend, kind, build, base=base)
        return self.urls[key]

    def copy(self, backend: str, kind: str, tmp: Path) -> str:
        return _copy_database(backend, self.url(backend, kind), tmp)


_templates = _Templates()


def demo_history_copy(
    backend: str, tmp: Path, *, now: datetime
) -> tuple[str, dict[str, int], Path]:
    """A new database holding what `first_run` (with load_demo_if_empty on) makes of an empty one
    at `now`, the demo district and four weeks of its life, with its data folder (the triage model
    trained on the demo's texts) copied to tmp/data; and what first_run returned. The history
    (tens of seconds) is lived once per run, backend and moment, in whichever worker asks
    first; every caller gets copies."""
    key = f"history-{now.strftime('%Y%m%dT%H%M')}"
    data_dir = _shared.folder / f"{backend}-{key}-data"
    done_file = _shared.folder / f"{backend}-{key}-done.json"

    def live(db: Database) -> None:
        settings = make_settings(
            db.engine.url.render_as_string(hide_password=False), _shared.folder
        ).model_copy(update={"load_demo_if_empty": True, "data_dir": data_dir})
        done_file.write_text(json.dumps(first_run(db, settings, now=now, say=lambda _: None)))

    url = _copy_database(backend, _shared_database(backend, key, live, base="migrated"), tmp)
    copied = tmp / "data"
    shutil.copytree(data_dir, copied, dirs_exist_ok=True)
    return url, json.loads(done_file.read_text()), copied


def migrated_database_url(backend: str, tmp: Path) -> str:
    """A new database with the schema migrated and nothing in it (a copy of a template)."""
    return _templates.copy(backend, "migrated", tmp)


def demo_database_url(backend: str, tmp: Path) -> str:
    """A new database holding the demo district loaded at START (a copy of a template)."""
    return _templates.copy(backend, "demo", tmp)


# Argon2 as production uses it, at the lowest cost: the suite signs in thousands of times and
# builds dozens of districts; the cost parameters live in each hash, so hashes verify either way.
org_service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
org_service._DUMMY_HASH = org_service._hasher.hash("no-such-user")


def drop_database(url: str) -> None:
    """Drops a test's PostgreSQL database in the background (db_drops.py): a name is never used
    twice, so nothing waits for it; the process waits for the last ones when it ends."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    DROPPER.drop(PG_ADMIN_URL, str(parsed.database))


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
# fill in around them. The demo history's own checks come first: they live the run's shared
# history (conftest.demo_history_copy) that the browser's first-run pages, collected last, copy.
LONG_POLES = (
    "integration/demo/test_first_run.py",
    "integration/worker/test_stop.py",
    "integration/worker/test_stop_postgres.py",
    "integration/faults/test_kill_server.py",
    "integration/sla/test_many_workers.py",
    "integration/triage/test_classifier.py",
    "integration/api/test_schema_fuzz.py",
    "integration/api/test_schema_fuzz_handler.py",
    # Many short tests, minutes in all (measured with --junitxml on 2026-12-05).
    "integration/taxonomy/test_dictionary.py",
    "integration/org/test_org_import_export.py",
    "integration/privacy/test_outlets.py",
    "integration/org/test_accounts.py",
    "integration/org/test_org_api.py",
    "integration/cli/test_cli.py",
    "integration/triage/test_triage_flow.py",
)
LAST = ("browser/test_first_run.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.path.as_posix()
        if any(path.endswith(p) for p in LAST):
            return len(LONG_POLES) + 1
        return next((i for i, p in enumerate(LONG_POLES) if path.endswith(p)), len(LONG_POLES))

    items.sort(key=rank)  # stable: every file keeps its own order, the rest keep theirs
