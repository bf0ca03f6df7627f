"""`minyi counselling`: 心理服务 from the command line: take a walk-in in, record a session, set the
risk level, plan and do follow-ups, ask for, plan and hold a 话聊, list and read records, and the
figures. `--as` names the reader: a note is printed only to its author and the author's
supervisor (the privacy policy decides, as on the API and the pages)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import typer

from minyi.cli.common import clock, database, echo_json, one_line_errors, settings
from minyi.core.errors import Forbidden, Invalid
from minyi.counselling.queries import (
    describe_records,
    describe_talks,
    get_record,
    get_talk,
    list_records,
    list_talks,
    may_use,
    record_detail,
    service_figures,
)
from minyi.counselling.schemas import record_out
from minyi.counselling.service import (
    complete_follow_up,
    hold_session,
    hold_talk,
    open_record,
    plan_follow_up,
    plan_talk,
    request_talk,
    set_risk,
)
from minyi.org.service import actor_for_username

app = typer.Typer(
    help="心理服务: counselling records, sessions, follow-ups, risk levels, 话聊 and figures.",
    no_args_is_help=True,
)
AS = typer.Option(..., "--as", help="username of the reader or counsellor")


def _tz() -> ZoneInfo:
    return ZoneInfo(settings().timezone)


def _today() -> date:
    return clock.now().astimezone(_tz()).date()


def _when(text: str | None, field: str) -> datetime | None:
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(
            "invalid_time", f"{field}: 时间格式应为 YYYY-MM-DDTHH:MM", field=field
        ) from None
    return at if at.tzinfo else at.replace(tzinfo=_tz())


@app.command("walk-in")
@one_line_errors
def walk_in_(
    site: int = typer.Option(..., help="the site id"),
    name: str = typer.Option(...),
    phone: str = typer.Option(...),
    case: int | None = typer.Option(None, help="the case id it serves"),
    actor_name: str = AS,
) -> None:
    """Take a walk-in client in (a counsellor serving at the site)."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        r = open_record(
            session, actor, site_id=site, name=name, phone=phone, case_id=case, now=clock.now()
        )
        typer.echo(f"record {r.id}: risk {r.risk_level}")


@app.command("session")
@one_line_errors
def session_(
    record_id: int,
    minutes: int = typer.Option(50),
    held_at: str | None = typer.Option(None, help="YYYY-MM-DDTHH:MM (default: now)"),
    room: int | None = typer.Option(None, help="the room id"),
    notes: str | None = typer.Option(None, help="private: author and supervisor only"),
    actor_name: str = AS,
) -> None:
    """Record a session held."""
    now = clock.now()
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        row = hold_session(
            session,
            actor,
            record_id,
            held_at=_when(held_at, "held_at") or now,
            minutes=minutes,
            notes=notes,
            room_id=room,
            now=now,
        )
        typer.echo(f"session {row.id} on record {record_id}")


@app.command("risk")
@one_line_errors
def risk_(
    record_id: int,
    level: str = typer.Argument(..., help="low|medium|high|critical"),
    actor_name: str = AS,
) -> None:
    """Set a record's risk level; critical (危急) notifies the supervisor."""
    with database().unit_of_work() as session:
        r = set_risk(
            session, actor_for_username(session, actor_name), record_id, level, now=clock.now()
        )
        typer.echo(f"record {r.id}: risk {r.risk_level}")


@app.command("follow-up")
@one_line_errors
def follow_up_(
    record_id: int, due: str = typer.Option(..., help="YYYY-MM-DD"), actor_name: str = AS
) -> None:
    """Plan a follow-up (回访)."""
    with database().unit_of_work() as session:
        row = plan_follow_up(
            session,
            actor_for_username(session, actor_name),
            record_id,
            due_on=date.fromisoformat(due),
            today=_today(),
            now=clock.now(),
        )
        typer.echo(f"follow-up {row.id} due {row.due_on}")


@app.command("follow-up-done")
@one_line_errors
def follow_up_done_(
    follow_up_id: int, notes: str | None = typer.Option(None), actor_name: str = AS
) -> None:
    """Record a follow-up done."""
    with database().unit_of_work() as session:
        row = complete_follow_up(
            session,
            actor_for_username(session, actor_name),
            follow_up_id,
            notes=notes,
            now=clock.now(),
        )
        typer.echo(f"follow-up {row.id} done")


