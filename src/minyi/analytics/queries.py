"""Reads: hotspots over the cases of a period, alerts and sweeps as the API and CLI show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.analytics.hotspots import Hotspot, HotspotConfig, Message, cluster_messages
from minyi.analytics.models import Alert, Sweep
from minyi.analytics.rules import period_of
from minyi.cases.models import Appeal, Case
from minyi.core.errors import Invalid, NotFound
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor
from minyi.privacy.rules import mask_text
from minyi.supervision.models import Instruction
from minyi.supervision.queries import describe_instructions

# Only the start of the body takes part in clustering (HotspotConfig.body_chars), so only that
# much leaves the database.
BODY_CHARS = 80
MAX_SPAN = timedelta(days=92)


def period_messages(session: Session, *, start: datetime, end: datetime) -> list[Message]:
    """The appeals registered in [start, end) as hotspot messages: place = community (else
    street), citizen = phone, crowd size as declared. A hotspot is named after one of its
    titles and goes to every reader of a board or a report, so titles come with the personal
    data in them masked (numbers, flats, the complainant's own name), as text tied to no one
    reader's view of a case."""
    if end <= start:
        raise Invalid("bad_period", "end must come after start", field="end")
    if end - start > MAX_SPAN:
        raise Invalid("period_too_long", "a hotspot pass covers at most 92 days", field="start")
    rows = session.execute(
        select(
            Case.id,
            Appeal.title,
            func.substr(Appeal.body, 1, BODY_CHARS),
            Case.registered_at,
            Appeal.phone,
            func.coalesce(Case.community_id, Case.street_id),
            Appeal.crowd_size,
            Appeal.citizen_name,
        )
        .join(Appeal, Appeal.id == Case.appeal_id)
        .where(Case.registered_at >= start, Case.registered_at < end)
    ).all()
    place_ids = {r[5] for r in rows if r[5] is not None}
    names = (
        dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(place_ids))).all())
        if place_ids
        else {}
    )
    return [
        Message(
            id=str(case_id),
            title=mask_text(title or "", names=(citizen_name,)),
            body=body or "",
            at=at,
            citizen=phone,
            place=place,
            place_name=names.get(place) if place is not None else None,
            crowd_size=crowd,
        )
        for case_id, title, body, at, phone, place, crowd, citizen_name in rows
    ]


def find_hotspots(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    limit: int = 10,
    as_of: datetime | None = None,
    config: HotspotConfig | None = None,
) -> list[Hotspot]:
    """The `limit` hottest clusters of appeals registered in [start, end), growth judged as of
    `as_of` (default `end`). Member ids are case ids, as strings."""
    if limit < 1 or limit > 200:
        raise Invalid("bad_limit", "limit is 1 to 200", field="limit")
    messages = period_messages(session, start=start, end=end)
    return cluster_messages(messages, as_of=as_of or end, limit=limit, config=config)


def hotspots_of_day(
    session: Session, *, day: date, window_days: int = 7, limit: int = 10
) -> list[Hotspot]:
    """The daily pass: clusters over the `window_days` days ending with `day` (Beijing time),
    growth = the last day against the day before."""
    if not 1 <= window_days <= 92:
        raise Invalid("bad_window", "window_days is 1 to 92", field="window_days")
    last = period_of("day", day)
    return find_hotspots(
        session,
        start=last.end - timedelta(days=window_days),
        end=last.end,
        limit=limit,
        config=HotspotConfig(growth_days=1),
    )


@dataclass(frozen=True)
class AlertView:
    id: int
    kind: str
    level: str
    title: str
    unit: str | None
    unit_name: str | None
    class_name: str | None
    day: str
    evidence: dict[str, Any]
    raised_at: datetime
    status: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    ack_note: str | None


def alert_views(session: Session, alerts: list[Alert]) -> list[AlertView]:
    unit_ids = {a.unit_id for a in alerts if a.unit_id is not None}
    units = (
        {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}
        if unit_ids
        else {}
    )
    staff_ids = {a.acknowledged_by_id for a in alerts if a.acknowledged_by_id is not None}
    staff = (
        dict(session.execute(select(Staff.id, Staff.username).where(Staff.id.in_(staff_ids))).all())
        if staff_ids
        else {}
    )
    return [
        AlertView(
            id=a.id,
            kind=a.kind,
            level=a.level,
            title=a.title,
            unit=units[a.unit_id].code if a.unit_id in units else None,
            unit_name=units[a.unit_id].name if a.unit_id in units else None,
            class_name=a.class_name,
            day=a.day,
            evidence=a.evidence,
            raised_at=a.raised_at,
            status=a.status,
            acknowledged_by=staff.get(a.acknowledged_by_id) if a.acknowledged_by_id else None,
            acknowledged_at=a.acknowledged_at,
            ack_note=a.ack_note,
        )
        for a in alerts
    ]


def list_alerts(
    session: Session,
    *,
    status: str | None = None,
    day: date | None = None,
    kind: str | None = None,
    unit_path: str | None = None,
    limit: int = 100,
) -> list[Alert]:
    """Newest first; `unit_path` keeps the alerts located in that subtree (area staff)."""
    stmt = select(Alert).order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(Alert.status == status)
    if day:
        stmt = stmt.where(Alert.day == day.isoformat())
    if kind:
        stmt = stmt.where(Alert.kind == kind)
    if unit_path:
        stmt = stmt.join(Unit, Unit.id == Alert.unit_id).where(Unit.path.startswith(unit_path))
    return list(session.scalars(stmt))


def get_sweep(session: Session, sweep_id: int) -> Sweep:
    sweep = session.get(Sweep, sweep_id)
    if sweep is None:
        raise NotFound("sweep_not_found", f"no sweep {sweep_id}")
    return sweep


def sweep_view(session: Session, sweep: Sweep, now: datetime, *, actor: Actor) -> dict[str, Any]:
    """The sweep with its instruction and each task's state (open / overdue / done / done_late);
    the instruction's text and the tasks' results through `actor`'s view of the source case."""
    instruction = session.get(Instruction, sweep.instruction_id)
    assert instruction is not None
    source = session.get(Case, sweep.source_case_id)
    return {
        "id": sweep.id,
        "source_case_id": sweep.source_case_id,
        "source_tracking_no": source.tracking_no if source else None,
        "place_kind": sweep.place_kind,
        "place_filter": sweep.place_filter,
        "places": sweep.places,
        "similar_case_ids": sweep.similar_case_ids,
        "created_at": sweep.created_at,
        "instruction": describe_instructions(session, [instruction], now, actor=actor)[0],
    }


def list_sweeps(session: Session, *, limit: int = 50) -> list[Sweep]:
    return list(session.scalars(select(Sweep).order_by(Sweep.id.desc()).limit(limit)))
