from __future__ import annotations

import signal
import threading

import typer
import uvicorn
from sqlalchemy.engine import make_url

from minyi.api.observability import configure_logging
from minyi.app import create_app
from minyi.bootstrap import is_empty, load_demo, migrate
from minyi.cli.common import clock, one_line_errors, settings
from minyi.core.db import Database
from minyi.core.errors import Invalid
from minyi.notify.jobs import configure_senders
from minyi.notify.senders import Senders
from minyi.wiring import register_handlers
from minyi.worker.runner import Worker


@one_line_errors
def serve(
    host: str | None = typer.Option(None, help="default MINYI_HOST or 127.0.0.1"),
    port: int | None = typer.Option(None, help="default MINYI_PORT or 8000"),
    workers: int = typer.Option(
        1, min=1, max=32,
        help="API processes (PostgreSQL only; SQLite takes one); the clock worker runs once, in this process",
    ),
) -> None:
    """Migrate, load the demo district into an empty database, and serve the API with the clock worker."""
    configure_logging(access_log=settings().access_log)  # JSON lines with the request id (api/observability.py)
    s = settings()
    if workers > 1 and make_url(s.database_url).get_backend_name() == "sqlite":
        # SQLite writes one transaction at a time: several processes would each run a group-commit
        # writer and queue on the file lock, slower than one process batching for all.
        raise Invalid("sqlite_one_process", "--workers > 1 needs PostgreSQL; SQLite is served by one process", field="workers")
    db = Database(s.database_url)
    migrate(db)
    if s.load_demo_if_empty and is_empty(db):
        counts = load_demo(db, now=clock.now())
        typer.echo(f"demo district loaded: {counts}")
    host, port = host or s.host, port or s.port
    if workers == 1:
        db.dispose()
        uvicorn.run(create_app(s, run_worker=True), host=host, port=port, log_level="warning", access_log=False, log_config=None)
        return
    register_handlers()
    configure_senders(Senders.from_settings(s))
    worker = Worker(db, clock, s.worker_interval_seconds)
    worker.start()
    try:
        uvicorn.run("minyi.app:app_from_env", factory=True, host=host, port=port, workers=workers, log_level="warning", access_log=False, log_config=None)
    finally:
        worker.stop()


@one_line_errors
def worker() -> None:
    """Run the clock worker alone (several may run at once on PostgreSQL)."""
    configure_logging(access_log=settings().access_log)  # JSON lines with the request id (api/observability.py)
    s = settings()
    register_handlers()
    configure_senders(Senders.from_settings(s))
    w = Worker(Database(s.database_url), clock, s.worker_interval_seconds)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    w.start()
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    w.stop()
