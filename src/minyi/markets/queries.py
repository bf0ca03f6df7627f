"""Read side of service markets: the list of markets, one market with its stalls and matters
(personal data through the privacy policy), the stalls a person staffs, and the figures the
summary, the daily report and the assessment show."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case, CaseUnit
from minyi.cases.rules import CLOSED
from minyi.cases.schemas import view_of
from minyi.core.errors import NotFound
from minyi.core.i18n import STATUS_ZH, label
from minyi.core.listing import Listing, list_page
from minyi.core.paging import asc, desc
from minyi.markets.models import MarketEvent, MarketMatter, MarketStall, MarketStallStaff
from minyi.markets.rules import (
    LATE_ENTRY,
    OUTCOME_LABELS,
    PHASE_LABELS,
    THEME_LABELS,
    MarketFigures,
    Outcome,
    Theme,
    phase,
)
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor
from minyi.privacy.rules import market_text

AREA_KINDS = ("street", "community")


def theme_labels(codes: list[str]) -> list[str]:
    return [THEME_LABELS.get(Theme(c), c) if c in Theme._value2member_map_ else c for c in codes]


@dataclass(frozen=True)
class StallRow:
    id: int
    unit_id: int
    unit_code: str
    unit_name: str
    themes: list[str]
    visitors: int
    staff: list[tuple[int, str]]  # (staff id, name)
    figures: MarketFigures


def get_event(session: Session, event_id: int) -> MarketEvent:
    event = session.get(MarketEvent, event_id)
    if event is None:
        raise NotFound("event_not_found", f"no market {event_id}")
    return event


def _figures(session: Session, event_ids: list[int], *, by: str) -> dict[int, MarketFigures]:
    """Event or stall id -> its figures, for the given events."""
    if not event_ids:
        return {}
    key = MarketStall.event_id if by == "event" else MarketStall.id
    stalls: dict[int, tuple[int, int]] = {}
    for k, n, visitors in session.execute(
        select(key, func.count(), func.coalesce(func.sum(MarketStall.visitors), 0))
        .where(MarketStall.event_id.in_(event_ids))
        .group_by(key)
    ):
        stalls[k] = (int(n), int(visitors))
    mkey = MarketMatter.event_id if by == "event" else MarketMatter.stall_id
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for k, outcome, status, n in session.execute(
        select(mkey, MarketMatter.outcome, Case.status, func.count())
        .outerjoin(Case, Case.id == MarketMatter.case_id)
        .where(MarketMatter.event_id.in_(event_ids))
        .group_by(mkey, MarketMatter.outcome, Case.status)
    ):
        counts[k][outcome] += n
        if outcome == Outcome.PASSED_ON and status in CLOSED:
            counts[k]["closed"] += n
    out = {}
    for k in set(stalls) | set(counts):
        c = counts.get(k, Counter())
        n_stalls, visitors = stalls.get(k, (0, 0))
        out[k] = MarketFigures(
            events=1 if by == "event" else 0,
            stalls=n_stalls,
            visitors=visitors,
            opinions=sum(v for o, v in c.items() if o != "closed"),
            answered=c[Outcome.ANSWERED],
            solved=c[Outcome.SOLVED],
            passed_on=c[Outcome.PASSED_ON],
            passed_on_closed=c["closed"],
        )
    return out


def event_figures(session: Session, event_ids: list[int]) -> dict[int, MarketFigures]:
    return _figures(session, event_ids, by="event")


def event_out(
    event: MarketEvent, area: Unit, now: datetime, figures: MarketFigures | None
) -> dict[str, Any]:
    p = phase(event.starts_at, event.ends_at, now, cancelled=event.is_cancelled)
    f = figures or MarketFigures()
    return {
        "id": event.id,
        "title": event.title,
        "place": event.place,
        "area": area.code,
        "area_name": area.name,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "themes": list(event.themes),
        "theme_labels": theme_labels(list(event.themes)),
        "note": event.note,
        "phase": p.value,
        "phase_label": PHASE_LABELS[p],
        "stalls": f.stalls,
        "visitors": f.visitors,
        "opinions": f.opinions,
        "answered": f.answered,
        "solved": f.solved,
        "passed_on": f.passed_on,
        "passed_on_closed": f.passed_on_closed,
        "spot_rate": None if f.spot_rate is None else round(f.spot_rate, 4),
    }


def list_events(
    session: Session,
    *,
    now: datetime,
    when: str | None = None,
    area: str | None = None,
    page: int = 1,
    page_size: int = 20,
    cursor: str | None = None,
) -> Listing[dict[str, Any]]:
    """Markets, upcoming ones soonest first, then held ones latest first; `when` narrows to
    "upcoming" (not yet ended) or "held" (ended); `area` to a street's or community's markets."""
    stmt = select(MarketEvent, Unit).join(Unit, Unit.id == MarketEvent.area_id)
    if area:
        root = session.scalar(select(Unit).where(Unit.code == area))
        if root is None:
            raise NotFound("area_not_found", f"no unit '{area}'")
        stmt = stmt.where(Unit.path.startswith(root.path, autoescape=True))
    order = [desc(MarketEvent.starts_at), desc(MarketEvent.id)]
    if when == "upcoming":
        stmt = stmt.where(MarketEvent.ends_at > now)
        order = [asc(MarketEvent.starts_at), asc(MarketEvent.id)]
    elif when == "held":
        stmt = stmt.where(MarketEvent.ends_at <= now)
    found = list_page(session, stmt, order, page=page, page_size=page_size, cursor=cursor)
    figures = event_figures(session, [e.id for e, _ in found.rows])
    return found.map(lambda r: event_out(r[0], r[1], now, figures.get(r[0].id)))


def stall_rows(session: Session, event_id: int) -> list[StallRow]:
    stalls = list(
        session.execute(
            select(MarketStall, Unit)
            .join(Unit, Unit.id == MarketStall.unit_id)
            .where(MarketStall.event_id == event_id)
            .order_by(Unit.kind, Unit.code)
        ).all()
    )
    people: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for stall_id, staff_id, name in session.execute(
        select(MarketStallStaff.stall_id, Staff.id, Staff.name)
        .join(Staff, Staff.id == MarketStallStaff.staff_id)
        .where(MarketStallStaff.stall_id.in_([s.id for s, _ in stalls]))
        .order_by(Staff.id)
    ):
        people[stall_id].append((staff_id, name))
    figures = _figures(session, [event_id], by="stall")
    return [
        StallRow(
            id=s.id,
            unit_id=u.id,
            unit_code=u.code,
            unit_name=u.name,
            themes=theme_labels(list(s.themes)),
            visitors=s.visitors,
            staff=people.get(s.id, []),
            figures=figures.get(s.id, MarketFigures()),
        )
        for s, u in stalls
    ]


def stall_out(row: StallRow) -> dict[str, Any]:
    f = row.figures
    return {
        "id": row.id,
        "unit": row.unit_code,
        "unit_name": row.unit_name,
        "themes": row.themes,
        "visitors": row.visitors,
        "staff": [name for _, name in row.staff],
        "opinions": f.opinions,
        "answered": f.answered,
        "solved": f.solved,
        "passed_on": f.passed_on,
    }


def matter_rows(
    session: Session,
    actor: Actor,
    *,
    event_id: int,
    stall_id: int | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The matters of a market (or of one stall), latest first. A case's person and words go
    through the case's privacy view for this reader; a consultation's text through
    `market_text` (its stall's staff read it in clear)."""
    stmt = (
        select(MarketMatter, Unit.name)
        .join(MarketStall, MarketStall.id == MarketMatter.stall_id)
        .join(Unit, Unit.id == MarketStall.unit_id)
        .where(MarketMatter.event_id == event_id)
        .order_by(MarketMatter.recorded_at.desc(), MarketMatter.id.desc())
    )
    if stall_id is not None:
        stmt = stmt.where(MarketMatter.stall_id == stall_id)
    if limit:
        stmt = stmt.limit(limit)
    rows = session.execute(stmt).all()
    case_ids = [m.case_id for m, _ in rows if m.case_id is not None]
    cases = (
        {
            c.id: (c, a)
            for c, a in session.execute(
                select(Case, Appeal)
                .join(Appeal, Appeal.id == Case.appeal_id)
                .where(Case.id.in_(case_ids))
            )
        }
        if case_ids
        else {}
    )
    active: dict[int, set[int]] = defaultdict(set)
    if case_ids:
        for cid, uid in session.execute(
            select(CaseUnit.case_id, CaseUnit.unit_id).where(
                CaseUnit.case_id.in_(case_ids), CaseUnit.is_active.is_(True)
            )
        ):
            active[cid].add(uid)
    staff_of: dict[int, set[int]] = defaultdict(set)
    for sid, staff_id in session.execute(
        select(MarketStallStaff.stall_id, MarketStallStaff.staff_id).where(
            MarketStallStaff.stall_id.in_({m.stall_id for m, _ in rows})
        )
    ):
        staff_of[sid].add(staff_id)
    out = []
    for m, unit_name in rows:
        row: dict[str, Any] = {
            "id": m.id,
            "stall_id": m.stall_id,
            "stall": unit_name,
            "theme": m.theme,
            "theme_label": THEME_LABELS.get(Theme(m.theme), m.theme),
            "outcome": m.outcome,
            "outcome_label": OUTCOME_LABELS[Outcome(m.outcome)],
            "recorded_at": m.recorded_at,
            "solved_at": m.solved_at,
            "case_id": None,
            "tracking_no": None,
            "status": None,
            "status_label": None,
            "title": None,
            "name": None,
            "phone": None,
            "question": None,
            "answer": None,
        }
        if m.case_id is not None and m.case_id in cases:
            case, appeal = cases[m.case_id]
            view = view_of(actor, case, appeal, active.get(case.id, set()))
            row |= {
                "case_id": case.id,
                "tracking_no": case.tracking_no,
                "status": case.status,
                "status_label": label(STATUS_ZH, case.status),
                "title": view.show_text(appeal.title),
                "name": view.show_name(appeal.citizen_name),
                "phone": view.show_phone(appeal.phone),
            }
        else:
            staff_ids = staff_of.get(m.stall_id, set())
            row |= {
                "question": market_text(actor, m.question, stall_staff_ids=staff_ids),
                "answer": market_text(actor, m.answer, stall_staff_ids=staff_ids),
            }
        out.append(row)
    return out


