"""`minyi legal`: legal help (法律服务) from the command line: write up a consultation, refer it
or a case to legal aid, decide a referral, record pre-petition advice and the citizen's choice, a
lawyer's desk, and the figures. What is printed of a person goes through the privacy policy, as
the acting user would read it on the console."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import typer

from minyi.cli.common import clock, database, echo_json, one_line_errors, settings
from minyi.cli.paging import cursor_option
from minyi.legal.queries import (
    case_advices,
    describe_consultations,
    describe_referrals,
    desk,
    list_consultations,
    list_referrals,
    service_figures,
)
from minyi.legal.service import (
    decide_aid,
    give_pre_petition_advice,
    record_choice,
    record_consultation,
    refer_to_aid,
)
from minyi.org.service import actor_for_username

app = typer.Typer(
    help="法律服务: consultations with resident lawyers, legal aid, pre-petition legal advice.",
    no_args_is_help=True,
)


@app.command("consult")
@one_line_errors
def consult_(
    area: str = typer.Option(
        ..., help="marriage_family|labour|housing|contract_debt|tort|administrative|other"
    ),
    question: str = typer.Option(...),
    advice: str = typer.Option(...),
    appointment: int | None = typer.Option(None, help="the legal appointment's id"),
    site: int | None = typer.Option(None, help="site id, for a walk-in"),
    name: str | None = typer.Option(None, help="the citizen's name, for a walk-in"),
    phone: str | None = typer.Option(None),
    case: int | None = typer.Option(None, help="the case id it serves"),
    document: list[str] = typer.Option([], help="title of a document handed over; repeat"),
    follow_up: str | None = typer.Option(None, help="what still needs doing"),
    actor_name: str = typer.Option(..., "--as", help="the lawyer's username"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Write up a consultation (for an appointment, or a walk-in with --site and --name)."""
    now = clock.now()
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        c = record_consultation(
            session,
            actor,
            area=area,
            question=question,
            advice=advice,
            documents=document,
            needs_follow_up=bool(follow_up),
            follow_up=follow_up,
            appointment_id=appointment,
            site_id=site,
            name=name,
            phone=phone,
            case_id=case,
            now=now,
        )
        out = describe_consultations(session, actor, [c])[0]
    if as_json:
        echo_json(out)
        return
    typer.echo(f"consultation {out['id']}: {out['area_label']} ({out['site']})")


@app.command("list")
@one_line_errors
def list_(
    actor_name: str = typer.Option(..., "--as", help="username of the reader"),
    limit: int = typer.Option(50, min=1, max=500),
    cursor: str | None = cursor_option(),
) -> None:
    """Consultations the reader may list, as JSON (text as the policy gives it to them)."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        found = list_consultations(session, actor, page_size=limit, cursor=cursor)
        items = describe_consultations(session, actor, found.rows)
        echo_json({**found.page_fields(), "items": items})


@app.command("refer")
@one_line_errors
def refer_(
    hardship: str = typer.Option(
        ..., help="low_income|unpaid_wages|disabled|elderly|minor|veteran|victim|other"
    ),
    situation: str = typer.Option(..., help="the applicant's situation"),
    consultation: int | None = typer.Option(None),
    case: int | None = typer.Option(None),
    income: str | None = typer.Option(None, help="monthly income in yuan"),
    household: int | None = typer.Option(None, help="household size"),
    actor_name: str = typer.Option(..., "--as", help="username"),
) -> None:
    """Refer a consultation or a case to 区司法局 for legal aid."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        r = refer_to_aid(
            session,
            actor,
            hardship=hardship,
            situation=situation,
            monthly_income=income,
            household_size=household,
            consultation_id=consultation,
            case_id=case,
            now=clock.now(),
        )
        referral_id = r.id
    typer.echo(f"referral {referral_id}: pending")


@app.command("decide")
@one_line_errors
def decide_(
    referral: int,
    grant: bool = typer.Option(..., "--grant/--refuse"),
    reason: str | None = typer.Option(None),
    lawyer: str | None = typer.Option(None, help="username of the lawyer assigned"),
    actor_name: str = typer.Option(..., "--as", help="区司法局 staff or admin"),
) -> None:
    """准予 (--grant) or 不予 (--refuse, with --reason) legal aid."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        r = decide_aid(
            session, actor, referral, grant=grant, reason=reason, lawyer=lawyer, now=clock.now()
        )
        status = r.status
    typer.echo(f"referral {referral}: {status}")


@app.command("advise")
@one_line_errors
def advise_(
    case: int,
    route: str = typer.Option(..., help="court|arbitration|admin_review|petition"),
    advice: str = typer.Option(...),
    choice: str | None = typer.Option(None, help="legal_route|petition"),
    actor_name: str = typer.Option(..., "--as", help="the clerk's or lawyer's username"),
) -> None:
    """访前法律工作室: record the advice on a walk-in or letter case before acceptance."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        a = give_pre_petition_advice(
            session, actor, case, route=route, advice=advice, choice=choice, now=clock.now()
        )
        advice_id, chosen = a.id, a.choice
    typer.echo(f"advice {advice_id} on case {case}: {route}, {chosen}")


@app.command("choose")
@one_line_errors
def choose_(
    advice: int,
    choice: str = typer.Option(..., help="legal_route|petition"),
    actor_name: str = typer.Option(..., "--as", help="the clerk's or lawyer's username"),
) -> None:
    """Record the citizen's choice after the pre-petition advice."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        a = record_choice(session, actor, advice, choice=choice, now=clock.now())
        rows = case_advices(session, a.case_id)
    typer.echo(f"advice {advice}: {next(r['choice_label'] for r in rows if r['id'] == advice)}")


@app.command("desk")
@one_line_errors
def desk_(actor_name: str = typer.Option(..., "--as", help="username")) -> None:
    """A lawyer's desk as JSON: today's appointments, consultations to write up, referrals."""
    tz = ZoneInfo(settings().timezone)
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        echo_json(desk(session, actor, now=clock.now(), tz=tz))


@app.command("referrals")
@one_line_errors
def referrals_(
    actor_name: str = typer.Option(..., "--as", help="username"),
    cursor: str | None = cursor_option(),
) -> None:
    """Legal-aid referrals the reader may list, as JSON (`next_cursor`: the next page's)."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        found = list_referrals(session, actor, page_size=200, cursor=cursor)
        items = describe_referrals(session, actor, found.rows)
        echo_json({**found.page_fields(), "items": items})


@app.command("figures")
@one_line_errors
def figures_(
    since: str | None = typer.Option(None, help="YYYY-MM-DD (default: 30 days ago)"),
    until: str | None = typer.Option(None, help="YYYY-MM-DD, exclusive (default: now)"),
) -> None:
    """法律服务 figures over a period, as JSON (counts only)."""
    tz = ZoneInfo(settings().timezone)
    now = clock.now()
    end = datetime.combine(datetime.fromisoformat(until).date(), time(0), tz) if until else now
    start = (
        datetime.combine(datetime.fromisoformat(since).date(), time(0), tz)
        if since
        else datetime.combine((now.astimezone(tz) - timedelta(days=30)).date(), time(0), tz)
    )
    if end <= start:
        raise ValueError("--until must be after --since")
    with database().reading() as session:
        echo_json(service_figures(session, since=start, until=end))


GROUPS = [("legal", app)]
