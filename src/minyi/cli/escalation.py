from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from sqlalchemy import select

from minyi.cases.queries import get_visible_case, shown_titles
from minyi.cli.common import clock, database, echo_json, fail, one_line_errors
from minyi.cli.paging import cursor_option, echo_next, total_text
from minyi.core.errors import Invalid, NotFound
from minyi.escalation import holdings as holding_service
from minyi.escalation.models import EscalationRuleSet, Holding
from minyi.escalation.queries import (
    backlog,
    describe_backlog,
    describe_escalation,
    describe_holdings,
    leader_counts,
    list_escalations,
    list_holdings,
    staff_names,
)
from minyi.escalation.rules import LEVEL_ZH, HoldingStatus, Level
from minyi.escalation.schemas import rule_set_view
from minyi.escalation.service import (
    current_rules,
    evaluate_case,
    evaluate_open_cases,
    import_rule_set,
    rules_at,
    rules_text,
)
from minyi.org.models import Staff
from minyi.org.service import actor_for_username

app = typer.Typer(
    help="提级包案: escalation rules, leader case-holding (包案/销案), backlog (积案).",
    no_args_is_help=True,
)
rules_app = typer.Typer(help="The escalation rule set (versioned YAML).", no_args_is_help=True)
holding_app = typer.Typer(
    help="Leader case-holding: take, plan, visits, release.", no_args_is_help=True
)
app.add_typer(rules_app, name="rules")
app.add_typer(holding_app, name="holding")
AS = typer.Option(..., "--as", help="username of the staff member acting")


@rules_app.command("show")
@one_line_errors
def rules_show(
    version: int | None = typer.Option(None, help="default: the current version"),
) -> None:
    """Print the rule set in force (or one version) as JSON."""
    with database().reading() as session:
        if version is None:
            version, rule_set = current_rules(session)
        else:
            rule_set = rules_at(session, version)
        row = session.scalar(select(EscalationRuleSet).where(EscalationRuleSet.version == version))
        echo_json(rule_set_view(version, rule_set, row))


@rules_app.command("export")
@one_line_errors
def rules_export(
    file: Path, version: int | None = typer.Option(None, help="default: the current version")
) -> None:
    """Write a version's YAML to a file, to edit and import again."""
    with database().reading() as session:
        text = rules_text(session, version)
    file.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {file}")


@rules_app.command("import")
@one_line_errors
def rules_import(file: Path, actor_name: str = AS) -> None:
    """Import a YAML rule set as the new current version (administrators)."""
    if not file.exists():
        fail(f"no such file: {file}")
    text = file.read_text(encoding="utf-8-sig")
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        row = import_rule_set(session, text, source=file.name, actor=actor, now=clock.now())
        typer.echo(
            f"escalation rules version {row.version}: {len(row.content.get('rules') or [])} rules"
        )


@app.command("evaluate")
@one_line_errors
def evaluate(
    case_ids: list[int] = typer.Argument(None, help="cases to re-evaluate"),
    all_open: bool = typer.Option(
        False, "--all-open", help="every open case, in batches (after importing new rules)"
    ),
) -> None:
    """Re-evaluate cases against the current rules; a case is only ever lifted, never lowered."""
    if bool(case_ids) == all_open:
        fail("name case ids or give --all-open")
    db, now = database(), clock.now()
    evaluated = lifted = 0
    if case_ids:
        with db.unit_of_work() as session:
            for case_id in case_ids:
                evaluated += 1
                lifted += evaluate_case(session, case_id, now=now) is not None
    else:
        after: int | None = 0
        while after is not None:
            # One transaction per batch: a long sweep never holds the write lock for long.
            with db.unit_of_work() as session:
                n, up, after = evaluate_open_cases(session, now=now, after_id=after)
            evaluated, lifted = evaluated + n, lifted + up
    typer.echo(f"evaluated {evaluated} cases, lifted {lifted}")


