"""Read side of leaders' receptions: what the portal lists, a reception with its citizens through
the privacy policy, per-leader and per-area counts, yesterday's receptions for the daily report,
and the areas a leader is linked to (分片包联)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.cases.rules import CLOSED
from minyi.core.errors import NotFound
from minyi.org.models import LeaderArea, Staff, Unit
from minyi.org.rules import Actor
from minyi.privacy.rules import booker_view, mask_name, mask_phone
from minyi.receptions.models import Reception, ReceptionBooking, ReceptionSlot, ReceptionVisit
from minyi.receptions.rules import (
    BOOKING_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    BookingKind,
    BookingStatus,
    ReceptionStatus,
    may_read,
)

SOLVED = tuple(s.value for s in CLOSED)
LIVE = (BookingStatus.BOOKED.value, BookingStatus.CAME.value)


def place_path(session: Session, reception: Reception) -> str:
    return session.scalar(select(Unit.path).where(Unit.id == reception.unit_id)) or ""


def get_reception(session: Session, reception_id: int) -> Reception:
    reception = session.get(Reception, reception_id)
    if reception is None:
        raise NotFound("reception_not_found", "没有找到该接访安排")
    return reception


def visible_reception(session: Session, actor: Actor, reception_id: int) -> Reception:
    reception = get_reception(session, reception_id)
    if not may_read(
        actor, leader_id=reception.leader_id, place_path=place_path(session, reception)
    ):
        raise NotFound("reception_not_found", "没有找到该接访安排")
    return reception


def taken(session: Session, slot_ids: list[int]) -> dict[int, int]:
    """Slot id -> places taken (live bookings)."""
    if not slot_ids:
        return {}
    rows = session.execute(
        select(ReceptionBooking.slot_id, func.count())
        .where(ReceptionBooking.slot_id.in_(slot_ids), ReceptionBooking.status.in_(LIVE))
        .group_by(ReceptionBooking.slot_id)
    )
    return {slot: n for slot, n in rows if slot is not None}


def slots_of(session: Session, reception_ids: list[int]) -> dict[int, list[ReceptionSlot]]:
    out: dict[int, list[ReceptionSlot]] = defaultdict(list)
    if reception_ids:
        for s in session.scalars(
            select(ReceptionSlot)
            .where(ReceptionSlot.reception_id.in_(reception_ids))
            .order_by(ReceptionSlot.starts_at)
        ):
            out[s.reception_id].append(s)
    return out


def _leaders(session: Session, ids: set[int]) -> dict[int, tuple[str, str | None]]:
    if not ids:
        return {}
    return {
        i: (n, t)
        for i, n, t in session.execute(
            select(Staff.id, Staff.name, Staff.title).where(Staff.id.in_(ids))
        )
    }


def _units(session: Session, ids: set[int]) -> dict[int, Unit]:
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))}


def describe(
    session: Session, receptions: list[Reception], *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Receptions as everyone may read them: leader, place, day, slots with places left, counts.
    No citizen appears here."""
    ids = [r.id for r in receptions]
    slots = slots_of(session, ids)
    used = taken(session, [s.id for ss in slots.values() for s in ss])
    leaders = _leaders(session, {r.leader_id for r in receptions})
    units = _units(session, {r.unit_id for r in receptions})
    booked = (
        dict(
            session.execute(
                select(ReceptionBooking.reception_id, func.count())
                .where(ReceptionBooking.reception_id.in_(ids), ReceptionBooking.status.in_(LIVE))
                .group_by(ReceptionBooking.reception_id)
            ).all()
        )
        if ids
        else {}
    )
    cases = (
        dict(
            session.execute(
                select(ReceptionBooking.reception_id, func.count(ReceptionBooking.case_id))
                .where(ReceptionBooking.reception_id.in_(ids))
                .group_by(ReceptionBooking.reception_id)
            ).all()
        )
        if ids
        else {}
    )
    out = []
    for r in receptions:
        name, title = leaders.get(r.leader_id, ("", None))
        unit = units.get(r.unit_id)
        out.append(
            {
                "id": r.id,
                "leader_id": r.leader_id,
                "leader": name,
                "leader_title": title,
                "area": unit.name if unit else "",
                "area_code": unit.code if unit else "",
                "place": r.place,
                "topic": r.topic,
                "day": r.day,
                "status": r.status,
                "status_label": STATUS_LABELS[ReceptionStatus(r.status)],
                "people": r.people,
                "summary": r.summary,
                "held_at": r.held_at,
                "booked": int(booked.get(r.id, 0)),
                "cases": int(cases.get(r.id, 0)),
                "slots": [
                    {
                        "id": s.id,
                        "starts_at": s.starts_at,
                        "ends_at": s.ends_at,
                        "capacity": s.capacity,
                        "left": max(s.capacity - used.get(s.id, 0), 0),
                        "open": now is None or s.starts_at > now,
                    }
                    for s in slots.get(r.id, [])
                ],
            }
        )
    return out


