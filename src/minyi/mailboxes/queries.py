"""Read side: the leaders' mailboxes, their figures, and an owner's inbox with clocks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case
from minyi.cases.queries import shown_titles
from minyi.cases.rules import CLOSED, CaseStatus
from minyi.core.errors import NotFound
from minyi.core.i18n import STATUS_ZH, label
from minyi.core.listing import Listing, list_page
from minyi.core.paging import Total, desc
from minyi.intake.models import Channel
from minyi.mailboxes.rules import MAILBOX_KIND, closure_rate
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor
from minyi.sla.service import clocks_of
from minyi.supervision.queries import instructions_on_case
from minyi.supervision.schemas import clock_out

# Worst first: the colour a case shows in a list is its worst running clock.
COLOUR_RANK = {
    "red": 0,
    "yellow": 1,
    "green": 2,
    "paused": 3,
    "met": 4,
    "cancelled": 5,
    "moot": 6,
    "superseded": 7,
}


def mailboxes(
    session: Session, *, owner_staff_id: int | None = None, active_only: bool = False
) -> list[tuple[Channel, Staff | None]]:
    stmt = (
        select(Channel, Staff)
        .outerjoin(Staff, Staff.id == Channel.owner_staff_id)
        .where(Channel.kind == MAILBOX_KIND)
    )
    if owner_staff_id is not None:
        stmt = stmt.where(Channel.owner_staff_id == owner_staff_id)
    if active_only:
        stmt = stmt.where(Channel.is_active.is_(True))
    return [(c, s) for c, s in session.execute(stmt.order_by(Channel.id))]


def get_mailbox(session: Session, code: str) -> Channel:
    """An active mailbox by code: a printed QR code of a closed mailbox must not open a form."""
    channel = session.scalar(
        select(Channel).where(Channel.code == code, Channel.kind == MAILBOX_KIND)
    )
    if channel is None or not channel.is_active:
        raise NotFound("mailbox_not_found", f"no open leader mailbox '{code}'")
    return channel


def _period(
    registered_from: datetime | None, registered_to: datetime | None
) -> ColumnElement[bool]:
    clause: ColumnElement[bool] = true()
    if registered_from is not None:
        clause = clause & (Case.registered_at >= registered_from)
    if registered_to is not None:
        clause = clause & (Case.registered_at < registered_to)
    return clause


def figures(
    session: Session,
    channel_ids: list[int],
    *,
    registered_from: datetime | None = None,
    registered_to: datetime | None = None,
) -> dict[int, dict[str, Any]]:
    """Per mailbox: letters received, closed (cases.rules.CLOSED: answered or refused) and the closure rate."""
    counts = dict.fromkeys(channel_ids, (0, 0))
    if channel_ids:
        closed = func.sum(sql_case((Case.status.in_(CLOSED), 1), else_=0))
        rows = session.execute(
            select(Case.channel_id, func.count(), closed)
            .where(Case.channel_id.in_(channel_ids), _period(registered_from, registered_to))
            .group_by(Case.channel_id)
        )
        counts.update({cid: (int(n), int(c or 0)) for cid, n, c in rows})
    return {
        cid: {"received": n, "closed": c, "closure_rate": closure_rate(n, c)}
        for cid, (n, c) in counts.items()
    }


def inbox(
    session: Session,
    channel_ids: list[int],
    *,
    status: list[CaseStatus] | None = None,
    page: int = 1,
    page_size: int = 20,
    cursor: str | None = None,
) -> Listing[tuple[Case, Appeal]]:
    """Letters to these mailboxes, newest first. The owner reads their own mailbox's letters
    whoever handles them now: that is the point of 主官在线."""
    if not channel_ids:
        return Listing([], Total(0), None, page, page_size)
    stmt = (
        select(Case, Appeal)
        .join(Appeal, Appeal.id == Case.appeal_id)
        .where(Case.channel_id.in_(channel_ids))
    )
    if status:
        stmt = stmt.where(Case.status.in_([s.value for s in status]))
    order = [desc(Case.registered_at), desc(Case.id)]
    found = list_page(session, stmt, order, page=page, page_size=page_size, cursor=cursor)
    return found.map(lambda r: (r[0], r[1]))


def mailbox_view(
    channel: Channel, owner: Staff | None, figures_of: dict[str, Any] | None, portal: str
) -> dict[str, Any]:
    return {
        "code": channel.code,
        "name": channel.name,
        "kind": channel.kind,
        "is_active": channel.is_active,
        "owner": {"username": owner.username, "name": owner.name, "title": owner.title}
        if owner
        else None,
        "portal_url": portal,
        "figures": figures_of,
    }


def inbox_items(
    session: Session,
    rows: list[tuple[Case, Appeal]],
    channels: dict[int, Channel],
    now: datetime,
    *,
    titles: dict[int, str],
) -> list[dict[str, Any]]:
    """Each letter with its status, its clocks (colour and time left), its lead unit and the
    instructions already written on it. A fixed number of queries for the whole page."""
    ids = [c.id for c, _ in rows]
    clocks = clocks_of(session, "case", ids)
    instructions = instructions_on_case(session, ids)
    unit_ids = {c.lead_unit_id for c, _ in rows if c.lead_unit_id}
    units: dict[int, str] = {}
    if unit_ids:
        units = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all())
    items = []
    for case, _appeal in rows:
        views = [v for v in (clock_out(c, now) for c in clocks.get(case.id, [])) if v is not None]
        running = [v for v in views if v["state"] in ("running", "breached", "paused")]
        worst = min(running, key=lambda v: COLOUR_RANK.get(v["colour"], 9)) if running else None
        channel = channels[case.channel_id]
        items.append(
            {
                "id": case.id,
                "tracking_no": case.tracking_no,
                "title": titles.get(case.id, ""),
                "mailbox": channel.code,
                "mailbox_name": channel.name,
                "status": case.status,
                "status_label": label(STATUS_ZH, case.status),
                "registered_at": case.registered_at,
                "closed_at": case.closed_at,
                "lead_unit_name": units.get(case.lead_unit_id or 0),
                "colour": worst["colour"] if worst else None,
                "next_due_at": worst["due_at"] if worst else None,
                "time_left": worst["time_left"] if worst else None,
                "clocks": views,
                "instructions": len(instructions.get(case.id, [])),
            }
        )
    return items


def leader_inbox(
    session: Session,
    actor: Actor,
    *,
    mailbox: str | None = None,
    status: list[CaseStatus] | None = None,
    page: int = 1,
    page_size: int = 20,
    cursor: str | None = None,
    now: datetime,
) -> dict[str, Any]:
    """The signed-in owner's mailboxes with their figures, and their letters."""
    owned = (
        [c for c, _ in mailboxes(session, owner_staff_id=actor.staff_id)]
        if actor.staff_id is not None
        else []
    )
    if mailbox is not None:
        owned = [c for c in owned if c.code == mailbox]
        if not owned:
            raise NotFound("mailbox_not_found", f"you own no mailbox '{mailbox}'")
    ids = [c.id for c in owned]
    figs = figures(session, ids)
    found = inbox(session, ids, status=status, page=page, page_size=page_size, cursor=cursor)
    rows = found.rows
    by_id = {c.id: c for c in owned}
    return {
        "mailboxes": [
            {"code": c.code, "name": c.name, "is_active": c.is_active, "figures": figs[c.id]}
            for c in owned
        ],
        **found.page_fields(),
        "items": inbox_items(
            session, rows, by_id, now, titles=shown_titles(session, actor, [c.id for c, _ in rows])
        ),
    }
