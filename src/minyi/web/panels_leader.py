"""The leader dashboard's panels: the latest issued 民情日报 with 批示 on its items (through
`reports.service.instruct_on_item`) and the state of the instructions written on it; hotspots
and early-warning alerts (analytics), with acknowledge. Also the report's page and PDF for
signed-in readers (the API's versions want a bearer token, the browser has a session cookie)."""

from __future__ import annotations

import contextlib
from dataclasses import fields
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from minyi.analytics.alerts import ACKNOWLEDGERS, acknowledge_alert
from minyi.analytics.hotspot_passes import stored_hotspots, stored_note
from minyi.analytics.models import Alert
from minyi.analytics.queries import AlertView, alert_views, list_alerts
from minyi.analytics.rules import ANALYTICS_VIEWERS, BEIJING
from minyi.cases.models import Case
from minyi.core.errors import Conflict, Invalid, NotFound
from minyi.core.registry import Registry
from minyi.org.rules import Actor
from minyi.reports.models import ReportIssue
from minyi.reports.queries import get_issue, instructions_on_issue, item_of, list_issues
from minyi.reports.rules import (
    LEVEL_RANK,
    READERS,
    ReportKind,
    alert_headline,
    merge_area_bursts,
    parse_item_ref,
    worst_level,
)
from minyi.reports.sections.alerts import evidence_line
from minyi.reports.service import instruct_on_item, pdf_filename
from minyi.reports.targets import target_units, units_for_items
from minyi.supervision.queries import describe_instructions
from minyi.supervision.rules import LEADERS
from minyi.supervision.service import write_instruction
from minyi.web.pages import PostedForm, WebRoute, redirect, render, staff, staff_form, state_of
from minyi.web.slots import LEADER_PANELS, Panel

router = APIRouter(route_class=WebRoute, include_in_schema=False)
HOTSPOTS, HOTSPOT_WINDOW_DAYS, ALERTS, HOTSPOT_CASES = 8, 7, 20, 5
# The issued page carries its own inline stylesheet and pictures as data: URIs, and no script.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; frame-ancestors 'none'"


def latest_daily(session: Session) -> ReportIssue | None:
    issues = list_issues(session, kind=ReportKind.DAILY.value, page_size=1).rows
    return issues[0] if issues else None


def daily_report_panel(session: Session, actor: Actor, now: datetime) -> Panel | None:
    if actor.role not in READERS:
        return None
    issue = latest_daily(session)
    if issue is None:
        return Panel("panels/daily_report.html", {"issue": None})
    found = instructions_on_issue(session, issue.id)
    views = describe_instructions(session, found, now, actor=actor)
    by_item: dict[str, list[dict[str, Any]]] = {}
    for instruction, view in zip(found, views, strict=True):
        ref = item_of(instruction.subject_ref)
        if ref:
            by_item.setdefault(ref["item"], []).append(view)
    snapshot = issue.snapshot
    sections = [
        {"key": s["key"], "title": s["title"], "items": s["data"].get("items", [])}
        for s in snapshot.get("sections", [])
        if s["data"].get("items")
    ]
    keys = [i["key"] for s in sections for i in s["items"]]
    may_instruct = actor.role in LEADERS
    return Panel(
        "panels/daily_report.html",
        {
            "issue": issue,
            "lead": snapshot.get("lead", []),
            "sections": sections,
            "instructions": by_item,
            "instructed": len(found),
            "may_instruct": may_instruct,
            "items": len(keys),
            "defaults": units_for_items(session, keys, now=now) if may_instruct else {},
            "units": target_units(session) if may_instruct else [],
            "anchors": {k: f"item-{n}" for n, k in enumerate(keys)},
        },
    )


def report_subjects(session: Session, refs: set[str]) -> dict[str, str]:
    """subject_ref of an instruction on a report item -> "民情日报第N期：<the item's label>", so
    the unit's to-do list says what the 批示 is about."""
    out = _live_subjects(session, refs)
    parsed = {ref: p for ref in refs if (p := parse_item_ref(ref))}
    if not parsed:
        return out
    issues = {
        i.id: i
        for i in session.scalars(
            select(ReportIssue).where(ReportIssue.id.in_({p[0] for p in parsed.values()}))
        )
    }
    for ref, (issue_id, key) in parsed.items():
        issue = issues.get(issue_id)
        if issue is not None:
            fixed = "（更正）" if issue.corrects_id else ""
            out[ref] = (
                f"民情日报第{issue.number}期{fixed}：{issue.snapshot.get('items', {}).get(key, key)}"
            )
    return out


def _live_subjects(session: Session, refs: set[str]) -> dict[str, str]:
    """A 批示 on a dashboard alert or hotspot: "预警：<its title>", "热点：<tracking number>"."""
    out = {ref: f"热点：{ref.partition(':')[2]}" for ref in refs if ref.startswith("hotspot:")}
    ids = {
        int(r.partition(":")[2]): r
        for r in refs
        if r.startswith("alert:") and r.partition(":")[2].isdigit()
    }
    if ids:
        for alert_id, title in session.execute(
            select(Alert.id, Alert.title).where(Alert.id.in_(ids))
        ):
            out[ids[alert_id]] = f"预警：{title}"
    return out


