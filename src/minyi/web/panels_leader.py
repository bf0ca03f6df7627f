"""The leader dashboard's panels: the latest issued 民情日报 with 批示 on its items (through
`reports.service.instruct_on_item`) and the state of the instructions written on it; hotspots
and early-warning alerts (analytics), with acknowledge. Also the report's page and PDF for
signed-in readers (the API's versions want a bearer token, the browser has a session cookie)."""

from __future__ import annotations

import threading
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from minyi.analytics.alerts import ACKNOWLEDGERS, acknowledge_alert
from minyi.analytics.queries import alert_views, hotspots_of_day, list_alerts
from minyi.analytics.rules import ANALYTICS_VIEWERS, BEIJING
from minyi.cases.models import Case
from minyi.core.errors import Invalid
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor
from minyi.reports.models import ReportIssue
from minyi.reports.queries import get_issue, instructions_on_issue, item_of, list_issues
from minyi.reports.rules import READERS, ReportKind, parse_item_ref
from minyi.reports.service import instruct_on_item, pdf_filename
from minyi.supervision.queries import describe_instructions
from minyi.supervision.rules import LEADERS, TARGET_UNIT_KINDS
from minyi.web.pages import PostedForm, WebRoute, redirect, staff, staff_form, state_of
from minyi.web.slots import LEADER_PANELS, Panel

router = APIRouter(route_class=WebRoute, include_in_schema=False)
HOTSPOTS, HOTSPOT_WINDOW_DAYS, ALERTS, HOTSPOT_CASES = 8, 7, 20, 5
# The 7-day hotspot pass takes about a second on a district's week of appeals (`minyi bench
# analytics`): the dashboard reuses one pass per database and day for this long.
HOTSPOT_CACHE_FOR = timedelta(minutes=10)
_hotspot_cache: dict[tuple[str, date], tuple[datetime, list[Any]]] = {}
_hotspot_lock = threading.Lock()
# The issued page carries its own inline stylesheet and pictures as data: URIs, and no script.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; frame-ancestors 'none'"


def latest_daily(session: Session) -> ReportIssue | None:
    _, issues = list_issues(session, kind=ReportKind.DAILY.value, page_size=1)
    return issues[0] if issues else None


def _default_units(session: Session, keys: list[str]) -> dict[str, str]:
    """The unit an item most likely concerns, to pre-fill the 批示 form: the unit or street it
    names, or the lead unit of the case it names."""
    out: dict[str, str] = {}
    tracking = {}
    for key in keys:
        kind, _, rest = key.partition(":")
        if kind in ("unit", "street") and rest and rest != "-":
            out[key] = rest
        elif kind == "case" and rest:
            tracking[rest] = key
    if tracking:
        rows = session.execute(
            select(Case.tracking_no, Unit.code).join(Unit, Unit.id == Case.lead_unit_id).where(Case.tracking_no.in_(tracking))
        )
        out |= {tracking[no]: code for no, code in rows}
    return out


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
        for s in snapshot.get("sections", []) if s["data"].get("items")
    ]
    keys = [i["key"] for s in sections for i in s["items"]]
    units = list(session.execute(
        select(Unit.code, Unit.name).where(Unit.kind.in_(TARGET_UNIT_KINDS), Unit.is_active.is_(True)).order_by(Unit.kind, Unit.code)
    ))
    return Panel("panels/daily_report.html", {
        "issue": issue, "lead": snapshot.get("lead", []), "sections": sections, "instructions": by_item,
        "instructed": len(found), "may_instruct": actor.role in LEADERS, "defaults": _default_units(session, keys),
        "units": units, "anchors": {k: f"item-{n}" for n, k in enumerate(keys)},
        "issuer": _issuer(session, issue.issued_by),
    })


def _issuer(session: Session, issued_by: str) -> dict[str, str | None]:
    """Who issued it, as an event's actor: the worker in words, a person by name and unit."""
    row = session.execute(
        select(Staff.name, Unit.name).join(Unit, Unit.id == Staff.unit_id).where(Staff.username == issued_by)
    ).first()
    return {"actor": issued_by, "actor_name": row[0], "actor_unit": row[1]} if row else {"actor": issued_by, "actor_name": ""}


