from __future__ import annotations

from pathlib import Path

import typer

from minyi.cli.common import clock, database, echo_json, fail, one_line_errors

# The services are imported inside each command, not here: `minyi clocks ... --help` then imports
# neither them nor the database layer (tests/integration/cli/test_first_run_cli.py).

app = typer.Typer(help="Clocks (时限): policies and a case's milestones.", no_args_is_help=True)
policies_app = typer.Typer(help="Clock policies as YAML.", no_args_is_help=True)
app.add_typer(policies_app, name="policies")


@policies_app.command("export")
@one_line_errors
def export(file: Path) -> None:
    """Write the current policies to a YAML file."""
    from minyi.sla.service import policies_text

    with database().reading() as session:
        file.write_text(policies_text(session), encoding="utf-8")
    typer.echo(f"wrote {file}")


@policies_app.command("import")
@one_line_errors
def import_(file: Path, by: str = typer.Option("admin", help="who made the change")) -> None:
    """Check and store a new version of the policies."""
    from minyi.sla.service import import_policies

    if not file.exists():
        fail(f"no such file: {file}")
    with database().unit_of_work() as session:
        version = import_policies(session, file.read_text(encoding="utf-8"), by=by, now=clock.now())
    typer.echo(f"clock policies version {version}")


@app.command("show")
@one_line_errors
def show(case_id: int, actor_name: str = typer.Option(..., "--as")) -> None:
    """A case's milestones with their colour and time left."""
    from minyi.org.service import actor_for_username
    from minyi.sla.queries import case_clocks

    with database().reading() as session:
        echo_json(
            case_clocks(session, case_id, actor_for_username(session, actor_name), clock.now())
        )


GROUPS = [("clocks", app)]
