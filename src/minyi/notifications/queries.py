"""Read side of the notification centre: the reader's own notices, worded through privacy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.cases.queries import reader_views, shown_titles, text_view, visible_to
from minyi.core.listing import Listing, list_page
from minyi.core.paging import Total, desc
from minyi.notifications.models import Notification
from minyi.notifications.rules import CLOCK_KINDS, KIND_ZH, Kind, link_for
from minyi.org.rules import Actor
from minyi.sla.models import Clock
from minyi.supervision.models import Letter


def unread_count(session: Session, actor: Actor) -> int:
    if actor.staff_id is None:
        return 0
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.recipient_id == actor.staff_id, Notification.read_at.is_(None))
        )
        or 0
    )


def list_notifications(
    session: Session,
    actor: Actor,
    *,
    unread_only: bool,
    page: int,
    page_size: int,
    cursor: str | None = None,
) -> Listing[Notification]:
    if actor.staff_id is None:
        return Listing([], Total(0), None, page, page_size)
    stmt = select(Notification).where(Notification.recipient_id == actor.staff_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    order = [desc(Notification.created_at), desc(Notification.id)]
    return list_page(session, stmt, order, page=page, page_size=page_size, cursor=cursor)


def describe(session: Session, actor: Actor, notices: list[Notification]) -> list[dict[str, Any]]:
    """Each notice with the case's tracking number and title as this reader may read them (a case
    the reader can no longer open is named by nothing) and the letter's number."""
    case_ids = {n.case_id for n in notices if n.case_id is not None}
    visible = (
        {
            cid: tracking
            for cid, tracking in session.execute(
                select(Case.id, Case.tracking_no).where(Case.id.in_(case_ids), visible_to(actor))
            )
        }
        if case_ids
        else {}
    )
    titles = shown_titles(session, actor, visible)
    letter_ids = {
        n.subject_id for n in notices if n.kind == Kind.LETTER and n.subject_id is not None
    }
    found = (
        list(
            session.execute(
                select(Letter.id, Letter.number, Letter.title, Letter.case_id).where(
                    Letter.id.in_(letter_ids)
                )
            )
        )
        if letter_ids
        else []
    )
    # A letter's title is a supervisor's text: worded through the view of the case it is about.
    views = reader_views(session, actor, {r.case_id for r in found if r.case_id is not None})
    letters = {r.id: (r.number, text_view(views, r.case_id).show_text(r.title)) for r in found}
    clock_ids = {
        n.subject_id for n in notices if n.kind in CLOCK_KINDS and n.subject_id is not None
    }
    clocks = (
        {
            cid: name
            for cid, name in session.execute(
                select(Clock.id, Clock.name).where(Clock.id.in_(clock_ids))
            )
        }
        if clock_ids
        else {}
    )
    out = []
    for n in notices:
        kind = Kind(n.kind)
        case_id = n.case_id if n.case_id in visible else None
        letter = (
            letters.get(n.subject_id) if kind is Kind.LETTER and n.subject_id is not None else None
        )
        out.append(
            {
                "id": n.id,
                "kind": kind.value,
                "label": KIND_ZH[kind],
                "created_at": n.created_at,
                "is_read": n.read_at is not None,
                "tracking_no": visible.get(n.case_id) if n.case_id is not None else None,
                "title": titles.get(case_id, "") if case_id is not None else "",
                "letter": letter[0] if letter else None,
                "letter_title": letter[1] if letter else None,
                "link": link_for(kind, case_id),
                # Which deadline turned (a policy's milestone name, e.g. 1天内电话联系).
                "clock": clocks.get(n.subject_id)
                if kind in CLOCK_KINDS and case_id is not None and n.subject_id is not None
                else None,
            }
        )
    return out


def notification_page(
    session: Session,
    actor: Actor,
    *,
    unread_only: bool,
    page: int,
    page_size: int,
    cursor: str | None = None,
) -> tuple[Listing[Notification], dict[str, Any]]:
    """One page of the reader's notices, worded as the centre's page words them, with the unread
    count: the API's, the CLI's and the console's answer (with the listing, for its total)."""
    found = list_notifications(
        session, actor, unread_only=unread_only, page=page, page_size=page_size, cursor=cursor
    )
    return found, {
        **found.page_fields(),
        "unread": unread_count(session, actor),
        "items": describe(session, actor, found.rows),
    }
