"""`minyi analytics`: hotspots (from the database or a message file), early-warning alerts,
similar cases and sweeps, and the unit assessment as a table, CSV or Excel file."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from minyi.analytics.alerts import acknowledge_alert, raise_alerts
from minyi.analytics.assessment import RATE_NAMES, Assessment, assess_units
from minyi.analytics.export import assessment_csv, assessment_xlsx
from minyi.analytics.hotspot_data import SHANGHAI, hotspots_from_file
from minyi.analytics.hotspots import Hotspot
from minyi.analytics.queries import (
    alert_views,
    find_hotspots,
    hotspots_of_day,
    list_alerts,
    sweep_view,
)
from minyi.analytics.rules import period_of, previous_period
from minyi.analytics.schemas import SweepIn
from minyi.analytics.sweeps import create_sweep, find_similar_cases
from minyi.cli.common import clock, database, echo_json, one_line_errors
from minyi.core.errors import Invalid
from minyi.org.service import actor_for_username

app = typer.Typer(
    help="热点、弱信号、化解一类、绩效: hotspots, alerts, sweeps, unit assessment.",
    no_args_is_help=True,
)
alerts_app = typer.Typer(
    help="弱信号: raise, list and acknowledge early-warning alerts.", no_args_is_help=True
)
app.add_typer(alerts_app, name="alerts")
AS = typer.Option(..., "--as", help="username of the staff member acting")


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("bad_date", f"--{name} is a date like 2026-11-20", field=name) from None


def _time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(
            "bad_time", f"--{name} is a time like 2026-11-20T00:00+08:00", field=name
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


def hotspot_table(found: list[Hotspot], titles: dict[str, str] | None, members: int) -> Table:
    table = Table(title="热点问题 (hotspots)", show_lines=True)
    for col in ("排名", "热度", "时间范围", "地点", "问题描述", "留言/人数/点赞", "成员 (编号)"):
        table.add_column(col, overflow="fold")
    for h in found:
        ids = list(h.member_ids[:members])
        shown = "\n".join(f"{i} {titles[i][:30]}" for i in ids) if titles else ", ".join(ids)
        more = f"\n… +{len(h.member_ids) - members}" if len(h.member_ids) > members else ""
        table.add_row(
            str(h.rank),
            f"{h.heat:.1f}",
            f"{h.first_at.astimezone(SHANGHAI):%Y/%m/%d} 至 {h.last_at.astimezone(SHANGHAI):%Y/%m/%d}",
            h.place or "—",
            h.description,
            f"{h.messages}/{h.citizens}/{h.likes}",
            shown + more,
        )
    return table


@app.command("hotspots")
@one_line_errors
def hotspots(
    data: Path | None = typer.Option(
        None, help="a message CSV (id,user,title,time,body,likes) instead of the database"
    ),
    day: str | None = typer.Option(
        None, help="daily pass over the window ending this day (database)"
    ),
    window_days: int = typer.Option(7, min=1, max=92),
    start: str | None = typer.Option(
        None, help="period start (database), e.g. 2026-11-01T00:00+08:00"
    ),
    end: str | None = typer.Option(None),
    limit: int = typer.Option(5, min=1, max=200),
    members: int = typer.Option(8, min=1, help="member messages shown per hotspot"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The top hotspots with time span, place, description and member messages."""
    titles: dict[str, str] | None = None
    if data is not None:
        found, messages = hotspots_from_file(data, limit=limit)
        titles = {m.id: m.title for m in messages}
    else:
        with database().reading() as session:
            d, s, e = _day(day, "day"), _time(start, "start"), _time(end, "end")
            if d is not None:
                found = hotspots_of_day(session, day=d, window_days=window_days, limit=limit)
            elif s is not None and e is not None:
                found = find_hotspots(session, start=s, end=e, limit=limit)
            else:
                raise Invalid(
                    "period_required", "give --data, --day, or --start and --end", field="day"
                )
    if as_json:
        echo_json([asdict(h) for h in found])
        return
    Console(width=160).print(hotspot_table(found, titles, members))


@alerts_app.command("run")
@one_line_errors
def alerts_run(day: str = typer.Option(..., help="the day to examine, e.g. 2026-11-20")) -> None:
    """Detect the day's signals and raise the alerts not raised before."""
    with database().unit_of_work() as session:
        new = raise_alerts(session, day=_day(day, "day") or date.min, now=clock.now())
        views = alert_views(session, new)
    typer.echo(f"raised {len(views)} new alert(s)")
    for v in views:
        typer.echo(f"  #{v.id} [{v.level}] {v.kind} {v.unit_name or ''} {v.title}")