@app.command("status")
@one_line_errors
def status(case_id: int, actor_name: str = AS) -> None:
    """A case's escalation level, who it is lifted to, and its lifts."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        get_visible_case(session, case_id, actor)
        echo_json(describe_escalation(session, case_id, actor=actor))


@app.command("list")
@one_line_errors
def list_(
    actor_name: str = AS,
    level: Level | None = typer.Option(None),
    mine: bool = typer.Option(False, help="only cases lifted to me"),
    page: int = typer.Option(1, min=1),
    page_size: int = typer.Option(20, min=1, max=200),
    cursor: str | None = cursor_option(),
) -> None:
    """Escalated open cases in scope, newest lift first."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        found = list_escalations(
            session,
            actor,
            level=level.value if level else None,
            assigned_to=actor.staff_id if mine else None,
            open_only=True,
            page=page,
            page_size=page_size,
            cursor=cursor,
        )
        rows = found.rows
        typer.echo(f"{total_text(found.total)} escalated cases")
        titles = shown_titles(session, actor, [c.id for _, c, _, _ in rows])
        for e, c, _, s in rows:
            typer.echo(
                f"{c.id}\t{c.tracking_no}\t{LEVEL_ZH[e.level]}\t{e.rule_code}\t{s.username if s else '-'}\t{titles.get(c.id, '')}"
            )
        echo_next(found.next_cursor)