def public_receptions(session: Session, *, today: date, now: datetime) -> list[dict[str, Any]]:
    """What the portal lists: published receptions from today on, soonest first."""
    rows = list(
        session.scalars(
            select(Reception)
            .where(Reception.status == ReceptionStatus.PUBLISHED.value, Reception.day >= today)
            .order_by(Reception.day, Reception.id)
            .limit(100)
        )
    )
    return describe(session, rows, now=now)


def list_receptions(
    session: Session,
    actor: Actor,
    *,
    leader_id: int | None = None,
    status: str | None = None,
    since: date | None = None,
    page: int = 1,
    page_size: int = 50,
) -> tuple[int, list[Reception]]:
    """The receptions the actor may read, the latest day first."""
    stmt = select(Reception, Unit.path).join(Unit, Unit.id == Reception.unit_id)
    if leader_id is not None:
        stmt = stmt.where(Reception.leader_id == leader_id)
    if status:
        stmt = stmt.where(Reception.status == status)
    if since is not None:
        stmt = stmt.where(Reception.day >= since)
    rows = [
        r
        for r, path in session.execute(stmt.order_by(Reception.day.desc(), Reception.id.desc()))
        if may_read(actor, leader_id=r.leader_id, place_path=path)
    ]
    start = (max(page, 1) - 1) * page_size
    return len(rows), rows[start : start + page_size]


def citizens(session: Session, actor: Actor, reception: Reception) -> list[dict[str, Any]]:
    """The reception's citizens (booked and walked in), through the privacy policy."""
    view = booker_view(
        actor, leader_id=reception.leader_id, place_path=place_path(session, reception)
    )
    rows = session.execute(
        select(ReceptionBooking, ReceptionSlot.starts_at, Case.tracking_no, Case.status)
        .outerjoin(ReceptionSlot, ReceptionSlot.id == ReceptionBooking.slot_id)
        .outerjoin(Case, Case.id == ReceptionBooking.case_id)
        .where(ReceptionBooking.reception_id == reception.id)
        .order_by(ReceptionSlot.starts_at.nulls_last(), ReceptionBooking.id)
    ).all()
    return [
        {
            "id": b.id,
            "kind": b.kind,
            "kind_label": KIND_LABELS[BookingKind(b.kind)],
            "status": b.status,
            "status_label": BOOKING_LABELS[BookingStatus(b.status)],
            "slot_starts_at": starts,
            "name": view.name(b.name),
            "phone": view.phone(b.phone),
            "matter": view.text(b.matter, name=b.name),
            "people": b.people,
            "case_id": b.case_id,
            "tracking_no": no,
            "case_status": status,
            "is_held": b.is_held,
        }
        for b, starts, no, status in rows
    ]


def home_visits(session: Session, actor: Actor, reception: Reception) -> list[dict[str, Any]]:
    view = booker_view(
        actor, leader_id=reception.leader_id, place_path=place_path(session, reception)
    )
    names: dict[int | None, str] = {
        bid: name
        for bid, name in session.execute(
            select(ReceptionBooking.id, ReceptionBooking.name).where(
                ReceptionBooking.reception_id == reception.id
            )
        )
    }
    return [
        {
            "id": v.id,
            "visited_at": v.visited_at,
            "place": view.text(v.place, name=names.get(v.booking_id, "")),
            "people": v.people,
            "notes": view.text(v.notes, name=names.get(v.booking_id, "")),
            "booking_id": v.booking_id,
            "case_id": v.case_id,
        }
        for v in session.scalars(
            select(ReceptionVisit)
            .where(ReceptionVisit.reception_id == reception.id)
            .order_by(ReceptionVisit.visited_at)
        )
    ]


def booking_by_ref(session: Session, ref: str) -> dict[str, Any]:
    """A booking's confirmation, for the portal: the reception (public), the slot, and the
    booker's own name and phone masked; never the matter, never anyone else."""
    b = session.scalar(select(ReceptionBooking).where(ReceptionBooking.ref == ref.strip().upper()))
    if b is None:
        raise NotFound("booking_not_found", "没有找到该预约，请核对预约号")
    reception = get_reception(session, b.reception_id)
    slot = session.get(ReceptionSlot, b.slot_id) if b.slot_id else None
    return {
        "ref": b.ref,
        "status": b.status,
        "status_label": BOOKING_LABELS[BookingStatus(b.status)],
        "name": mask_name(b.name) or "",
        "phone": mask_phone(b.phone) or "",
        "slot_starts_at": slot.starts_at if slot else None,
        "slot_ends_at": slot.ends_at if slot else None,
        "reception": describe(session, [reception])[0],
    }


# --- figures ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class LeaderFigures:
    leader_id: int
    name: str
    title: str | None
    receptions: int  # held in the period
    people: int  # citizens received (人次)
    cases: int  # matters raised as cases
    solved: int  # of which closed (办结) by now
    held: int  # of which the leader took (包案)
    home_visits: int

    @property
    def solved_rate(self) -> float | None:
        return self.solved / self.cases if self.cases else None


