from __future__ import annotations

import logging
import signal
import socket

import typer
import uvicorn
from sqlalchemy.engine import make_url

from minyi.api.logs import configure_logging
from minyi.cli.common import clock, one_line_errors, runtime, settings
from minyi.core.errors import Invalid
from minyi.worker.process import become_worker, leave, start_worker_process, stop_worker_process
from minyi.worker.runner import Worker

STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


@one_line_errors
def serve(
    host: str | None = typer.Option(None, help="default MINYI_HOST or 127.0.0.1"),
    port: int | None = typer.Option(None, help="default MINYI_PORT or 8000"),
    workers: int = typer.Option(
        1,
        min=1,
        max=32,
        help="API processes (PostgreSQL only; SQLite takes one); the clock worker runs once, in a process of its own",
    ),
    empty: bool = typer.Option(
        False,
        "--empty",
        help="into an empty database load the demo district without its history (as MINYI_DEMO=empty)",
    ),
) -> None:
    """Migrate, load the demo district into an empty database, and serve the API with the clock worker
    beside it in a process of its own (worker/process.py says why)."""
    # Imported here, not with the module: `minyi worker` (this module too) needs neither the web
    # app nor the demo district, and importing them cost each worker process a CPU second.
    from minyi.app import create_app
    from minyi.bootstrap import first_run, migrate

    configure_logging(
        access_log=settings().access_log
    )  # JSON lines with the request id (api/observability.py)
    s = settings()
    if workers > 1 and make_url(s.database_url).get_backend_name() == "sqlite":
        # SQLite writes one transaction at a time: several processes would each run a group-commit
        # writer and queue on the file lock, slower than one process batching for all.
        raise Invalid(
            "sqlite_one_process",
            "--workers > 1 needs PostgreSQL; SQLite is served by one process",
            field="workers",
        )
    db = runtime().db
    logging.getLogger("alembic").setLevel(
        logging.WARNING
    )  # one line per revision says nothing to a user
    migrate(db)
    typer.echo(f"database: {db.engine.url.render_as_string(hide_password=True)}")
    first_run(db, s, now=clock.now(), empty=empty, say=typer.echo)
    host, port = host or s.host, port or s.port
    db.dispose()
    worker_proc = start_worker_process()
    url = f"http://{host}:{port}"
    try:
        if workers == 1:
            config = uvicorn.Config(
                create_app(s, runtime=runtime()),
                host=host,
                port=port,
                log_level="warning",
                access_log=False,
                log_config=None,
            )
            _AnnouncingServer(config, url).run()
        else:
            typer.echo(f"starting {workers} API processes at {url}")
            uvicorn.run(
                "minyi.app:app_from_env",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_level="warning",
                access_log=False,
                log_config=None,
            )
    finally:
        stop_worker_process(worker_proc)


class _AnnouncingServer(uvicorn.Server):
    """Says where to go once the socket is listening (uvicorn itself is told to stay quiet)."""

    def __init__(self, config: uvicorn.Config, url: str) -> None:
        super().__init__(config)
        self.url = url

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            typer.echo(
                f"Minyi 民意速办 is ready: {self.url}  (console {self.url}/console, API {self.url}/docs)"
            )


@one_line_errors
def worker(
    nice: int = typer.Option(
        0, min=0, max=19, help="lower this process's CPU priority by this much"
    ),
    parent_pid: int | None = typer.Option(
        None, hidden=True, help="exit when this process dies (set by `minyi serve`)"
    ),
) -> None:
    """Run the clock worker alone (several may run at once on PostgreSQL)."""
    # No Python signal handler at all: SIGTERM/SIGINT are blocked in every thread (before any
    # thread starts, so all inherit the mask) and taken synchronously by sigwait below. A handler
    # that set a threading.Event could deadlock: it runs in the main thread between bytecodes,
    # possibly while that thread holds the same Event's internal lock inside Event.wait().
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    become_worker(niceness=nice, parent_pid=parent_pid)
    configure_logging(
        access_log=settings().access_log
    )  # JSON lines with the request id (api/observability.py)
    rt = runtime()
    w = Worker(rt.db, rt.clock, rt.settings, rt.registry)
    w.start()
    typer.echo("worker started", err=True)  # from here on SIGTERM/SIGINT stop it cleanly
    signal.sigwait(STOP_SIGNALS)
    # Ordinary code, not a handler: the loop sees the flag between jobs and in its sleep, and
    # the job in hand finishes (or rolls back) its transaction before the process leaves.
    w.stop()
    rt.close()
    leave(0)
