"""`minyi volunteers`: 平安志愿者 from the command line: register and approve volunteers, take a
report (it becomes a case), verify it, set the point rules, read a ledger and the rankings."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

import typer

from minyi.cli.common import clock, database, echo_json, fail, one_line_errors, settings
from minyi.cli.paging import cursor_option, echo_next, total_text
from minyi.org.service import actor_for_username
from minyi.volunteers.queries import (
    area_of,
    balance,
    ledger,
    ranking,
    report_row,
    rules_table,
    volunteer_by_code,
    volunteer_page,
)
from minyi.volunteers.rules import RULE_LABELS, RuleKind, VolunteerStatus
from minyi.volunteers.service import (
    check_secret,
    decide_volunteer,
    reader_path,
    register_report_case,
    register_volunteer,
    set_rule,
    submit_report,
    verify_report,
)

app = typer.Typer(
    help="平安志愿者: volunteers, their reports, points, ledger and rankings.",
    no_args_is_help=True,
)
AS = typer.Option("admin", "--as", help="username of the member of staff acting")


@app.command("register")
@one_line_errors
def register_(
    name: str = typer.Argument(...),
    phone: str = typer.Argument(...),
    community: str = typer.Argument(..., help="community unit code"),
    actor_name: str = AS,
) -> None:
    """Register a volunteer as staff (approved at once); prints the volunteer code."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        row, created = register_volunteer(
            session, name=name, phone=phone, community=community, actor=actor, now=clock.now()
        )
        typer.echo(f"{'registered' if created else 'already registered'}: code {row.code}")


@app.command("list")
@one_line_errors
def list_(
    status: VolunteerStatus | None = typer.Option(None),
    actor_name: str = AS,
    cursor: str | None = cursor_option(),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Volunteers of the reader's area (names and phones through the privacy policy)."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        found = volunteer_page(session, actor, status=status, page_size=200, cursor=cursor)
    rows = found.rows
    if as_json:
        echo_json({**found.page_fields(), "items": rows})
        return
    typer.echo(f"{total_text(found.total)} volunteers")
    for v in rows:
        typer.echo(
            f"  {v['id']:>6} {v['code']} {v['name']:<8} {v['phone'] or '':<13} "
            f"{v['community']:<10} {v['status']:<10} {v['points']:>5}"
        )
    echo_next(found.next_cursor)


@app.command("decide")
@one_line_errors
def decide_(
    volunteer_id: int = typer.Argument(...),
    decision: str = typer.Argument(..., help="approve, reject or suspend"),
    note: str | None = typer.Option(None, help="the reason (required to reject)"),
    actor_name: str = AS,
) -> None:
    """Approve, reject or suspend a volunteer."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        row = decide_volunteer(
            session, volunteer_id, actor=actor, decision=decision, note=note, now=clock.now()
        )
        typer.echo(f"volunteer {row.id}: {row.status}")


@app.command("report")
@one_line_errors
def report_(
    code: str = typer.Argument(..., help="志愿者编号"),
    phone_last4: str = typer.Argument(..., help="the last four digits of the volunteer's phone"),
    body: str = typer.Option(..., help="what the volunteer found"),
    title: str | None = typer.Option(None),
    address: str | None = typer.Option(None),
    token: str | None = typer.Option(None, help="a one-time id: the same token files once"),
) -> None:
    """A volunteer's report, registered as a case (as the portal does)."""
    db, conf = database(), settings()
    volunteer_id = check_secret(
        db, conf, code=code, last4=phone_last4, client="cli", now=clock.now()
    )
    with db.unit_of_work() as session:
        report, created = submit_report(
            session,
            volunteer_id,
            token=token or uuid.uuid4().hex,
            title=title,
            body=body,
            address=address,
            now=clock.now(),
        )
        report_id = report.id
    case_id = register_report_case(db, report_id, now=clock.now(), tz=ZoneInfo(conf.timezone))
    typer.echo(
        f"{'reported' if created else 'already reported'}: report {report_id}, case {case_id}"
    )


@app.command("verify")
@one_line_errors
def verify_(
    report_id: int = typer.Argument(...),
    verified: bool = typer.Option(..., "--true/--untrue", help="属实 or 不属实"),
    note: str | None = typer.Option(None),
    actor_name: str = AS,
) -> None:
    """Verify a volunteer's report; a true one earns points unless triage found it a repeat."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        row = verify_report(
            session, report_id, actor=actor, verified=verified, note=note, now=clock.now()
        )
        points = report_row(session, actor, report_id)["points"]
        typer.echo(f"report {row.id}: {row.state}, {points} points")


@app.command("rules")
@one_line_errors
def rules_(as_json: bool = typer.Option(False, "--json")) -> None:
    """The point rules."""
    with database().reading() as session:
        rows = [
            {
                "id": r.id,
                "kind": r.kind,
                "class_name": r.class_name,
                "points": r.points,
                "is_active": r.is_active,
            }
            for r in rules_table(session)
        ]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        typer.echo(
            f"  {RULE_LABELS[RuleKind(str(r['kind']))]:<8} {r['class_name'] or '全部类别':<6} "
            f"{r['points']:>5} {'on' if r['is_active'] else 'off'}"
        )


@app.command("set-rule")
@one_line_errors
def set_rule_(
    kind: str = typer.Argument(..., help="verified or closed"),
    points: int = typer.Argument(...),
    class_name: str | None = typer.Option(None, "--class", help="one of the five classes"),
    off: bool = typer.Option(False, "--off", help="switch the rule off"),
    actor_name: str = AS,
) -> None:
    """Set the points of one event (administrator)."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        row = set_rule(
            session,
            actor=actor,
            kind=kind,
            class_name=class_name,
            points=points,
            is_active=not off,
            now=clock.now(),
        )
        typer.echo(f"rule {row.id}: {row.kind} {row.class_name or '*'} = {row.points}")


@app.command("ledger")
@one_line_errors
def ledger_(
    code: str = typer.Argument(..., help="志愿者编号"),
    actor_name: str = AS,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """A volunteer's points ledger and balance."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        found = volunteer_by_code(session, actor, code)
        if found is None:
            fail(f"no volunteer {code} in your area")
            return
        lines = ledger(session, found.id)
        total = balance(session, found.id)
    if as_json:
        echo_json({"code": code, "balance": total, "entries": [vars(e) for e in lines]})
        return
    typer.echo(f"volunteer {code}: {total} points")
    for e in lines:
        typer.echo(f"  {e.created_at:%Y-%m-%d %H:%M} +{e.points:<4} {e.kind_label} {e.reason}")


@app.command("ranking")
@one_line_errors
def ranking_(
    area: str | None = typer.Option(None, help="street or community code"),
    actor_name: str = AS,
    limit: int = typer.Option(20, min=1, max=200),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The ranking of a community, a street or the reader's whole area."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        path = reader_path(actor)
        unit = area_of(session, area, path)
        if area and unit is None:
            fail(f"no street or community {area} in your area")
            return
        rows = ranking(session, actor, area_path=unit.path if unit else path, limit=limit)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        typer.echo(
            f"  {r['rank']:>3} {r['name']:<8} {r['community']:<10} {r['points']:>6} {r['verified']:>4}"
        )


GROUPS = [("volunteers", app)]