def my_stalls(session: Session, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """The stalls this person staffs at markets not cancelled and not long over, soonest first."""
    if actor.staff_id is None:
        return []
    rows = session.execute(
        select(MarketStall, MarketEvent, Unit.name)
        .join(MarketEvent, MarketEvent.id == MarketStall.event_id)
        .join(MarketStallStaff, MarketStallStaff.stall_id == MarketStall.id)
        .join(Unit, Unit.id == MarketStall.unit_id)
        .where(
            MarketStallStaff.staff_id == actor.staff_id,
            MarketEvent.is_cancelled.is_(False),
            MarketEvent.ends_at > now - LATE_ENTRY,
        )
        .order_by(MarketEvent.starts_at)
    ).all()
    return [
        {
            "stall_id": s.id,
            "event_id": e.id,
            "title": e.title,
            "place": e.place,
            "starts_at": e.starts_at,
            "ends_at": e.ends_at,
            "unit_name": name,
            "phase": phase(e.starts_at, e.ends_at, now, cancelled=False).value,
            "phase_label": PHASE_LABELS[phase(e.starts_at, e.ends_at, now, cancelled=False)],
        }
        for s, e, name in rows
    ]


def stall_of(session: Session, stall_id: int) -> tuple[MarketStall, MarketEvent, Unit]:
    row = session.execute(
        select(MarketStall, MarketEvent, Unit)
        .join(MarketEvent, MarketEvent.id == MarketStall.event_id)
        .join(Unit, Unit.id == MarketStall.unit_id)
        .where(MarketStall.id == stall_id)
    ).one_or_none()
    if row is None:
        raise NotFound("stall_not_found", f"no stall {stall_id}")
    return row[0], row[1], row[2]


def is_stall_staff(session: Session, stall_id: int, actor: Actor) -> bool:
    return (
        session.scalar(
            select(MarketStallStaff.staff_id).where(
                MarketStallStaff.stall_id == stall_id,
                MarketStallStaff.staff_id == actor.staff_id,
            )
        )
        is not None
    )


# --- figures for the daily report and the assessment ---------------------------------------------
def _area_ids(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Unit.code, Unit.id).where(Unit.kind.in_(AREA_KINDS))).all())


