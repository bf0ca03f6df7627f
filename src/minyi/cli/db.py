from __future__ import annotations

import typer

from minyi.bootstrap import migrate
from minyi.cli.common import database, one_line_errors
from minyi.sla.reconcile import DERIVED, WINDOW, next_window, reconcile_window

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
@one_line_errors
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    db = database()
    migrate(db, revision)
    typer.echo(f"database at {revision}: {db.engine.url.render_as_string(hide_password=True)}")


@app.command("reconcile")
@one_line_errors
def reconcile(
    window: int = typer.Option(WINDOW, min=1, max=100_000, help="Cases a transaction."),
) -> None:
    """Repair derived columns an older app version left stale while it served during an
    upgrade (docs/deployment.md): every case once, WINDOW cases a transaction."""
    db = database()
    repaired = dict.fromkeys((name for name, _ in DERIVED), 0)
    low = windows = 0
    while True:
        with db.unit_of_work() as session:
            high = next_window(session, low, window)
            if high is None:
                break
            for name, count in reconcile_window(session, low, high).items():
                repaired[name] += count
        low, windows = high, windows + 1
    figures = ", ".join(f"{name} {count}" for name, count in repaired.items())
    typer.echo(f"repaired rows: {figures} (cases up to id {low}, {windows} windows)")


GROUPS = [("db", app)]
