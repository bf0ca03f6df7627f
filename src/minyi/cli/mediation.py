"""`minyi mediation`: 纠纷调解 from the command line: open a dispute on a case, plan and hold
sessions, record the outcome with its terms, performance, judicial confirmation and referral;
list and show disputes (parties through the privacy policy, as the `--as` user may read them),
write the 人民调解协议书 (.docx or PDF) and print the figures."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

from minyi.cli.common import clock, database, echo_json, fail, one_line_errors, settings
from minyi.mediation.documents import (
    agreement_lines,
    render_agreement_docx,
    render_agreement_pdf,
)
from minyi.mediation.queries import (
    describe,
    get_agreement,
    list_disputes,
    readable_dispute,
    service_figures,
)
from minyi.mediation.schemas import DisputeIn, OutcomeIn, PartyIn, TermIn
from minyi.mediation.service import (
    file_confirmation,
    hold_session,
    open_dispute,
    plan_session,
    record_outcome,
    record_performance,
    record_ruling,
    refer_dispute,
)
from minyi.org.service import actor_for_username

app = typer.Typer(
    help="纠纷调解: disputes on cases, sessions, agreements (协议书), 司法确认, referral, figures.",
    no_args_is_help=True,
)
AS = typer.Option("admin", "--as", help="username of the member of staff acting")


def _tz() -> ZoneInfo:
    return ZoneInfo(settings().timezone)


def _party(text: str) -> PartyIn:
    """'applicant|王秀英|13800001111|住址' (phone, address and ID number optional, in that order)."""
    parts = [p.strip() for p in text.split("|")]
    if len(parts) < 2:
        raise ValueError(f"party '{text}': write side|name[|phone[|address[|id number]]]")
    side, name, *rest = parts + [""] * (5 - len(parts))
    return PartyIn.model_validate(
        {
            "side": side,
            "name": name,
            "phone": rest[0] or None,
            "address": rest[1] or None,
            "id_number": rest[2] or None,
        }
    )


def _show(dispute_id: int, actor_name: str, as_json: bool) -> None:
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        view = describe(session, actor, readable_dispute(session, actor, dispute_id), tz=_tz())
    if as_json:
        echo_json(view)
        return
    typer.echo(f"dispute {view['id']} on case {view['tracking_no']}: {view['status_label']}")
    for p in view["parties"]:
        typer.echo(f"  {p['side_label']} {p['name']} {p['phone'] or ''}")
    for s in view["sessions"]:
        typer.echo(f"  session {s['id']}: {s['local_time']} {s['place']} {s['status_label']}")
    for a in view["agreements"]:
        typer.echo(f"  agreement {a['id']} {a['number']}: {a['status_label']}")
        for t in a["terms"]:
            typer.echo(f"    term {t['id']} #{t['position']} {'done' if t['is_done'] else 'due'}")


@app.command("list")
@one_line_errors
def list_(
    status: str | None = typer.Option(None),
    actor_name: str = AS,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Disputes the --as user may see, newest first."""
    with database().reading() as session:
        rows = list_disputes(session, actor_for_username(session, actor_name), status=status)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['id']}\t{r['tracking_no']}\t{r['status_label']}\t{r['site']}")


@app.command("show")
@one_line_errors
def show(
    dispute_id: int, actor_name: str = AS, as_json: bool = typer.Option(False, "--json")
) -> None:
    """One dispute as the --as user may read it."""
    _show(dispute_id, actor_name, as_json)