def area_figures(session: Session, *, since: datetime, until: datetime) -> dict[int, MarketFigures]:
    """Street or community id -> the figures of the markets held in it that started in
    [since, until) (a street counts its communities' markets too). Cancelled markets count not."""
    events = list(
        session.execute(
            select(MarketEvent.id, Unit.path)
            .join(Unit, Unit.id == MarketEvent.area_id)
            .where(
                MarketEvent.starts_at >= since,
                MarketEvent.starts_at < until,
                MarketEvent.is_cancelled.is_(False),
            )
        ).all()
    )
    if not events:
        return {}
    per_event = event_figures(session, [e for e, _ in events])
    ids = _area_ids(session)
    sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for event_id, path in events:
        f = per_event.get(event_id, MarketFigures(events=1))
        for code in path.strip("/").split("/"):
            unit_id = ids.get(code)
            if unit_id is None:
                continue
            target = sums[unit_id]
            for name in MarketFigures.__dataclass_fields__:
                target[name] += getattr(f, name) or (1 if name == "events" else 0)
    return {uid: MarketFigures(**values) for uid, values in sums.items()}


def day_figures(
    session: Session, *, since: datetime, until: datetime
) -> tuple[MarketFigures, list[dict[str, Any]]]:
    """The district's markets that started in [since, until): totals, and one row per market."""
    rows = session.execute(
        select(MarketEvent, Unit)
        .join(Unit, Unit.id == MarketEvent.area_id)
        .where(
            MarketEvent.starts_at >= since,
            MarketEvent.starts_at < until,
            MarketEvent.is_cancelled.is_(False),
        )
        .order_by(MarketEvent.starts_at, MarketEvent.id)
    ).all()
    figures = event_figures(session, [e.id for e, _ in rows])
    events = []
    total: dict[str, int] = defaultdict(int)
    for event, area in rows:
        f = figures.get(event.id, MarketFigures(events=1))
        for name in MarketFigures.__dataclass_fields__:
            total[name] += getattr(f, name) or (1 if name == "events" else 0)
        events.append(event_out(event, area, until, f))
    return MarketFigures(**total), events


def matter_place(session: Session, matter_id: int) -> tuple[int, int]:
    """(stall id, event id) of a matter."""
    row = session.execute(
        select(MarketMatter.stall_id, MarketMatter.event_id).where(MarketMatter.id == matter_id)
    ).one_or_none()
    if row is None:
        raise NotFound("matter_not_found", f"no matter {matter_id}")
    return int(row[0]), int(row[1])
