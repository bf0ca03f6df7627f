"""`minyi calendar`: the working-day calendar (holidays and 调休 workdays) an administrator keeps."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from minyi.cli.common import clock, database, echo_json, fail, one_line_errors

# The calendar's service is imported inside each command, not here: `minyi calendar ... --help`
# then imports neither it nor the database layer (tests/integration/cli/test_first_run_cli.py).

app = typer.Typer(help="The working-day calendar (节假日与调休).", no_args_is_help=True)
GROUPS = [("calendar", app)]


@app.command("status")
@one_line_errors
def status() -> None:
    """Years within 60 days (or begun) with no official calendar."""
    from minyi.sla.calendar_service import calendar_status, today_in_beijing

    with database().reading() as session:
        echo_json(calendar_status(session, today_in_beijing(clock.now())))


@app.command("show")
@one_line_errors
def show(year: int) -> None:
    """A year's holidays and 调休 workdays, and where they come from."""
    from minyi.sla.calendar_service import year_view

    with database().reading() as session:
        echo_json(year_view(session, year))


@app.command("import")
@one_line_errors
def import_(
    file: Path,
    year: int = typer.Option(..., help="the year the file holds"),
    source: str = typer.Option(
        "official", help="official (the State Council's notice) or statutory (holidays by law only)"
    ),
    note: str = typer.Option("", help="e.g. 国办发明电〔2026〕X号"),
    by: str = typer.Option("admin", help="who made the change"),
) -> None:
    """Replace a year from a CSV file: date,kind[,note] per line (kind: holiday or workday, or 休 or 班)."""
    from minyi.sla.calendar_service import SOURCES, parse_days_csv, replace_year

    if source not in SOURCES:
        fail("source must be official or statutory")
    if not file.is_file():
        fail(f"no such file: {file}")
    if file.stat().st_size > 40_000:
        fail("the file is too large for a year's calendar")
    days = parse_days_csv(file.read_text(encoding="utf-8"), year)
    with database().unit_of_work() as session:
        view = replace_year(
            session, year, days, source=source, note=note or None, by=by, now=clock.now()
        )
    typer.echo(
        f"calendar {year}: {len(view['days'])} days ({view['source']}, version {view['version']})"
    )


def _set(day: str, kind: str, note: str, by: str) -> None:
    from minyi.sla.calendar_service import set_day

    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        fail(f"'{day[:20]}' is not a date (YYYY-MM-DD)")
        return
    with database().unit_of_work() as session:
        set_day(session, parsed, kind, note=note or None, by=by, now=clock.now())
    typer.echo(f"{parsed}: {kind}")


@app.command("set-holiday")
@one_line_errors
def set_holiday(
    day: str, note: str = typer.Option("", help="e.g. 春节"), by: str = typer.Option("admin")
) -> None:
    """Make a weekday a holiday."""
    _set(day, "holiday", note, by)


@app.command("set-workday")
@one_line_errors
def set_workday(
    day: str, note: str = typer.Option("", help="e.g. 调休上班"), by: str = typer.Option("admin")
) -> None:
    """Make a weekend day a 调休 working day."""
    _set(day, "workday", note, by)


@app.command("clear")
@one_line_errors
def clear(day: str, by: str = typer.Option("admin")) -> None:
    """Make a day what its weekday says again."""
    _set(day, "normal", "", by)
