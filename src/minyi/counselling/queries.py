"""Reads of counselling: whose records a reader sees, a record described through the privacy
policy (notes only for their author and the author's supervisors), what a case shows of its
counselling and 话聊, the counsellor's appointments, and the service's figures (counts only)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.cases.queries import reader_view, visible_to
from minyi.core.errors import NotFound
from minyi.counselling.models import (
    CounsellingFollowUp,
    CounsellingRecord,
    CounsellingSession,
    TalkSession,
)
from minyi.counselling.rules import (
    RECORD_LABELS,
    RECORD_READERS,
    RISK_LABELS,
    RISK_ORDER,
    SELF_HARM_CATEGORIES,
    TALK_LABELS,
    RecordStatus,
    RiskLevel,
    TalkStatus,
)
from minyi.escalation.queries import active_holding
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor
from minyi.privacy.rules import counselling_client, counselling_notes
from minyi.services.models import Appointment, ServiceSite, SiteRoom, SiteStaff
from minyi.services.queries import serves_as, supervisor_of
from minyi.services.rules import AppointmentStatus, Service, StaffKind
from minyi.triage.models import TriageSuggestion


def self_harm_flagged(session: Session, case_id: int) -> set[str]:
    """Triage's risk categories on the case's suggestions that mean self-harm (轻生倾向)."""
    found: set[str] = set()
    for flags in session.scalars(
        select(TriageSuggestion.risk_flags).where(TriageSuggestion.case_id == case_id)
    ):
        for flag in flags or []:
            category = flag.get("category") if isinstance(flag, dict) else None
            if category in SELF_HARM_CATEGORIES:
                found.add(category)
    return found


def supervised_by(session: Session, staff_id: int) -> set[int]:
    """The counsellors a supervisor supervises."""
    return {
        s
        for s in session.scalars(
            select(SiteStaff.staff_id).where(
                SiteStaff.supervisor_id == staff_id,
                SiteStaff.kind == StaffKind.COUNSELLOR.value,
            )
        )
    }


def is_counsellor(session: Session, actor: Actor) -> bool:
    return actor.staff_id is not None and serves_as(session, actor.staff_id, StaffKind.COUNSELLOR)


def may_use(session: Session, actor: Actor) -> bool:
    """Whether the counselling pages are for this reader at all."""
    return (
        actor.role in RECORD_READERS
        or is_counsellor(session, actor)
        or (actor.staff_id is not None and bool(supervised_by(session, actor.staff_id)))
        or (
            actor.staff_id is not None
            and (
                serves_as(session, actor.staff_id, StaffKind.LAWYER)
                or serves_as(session, actor.staff_id, StaffKind.MEDIATOR)
            )
        )
    )


def records_visible(session: Session, actor: Actor) -> ColumnElement[bool]:
    """A counsellor's own records, a supervisor's counsellors', every record for the district-wide
    roles (without a note); nobody else's."""
    if actor.staff_id is None:
        return false()
    if actor.role in RECORD_READERS:
        return true()
    mine = {actor.staff_id} | supervised_by(session, actor.staff_id)
    return CounsellingRecord.counsellor_id.in_(sorted(mine))


def get_record(session: Session, actor: Actor, record_id: int) -> CounsellingRecord:
    record = session.scalar(
        select(CounsellingRecord).where(
            CounsellingRecord.id == record_id, records_visible(session, actor)
        )
    )
    if record is None:
        raise NotFound("record_not_found", "没有找到该心理服务档案")
    return record


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    return dict(session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(wanted))).all())


def _site_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    return dict(
        session.execute(
            select(ServiceSite.id, Unit.name)
            .join(Unit, Unit.id == ServiceSite.unit_id)
            .where(ServiceSite.id.in_(wanted))
        ).all()
    )


def _room_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    return dict(
        session.execute(select(SiteRoom.id, SiteRoom.name).where(SiteRoom.id.in_(wanted))).all()
    )


def list_records(
    session: Session, actor: Actor, *, status: str | None = None, limit: int = 200
) -> list[CounsellingRecord]:
    stmt = select(CounsellingRecord).where(records_visible(session, actor))
    if status:
        stmt = stmt.where(CounsellingRecord.status == status)
    return list(
        session.scalars(
            stmt.order_by(CounsellingRecord.opened_at.desc(), CounsellingRecord.id.desc()).limit(
                limit
            )
        )
    )


