"""Early warning (弱信号): detect bursts, repeat petitioners and growing crowd clusters for one
day, store each as an `Alert` once (its `key` is unique), and let a person acknowledge it.

- burst: appeals of one class in one community (and, separately, one street) on the day
  against the same place and class over the trailing 28 days (`rules.burst_test`, Poisson);
- repeat petitioner: a phone with 3 or more appeals in the trailing 30 days, one of them on
  the day; raised again only when the count reaches the next tier (5, 10, 20, 50);
- crowd growth: a hotspot of the trailing 7 days in one community with 5 or more citizens that
  grew on the day; raised again at the next tier of citizens (10, 20, 50, 100).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from minyi.analytics.models import Alert
from minyi.analytics.queries import AlertView, alert_views, hotspots_of_day
from minyi.analytics.rules import CROWD_TIERS, REPEAT_TIERS, burst_test, period_of, tier_reached
from minyi.cases.models import Appeal, Case
from minyi.core.errors import Conflict, Forbidden, NotFound
from minyi.org.models import Unit
from minyi.org.rules import AREA_ROLES, Actor, Role
from minyi.privacy.rules import mask_phone

BASELINE_DAYS = 28
REPEAT_WINDOW_DAYS = 30
EVIDENCE_CASES = 50
UNCLASSIFIED = "未分类"
ACKNOWLEDGERS = frozenset({Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN})


@dataclass(frozen=True)
class Candidate:
    key: str
    kind: str
    level: str
    title: str
    unit_id: int | None
    class_name: str | None
    evidence: dict[str, Any]


def _bursts(session: Session, day: date) -> list[Candidate]:
    today = period_of("day", day)
    since = today.start - timedelta(days=BASELINE_DAYS)
    found: list[Candidate] = []
    for level_name, column in (("community", Case.community_id), ("street", Case.street_id)):
        on_day = Case.registered_at >= today.start
        rows = session.execute(
            select(
                column,
                Case.class_name,
                func.sum(case((on_day, 1), else_=0)),
                func.sum(case((on_day, 0), else_=1)),
            )
            .where(Case.registered_at >= since, Case.registered_at < today.end, column.is_not(None))
            .group_by(column, Case.class_name)
            .having(func.sum(case((on_day, 1), else_=0)) >= 1)
        ).all()
        for unit_id, class_name, count, baseline in rows:
            test = burst_test(int(count), int(baseline), BASELINE_DAYS)
            if not test.is_burst:
                continue
            label = class_name or UNCLASSIFIED
            ids = list(
                session.scalars(
                    select(Case.id)
                    .where(
                        column == unit_id,
                        Case.class_name.is_(None)
                        if class_name is None
                        else Case.class_name == class_name,
                        Case.registered_at >= today.start,
                        Case.registered_at < today.end,
                    )
                    .order_by(Case.id)
                    .limit(EVIDENCE_CASES)
                )
            )
            found.append(
                Candidate(
                    key=f"burst:{level_name}:{unit_id}:{label}:{day.isoformat()}",
                    kind="burst",
                    level=test.level,
                    title=f"「{label}」诉求激增：当日{test.count}件，近{BASELINE_DAYS}天日均{test.expected:.2f}件",
                    unit_id=int(unit_id),
                    class_name=class_name,
                    evidence={
                        "area_level": level_name,
                        "count": test.count,
                        "baseline_count": test.baseline_count,
                        "baseline_days": BASELINE_DAYS,
                        "expected_per_day": test.expected,
                        "p_value": test.p_value,
                        "test": "poisson upper tail",
                        "case_ids": ids,
                    },
                )
            )
    return found


def _repeat_petitioners(session: Session, day: date) -> list[Candidate]:
    today = period_of("day", day)
    since = today.end - timedelta(days=REPEAT_WINDOW_DAYS)
    rows = session.execute(
        select(Appeal.phone, func.count(), func.max(Case.registered_at))
        .join(Case, Case.appeal_id == Appeal.id)
        .where(
            Case.registered_at >= since, Case.registered_at < today.end, Appeal.phone.is_not(None)
        )
        .group_by(Appeal.phone)
        .having(and_(func.count() >= REPEAT_TIERS[0], func.max(Case.registered_at) >= today.start))
    ).all()
    found = []
    for phone, count, _ in rows:
        tier = tier_reached(int(count), REPEAT_TIERS)
        if tier is None:
            continue
        cases = session.execute(
            select(Case.id, Case.street_id)
            .join(Appeal, Appeal.id == Case.appeal_id)
            .where(
                Appeal.phone == phone, Case.registered_at >= since, Case.registered_at < today.end
            )
            .order_by(Case.id)
            .limit(EVIDENCE_CASES)
        ).all()
        found.append(
            Candidate(
                key=f"repeat:{phone}:{tier}",
                kind="repeat_petitioner",
                level="red" if tier >= REPEAT_TIERS[2] else "yellow",
                title=f"重复来访：{mask_phone(phone)} 近{REPEAT_WINDOW_DAYS}天{count}次诉求",
                unit_id=cases[-1][1] if cases else None,
                class_name=None,
                evidence={
                    "phone": mask_phone(phone),
                    "count": int(count),
                    "window_days": REPEAT_WINDOW_DAYS,
                    "tier": tier,
                    "case_ids": [c[0] for c in cases],
                },
            )
        )
    return found


def _crowd_growth(session: Session, day: date) -> list[Candidate]:
    found = []
    for h in hotspots_of_day(session, day=day, window_days=7, limit=50):
        tier = tier_reached(h.citizens, CROWD_TIERS)
        if tier is None or h.growth <= 0:
            continue
        unit_id = session.scalar(select(Case.community_id).where(Case.id == int(h.member_ids[0])))
        found.append(
            Candidate(
                key=f"crowd:{h.member_ids[0]}:{tier}",
                kind="crowd_growth",
                level="red" if tier >= CROWD_TIERS[1] else "yellow",
                title=f"群体诉求增长：{h.place or ''}「{h.description}」{h.citizens}人{h.messages}件",
                unit_id=unit_id,
                class_name=None,
                evidence={
                    "citizens": h.citizens,
                    "messages": h.messages,
                    "growth": h.growth,
                    "heat": h.heat,
                    "tier": tier,
                    "first_at": h.first_at.isoformat(),
                    "last_at": h.last_at.isoformat(),
                    "case_ids": [int(i) for i in h.member_ids[:EVIDENCE_CASES]],
                },
            )
        )
    return found


def detect(session: Session, *, day: date) -> list[Candidate]:
    """Every signal of the day, stored or not (pure reads)."""
    return [
        *_bursts(session, day),
        *_repeat_petitioners(session, day),
        *_crowd_growth(session, day),
    ]


def raise_alerts(session: Session, *, day: date, now: datetime) -> list[Alert]:
    """Store the day's signals that have no alert yet; returns the new alerts. Running it twice
    raises nothing the second time; on a race the unique key refuses the second writer."""
    return store_alerts(session, detect(session, day=day), day=day, now=now)


def store_alerts(
    session: Session, candidates: list[Candidate], *, day: date, now: datetime
) -> list[Alert]:
    """The write half of `raise_alerts`, for a caller that detected in a reading transaction."""
    if not candidates:
        return []
    keys = [c.key for c in candidates]
    known = set(session.scalars(select(Alert.key).where(Alert.key.in_(keys))))
    new = []
    for c in candidates:
        if c.key in known:
            continue
        known.add(c.key)
        alert = Alert(
            key=c.key,
            kind=c.kind,
            level=c.level,
            title=c.title[:300],
            unit_id=c.unit_id,
            class_name=c.class_name,
            day=day.isoformat(),
            evidence=c.evidence,
            raised_at=now,
            status="open",
        )
        session.add(alert)
        new.append(alert)
    session.flush()
    return new


def early_warnings(session: Session, *, day: date, now: datetime) -> list[AlertView]:
    """Raise the day's new alerts and return every alert of that day, red first (for the daily
    report: call it inside a unit of work)."""
    raise_alerts(session, day=day, now=now)
    alerts = session.scalars(
        select(Alert).where(Alert.day == day.isoformat()).order_by(Alert.id)
    ).all()
    views = alert_views(session, list(alerts))
    return sorted(views, key=lambda v: (v.level != "red", v.kind, v.id))


def acknowledge_alert(
    session: Session, alert_id: int, *, actor: Actor, note: str | None, now: datetime
) -> Alert:
    """A leader, supervisor, dispatcher or admin, or area staff for an alert in their area,
    acknowledges it once."""
    alert = session.get(Alert, alert_id, with_for_update=True)
    if alert is None:
        raise NotFound("alert_not_found", f"no alert {alert_id}")
    if actor.role not in ACKNOWLEDGERS:
        unit = session.get(Unit, alert.unit_id) if alert.unit_id is not None else None
        in_area = (
            actor.role in AREA_ROLES
            and unit is not None
            and actor.unit_path is not None
            and unit.path.startswith(actor.unit_path)
        )
        if not in_area:
            raise Forbidden(
                "cannot_acknowledge",
                "only leaders, supervisors, dispatchers, admins or the area's staff acknowledge alerts",
            )
    if alert.status == "acknowledged":
        raise Conflict("alert_acknowledged", "this alert is already acknowledged")
    alert.status = "acknowledged"
    alert.acknowledged_by_id = actor.staff_id
    alert.acknowledged_at = now
    alert.ack_note = (note or "").strip()[:2000] or None
    session.flush()
    return alert