@app.command("list")
@one_line_errors
def list_(
    actor_name: str = AS,
    status: str | None = typer.Option(None, help="open or closed"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Records the reader may see (no note; the client through the privacy policy)."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        if not may_use(session, actor):
            raise Forbidden(
                "not_counselling_reader", "心理服务仅对心理咨询师、督导和区级工作人员开放"
            )
        rows = describe_records(
            session, actor, list_records(session, actor, status=status), today=_today()
        )
    if as_json:
        echo_json([record_out(r) for r in rows])
        return
    for r in rows:
        typer.echo(
            f"{r['id']:>5} {r['status']:<6} risk {r['risk_level']:<8} {r['client_name']}  "
            f"{r['counsellor']}  sessions {r['sessions_held']}"
        )


@app.command("show")
@one_line_errors
def show_(
    record_id: int, actor_name: str = AS, as_json: bool = typer.Option(False, "--json")
) -> None:
    """One record with its sessions: notes only for their author and the author's supervisor."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        out = record_out(
            record_detail(session, actor, get_record(session, actor, record_id), today=_today())
        )
    if as_json:
        echo_json(out)
        return
    typer.echo(
        f"record {out['id']}: {out['client_name']} {out['client_phone']}  risk {out['risk_level']}"
        f"  sessions {out['sessions_held']}"
    )
    for s in out["sessions"]:
        line = f"  session {s['id']} {s['held_at']:%Y-%m-%d %H:%M} {s['minutes']} min"
        typer.echo(line + (f"\n    {s['notes']}" if s["notes"] else ""))


@app.command("talk-request")
@one_line_errors
def talk_request_(case: int = typer.Option(..., help="the case id"), actor_name: str = AS) -> None:
    """Ask for a 话聊 on a case (a leader, the dispatcher or a counsellor)."""
    with database().unit_of_work() as session:
        t = request_talk(session, actor_for_username(session, actor_name), case, now=clock.now())
        typer.echo(f"talk {t.id}: {t.status}")


@app.command("talk-plan")
@one_line_errors
def talk_plan_(
    talk_id: int,
    site: int = typer.Option(...),
    at: str = typer.Option(..., help="YYYY-MM-DDTHH:MM"),
    lawyer: str = typer.Option(..., help="the lawyer's username"),
    mediator: str = typer.Option(..., help="the mediator's username"),
    room: int | None = typer.Option(None),
    actor_name: str = AS,
) -> None:
    """Plan a 话聊 with a lawyer and a mediator (the counsellor)."""
    with database().unit_of_work() as session:
        t = plan_talk(
            session,
            actor_for_username(session, actor_name),
            talk_id,
            site_id=site,
            starts_at=_when(at, "at") or clock.now(),
            lawyer=lawyer,
            mediator=mediator,
            room_id=room,
            now=clock.now(),
        )
        typer.echo(f"talk {t.id}: {t.status}")


@app.command("talk-hold")
@one_line_errors
def talk_hold_(
    talk_id: int,
    summary: str = typer.Option(..., help="the plan agreed (shared)"),
    notes: str | None = typer.Option(None, help="the counsellor's, private"),
    minutes: int = typer.Option(60),
    actor_name: str = AS,
) -> None:
    """Record a 话聊 held."""
    with database().unit_of_work() as session:
        t = hold_talk(
            session,
            actor_for_username(session, actor_name),
            talk_id,
            minutes=minutes,
            summary=summary,
            notes=notes,
            now=clock.now(),
        )
        typer.echo(f"talk {t.id}: {t.status}")


@app.command("talks")
@one_line_errors
def talks_(
    actor_name: str = AS,
    case: int | None = typer.Option(None),
    talk: int | None = typer.Option(None, help="one talk"),
) -> None:
    """话聊 the reader may see, as JSON (the counsellor's notes only for them and their supervisor)."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        rows = (
            [get_talk(session, actor, talk)] if talk else list_talks(session, actor, case_id=case)
        )
        echo_json(describe_talks(session, actor, rows))


@app.command("figures")
@one_line_errors
def figures_(
    since: str = typer.Option(..., help="YYYY-MM-DD"),
    until: str = typer.Option(..., help="YYYY-MM-DD (exclusive)"),
) -> None:
    """心理服务 figures over a period: counts only."""
    tz = _tz()
    first, last = date.fromisoformat(since), date.fromisoformat(until)
    if last <= first:
        raise Invalid("invalid_period", "结束日期须晚于开始日期", field="until")
    with database().reading() as session:
        echo_json(
            service_figures(
                session,
                since=datetime.combine(first, time(0), tzinfo=tz),
                until=datetime.combine(last, time(0), tzinfo=tz),
            )
        )


GROUPS = [("counselling", app)]