def describe_records(
    session: Session, actor: Actor, records: list[CounsellingRecord], *, today: date
) -> list[dict[str, Any]]:
    """Records as a reader may see them: the client through the policy, the figures of each
    (sessions held, last held, follow-ups), never a note."""
    if not records:
        return []
    ids = [r.id for r in records]
    held = {
        rid: (n, last)
        for rid, n, last in session.execute(
            select(
                CounsellingSession.record_id,
                func.count(),
                func.max(CounsellingSession.held_at),
            )
            .where(CounsellingSession.record_id.in_(ids))
            .group_by(CounsellingSession.record_id)
        ).all()
    }
    follow = Counter[tuple[int, str]]()
    for rid, due_on, done_at in session.execute(
        select(
            CounsellingFollowUp.record_id, CounsellingFollowUp.due_on, CounsellingFollowUp.done_at
        ).where(CounsellingFollowUp.record_id.in_(ids))
    ).all():
        follow[(rid, "done" if done_at else ("overdue" if due_on < today else "planned"))] += 1
    names = _names(session, {r.counsellor_id for r in records})
    sites = _site_names(session, {r.site_id for r in records})
    supervisors = {c: supervisor_of(session, c) for c in {r.counsellor_id for r in records}}
    out = []
    for r in records:
        name, phone = counselling_client(
            actor,
            name=r.client_name,
            phone=r.client_phone,
            counsellor_id=r.counsellor_id,
            supervisor_ids=supervisors[r.counsellor_id],
        )
        n, last = held.get(r.id, (0, None))
        out.append(
            {
                "id": r.id,
                "client_name": name,
                "client_phone": phone,
                "site": sites.get(r.site_id, ""),
                "counsellor": names.get(r.counsellor_id, ""),
                "counsellor_id": r.counsellor_id,
                "case_id": r.case_id,
                "risk_level": r.risk_level,
                "risk_label": RISK_LABELS[RiskLevel(r.risk_level)],
                "risk_from_triage": r.risk_from == "triage",
                "status": r.status,
                "status_label": RECORD_LABELS[RecordStatus(r.status)],
                "opened_at": r.opened_at,
                "sessions_held": n,
                "last_held_at": last,
                "follow_ups_done": follow[(r.id, "done")],
                "follow_ups_planned": follow[(r.id, "planned")],
                "follow_ups_overdue": follow[(r.id, "overdue")],
                "is_mine": actor.staff_id == r.counsellor_id,
            }
        )
    return out


def record_detail(
    session: Session, actor: Actor, record: CounsellingRecord, *, today: date
) -> dict[str, Any]:
    """One record with its sessions and follow-ups: notes through the policy (None for every
    reader but the author and the author's supervisors)."""
    out = describe_records(session, actor, [record], today=today)[0]
    supervisors = supervisor_of(session, record.counsellor_id)
    sessions = list(
        session.scalars(
            select(CounsellingSession)
            .where(CounsellingSession.record_id == record.id)
            .order_by(CounsellingSession.held_at, CounsellingSession.id)
        )
    )
    rooms = _room_names(session, {s.room_id for s in sessions})
    follow_ups = list(
        session.scalars(
            select(CounsellingFollowUp)
            .where(CounsellingFollowUp.record_id == record.id)
            .order_by(CounsellingFollowUp.due_on, CounsellingFollowUp.id)
        )
    )
    out["may_read_notes"] = actor.staff_id == record.counsellor_id or (
        actor.staff_id in supervisors
    )
    out["may_write"] = actor.staff_id == record.counsellor_id and record.status == "open"
    out["may_set_risk"] = out["may_write"] or actor.staff_id in supervisors
    out["sessions"] = [
        {
            "id": s.id,
            "held_at": s.held_at,
            "minutes": s.minutes,
            "room": rooms.get(s.room_id) if s.room_id else None,
            "notes": counselling_notes(
                actor, s.notes, author_id=s.counsellor_id, supervisor_ids=supervisors
            ),
        }
        for s in sessions
    ]
    out["follow_ups"] = [
        {
            "id": f.id,
            "due_on": f.due_on,
            "done_at": f.done_at,
            "is_overdue": f.done_at is None and f.due_on < today,
            "notes": counselling_notes(
                actor, f.notes, author_id=f.done_by_id, supervisor_ids=supervisors
            ),
        }
        for f in follow_ups
    ]
    return out


# --- 话聊 ----------------------------------------------------------------------------------------


def talks_visible(session: Session, actor: Actor) -> ColumnElement[bool]:
    """Talks on cases the reader sees, those they take part in, the open requests for every
    counsellor (to take one), and their counsellors' for a supervisor."""
    if actor.staff_id is None:
        return false()
    mine = {actor.staff_id} | supervised_by(session, actor.staff_id)
    clauses: list[ColumnElement[bool]] = [
        TalkSession.case_id.in_(select(Case.id).where(visible_to(actor))),
        TalkSession.counsellor_id.in_(sorted(mine)),
        TalkSession.lawyer_id == actor.staff_id,
        TalkSession.mediator_id == actor.staff_id,
    ]
    if is_counsellor(session, actor):
        clauses.append(TalkSession.status == TalkStatus.REQUESTED.value)
    return or_(*clauses)


