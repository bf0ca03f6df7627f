"""Read side: who sees which whistles, lists, one whistle with its summonses, response figures."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.orm import Session, aliased

from minyi.cases.queries import reader_views, text_view
from minyi.core.errors import NotFound
from minyi.core.listing import Listing, list_page
from minyi.core.paging import desc
from minyi.org.models import Staff, Unit
from minyi.org.rules import AREA_ROLES, DISTRICT_WIDE, Actor
from minyi.whistle.models import Summons, Whistle
from minyi.whistle.rules import SummonsFact
from minyi.whistle.schemas import staff_ids_of, unit_ids_of, whistle_view


def visible_whistles(actor: Actor) -> ColumnElement[bool]:
    """District-wide roles see every whistle; street, community and grid staff those issued in or
    about their area; a department those that summon it. Out of scope reads as not found."""
    if actor.role in DISTRICT_WIDE:
        return true()
    if actor.unit_id is None:
        return false()
    summoned = exists().where(Summons.whistle_id == Whistle.id, Summons.unit_id == actor.unit_id)
    if actor.role in AREA_ROLES and actor.unit_path:
        issuer, place = aliased(Unit), aliased(Unit)
        return or_(
            summoned,
            exists().where(
                issuer.id == Whistle.issuer_unit_id,
                issuer.path.startswith(actor.unit_path, autoescape=True),
            ),
            exists().where(
                place.id == Whistle.place_unit_id,
                place.path.startswith(actor.unit_path, autoescape=True),
            ),
        )
    return summoned


def get_visible_whistle(
    session: Session, whistle_id: int, actor: Actor, *, for_update: bool = False
) -> Whistle:
    stmt = select(Whistle).where(Whistle.id == whistle_id, visible_whistles(actor))
    whistle = session.scalar(stmt.with_for_update() if for_update else stmt)
    if whistle is None:
        raise NotFound("whistle_not_found", f"no whistle {whistle_id}")
    return whistle


def summonses_of(session: Session, whistle_ids: list[int]) -> dict[int, list[Summons]]:
    out: dict[int, list[Summons]] = {}
    if whistle_ids:
        for s in session.scalars(
            select(Summons).where(Summons.whistle_id.in_(whistle_ids)).order_by(Summons.id)
        ):
            out.setdefault(s.whistle_id, []).append(s)
    return out


def list_whistles(
    session: Session,
    actor: Actor,
    *,
    status: str | None,
    unit_id: int | None,
    case_id: int | None,
    page: int,
    page_size: int,
    cursor: str | None = None,
) -> Listing[Whistle]:
    stmt = select(Whistle).where(visible_whistles(actor))
    if status:
        stmt = stmt.where(Whistle.status == status)
    if unit_id is not None:
        stmt = stmt.where(
            exists().where(Summons.whistle_id == Whistle.id, Summons.unit_id == unit_id)
        )
    if case_id is not None:
        stmt = stmt.where(Whistle.case_id == case_id)
    order = [desc(Whistle.created_at), desc(Whistle.id)]
    return list_page(session, stmt, order, page=page, page_size=page_size, cursor=cursor)


def unit_refs(session: Session, ids: Collection[int | None]) -> dict[int, tuple[str, str]]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {
        uid: (code, name)
        for uid, code, name in session.execute(
            select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(wanted))
        )
    }


def staff_refs(session: Session, ids: Collection[int | None]) -> dict[int, tuple[str, str]]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {
        sid: (u, n)
        for sid, u, n in session.execute(
            select(Staff.id, Staff.username, Staff.name).where(Staff.id.in_(wanted))
        )
    }


def response_facts(
    session: Session, *, since: datetime | None, until: datetime | None, unit_id: int | None = None
) -> list[SummonsFact]:
    """Every summons in the period (by when it was summoned), with its department."""
    stmt = select(
        Unit.code,
        Unit.name,
        Summons.summoned_at,
        Summons.due_at,
        Summons.reported_at,
        Summons.acted_at,
    ).join(Unit, Unit.id == Summons.unit_id)
    if since is not None:
        stmt = stmt.where(Summons.summoned_at >= since)
    if until is not None:
        stmt = stmt.where(Summons.summoned_at < until)
    if unit_id is not None:
        stmt = stmt.where(Summons.unit_id == unit_id)
    return [SummonsFact(*row) for row in session.execute(stmt)]


def describe_whistles(
    session: Session, whistles: list[Whistle], now: datetime, *, actor: Actor
) -> list[dict[str, Any]]:
    """Whistles with their summonses as `actor` may read them: every text through the reader's
    privacy view of the whistle's case (a whistle on no case has its numbers and flats masked).
    A fixed number of queries for the lot."""
    summonses = summonses_of(session, [w.id for w in whistles])
    units = unit_refs(session, unit_ids_of(whistles, summonses))
    staff = staff_refs(session, staff_ids_of(whistles, summonses))
    views = reader_views(session, actor, {w.case_id for w in whistles if w.case_id})
    return [
        whistle_view(
            w, summonses.get(w.id, []), units, staff, now, view=text_view(views, w.case_id)
        )
        for w in whistles
    ]
