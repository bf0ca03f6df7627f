"""Everything the case page and the case lists show, read through the domain queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case
from minyi.cases.queries import (
    case_units,
    get_visible_case,
    shown_titles,
    timeline,
    unit_names,
    visible_to,
)
from minyi.cases.rules import KEY_CHECKLIST_ZH, is_open
from minyi.cases.schemas import case_detail, case_summary, event_view, view_of
from minyi.cases.service import actions_for
from minyi.escalation.queries import active_holding, escalation_of
from minyi.escalation.rules import may_take
from minyi.escalation.service import rules_at
from minyi.intake.models import Attachment
from minyi.intake.queries import channel_names
from minyi.org.rules import Actor, UnitKind
from minyi.privacy.rules import CaseView, Show
from minyi.services.queries import case_service
from minyi.services.rules import SERVICE_DECIDERS, SERVICE_LABELS, Service
from minyi.sla.rules import EXTENDERS, PAUSERS
from minyi.sla.service import clock_view, clocks_of
from minyi.supervision.queries import describe_instructions, instructions_on_case
from minyi.supervision.rules import LEADERS, SUPERVISORS
from minyi.triage.queries import links_of
from minyi.web.slots import case_panels
from minyi.whistle.queries import describe_whistles, list_whistles, summonses_of, unit_refs
from minyi.whistle.rules import may_blow

OPEN_CLOCK_STATES = ("running", "paused", "breached")
CONTACT_ACTIONS = ("record_contact", "record_visit", "holding_visit")


def summaries(
    session: Session, rows: list[tuple[Case, Appeal]], actor: Actor, now: datetime
) -> list[dict[str, Any]]:
    """Case rows for a list, each with its open clocks (colour and time left)."""
    ids = [c.id for c, _ in rows]
    units_of = case_units(session, ids)
    names = unit_names(
        session, {u for c, _ in rows for u in (c.lead_unit_id, c.street_id, c.community_id) if u}
    )
    channels = channel_names(session)
    clocks = clocks_of(session, "case", ids)
    out = []
    for case, appeal in rows:
        view = case_summary(
            case,
            appeal,
            actor,
            {cu.unit_id for cu, _ in units_of.get(case.id, []) if cu.is_active},
            names,
            channels,
        )
        view["clocks"] = [
            clock_view(c, now) for c in clocks.get(case.id, []) if c.state in OPEN_CLOCK_STATES
        ]
        out.append(view)
    return out


def _similar(session: Session, appeal_id: int, actor: Actor) -> list[dict[str, Any]]:
    links = links_of(session, appeal_id)
    others = {(link.other_id if link.appeal_id == appeal_id else link.appeal_id) for link in links}
    if not others:
        return []
    # Only cases the reader may open are named; the rest are counted, not shown.
    found = list(
        session.execute(
            select(Case, Case.appeal_id).where(Case.appeal_id.in_(others), visible_to(actor))
        )
    )
    titles = shown_titles(session, actor, [c.id for c, _ in found])
    visible = {a_id: (c.id, c.tracking_no, titles.get(c.id, ""), c.status) for c, a_id in found}
    out = []
    for link in links:
        other = link.other_id if link.appeal_id == appeal_id else link.appeal_id
        seen = visible.get(other)
        out.append(
            {
                "kind": link.kind,
                "similarity": link.similarity,
                "case_id": seen[0] if seen else None,
                "tracking_no": seen[1] if seen else None,
                "title": seen[2] if seen else None,
                "status": seen[3] if seen else None,
            }
        )
    return out


def _whistles(session: Session, case_id: int, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    whistles = list_whistles(
        session, actor, status=None, unit_id=None, case_id=case_id, page=1, page_size=50
    ).rows
    summonses = summonses_of(session, [w.id for w in whistles])
    units = unit_refs(session, {s.unit_id for ss in summonses.values() for s in ss})
    shown = describe_whistles(session, whistles, now, actor=actor)
    return [
        {
            "whistle": w,
            "description": v["description"],
            "summonses": [(s, units.get(s.unit_id, ("", ""))) for s in summonses.get(w.id, [])],
        }
        for w, v in zip(whistles, shown, strict=True)
    ]


def case_record(
    session: Session, case_id: int, actor: Actor, now: datetime, *, with_actions: bool = True
) -> tuple[Case, Appeal, CaseView, dict[str, Any]]:
    """The case itself as its reader may see it: the detail, the place, the log and the clocks
    (what the printed documents show); `with_actions=False` leaves out the actions the reader may
    take (a print offers none)."""
    case = get_visible_case(session, case_id, actor)
    appeal = session.get(Appeal, case.appeal_id)
    assert appeal is not None
    units = case_units(session, [case.id]).get(case.id, [])
    names = unit_names(
        session,
        {
            u
            for u in (
                case.lead_unit_id,
                case.street_id,
                case.community_id,
                case.grid_id,
                case.first_unit_id,
            )
            if u
        },
    )
    allowed = actions_for(session, case, actor) if with_actions else []
    detail = case_detail(case, appeal, actor, units, names, channel_names(session), allowed)
    # The page reads everything through the reader's privacy view, as the API does.
    view = view_of(actor, case, appeal, {cu.unit_id for cu, _ in units if cu.is_active})
    rows = timeline(session, case.id)
    events = [event_view(e, s, view=view) for e, s in rows]
    # Each step names the person and their unit (never a login name).
    actor_units = unit_names(session, {s.unit_id for _, s in rows if s is not None})
    for event, (_, person) in zip(events, rows, strict=True):
        if person is not None and person.unit_id in actor_units:
            event["actor_unit"] = actor_units[person.unit_id][1]
    place = " ".join(
        names[u][1] for u in (case.street_id, case.community_id, case.grid_id) if u and u in names
    )
    return (
        case,
        appeal,
        view,
        {
            "case": detail,
            "place": place,
            "events": events,
            "clocks": [
                clock_view(c, now) for c in clocks_of(session, "case", [case.id]).get(case.id, [])
            ],
        },
    )


def case_page(session: Session, case_id: int, actor: Actor, now: datetime) -> dict[str, Any]:
    """The case page: the record and every box around it (similar cases, whistles, instructions,
    escalation, holding, the service panels)."""
    case, appeal, view, record = case_record(session, case_id, actor, now)
    events = record["events"]
    escalation = escalation_of(session, case.id)
    holding = active_holding(session, case.id)
    return {
        **record,
        "contacts": [e for e in events if e["action"] in CONTACT_ACTIONS],
        "checklist_names": KEY_CHECKLIST_ZH,
        "attachments": [
            {
                "id": a.id,
                "filename": view.show_text(a.filename),
                "content_type": a.content_type,
                "size": a.size,
            }
            for a in session.scalars(
                select(Attachment).where(Attachment.appeal_id == appeal.id).order_by(Attachment.id)
            )
        ]
        if view.attachments is not Show.HIDDEN
        else [],
        "similar": _similar(session, appeal.id, actor),
        "whistles": _whistles(session, case.id, actor, now),
        "instructions": describe_instructions(
            session, instructions_on_case(session, [case.id]).get(case.id, []), now, actor=actor
        ),
        "escalation": escalation[0] if escalation else None,
        "escalation_rule": _rule_name(session, escalation[0]) if escalation else None,
        "holding": holding,
        "holding_plan": view.show_text(holding.plan) if holding else None,
        "may_extend": actor.role in EXTENDERS,
        "may_pause": actor.role in PAUSERS,
        # What else the page offers this reader, decided here so the template reads booleans.
        "may_whistle": may_blow(actor.role, actor.unit_kind) and is_open(case.status),
        "may_hold": may_take(actor.role) and holding is None and is_open(case.status),
        "may_instruct": actor.role in LEADERS,
        "may_order": actor.role in SUPERVISORS,
        "panels": case_panels(session, case, actor, now),
    }


def _rule_name(session: Session, lifted: Any) -> str | None:
    """The escalation rule's name as its rule set wrote it (重复信访…), not its code."""
    rules = rules_at(session, lifted.rule_set_version)
    return next((r.name for r in rules.rules if r.code == lifted.rule_code), None)


# Units a case can be dispatched to: departments and the area tree down to communities.
DISPATCH_KINDS = (UnitKind.DEPARTMENT, UnitKind.STREET, UnitKind.COMMUNITY)


def service_box(session: Session, case_id: int, actor: Actor) -> dict[str, Any]:
    """The case's service (五类服务) as the case page shows it, with the 转换服务类别 form for the
    deciders (clerks, dispatchers, supervisors, administrators) while the case is open."""
    case = session.get(Case, case_id)
    if case is None:
        return {}
    current = case_service(case)
    return {
        "service": current.value,
        "label": SERVICE_LABELS[current],
        "may_change": actor.role in SERVICE_DECIDERS and is_open(case.status),
        "choices": [(s.value, SERVICE_LABELS[s]) for s in Service if s is not current],
        "labels": {s.value: label for s, label in SERVICE_LABELS.items()},
    }