def get_talk(session: Session, actor: Actor, talk_id: int) -> TalkSession:
    talk = session.scalar(
        select(TalkSession).where(TalkSession.id == talk_id, talks_visible(session, actor))
    )
    if talk is None:
        raise NotFound("talk_not_found", "没有找到该话聊")
    return talk


def list_talks(
    session: Session, actor: Actor, *, case_id: int | None = None, status: str | None = None
) -> list[TalkSession]:
    stmt = select(TalkSession).where(talks_visible(session, actor))
    if case_id is not None:
        stmt = stmt.where(TalkSession.case_id == case_id)
    if status:
        stmt = stmt.where(TalkSession.status == status)
    return list(
        session.scalars(
            stmt.order_by(TalkSession.requested_at.desc(), TalkSession.id.desc()).limit(200)
        )
    )


def describe_talks(
    session: Session, actor: Actor, talks: list[TalkSession]
) -> list[dict[str, Any]]:
    """话聊 as a reader may see them: who took part (staff), when, the summary (the plan agreed)
    in clear for the three professionals and through the reader's view of the case for the rest;
    the counsellor's notes only for the counsellor and their supervisors."""
    names = _names(
        session,
        {
            i
            for t in talks
            for i in (t.requested_by_id, t.counsellor_id, t.lawyer_id, t.mediator_id)
        },
    )
    sites = _site_names(session, {t.site_id for t in talks})
    rooms = _room_names(session, {t.room_id for t in talks})
    out = []
    for t in talks:
        case = session.get(Case, t.case_id)
        assert case is not None
        inside = actor.staff_id in (t.counsellor_id, t.lawyer_id, t.mediator_id)
        supervisors = supervisor_of(session, t.counsellor_id) if t.counsellor_id else set()
        holding = active_holding(session, t.case_id)
        summary = t.summary
        if summary and not inside:
            summary = reader_view(session, case, actor).show_text(summary)
        out.append(
            {
                "id": t.id,
                "case_id": t.case_id,
                "tracking_no": case.tracking_no,
                "status": t.status,
                "status_label": TALK_LABELS[TalkStatus(t.status)],
                "requested_by": names.get(t.requested_by_id, ""),
                "requested_at": t.requested_at,
                "site": sites.get(t.site_id) if t.site_id else None,
                "room": rooms.get(t.room_id) if t.room_id else None,
                "counsellor": names.get(t.counsellor_id) if t.counsellor_id else None,
                "lawyer": names.get(t.lawyer_id) if t.lawyer_id else None,
                "mediator": names.get(t.mediator_id) if t.mediator_id else None,
                "planned_at": t.planned_at,
                "held_at": t.held_at,
                "minutes": t.minutes,
                "summary": summary,
                "notes": counselling_notes(
                    actor, t.notes, author_id=t.counsellor_id, supervisor_ids=supervisors
                ),
                "is_counsellor": actor.staff_id is not None and actor.staff_id == t.counsellor_id,
                # 包案: the leader holding the case, whom the 话聊 serves.
                "holding_leader": _names(session, {holding.leader_id}).get(holding.leader_id)
                if holding is not None
                else None,
            }
        )
    return out


def case_counselling(session: Session, actor: Actor, case_id: int) -> dict[str, Any]:
    """What a reader of the case sees of its counselling: that sessions were held, when, how many
    follow-ups, the risk level; and its 话聊. Never a note, never the client's words."""
    rows = list(
        session.scalars(
            select(CounsellingRecord)
            .where(CounsellingRecord.case_id == case_id)
            .order_by(CounsellingRecord.id)
        )
    )
    level = None
    for r in rows:
        lv = RiskLevel(r.risk_level)
        level = lv if level is None or RISK_ORDER.index(lv) > RISK_ORDER.index(level) else level
    # Most cases have no counselling record: nothing to count, no visibility to work out (the
    # case page asks on every view).
    held: dict[int, int] = {}
    dates: list[datetime] = []
    done: int | None = 0
    visible_ids: set[int] = set()
    if rows:
        ids = [r.id for r in rows]
        held = dict(
            session.execute(
                select(CounsellingSession.record_id, func.count())
                .where(CounsellingSession.record_id.in_(ids))
                .group_by(CounsellingSession.record_id)
            ).all()
        )
        dates = [
            d
            for d in session.scalars(
                select(CounsellingSession.held_at)
                .where(CounsellingSession.record_id.in_(ids))
                .order_by(CounsellingSession.held_at)
            )
        ]
        done = session.scalar(
            select(func.count())
            .select_from(CounsellingFollowUp)
            .where(
                CounsellingFollowUp.record_id.in_(ids),
                CounsellingFollowUp.done_at.is_not(None),
            )
        )
        visible_ids = {
            r.id
            for r in session.scalars(
                select(CounsellingRecord).where(
                    CounsellingRecord.case_id == case_id, records_visible(session, actor)
                )
            )
        }
    return {
        "records": len(rows),
        "record_ids": sorted(visible_ids),
        "sessions_held": sum(held.values()),
        "held_dates": dates,
        "follow_ups_done": int(done or 0),
        "risk_level": level.value if level is not None else None,
        "risk_label": RISK_LABELS[level] if level is not None else None,
        "talks": describe_talks(session, actor, list_talks(session, actor, case_id=case_id)),
    }