def _tracking_numbers(session: Session, ids: set[int]) -> dict[int, str]:
    return (
        dict(session.execute(select(Case.id, Case.tracking_no).where(Case.id.in_(ids))).all())
        if ids
        else {}
    )


def _alert_title(group: list[AlertView]) -> str:
    v = group[0]
    if (
        v.kind == "burst"
    ):  # the stored title carries the test's rate; the evidence line says it in words
        return f"「{v.class_name or '未分类'}」诉求激增"
    return alert_headline(v.title)


def _shallow(view: Any) -> dict[str, Any]:
    """A view dataclass's fields as a dict, values shared, not copied: `asdict` deep-copies
    every member id of a stored hotspot and every id of an alert's evidence (at 10M some 7,600
    objects a dashboard, ~15 ms), which the panel only reads."""
    return {f.name: getattr(view, f.name) for f in fields(view)}


def hotspots_panel(session: Session, actor: Actor, now: datetime) -> Panel | None:
    """Hotspots (7 days) and the open alerts, a community's and its street's burst over the same
    cases shown once; each names its tracking numbers and the units a 批示 on it goes to."""
    if actor.role not in ANALYTICS_VIEWERS:
        return None
    day = now.astimezone(BEIJING).date()
    # The worker's stored pass (analytics/hotspot_passes.py): a page never clusters the week.
    stored = stored_hotspots(session, day, window_days=HOTSPOT_WINDOW_DAYS, limit=HOTSPOTS)
    hotspots = stored.hotspots if stored else []
    groups = merge_area_bursts(
        alert_views(session, list_alerts(session, status="open", limit=ALERTS))
    )
    recent = alert_views(session, list_alerts(session, status="acknowledged", day=None, limit=5))
    wanted = {int(i) for h in hotspots for i in h.member_ids[:HOTSPOT_CASES] if str(i).isdigit()}
    wanted |= {int(i) for g in groups for i in g[0].evidence.get("case_ids", [])[:HOTSPOT_CASES]}
    numbers = _tracking_numbers(session, wanted)
    spots = []
    for h in hotspots:
        cases = [
            (int(i), numbers[int(i)])
            for i in h.member_ids[:HOTSPOT_CASES]
            if str(i).isdigit() and int(i) in numbers
        ]
        spots.append(
            _shallow(h) | {"cases": cases, "key": f"hotspot:{cases[0][1]}" if cases else ""}
        )
    alerts = []
    for group in sorted(
        groups, key=lambda g: -LEVEL_RANK.get(worst_level([a.level for a in g]), 0)
    ):
        v = group[0]
        ids = [int(i) for i in v.evidence.get("case_ids", [])]
        alerts.append(
            _shallow(v)
            | {
                "key": f"alert:{v.id}",
                "title": _alert_title(group),
                "evidence_line": evidence_line(v, BEIJING),
                "also": [a.id for a in group[1:]],
                "level": worst_level([a.level for a in group]),
                "place": "".join(a.unit_name or "" for a in reversed(group)),
                "cases": [(i, numbers[i]) for i in ids[:HOTSPOT_CASES] if i in numbers],
                "case_total": len(ids),
            }
        )
    may_instruct = actor.role in LEADERS
    keys = [x["key"] for x in [*spots, *alerts] if x["key"]]
    return Panel(
        "panels/hotspots.html",
        {
            "day": day,
            "window": HOTSPOT_WINDOW_DAYS,
            "hotspots": spots,
            "hotspots_note": stored_note(stored, day),
            "hotspots_at": stored.computed_at if stored and stored.day == day else None,
            "alerts": alerts,
            "acknowledged": [_shallow(a) for a in recent],
            "may_acknowledge": actor.role in ACKNOWLEDGERS,
            "may_instruct": may_instruct,
            "defaults": units_for_items(session, keys, now=now) if may_instruct else {},
            "units": target_units(session) if may_instruct else [],
        },
    )


INSTRUCT_WITHIN_DAYS = 3


def chosen_units(session: Session, form: FormData) -> list[str]:
    """The units ticked on the 批示 form, and those typed by name (or code): never none."""
    ticked = ",".join(v for v in form.getlist("units") if isinstance(v, str))
    codes = [c.strip() for c in ticked.replace("，", ",").split(",") if c.strip()]
    typed = str(form.get("unit_names") or "")
    names = [n.strip() for n in typed.replace("，", ",").replace("、", ",").split(",") if n.strip()]
    if names:
        known = target_units(session)
        by_name = {name: code for code, name in known} | {code: code for code, _ in known}
        for name in names:
            if name not in by_name:
                raise Invalid(
                    "unknown_unit",
                    f"没有名为“{name}”的承办单位，请从列表中选择",
                    field="unit_names",
                )
            codes.append(by_name[name])
    codes = list(dict.fromkeys(codes))
    if not codes:
        raise Invalid("units_required", "请选择或填写至少一个承办单位", field="units")
    return codes[:21]