@alerts_app.command("list")
@one_line_errors
def alerts_list(
    status: str | None = typer.Option(None, help="open or acknowledged"),
    day: str | None = typer.Option(None),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Alerts, newest first."""
    if status not in (None, "open", "acknowledged"):
        raise typer.BadParameter("--status is open or acknowledged")
    with database().reading() as session:
        views = alert_views(session, list_alerts(session, status=status, day=_day(day, "day")))
    if as_json:
        echo_json([asdict(v) for v in views])
        return
    for v in views:
        typer.echo(
            f"#{v.id} {v.day} [{v.level}] {v.status:12} {v.kind:17} {v.unit_name or '—'} {v.title}"
        )


@alerts_app.command("ack")
@one_line_errors
def alerts_ack(alert_id: int, actor_name: str = AS, note: str | None = typer.Option(None)) -> None:
    """Acknowledge an alert."""
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        acknowledge_alert(session, alert_id, actor=actor, note=note, now=clock.now())
    typer.echo(f"alert {alert_id} acknowledged by {actor_name}")


@app.command("similar")
@one_line_errors
def similar(
    case_id: int,
    actor_name: str = AS,
    days: int = typer.Option(365, min=1, max=3660),
    limit: int = typer.Option(20, min=1, max=500),
) -> None:
    """Similar cases across the district."""
    with database().reading() as session:
        found = find_similar_cases(
            session, case_id, actor=actor_for_username(session, actor_name), days=days, limit=limit
        )
    for s in found:
        typer.echo(
            f"{s.case_id} {s.tracking_no} {s.similarity:.2f} {s.street or ''}{s.community or ''} {s.title}"
        )


@app.command("sweep")
@one_line_errors
def sweep(
    case_id: int,
    actor_name: str = AS,
    place_kind: str = typer.Option(..., help="estate, road, landmark, community or grid"),
    text: str = typer.Option(..., help="what every unit must do"),
    name_contains: str | None = typer.Option(None, help="only places whose name contains this"),
    within_days: int = typer.Option(30, min=1, max=366),
) -> None:
    """Start a sweep (办结一件、化解一类) from a case: an instruction with a task per street."""
    body = SweepIn(  # checked as the API checks its body
        case_id=case_id,
        place_kind=place_kind,
        text=text,
        name_contains=name_contains,
        within_days=within_days,
    )
    now = clock.now()
    with database().unit_of_work() as session:
        actor = actor_for_username(session, actor_name)
        s = create_sweep(
            session,
            actor=actor,
            case_id=body.case_id,
            place_kind=body.place_kind,
            text=body.text,
            name_contains=body.name_contains,
            within_days=body.within_days,
            now=now,
        )
        view = sweep_view(session, s, now, actor=actor)
    units = ", ".join(str(t["unit"]) for t in view["instruction"]["tasks"])
    typer.echo(
        f"sweep {view['id']}: {len(view['places'])} places, {len(view['similar_case_ids'])} similar cases; tasks for {units}"
    )


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def assessment_table(result: Assessment, top: int) -> Table:
    table = Table(title=f"绩效考核 {result.period.label} ({result.period.kind})")
    for col in (
        "排名",
        "单位",
        "得分",
        "及时签收",
        "按期办结",
        "一次解决",
        "满意",
        "重复",
        "退单",
        "吹哨响应",
        "派单",
        "办结",
    ):
        table.add_column(col, justify="right" if col not in ("单位",) else "left")
    for r in result.rows[:top]:
        table.add_row(
            str(r.rank or "—"),
            r.unit_name,
            "—" if r.score is None else f"{r.score:.1f}",
            *(_pct(getattr(r, name)) for name in RATE_NAMES),
            str(r.assigned),
            str(r.closed),
        )
    return table


@app.command("assessment")
@one_line_errors
def assessment(
    period: str = typer.Option("week", help="day, week or month"),
    day: str | None = typer.Option(
        None, help="a day inside the period; default: the last complete one"
    ),
    out: Path | None = typer.Option(None, help="write .csv or .xlsx instead of printing"),
    top: int = typer.Option(50, min=1),
) -> None:
    """Unit assessment: seven rates, score and rank per unit."""
    if out is not None and out.suffix not in (".csv", ".xlsx"):
        raise Invalid("bad_output", "--out ends in .csv or .xlsx", field="out")
    d = _day(day, "day")
    span = period_of(period, d) if d else previous_period(period, clock.now())
    with database().reading() as session:
        result = assess_units(session, span, now=clock.now())
    if out is not None:
        out.write_bytes(assessment_csv(result) if out.suffix == ".csv" else assessment_xlsx(result))
        typer.echo(f"wrote {len(result.rows)} units to {out}")
        return
    Console(width=160).print(assessment_table(result, top))


GROUPS = [("analytics", app)]
