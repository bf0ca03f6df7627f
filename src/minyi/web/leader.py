"""The leader dashboard, one screen: today's figures and what needs this leader now (escalated
to me, my instructions due, cases I hold, alerts and hotspots, my mailboxes, the latest 民情日报),
each the first few rows with a link to its full, paged list here; the areas covered (分片包联)
folded. The report and alert pages with their 批示 and acknowledge forms are in panels_leader.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from minyi.analytics.rollups import area_figures, leader_board_figures
from minyi.cases.models import Case
from minyi.cases.queries import reader_views, shown_titles, text_view
from minyi.core.listing import first_href, next_href
from minyi.core.paging import Total
from minyi.escalation.models import CaseEscalation, Holding
from minyi.escalation.queries import list_escalations, list_holdings
from minyi.mailboxes.queries import leader_inbox
from minyi.org.models import Staff
from minyi.org.rules import Actor, Role
from minyi.receptions.queries import leader_figures
from minyi.reports.targets import target_units, units_for_items
from minyi.sla.calendar_service import calendar_status, today_in_beijing
from minyi.supervision.queries import describe_instructions, list_instructions
from minyi.web.pages import WebRoute, render, staff, state_of
from minyi.web.slots import leader_panels

router = APIRouter(route_class=WebRoute, include_in_schema=False)
# How many rows each block of the dashboard shows before its "全部" link.
FIRST = 3
PAGE = 20
LISTS = {
    "escalated": ("提级到我的案件", "Escalated to me"),
    "instructions": ("我的批示", "My instructions"),
    "held": ("我包的案件", "Cases I hold"),
    "mailbox": ("我的信箱", "My mailboxes"),
    "areas": ("分片包联", "Areas I cover"),
}


def my_instructions(
    session: Session, actor: Actor, now: datetime, *, page: int, page_size: int
) -> tuple[int, list[dict[str, Any]]]:
    """This leader's instructions with a task still open, the latest first."""
    found = list_instructions(
        session, actor, author_id=actor.staff_id, state="open", page=page, page_size=page_size
    )
    return found.total.value, describe_instructions(session, found.rows, now, actor=actor)


def _overdue_instructions(session: Session, actor: Actor) -> int:
    return list_instructions(
        session, actor, author_id=actor.staff_id, state="overdue", page=1, page_size=1
    ).total.value


def _held(
    session: Session, actor: Actor, rows: list[tuple[Holding, Case, str]]
) -> list[tuple[Holding, Case, str, str | None]]:
    """Held cases as this leader may read them: the title and the plan (staff-written, it may
    quote the complainant) through the reader's view of each case, as the API's holdings list."""
    ids = [c.id for _, c, _ in rows]
    titles, views = shown_titles(session, actor, ids), reader_views(session, actor, ids)
    return [
        (h, c, titles.get(c.id, ""), text_view(views, c.id).show_text(h.plan)) for h, c, _ in rows
    ]


def _lifted(
    session: Session, actor: Actor, rows: list[tuple[CaseEscalation, Case, str, Staff | None]]
) -> list[tuple[CaseEscalation, Case, str, Staff | None]]:
    """Cases escalated to this leader, their titles through the reader's view."""
    titles = shown_titles(session, actor, [c.id for _, c, _, _ in rows])
    return [(e, c, titles.get(c.id, ""), s) for e, c, _, s in rows]


@router.get("/leader")
def dashboard(request: Request) -> Response:
    actor = staff(request, {Role.LEADER})
    state = state_of(request)
    now = state.clock.now()
    with state.db.reading(replica=True, reader=actor.username) as session:
        held_found = list_holdings(
            session, actor, leader_id=actor.staff_id, status=None, page=1, page_size=FIRST
        )
        lifted_found = list_escalations(
            session,
            actor,
            level=None,
            assigned_to=actor.staff_id,
            open_only=True,
            page=1,
            page_size=FIRST,
        )
        held = _held(session, actor, held_found.rows)
        lifted = _lifted(session, actor, lifted_found.rows)
        instructions_total, instructions = my_instructions(
            session, actor, now, page=1, page_size=FIRST
        )
        mailbox = leader_inbox(session, actor, page_size=FIRST, now=now)
        panels = leader_panels(session, actor, now)
        mail_keys = [f"case:{i['tracking_no']}" for i in mailbox["items"]]
        return render(
            request,
            "leader/dashboard.html",
            held=held,
            held_total=held_found.total.value,
            lifted=lifted,
            lifted_total=lifted_found.total.value,
            instructions=instructions,
            instructions_total=instructions_total,
            instructions_overdue=_overdue_instructions(session, actor),
            mailbox=mailbox,
            mail_units=units_for_items(session, mail_keys, now=now),
            all_units=target_units(session),
            panels=panels,
            **leader_board_figures(session, actor.staff_id or 0, now),
            first=FIRST,
            calendar=calendar_status(session, today_in_beijing(now)),
            receptions=next(iter(leader_figures(session, leader_ids=[actor.staff_id or 0])), None),
        )


@router.get("/leader/list/{name}")
def full_list(request: Request, name: str, page: int = 1, cursor: str | None = None) -> Response:
    """One block of the dashboard in full, paged by cursor (its covered areas, a handful, whole)."""
    actor = staff(request, {Role.LEADER})
    state = state_of(request)
    now = state.clock.now()
    page = max(page, 1)
    rows: Any
    next_cursor: str | None = None
    with state.db.reading(replica=True, reader=actor.username) as session:
        if name == "escalated":
            lifted = list_escalations(
                session,
                actor,
                level=None,
                assigned_to=actor.staff_id,
                open_only=True,
                page=page,
                page_size=PAGE,
                cursor=cursor,
            )
            total, rows = lifted.total, _lifted(session, actor, lifted.rows)
            next_cursor = lifted.next_cursor
        elif name == "held":
            held = list_holdings(
                session,
                actor,
                leader_id=actor.staff_id,
                status=None,
                page=page,
                page_size=PAGE,
                cursor=cursor,
            )
            total, rows = held.total, _held(session, actor, held.rows)
            next_cursor = held.next_cursor
        elif name == "instructions":
            mine = list_instructions(
                session,
                actor,
                author_id=actor.staff_id,
                state="open",
                page=page,
                page_size=PAGE,
                cursor=cursor,
            )
            total, next_cursor = mine.total, mine.next_cursor
            rows = describe_instructions(session, mine.rows, now, actor=actor)
        elif name == "mailbox":
            inbox = leader_inbox(session, actor, page=page, page_size=PAGE, now=now, cursor=cursor)
            total = Total(inbox["total"], exact=inbox["total_exact"])
            rows, next_cursor = inbox["items"], inbox["next_cursor"]
        elif name == "areas":
            rows = area_figures(session, actor.staff_id or 0)
            total = Total(len(rows))
        else:
            return render(
                request, "error.html", status_code=404, message="没有这个列表", back="/leader"
            )
        path = f"/leader/list/{name}"
        return render(
            request,
            "leader/list.html",
            name=name,
            heading=LISTS[name],
            rows=rows,
            total=total,
            next_href=next_href(path, next_cursor),
            first_href=first_href(path, cursor or page > 1),
        )