def my_appointments(session: Session, actor: Actor, *, since: datetime) -> list[Appointment]:
    """The counselling appointments booked with this counsellor from `since` on."""
    if actor.staff_id is None:
        return []
    return list(
        session.scalars(
            select(Appointment)
            .where(
                Appointment.staff_id == actor.staff_id,
                Appointment.service == Service.COUNSELLING.value,
                Appointment.status == AppointmentStatus.BOOKED.value,
                Appointment.starts_at >= since,
            )
            .order_by(Appointment.starts_at)
            .limit(100)
        )
    )


def counsellor_sites(session: Session, actor: Actor) -> list[tuple[int, str]]:
    if actor.staff_id is None:
        return []
    return [
        (i, n)
        for i, n in session.execute(
            select(ServiceSite.id, Unit.name)
            .join(Unit, Unit.id == ServiceSite.unit_id)
            .join(SiteStaff, SiteStaff.site_id == ServiceSite.id)
            .where(
                SiteStaff.staff_id == actor.staff_id,
                SiteStaff.kind == StaffKind.COUNSELLOR.value,
                SiteStaff.is_active.is_(True),
            )
            .order_by(Unit.path)
        ).all()
    ]


def site_rooms(session: Session, site_ids: list[int]) -> list[tuple[int, str]]:
    return [
        (i, n)
        for i, n in session.execute(
            select(SiteRoom.id, SiteRoom.name)
            .where(SiteRoom.site_id.in_(site_ids or [0]))
            .order_by(SiteRoom.id)
        ).all()
    ]


def service_figures(session: Session, *, since: datetime, until: datetime) -> dict[str, Any]:
    """心理服务 over [since, until): counts only, with Chinese labels."""
    sessions_held = session.scalar(
        select(func.count())
        .select_from(CounsellingSession)
        .where(CounsellingSession.held_at >= since, CounsellingSession.held_at < until)
    )
    clients = session.scalar(
        select(func.count(func.distinct(CounsellingSession.record_id))).where(
            CounsellingSession.held_at >= since, CounsellingSession.held_at < until
        )
    )
    opened = session.scalar(
        select(func.count())
        .select_from(CounsellingRecord)
        .where(CounsellingRecord.opened_at >= since, CounsellingRecord.opened_at < until)
    )
    talks = session.scalar(
        select(func.count())
        .select_from(TalkSession)
        .where(
            TalkSession.status == TalkStatus.HELD.value,
            TalkSession.held_at >= since,
            TalkSession.held_at < until,
        )
    )
    done = session.scalar(
        select(func.count())
        .select_from(CounsellingFollowUp)
        .where(CounsellingFollowUp.done_at >= since, CounsellingFollowUp.done_at < until)
    )
    overdue = session.scalar(
        select(func.count())
        .select_from(CounsellingFollowUp)
        .where(
            CounsellingFollowUp.due_on < until.date(),
            CounsellingFollowUp.planned_at < until,
            or_(CounsellingFollowUp.done_at.is_(None), CounsellingFollowUp.done_at >= until),
        )
    )
    by_risk = dict.fromkeys((RISK_LABELS[lv] for lv in RISK_ORDER), 0)
    for level, n in session.execute(
        select(CounsellingRecord.risk_level, func.count())
        .where(
            CounsellingRecord.opened_at < until,
            or_(CounsellingRecord.closed_at.is_(None), CounsellingRecord.closed_at >= since),
        )
        .group_by(CounsellingRecord.risk_level)
    ).all():
        by_risk[RISK_LABELS[RiskLevel(level)]] += n
    return {
        "服务对象": int(clients or 0),
        "新建档案": int(opened or 0),
        "咨询次数": int(sessions_held or 0),
        "话聊次数": int(talks or 0),
        "回访已完成": int(done or 0),
        "回访已逾期": int(overdue or 0),
        "按风险等级": by_risk,
    }