def _within_days(fields: dict[str, str]) -> int:
    days = fields.get("within_days", "") or str(INSTRUCT_WITHIN_DAYS)
    if not days.isdigit():
        raise Invalid("bad_days", "请填写办理时限天数", field="within_days")
    return int(days)


def _back(fields: dict[str, str], default: str) -> str:
    back = fields.get("back", "")
    return back if back.startswith("/leader") and "//" not in back else default


@router.post("/leader/reports/{issue_id}/instructions")
def instruct(request: Request, form: PostedForm, issue_id: int) -> Response:
    actor, state, fields = staff_form(request, form, LEADERS)
    days = _within_days(fields)
    with state.db.unit_of_work() as session:
        instruct_on_item(
            session,
            actor=actor,
            issue_id=issue_id,
            item_key=fields.get("item", ""),
            text=fields.get("text", "")[:4000],
            units=chosen_units(session, form),
            within_days=days,
            now=state.clock.now(),
        )
    return redirect(_with_done(_back(fields, "/leader/report"), "instructed") + "#daily-report")


@router.post("/leader/instruct")
def instruct_item(request: Request, form: PostedForm) -> Response:
    """批示 on a live item of the dashboard: a hotspot or a mailbox letter (on its case) or an
    alert (on the alert, by reference)."""
    actor, state, fields = staff_form(request, form, LEADERS)
    days = _within_days(fields)
    kind, _, rest = fields.get("item", "").partition(":")
    with state.db.unit_of_work() as session:
        case_id, ref = None, None
        if kind in ("hotspot", "case"):
            case_id = session.scalar(select(Case.id).where(Case.tracking_no == rest))
            ref = f"hotspot:{rest}" if kind == "hotspot" else None
        elif kind == "alert" and rest.isdigit():
            ref = f"alert:{rest}"
        if case_id is None and ref is None:
            raise Invalid("bad_item", "找不到要批示的事项，请刷新页面后重试", field="item")
        write_instruction(
            session,
            actor=actor,
            text=fields.get("text", "")[:4000],
            units=chosen_units(session, form),
            within_days=days,
            case_id=case_id,
            subject_ref=ref,
            now=state.clock.now(),
        )
    return redirect(_with_done(_back(fields, "/leader"), "instructed"))


def _with_done(url: str, done: str) -> str:
    path, _, query = url.partition("?")
    kept = "&".join(p for p in query.split("&") if p and not p.startswith("done="))
    return f"{path}?{kept + '&' if kept else ''}done={done}"


@router.post("/leader/alerts/{alert_id}/acknowledge")
def acknowledge(request: Request, form: PostedForm, alert_id: int) -> Response:
    actor, state, fields = staff_form(request, form)
    also = [int(i) for i in fields.get("also", "").split(",") if i.strip().isdigit()]
    with state.db.unit_of_work() as session:
        acknowledge_alert(
            session, alert_id, actor=actor, note=fields.get("note") or None, now=state.clock.now()
        )
        # The same alert at the other level (street and community): acknowledged with it.
        for other in also[:4]:
            with contextlib.suppress(Conflict, NotFound):
                acknowledge_alert(
                    session,
                    other,
                    actor=actor,
                    note=fields.get("note") or None,
                    now=state.clock.now(),
                )
    return redirect(_with_done(_back(fields, "/leader"), "acknowledged") + "#hotspots")


@router.get("/leader/reports/{issue_id}.html")
def report_page(request: Request, issue_id: int) -> Response:
    staff(request, READERS)
    with state_of(request).db.reading(replica=True) as session:
        html = get_issue(session, issue_id, with_html=True).html
    return Response(
        html, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": REPORT_CSP}
    )


@router.get("/leader/reports/{issue_id}.pdf")
def report_pdf(request: Request, issue_id: int) -> Response:
    staff(request, READERS)
    with state_of(request).db.reading(replica=True) as session:
        issue = get_issue(session, issue_id, with_pdf=True)
        pdf, name = issue.pdf, pdf_filename(issue)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}"},
    )


@router.get("/leader/report")
def report(request: Request) -> Response:
    """The latest 民情日报 with 批示 on every item."""
    actor = staff(request, READERS)
    state = state_of(request)
    with state.db.reading(replica=True, reader=actor.username) as session:
        return render(
            request,
            "leader/report.html",
            panel=daily_report_panel(session, actor, state.clock.now()),
        )


@router.get("/leader/alerts")
def alerts(request: Request) -> Response:
    """Every open alert and the week's hotspots, with acknowledge and 批示."""
    actor = staff(request, ANALYTICS_VIEWERS)
    state = state_of(request)
    with state.db.reading(replica=True, reader=actor.username) as session:
        return render(
            request, "leader/alerts.html", panel=hotspots_panel(session, actor, state.clock.now())
        )


def register(registry: Registry) -> None:
    registry.add(LEADER_PANELS, "daily_report", daily_report_panel)
    registry.add(LEADER_PANELS, "hotspots", hotspots_panel)
