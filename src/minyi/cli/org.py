from __future__ import annotations

from pathlib import Path

import typer

from minyi.cli.common import clock, database, fail, one_line_errors

# The services are imported inside each command, not here: `minyi org|demo|dictionary|staff ...
# --help` then imports neither them nor the database layer (tests/integration/cli/
# test_first_run_cli.py).

demo_app = typer.Typer(help="The invented demo district.", no_args_is_help=True)
org_app = typer.Typer(help="Units, staff and leaders' areas.", no_args_is_help=True)
dictionary_app = typer.Typer(help="The event dictionary (事件字典).", no_args_is_help=True)
staff_app = typer.Typer(
    help="Staff accounts: password, reset, deactivate (each ends the person's sign-ins).",
    no_args_is_help=True,
)


@demo_app.command("load")
@one_line_errors
def demo_load(
    force: bool = typer.Option(False, help="load even if the database already has units"),
) -> None:
    """Build the demo district: 10 streets, ~90 communities, ~700 grids, ~40 departments, staff, dictionary."""
    from minyi.bootstrap import is_empty, load_demo, migrate

    db = database()
    migrate(db)
    if not force and not is_empty(db):
        fail("the database already has units; use --force to merge the demo into it")
    typer.echo(f"loaded: {load_demo(db, now=clock.now())}")


@org_app.command("import")
@one_line_errors
def org_import(
    file: Path,
    password: str | None = typer.Option(
        None, help="initial password for new staff (none: they cannot sign in yet)"
    ),
) -> None:
    """Create or update units/staff from a YAML bundle, a units CSV or a staff CSV."""
    from minyi.org.service import hash_password, import_org, org_from_csv, parse_org_yaml

    if not file.exists():
        fail(f"no such file: {file}")
    text = file.read_text(encoding="utf-8-sig")
    bundle = org_from_csv(text) if file.suffix.lower() == ".csv" else parse_org_yaml(text)
    password_hash = hash_password(password) if password else None  # argon2 before the transaction
    with database().unit_of_work() as session:
        typer.echo(f"imported: {import_org(session, bundle, password_hash=password_hash)}")


@org_app.command("export")
@one_line_errors
def org_export(
    file: Path = typer.Argument(..., help=".yaml, or units.csv / staff.csv by name"),
) -> None:
    """Write units, staff and leaders' areas to YAML, or one table to CSV."""
    import yaml

    from minyi.org.service import export_org, org_to_csv

    with database().reading() as session:
        bundle = export_org(session)
    if file.suffix.lower() == ".csv":
        what = "staff" if "staff" in file.name else "units"
        file.write_text(org_to_csv(bundle, what), encoding="utf-8")
    else:
        file.write_text(
            yaml.safe_dump(bundle, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    typer.echo(f"wrote {file}")


@dictionary_app.command("import")
@one_line_errors
def dictionary_import(file: Path) -> None:
    """Import a new version from CSV/Excel (8 columns), or from a plain three-level CSV (level1,level2,level3)."""
    from minyi.taxonomy.service import import_dictionary, read_table

    rows = read_table(file)
    with database().unit_of_work() as session:
        version = import_dictionary(session, rows, source=file.name, now=clock.now())
        typer.echo(f"dictionary version {version.number}: {len(rows)} leaves")


@dictionary_app.command("export")
@one_line_errors
def dictionary_export(
    file: Path, version: int | None = typer.Option(None, help="default: the current version")
) -> None:
    """Write the dictionary to .csv or .xlsx."""
    from minyi.taxonomy.service import export_rows, write_table

    if file.suffix.lower() not in (".csv", ".xlsx"):
        fail("export to a .csv or .xlsx file")
    with database().reading() as session:
        rows = export_rows(session, version)
    write_table(rows, file)
    typer.echo(f"wrote {len(rows)} leaves to {file}")


@staff_app.command("passwd")
@one_line_errors
def staff_passwd(
    username: str,
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="the new password"
    ),
) -> None:
    """Set a person's password (at least 8 characters, letters and digits); ends their sign-ins."""
    from minyi.org.accounts import prepare_password, set_password

    password_hash = prepare_password(password, username=username)  # argon2 before the transaction
    with database().unit_of_work() as session:
        set_password(session, username=username, password_hash=password_hash, now=clock.now())
    typer.echo(f"password set for {username}")


@staff_app.command("reset")
@one_line_errors
def staff_reset(username: str) -> None:
    """Give a person a temporary password (printed once) to change at the next sign-in; ends their sign-ins."""
    from minyi.org.accounts import reset_to_temporary

    password = reset_to_temporary(database(), username=username, now=clock.now())
    typer.echo(f"temporary password for {username}: {password}")


@staff_app.command("deactivate")
@one_line_errors
def staff_deactivate(username: str) -> None:
    """Deactivate a person: every sign-in of theirs ends at once."""
    from minyi.org.accounts import set_active

    with database().unit_of_work() as session:
        set_active(session, username=username, active=False, now=clock.now())
    typer.echo(f"deactivated {username}")


@staff_app.command("reactivate")
@one_line_errors
def staff_reactivate(username: str) -> None:
    from minyi.org.accounts import set_active

    with database().unit_of_work() as session:
        set_active(session, username=username, active=True, now=clock.now())
    typer.echo(f"reactivated {username}")


GROUPS = [
    ("demo", demo_app),
    ("org", org_app),
    ("dictionary", dictionary_app),
    ("staff", staff_app),
]
