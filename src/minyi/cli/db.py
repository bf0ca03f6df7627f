from __future__ import annotations

import typer

from minyi.cli.common import database, one_line_errors

# The migrations and the repairs are imported inside each command, not here: `minyi db ...
# --help` then imports neither them nor the database layer (a second of imports;
# tests/integration/cli/test_first_run_cli.py). So the window's default is written here too, the
# same as sla/reconcile.py's WINDOW (the same test checks they agree).
RECONCILE_WINDOW = 2_000

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
@one_line_errors
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from minyi.bootstrap import migrate

    db = database()
    migrate(db, revision)
    typer.echo(f"database at {revision}: {db.engine.url.render_as_string(hide_password=True)}")


@app.command("reconcile")
@one_line_errors
def reconcile(
    window: int = typer.Option(RECONCILE_WINDOW, min=1, max=100_000, help="Cases a transaction."),
) -> None:
    """Repair derived columns an older app version left stale while it served during an
    upgrade (docs/deployment.md): every case once, WINDOW cases a transaction."""
    from minyi.sla.reconcile import DERIVED, next_window, reconcile_window

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