def report_subjects(session: Session, refs: set[str]) -> dict[str, str]:
    """subject_ref of an instruction on a report item -> "民情日报第N期：<the item's label>", so
    the unit's to-do list says what the 批示 is about."""
    parsed = {ref: p for ref in refs if (p := parse_item_ref(ref))}
    if not parsed:
        return {}
    issues = {i.id: i for i in session.scalars(select(ReportIssue).where(ReportIssue.id.in_({p[0] for p in parsed.values()})))}
    out = {}
    for ref, (issue_id, key) in parsed.items():
        issue = issues.get(issue_id)
        if issue is not None:
            out[ref] = f"民情日报第{issue.number}期：{issue.snapshot.get('items', {}).get(key, key)}"
    return out


def cached_hotspots(session: Session, day: date, now: datetime) -> list[Any]:
    key = (str(session.get_bind().engine.url), day)
    with _hotspot_lock:
        hit = _hotspot_cache.get(key)
    if hit is not None and timedelta(0) <= now - hit[0] < HOTSPOT_CACHE_FOR:
        return hit[1]
    found = hotspots_of_day(session, day=day, window_days=HOTSPOT_WINDOW_DAYS, limit=HOTSPOTS)
    with _hotspot_lock:
        if len(_hotspot_cache) > 64:  # old days of old databases
            _hotspot_cache.clear()
        _hotspot_cache[key] = (now, found)
    return found


def _hotspot_cases(session: Session, hotspots: list[Any]) -> dict[int, tuple[int, str]]:
    ids = {int(i) for h in hotspots for i in h.member_ids[:HOTSPOT_CASES] if str(i).isdigit()}
    if not ids:
        return {}
    return {c: (c, no) for c, no in session.execute(select(Case.id, Case.tracking_no).where(Case.id.in_(ids)))}


def hotspots_panel(session: Session, actor: Actor, now: datetime) -> Panel | None:
    if actor.role not in ANALYTICS_VIEWERS:
        return None
    day = now.astimezone(BEIJING).date()
    hotspots = cached_hotspots(session, day, now)
    cases = _hotspot_cases(session, hotspots)
    open_alerts = alert_views(session, list_alerts(session, status="open", limit=ALERTS))
    recent = alert_views(session, list_alerts(session, status="acknowledged", day=None, limit=5))
    return Panel("panels/hotspots.html", {
        "day": day, "window": HOTSPOT_WINDOW_DAYS,
        "hotspots": [asdict(h) | {"cases": [cases[int(i)] for i in h.member_ids[:HOTSPOT_CASES] if str(i).isdigit() and int(i) in cases]}
                     for h in hotspots],
        "alerts": [asdict(a) for a in open_alerts], "acknowledged": [asdict(a) for a in recent],
        "may_acknowledge": actor.role in ACKNOWLEDGERS,
    })


def _codes(value: str) -> list[str]:
    return [c.strip() for c in value.replace("，", ",").replace("、", ",").split(",") if c.strip()]


@router.post("/leader/reports/{issue_id}/instructions")
def instruct(request: Request, form: PostedForm, issue_id: int) -> Response:
    actor, state, fields = staff_form(request, form, LEADERS)
    days = fields.get("within_days", "")
    if not days.isdigit():
        raise Invalid("bad_days", "请填写办理时限天数 (give the days to act)", field="within_days")
    with state.db.unit_of_work() as session:
        instruct_on_item(
            session, actor=actor, issue_id=issue_id, item_key=fields.get("item", ""), text=fields.get("text", "")[:4000],
            units=_codes(fields.get("units", ""))[:21], within_days=int(days), now=state.clock.now(),
        )
    return redirect("/leader?done=instructed#daily-report")


@router.post("/leader/alerts/{alert_id}/acknowledge")
def acknowledge(request: Request, form: PostedForm, alert_id: int) -> Response:
    actor, state, fields = staff_form(request, form)
    with state.db.unit_of_work() as session:
        acknowledge_alert(session, alert_id, actor=actor, note=fields.get("note") or None, now=state.clock.now())
    return redirect("/leader?done=acknowledged#hotspots")


@router.get("/leader/reports/{issue_id}.html")
def report_page(request: Request, issue_id: int) -> Response:
    staff(request, READERS)
    with state_of(request).db.reading() as session:
        html = get_issue(session, issue_id, with_html=True).html
    return Response(html, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": REPORT_CSP})


@router.get("/leader/reports/{issue_id}.pdf")
def report_pdf(request: Request, issue_id: int) -> Response:
    staff(request, READERS)
    with state_of(request).db.reading() as session:
        issue = get_issue(session, issue_id, with_pdf=True)
        pdf, name = issue.pdf, pdf_filename(issue)
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}"})


def register() -> None:
    LEADER_PANELS["daily_report"] = daily_report_panel
    LEADER_PANELS["hotspots"] = hotspots_panel