@app.command("backlog")
@one_line_errors
def backlog_(
    actor_name: str = AS,
    days: int = typer.Option(30, min=0, help="at least this many days open"),
    level: Level | None = typer.Option(None),
    held: bool | None = typer.Option(
        None, "--held/--not-held", help="only held / only unheld cases"
    ),
    page: int = typer.Option(1, min=1),
    page_size: int = typer.Option(50, min=1, max=200),
    cursor: str | None = cursor_option(),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """积案: open cases older than --days, oldest first, with age, level, holder and plan."""
    now = clock.now()
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        found = backlog(
            session,
            actor,
            now=now,
            min_age_days=days,
            level=level.value if level else None,
            held=held,
            page=page,
            page_size=page_size,
            cursor=cursor,
        )
        views = describe_backlog(session, found.rows, now, actor=actor)
    if as_json:
        echo_json({**found.page_fields(), "items": views})
        return
    typer.echo(f"{total_text(found.total)} backlog cases (open ≥ {days} days)")
    for v in views:
        holder = v["holder"]["name"] if v["holder"] else "-"
        plan = (v["plan"] or "-").splitlines()[0][:40]
        typer.echo(
            f"{v['id']}\t{v['tracking_no']}\t{v['age_days']}天\t{v['level_label'] or '-'}\t{holder}\t{plan}\t{v['title']}"
        )
    echo_next(found.next_cursor)


@holding_app.command("take")
@one_line_errors
def take(
    case_id: int,
    actor_name: str = AS,
    plan: str | None = typer.Option(None, help="一案一策 (may come later)"),
) -> None:
    """Take a case (包案; leaders)."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        h = holding_service.take_case(session, case_id, actor=actor, plan=plan, now=clock.now())
        typer.echo(f"holding {h.id}: case {case_id} held by {actor.username}")


@holding_app.command("plan")
@one_line_errors
def plan(
    holding_id: int,
    actor_name: str = AS,
    text: str | None = typer.Option(None, help="the plan"),
    file: Path | None = typer.Option(None, help="read the plan from a UTF-8 text file"),
) -> None:
    """Write or replace the case plan (一案一策)."""
    if (text is None) == (file is None):
        fail("give the plan with --text or --file")
    body = file.read_text(encoding="utf-8-sig") if file else text
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        holding_service.write_plan(
            session, holding_id, actor=actor, plan=body or "", now=clock.now()
        )
        typer.echo(f"holding {holding_id}: plan saved")


@holding_app.command("visit")
@one_line_errors
def visit(
    holding_id: int,
    actor_name: str = AS,
    kind: str = typer.Option(..., help="reception (接访) | home_visit (家访)"),
    place: str = typer.Option(...),
    notes: str = typer.Option(...),
    people: int = typer.Option(1, min=1, help="citizens met (人次)"),
    at: str | None = typer.Option(
        None, help="ISO time with offset, e.g. 2026-11-20T15:00+08:00; default now"
    ),
) -> None:
    """Record a reception or a home visit."""
    now = clock.now()
    when = _aware(at) if at else now
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        v = holding_service.record_visit(
            session,
            holding_id,
            actor=actor,
            kind=kind,
            visited_at=when,
            place=place,
            people=people,
            notes=notes,
            now=now,
        )
        typer.echo(f"holding {holding_id}: {kind} recorded (visit {v.id})")


@holding_app.command("release")
@one_line_errors
def release(
    holding_id: int,
    actor_name: str = AS,
    problem_solved: str = typer.Option("", help="问题解决到位"),
    policy_explained: str = typer.Option("", help="解释疏导到位"),
    hardship_helped: str = typer.Option("", help="帮扶救助到位"),
    unlawful_handled: str = typer.Option("", help="依法处理违法行为"),
) -> None:
    """Ask to release the case (销案) with the 三到位一处理 review; all four fields are required."""
    review = {
        "problem_solved": problem_solved,
        "policy_explained": policy_explained,
        "hardship_helped": hardship_helped,
        "unlawful_handled": unlawful_handled,
    }
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        h = holding_service.request_release(
            session, holding_id, actor=actor, review=review, now=clock.now()
        )
        typer.echo(f"holding {h.id}: {h.status}")


@holding_app.command("approve")
@one_line_errors
def approve(holding_id: int, actor_name: str = AS, note: str | None = typer.Option(None)) -> None:
    """Approve a release (supervisor, or a leader above the holder)."""
    _decide(holding_id, actor_name, approve=True, note=note)


@holding_app.command("refuse")
@one_line_errors
def refuse(holding_id: int, actor_name: str = AS, reason: str = typer.Option(...)) -> None:
    """Send a release back to the holder, with the reason."""
    _decide(holding_id, actor_name, approve=False, note=reason)


@holding_app.command("show")
@one_line_errors
def show(holding_id: int, actor_name: str = AS) -> None:
    """One holding with its plan, visits and review, as JSON."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        h = session.get(Holding, holding_id)
        if h is None:
            raise NotFound("holding_not_found", f"no holding {holding_id}")
        get_visible_case(session, h.case_id, actor)
        echo_json(describe_holdings(session, [h], actor=actor)[0])


@holding_app.command("list")
@one_line_errors
def list_holdings_(
    actor_name: str = AS,
    leader: str | None = typer.Option(None, help="a leader's username"),
    status: HoldingStatus | None = typer.Option(None),
    page: int = typer.Option(1, min=1),
    page_size: int = typer.Option(20, min=1, max=200),
    cursor: str | None = cursor_option(),
) -> None:
    """Holdings on cases in scope, newest first."""
    with database().reading() as session:
        actor = actor_for_username(session, actor_name)
        leader_id = (
            session.scalar(select(Staff.id).where(Staff.username == leader)) if leader else None
        )
        if leader and leader_id is None:
            raise Invalid("unknown_leader", f"no staff member '{leader}'", field="leader")
        found = list_holdings(
            session,
            actor,
            leader_id=leader_id,
            status=status.value if status else None,
            page=page,
            page_size=page_size,
            cursor=cursor,
        )
        rows = found.rows
        names = staff_names(session, {h.leader_id for h, _, _ in rows})
        titles = shown_titles(session, actor, [c.id for _, c, _ in rows])
        typer.echo(f"{total_text(found.total)} holdings")
        for h, c, _ in rows:
            typer.echo(
                f"{h.id}\tcase {c.id}\t{names[h.leader_id][1]}\t{h.status}\t{titles.get(c.id, '')}"
            )
        echo_next(found.next_cursor)


@holding_app.command("stats")
@one_line_errors
def stats(as_json: bool = typer.Option(False, "--json")) -> None:
    """Per leader: cases held, released (销案), rate, receptions, home visits."""
    with database().reading() as session:
        counts = leader_counts(session)
    if as_json:
        echo_json([c.as_dict() for c in counts])
        return
    typer.echo("leader\theld\tclosed\trate\treceptions\thome_visits\tpeople")
    for c in counts:
        rate = f"{c.rate:.1%}" if c.rate is not None else "-"
        typer.echo(
            f"{c.username} {c.name}\t{c.held}\t{c.closed}\t{rate}\t{c.receptions}\t{c.home_visits}\t{c.people_met}"
        )


def _decide(holding_id: int, actor_name: str, *, approve: bool, note: str | None) -> None:
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        h = holding_service.decide_release(
            session, holding_id, actor=actor, approve=approve, note=note, now=clock.now()
        )
        typer.echo(f"holding {h.id}: {h.status}")


def _aware(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise Invalid("bad_time", f"--at: not an ISO time: {text}", field="at") from error
    if value.tzinfo is None:
        raise Invalid("naive_time", "--at needs a UTC offset, e.g. +08:00", field="at")
    return value


GROUPS = [("escalation", app)]