@app.command("open")
@one_line_errors
def open_(
    case_id: int = typer.Option(..., "--case", help="the case's id"),
    site_id: int = typer.Option(..., "--site", help="the service site's id"),
    facts: str = typer.Option(..., help="纠纷主要事实"),
    matters: str = typer.Option(..., help="争议事项"),
    party: list[str] = typer.Option(..., help="side|name[|phone[|address[|id]]]; repeat"),
    mediator: list[str] = typer.Option([], help="a mediator's username; repeat"),
    reason: str | None = typer.Option(None, help="why the case moves to mediation"),
    actor_name: str = AS,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Open a dispute on a case."""
    body = DisputeIn(
        case_id=case_id,
        site_id=site_id,
        facts=facts,
        matters=matters,
        parties=[_party(p) for p in party],
        mediators=mediator,
        reason=reason,
    )
    with database().unit_of_work() as session:
        d = open_dispute(
            session,
            actor_for_username(session, actor_name),
            case_id=body.case_id,
            site_id=body.site_id,
            facts=body.facts,
            matters=body.matters,
            parties=body.parties,
            mediators=body.mediators,
            reason=body.reason,
            now=clock.now(),
        )
        dispute_id = d.id
    _show(dispute_id, actor_name, as_json)


@app.command("session")
@one_line_errors
def session_(
    dispute_id: int,
    at: str = typer.Option(..., help="local time, YYYY-MM-DDTHH:MM"),
    place: str | None = typer.Option(None),
    online: bool = typer.Option(False, "--online"),
    actor_name: str = AS,
) -> None:
    """Plan a session of a dispute."""
    starts_at = datetime.fromisoformat(at)
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=_tz())
    with database().unit_of_work() as session:
        s = plan_session(
            session,
            actor_for_username(session, actor_name),
            dispute_id,
            starts_at=starts_at,
            place=place,
            room_id=None,
            is_online=online,
            now=clock.now(),
            tz=_tz(),
        )
        typer.echo(f"session {s.id}: {s.place}")


@app.command("held")
@one_line_errors
def held(
    session_id: int,
    minutes: str = typer.Option(..., help="调解笔录"),
    party_id: list[int] = typer.Option([], help="a party who came; repeat"),
    others: str | None = typer.Option(None),
    actor_name: str = AS,
) -> None:
    """Record a session held."""
    with database().unit_of_work() as session:
        s = hold_session(
            session,
            actor_for_username(session, actor_name),
            session_id,
            minutes=minutes,
            party_ids=party_id,
            others=others,
            now=clock.now(),
        )
        typer.echo(f"session {s.id} held")


@app.command("outcome")
@one_line_errors
def outcome_(
    dispute_id: int,
    outcome: str = typer.Option(..., help="agreement | partial | failure"),
    term: list[str] = typer.Option([], help="'text' or 'text|YYYY-MM-DD|amount'; repeat"),
    performance: str | None = typer.Option(None, help="履行方式、时限"),
    note: str | None = typer.Option(None, help="why it failed, or what stays open"),
    actor_name: str = AS,
) -> None:
    """Record the outcome of a dispute (an agreement with its numbered terms, or failure)."""
    terms = []
    for t in term:
        text, due, amount = ([p.strip() for p in t.split("|")] + ["", ""])[:3]
        terms.append(
            TermIn.model_validate({"text": text, "due_on": due or None, "amount": amount or None})
        )
    body = OutcomeIn.model_validate(
        {
            "outcome": outcome,
            "note": note,
            "performance": performance,
            "terms": [t.model_dump() for t in terms],
        }
    )
    with database().unit_of_work() as session:
        d = record_outcome(
            session,
            actor_for_username(session, actor_name),
            dispute_id,
            outcome=body.outcome.value,
            note=body.note,
            terms=body.terms,
            performance=body.performance,
            signed_on=None,
            now=clock.now(),
            tz=_tz(),
        )
        typer.echo(f"dispute {d.id}: {d.status}")


@app.command("perform")
@one_line_errors
def perform(
    term_id: int,
    undo: bool = typer.Option(False, "--undo", help="mark the term as not yet performed"),
    note: str | None = typer.Option(None),
    actor_name: str = AS,
) -> None:
    """Record a term of an agreement as performed (paid/done)."""
    with database().unit_of_work() as session:
        t = record_performance(
            session,
            actor_for_username(session, actor_name),
            term_id,
            done=not undo,
            note=note,
            now=clock.now(),
        )
        typer.echo(f"term {t.id}: {'done' if t.done_at else 'due'}")


@app.command("file")
@one_line_errors
def file_(
    agreement_id: int,
    court: str = typer.Option(...),
    filed_on: str = typer.Option(..., help="YYYY-MM-DD"),
    actor_name: str = AS,
) -> None:
    """Record the application for judicial confirmation (司法确认)."""
    with database().unit_of_work() as session:
        a = file_confirmation(
            session,
            actor_for_username(session, actor_name),
            agreement_id,
            court=court,
            filed_on=date.fromisoformat(filed_on),
            now=clock.now(),
            tz=_tz(),
        )
        typer.echo(f"agreement {a.number}: {a.status}")


@app.command("ruling")
@one_line_errors
def ruling_(
    agreement_id: int,
    ruling: str = typer.Option(..., help="confirmed | refused"),
    ruled_on: str = typer.Option(..., help="YYYY-MM-DD"),
    number: str = typer.Option(..., help="the ruling's number (裁定书文号)"),
    reason: str | None = typer.Option(None),
    actor_name: str = AS,
) -> None:
    """Record the court's ruling on judicial confirmation."""
    with database().unit_of_work() as session:
        a = record_ruling(
            session,
            actor_for_username(session, actor_name),
            agreement_id,
            ruling=ruling,
            ruled_on=date.fromisoformat(ruled_on),
            ruling_number=number,
            reason=reason,
            now=clock.now(),
            tz=_tz(),
        )
        typer.echo(f"agreement {a.number}: {a.status}")


@app.command("refer")
@one_line_errors
def refer(
    dispute_id: int,
    to: str = typer.Option(..., "--to", help="arbitration | litigation | complaint"),
    reason: str = typer.Option(...),
    actor_name: str = AS,
) -> None:
    """Refer a failed dispute to arbitration, to court, or back to complaint handling."""
    with database().unit_of_work() as session:
        d = refer_dispute(
            session,
            actor_for_username(session, actor_name),
            dispute_id,
            referral=to,
            reason=reason,
            now=clock.now(),
        )
        typer.echo(f"dispute {d.id}: {d.status} ({d.referral})")


@app.command("agreement")
@one_line_errors
def agreement(
    agreement_id: int,
    out: Path = typer.Option(..., "--out", help="a .docx or .pdf file to write"),
    actor_name: str = AS,
) -> None:
    """Write the 人民调解协议书 (.docx or .pdf, by the file's name)."""
    kind = out.suffix.lower().lstrip(".")
    if kind not in ("docx", "pdf"):
        fail("--out must end in .docx or .pdf")
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        a = get_agreement(session, agreement_id)
        view = describe(session, actor, readable_dispute(session, actor, a.dispute_id), tz=_tz())
    text = agreement_lines(view, agreement_id)
    data = (
        render_agreement_pdf(text)
        if kind == "pdf"
        else render_agreement_docx(text, made_at=clock.now())
    )
    out.write_bytes(data)
    typer.echo(f"wrote {out} ({len(data)} bytes)")


@app.command("figures")
@one_line_errors
def figures(
    since: str = typer.Option(..., help="YYYY-MM-DD (local)"),
    until: str = typer.Option(..., help="YYYY-MM-DD (local, included)"),
) -> None:
    """纠纷调解 figures over a period, by site and by mediator (JSON)."""
    tz = _tz()
    start = datetime.combine(date.fromisoformat(since), time(0), tz)
    end = datetime.combine(date.fromisoformat(until) + timedelta(days=1), time(0), tz)
    if end <= start:
        fail("--until must not be before --since")
    with database().reading() as session:
        data = service_figures(session, since=start, until=end)
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


GROUPS = [("mediation", app)]