def leader_figures(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    leader_ids: list[int] | None = None,
) -> list[LeaderFigures]:
    """Per leader with a reception held in [since, until): receptions, people received, cases
    raised and solved by now, cases held, home visits; most people first."""
    where = [Reception.status == ReceptionStatus.HELD.value]
    if since is not None:
        where.append(Reception.held_at >= since)
    if until is not None:
        where.append(Reception.held_at < until)
    if leader_ids is not None:
        where.append(Reception.leader_id.in_(leader_ids))
    base = {
        lid: (n, p)
        for lid, n, p in session.execute(
            select(Reception.leader_id, func.count(), func.coalesce(func.sum(Reception.people), 0))
            .where(*where)
            .group_by(Reception.leader_id)
        )
    }
    raised = {
        lid: (c, s, h)
        for lid, c, s, h in session.execute(
            select(
                Reception.leader_id,
                func.count(ReceptionBooking.case_id),
                func.count(Case.id).filter(Case.status.in_(SOLVED)),
                func.count(ReceptionBooking.id).filter(
                    ReceptionBooking.is_held.is_(True), ReceptionBooking.case_id.is_not(None)
                ),
            )
            .join(ReceptionBooking, ReceptionBooking.reception_id == Reception.id)
            .outerjoin(Case, Case.id == ReceptionBooking.case_id)
            .where(*where)
            .group_by(Reception.leader_id)
        )
    }
    visits = dict(
        session.execute(
            select(Reception.leader_id, func.count(ReceptionVisit.id))
            .join(ReceptionVisit, ReceptionVisit.reception_id == Reception.id)
            .where(*where)
            .group_by(Reception.leader_id)
        ).all()
    )
    names = _leaders(session, set(base))
    out = []
    for lid, (n, p) in base.items():
        cases, solved, held = raised.get(lid, (0, 0, 0))
        out.append(
            LeaderFigures(
                lid,
                names.get(lid, ("", None))[0],
                names.get(lid, ("", None))[1],
                int(n),
                int(p),
                int(cases),
                int(solved),
                int(held),
                int(visits.get(lid, 0)),
            )
        )
    return sorted(out, key=lambda f: (-f.people, -f.receptions, f.leader_id))


def area_receptions(
    session: Session, *, since: datetime, until: datetime
) -> dict[int, tuple[int, int]]:
    """Street or community unit id -> (receptions held there in [since, until), people received):
    a community's receptions count for its street too."""
    rows = session.execute(
        select(Unit.path, func.count(), func.coalesce(func.sum(Reception.people), 0))
        .join(Unit, Unit.id == Reception.unit_id)
        .where(
            Reception.status == ReceptionStatus.HELD.value,
            Reception.held_at >= since,
            Reception.held_at < until,
        )
        .group_by(Unit.path)
    ).all()
    if not rows:
        return {}
    codes: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for path, n, people in rows:
        for code in [c for c in path.split("/") if c][1:]:  # below the district
            a, b = codes[code]
            codes[code] = (a + int(n), b + int(people))
    ids = dict(
        session.execute(
            select(Unit.code, Unit.id).where(
                Unit.code.in_(list(codes)), Unit.kind.in_(("street", "community"))
            )
        ).all()
    )
    return {ids[c]: v for c, v in codes.items() if c in ids}


def day_receptions(session: Session, *, since: datetime, until: datetime) -> dict[str, Any]:
    """The daily report's block: receptions held in [since, until), with their leader, place,
    people received and cases raised (no citizen named)."""
    rows = list(
        session.scalars(
            select(Reception)
            .where(
                Reception.status == ReceptionStatus.HELD.value,
                Reception.held_at >= since,
                Reception.held_at < until,
            )
            .order_by(Reception.held_at, Reception.id)
        )
    )
    described = describe(session, rows)
    return {
        "count": len(rows),
        "people": sum(r.people for r in rows),
        "cases": sum(d["cases"] for d in described),
        "rows": [
            {
                "leader": d["leader"],
                "leader_title": d["leader_title"],
                "place": d["place"],
                "area": d["area"],
                "people": d["people"],
                "cases": d["cases"],
            }
            for d in described
        ],
    }


def linked_areas(session: Session, leader_id: int) -> list[Unit]:
    """分片包联: the streets and communities the leader is linked to."""
    return list(
        session.scalars(
            select(Unit)
            .join(LeaderArea, LeaderArea.unit_id == Unit.id)
            .where(LeaderArea.staff_id == leader_id)
            .order_by(Unit.path)
        )
    )


def area_leaders(session: Session, unit_ids: list[int]) -> dict[int, list[str]]:
    """Unit id -> names of its linked leaders."""
    out: dict[int, list[str]] = defaultdict(list)
    if unit_ids:
        for uid, name in session.execute(
            select(LeaderArea.unit_id, Staff.name)
            .join(Staff, Staff.id == LeaderArea.staff_id)
            .where(LeaderArea.unit_id.in_(unit_ids))
            .order_by(Staff.id)
        ):
            out[uid].append(name)
    return out


def leaders(session: Session) -> list[Staff]:
    return list(
        session.scalars(
            select(Staff)
            .where(Staff.role == "leader", Staff.is_active.is_(True))
            .order_by(Staff.id)
        )
    )
