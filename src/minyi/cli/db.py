from __future__ import annotations

import typer

from minyi.bootstrap import migrate
from minyi.cli.common import database, one_line_errors

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
@one_line_errors
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    db = database()
    migrate(db, revision)
    typer.echo(f"database at {revision}: {db.engine.url.render_as_string(hide_password=True)}")


GROUPS = [("db", app)]
