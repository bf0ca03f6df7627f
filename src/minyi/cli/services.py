"""`minyi services`: the service sites from the command line: list and register sites, add a
professional, book at the window, a site's appointments of a day (the citizens through the privacy
policy, as the `--as` reader may see them), and 转换服务类别 on a case."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import typer

from minyi.cli.common import clock, database, echo_json, one_line_errors, settings
from minyi.core.errors import Invalid
from minyi.org.service import actor_for_username
from minyi.services.queries import (
    appointments_of_site,
    case_service,
    describe_appointments,
    get_site,
    list_sites,
    services_at,
    site_detail,
    site_out,
)
from minyi.services.rules import SERVICE_LABELS, Service
from minyi.services.service import (
    add_site_staff,
    book_at_window,
    change_service,
    register_site,
)

app = typer.Typer(
    help="五类服务: service sites, their professionals, appointments, a case's service.",
    no_args_is_help=True,
)


def _service(value: str | None) -> Service | None:
    if not value:
        return None
    try:
        return Service(value)
    except ValueError:
        raise Invalid("invalid_service", "服务类别不正确", field="service") from None


@app.command("sites")
@one_line_errors
def sites_(
    service: str | None = typer.Option(None, help="mediation, legal, counselling ..."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The service sites (with --service: where it is given)."""
    with database().reading() as session:
        rows = list_sites(session, service=_service(service))
        offered = services_at(session, [s.id for s in rows])
        out = [site_out(s) | {"services": offered[s.id]} for s in rows]
    if as_json:
        echo_json(out)
        return
    for s in out:
        typer.echo(f"{s['id']}\t{s['name']}\t{s['category_label']}\t{s['hours']}\t{s['address']}")


@app.command("add-site")
@one_line_errors
def add_site_(
    unit: str = typer.Option(..., help="code of the district/street/community/site unit"),
    category: str = typer.Option(..., help="centre, street_hall, community_hall, estate ..."),
    address: str = typer.Option(...),
    hours: str = typer.Option(..., help="'1-5 09:00-12:00 14:00-17:30; 6 09:00-12:00'"),
    phone: str | None = typer.Option(None),
    actor_name: str = typer.Option("admin", "--as", help="username of the keeper"),
) -> None:
    """Register a unit as a service site."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        site = register_site(
            session,
            actor,
            unit_code=unit,
            category=category,
            address=address,
            hours=hours,
            phone=phone,
            now=clock.now(),
        )
        typer.echo(f"site {site.id}: {get_site(session, site.id).name}")


@app.command("add-staff")
@one_line_errors
def add_staff_(
    site_id: int,
    username: str = typer.Option(..., help="the professional's username"),
    kind: str = typer.Option(..., help="mediator, lawyer, counsellor ..."),
    hours: str | None = typer.Option(None, help="own hours; default: the site's"),
    supervisor: str | None = typer.Option(None, help="the supervisor's username"),
    actor_name: str = typer.Option("admin", "--as", help="username of the keeper"),
) -> None:
    """Add a professional to a site as one kind."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        row = add_site_staff(
            session,
            actor,
            site_id,
            username=username,
            kind=kind,
            hours=hours,
            supervisor_username=supervisor,
        )
        typer.echo(f"site {site_id}: {username} as {row.kind}")


@app.command("book")
@one_line_errors
def book_(
    site_id: int,
    service: str = typer.Option(..., help="mediation, legal or counselling"),
    at: str = typer.Option(..., help="local start, 'YYYY-MM-DD HH:MM'"),
    name: str = typer.Option(...),
    phone: str = typer.Option(...),
    topic: str = typer.Option(...),
    minutes: int = typer.Option(60),
    staff: str | None = typer.Option(
        None, help="the professional's username; default: anyone free"
    ),
    actor_name: str = typer.Option("admin", "--as", help="username of who books at the window"),
) -> None:
    """Book a walk-in citizen at a site's window; prints the confirmation number."""
    tz = ZoneInfo(settings().timezone)
    try:
        starts_at = datetime.strptime(at, "%Y-%m-%d %H:%M").replace(tzinfo=tz)
    except ValueError:
        raise Invalid("invalid_time", "时间格式应为 YYYY-MM-DD HH:MM", field="at") from None
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        staff_id = actor_for_username(session, staff).staff_id if staff else None
        appointment, created = book_at_window(
            session,
            actor,
            site_id=site_id,
            service=service,
            starts_at=starts_at,
            minutes=minutes,
            name=name,
            phone=phone,
            topic=topic,
            staff_id=staff_id,
            now=clock.now(),
            tz=tz,
        )
        typer.echo(f"{appointment.ref}{'' if created else ' (already booked)'}")


@app.command("appointments")
@one_line_errors
def appointments_(
    site_id: int,
    day: str | None = typer.Option(None, help="YYYY-MM-DD; default: today"),
    actor_name: str = typer.Option("admin", "--as", help="username of the reader"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """A site's appointments of a day, the citizens as the reader may see them."""
    tz = ZoneInfo(settings().timezone)
    try:
        on = date.fromisoformat(day) if day else clock.now().astimezone(tz).date()
    except ValueError:
        raise Invalid("invalid_day", "日期格式应为 YYYY-MM-DD", field="day") from None
    start = datetime.combine(on, time(0), tzinfo=tz)
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        site_detail(session, site_id)
        rows = appointments_of_site(session, site_id, start, start + timedelta(days=1))
        out = describe_appointments(session, actor, rows)
    if as_json:
        echo_json(out)
        return
    for a in out:
        when = a["starts_at"].astimezone(tz).strftime("%H:%M")
        typer.echo(
            f"{a['ref']}\t{when}\t{a['service']}\t{a['status']}\t{a['staff'] or ''}\t"
            f"{a['name']}\t{a['phone']}"
        )


@app.command("change-service")
@one_line_errors
def change_service_(
    case_id: int,
    service: str = typer.Option(..., help="complaint, mediation, legal, counselling or relief"),
    reason: str = typer.Option(...),
    actor_name: str = typer.Option("dispatcher", "--as", help="username of the decider"),
) -> None:
    """Hand a case to another service (转换服务类别), the reason on its event log."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        case = change_service(session, actor, case_id, service, reason=reason, now=clock.now())
        current = case_service(case)
        typer.echo(f"case {case.id}: {current.value} ({SERVICE_LABELS[current]})")


GROUPS = [("services", app)]
