"""Read side of joint meetings: who reads which meeting, the hard cases offered for an agenda,
and the meeting as each reader sees it (case titles, decisions and tasks through the privacy
policy of that reader, or of every member unit at once for the minutes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case
from minyi.cases.queries import reader_views, text_view, visible_to
from minyi.cases.rules import OPEN
from minyi.core.errors import NotFound
from minyi.core.i18n import STATUS_ZH, label
from minyi.core.listing import Listing, list_page
from minyi.core.paging import asc, desc
from minyi.escalation.models import CaseEscalation
from minyi.meetings.models import AgendaItem, Meeting, MeetingUnit
from minyi.meetings.rules import (
    BACKLOG_DAYS,
    BOUNCES,
    CROWD_SIZE,
    READ_ALL,
    SUBJECT_PREFIX,
    CaseFacts,
    Level,
    difficulty,
    level_label,
    may_organise,
    parse_subject_ref,
    status_label,
    tag_labels,
    weight,
)
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor, Role
from minyi.privacy.rules import (
    PUBLIC_VIEW,
    CaseView,
    Show,
    identity_hidden,
    oversight_view,
    public_view,
)
from minyi.supervision.models import Instruction, InstructionTask
from minyi.supervision.queries import task_clocks
from minyi.supervision.rules import TASK_STATE_ZH
from minyi.triage.models import AppealLink

# The candidates list offers the heaviest this many, ranked among at most CANDIDATE_SCAN hard ones.
CANDIDATES = 50
CANDIDATE_SCAN = 5000


def meetings_visible_to(actor: Actor) -> ColumnElement[bool]:
    """The district's office, supervisors and leaders read every meeting; a street's staff read
    their street's meetings; any unit reads the meetings it is a member of. Out of scope reads
    as 'not found'."""
    if actor.role in READ_ALL:
        return true()
    if actor.role is None or actor.unit_id is None:
        return false()
    return or_(
        Meeting.street_id == actor.unit_id,
        exists().where(MeetingUnit.meeting_id == Meeting.id, MeetingUnit.unit_id == actor.unit_id),
    )


def get_visible_meeting(
    session: Session, meeting_id: int, actor: Actor, *, for_update: bool = False
) -> Meeting:
    stmt = select(Meeting).where(Meeting.id == meeting_id, meetings_visible_to(actor))
    if for_update:
        stmt = stmt.with_for_update()
    meeting = session.scalar(stmt)
    if meeting is None:
        raise NotFound("meeting_not_found", f"没有编号为{meeting_id}的联席会议")
    return meeting


def list_meetings(
    session: Session,
    actor: Actor,
    *,
    now: datetime,
    when: str | None = None,
    page: int = 1,
    page_size: int = 50,
    cursor: str | None = None,
) -> Listing[Meeting]:
    """Meetings the actor reads; `when` = upcoming (soonest first) or past (latest first)."""
    stmt = select(Meeting).where(meetings_visible_to(actor))
    first = desc(Meeting.starts_at)
    if when == "upcoming":
        stmt, first = stmt.where(Meeting.starts_at >= now), asc(Meeting.starts_at)
    elif when == "past":
        stmt = stmt.where(Meeting.starts_at < now)
    order = [first, desc(Meeting.id)]
    return list_page(session, stmt, order, page=page, page_size=page_size, cursor=cursor)


def items_of(session: Session, meeting_id: int) -> list[AgendaItem]:
    return list(
        session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def member_units(session: Session, meeting_ids: list[int]) -> dict[int, list[Unit]]:
    out: dict[int, list[Unit]] = {}
    for mid, unit in session.execute(
        select(MeetingUnit.meeting_id, Unit)
        .join(Unit, Unit.id == MeetingUnit.unit_id)
        .where(MeetingUnit.meeting_id.in_(meeting_ids))
        .order_by(MeetingUnit.id)
    ):
        out.setdefault(mid, []).append(unit)
    return out


@dataclass(frozen=True)
class Candidate:
    case_id: int
    tracking_no: str
    title: str
    status: str
    status_label: str
    tags: list[str]
    reasons: str


def candidates(
    session: Session, actor: Actor, meeting: Meeting, *, now: datetime, limit: int = CANDIDATES
) -> list[Candidate]:
    """Hard cases to offer for the agenda (疑难复杂): open cases the actor may see (a street
    meeting: in that street) that are escalated, overdue, crowd, key, repeat, backlog or bounced
    back and forth, heaviest first; those already on the agenda are left out. Titles come
    through the actor's privacy view."""
    repeat = exists().where(AppealLink.appeal_id == Case.appeal_id, AppealLink.kind == "repeat")
    stmt = (
        select(
            Case.id,
            Case.tracking_no,
            Case.status,
            Case.is_overdue,
            Case.is_key_case,
            Case.registered_at,
            Case.bounce_count,
            Appeal.crowd_size,
            CaseEscalation.case_id.is_not(None),
            repeat,
        )
        .join(Appeal, Appeal.id == Case.appeal_id)
        .outerjoin(CaseEscalation, CaseEscalation.case_id == Case.id)
        .where(
            Case.status.in_(OPEN),
            visible_to(actor),
            ~exists().where(AgendaItem.meeting_id == meeting.id, AgendaItem.case_id == Case.id),
            # Only cases with a reason to be hard (the rules then name the reasons).
            or_(
                CaseEscalation.case_id.is_not(None),
                Case.is_overdue.is_(True),
                Case.is_key_case.is_(True),
                Appeal.crowd_size >= CROWD_SIZE,
                Case.registered_at <= now - timedelta(days=BACKLOG_DAYS),
                Case.bounce_count >= BOUNCES,
                repeat,
            ),
        )
        .order_by(Case.registered_at)
        .limit(CANDIDATE_SCAN)
    )
    if meeting.level == Level.STREET and meeting.street_id is not None:
        stmt = stmt.where(Case.street_id == meeting.street_id)
    found: list[tuple[int, str, str, list[str], datetime]] = []
    for (
        cid,
        no,
        status,
        overdue,
        key,
        registered,
        bounces,
        crowd,
        escalated,
        rep,
    ) in session.execute(stmt):
        tags = difficulty(
            CaseFacts(
                escalated=bool(escalated),
                overdue=bool(overdue),
                crowd_size=crowd,
                key=bool(key),
                repeat=bool(rep),
                registered_at=registered,
                bounce_count=bounces or 0,
            ),
            now,
        )
        if tags:
            found.append((cid, no, status, tags, registered))
    found.sort(key=lambda r: (-weight(r[3]), r[4], r[0]))
    found = found[:limit]
    titles = _titles(session, actor, [r[0] for r in found])
    return [
        Candidate(
            cid, no, titles.get(cid, ""), status, label(STATUS_ZH, status), tags, tag_labels(tags)
        )
        for cid, no, status, tags, _ in found
    ]


def _titles(session: Session, actor: Actor | None, ids: list[int]) -> dict[int, str]:
    views = reader_views(session, actor, ids)
    rows = session.execute(
        select(Case.id, Appeal.title)
        .join(Appeal, Appeal.id == Case.appeal_id)
        .where(Case.id.in_(ids))
    )
    return {cid: text_view(views, cid).show_text(title) or "" for cid, title in rows}


def minutes_views(
    session: Session, actor: Actor, case_ids: list[int], members: list[Unit]
) -> dict[int, CaseView]:
    """The view the minutes take of each case: the minutes go to every member unit, so a case's
    text is hidden when the policy hides the complainant from any of them (or from the reader),
    and masked (the oversight reading) otherwise; never clearer than the reader's own view."""
    own = reader_views(session, actor, case_ids)
    rows = session.execute(
        select(Case.id, Case.identity_hidden_from, Case.accused_checked_at, Appeal)
        .join(Appeal, Appeal.id == Case.appeal_id)
        .where(Case.id.in_(case_ids))
    )
    out: dict[int, CaseView] = {}
    for cid, hidden_from, checked_at, appeal in rows:
        accused = any(
            # Any unit-level role stands for the unit's staff: the check reads the unit.
            identity_hidden(
                Role.UNIT_HANDLER, u.code, u.path, hidden_from, checked=checked_at is not None
            )
            for u in members
        )
        mine = own.get(cid, PUBLIC_VIEW)
        if accused or mine.text is Show.HIDDEN:
            out[cid] = public_view(appeal.citizen_name)
        else:
            out[cid] = oversight_view(appeal.citizen_name, is_confidential=appeal.is_confidential)
    return out


def tasks_of_meeting(
    session: Session, meeting_id: int
) -> dict[int, list[tuple[Instruction, InstructionTask]]]:
    """Agenda item id -> its tasks (the instruction for the task's wording, and the task)."""
    rows = session.execute(
        select(Instruction, InstructionTask)
        .join(InstructionTask, InstructionTask.instruction_id == Instruction.id)
        .where(Instruction.subject_ref.like(f"{SUBJECT_PREFIX}{meeting_id}#%"))
        .order_by(Instruction.id, InstructionTask.id)
    )
    out: dict[int, list[tuple[Instruction, InstructionTask]]] = {}
    for instruction, task in rows:
        ref = parse_subject_ref(instruction.subject_ref)
        if ref is not None and ref[0] == meeting_id:
            out.setdefault(ref[1], []).append((instruction, task))
    return out


def describe_meeting(
    session: Session, meeting: Meeting, actor: Actor, *, now: datetime, for_minutes: bool = False
) -> dict[str, Any]:
    """The meeting as this reader sees it: members, convener, agenda with each case's title,
    decision and tasks through the reader's privacy view (`for_minutes`: the minutes' view)."""
    members = member_units(session, [meeting.id]).get(meeting.id, [])
    items = items_of(session, meeting.id)
    case_ids = [i.case_id for i in items]
    views = (
        minutes_views(session, actor, case_ids, members)
        if for_minutes
        else reader_views(session, actor, case_ids)
    )
    cases = {
        c.id: (c, a)
        for c, a in session.execute(
            select(Case, Appeal)
            .join(Appeal, Appeal.id == Case.appeal_id)
            .where(Case.id.in_(case_ids))
        )
    }
    tasks = tasks_of_meeting(session, meeting.id)
    all_tasks = [t for ts in tasks.values() for _, t in ts]
    clocks = task_clocks(session, [t.id for t in all_tasks])
    unit_ids = {t.unit_id for t in all_tasks} | (
        {meeting.street_id} if meeting.street_id else set()
    )
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}
    people = {
        s.id: s
        for s in session.scalars(
            select(Staff).where(Staff.id.in_({meeting.convener_id, meeting.created_by_id}))
        )
    }
    convener = people.get(meeting.convener_id)
    street = units.get(meeting.street_id) if meeting.street_id else None
    agenda = []
    for n, item in enumerate(items, start=1):
        case, appeal = cases[item.case_id]
        view = text_view(views, item.case_id)
        item_tasks = []
        for instruction, task in tasks.get(item.id, []):
            clock = clocks.get(task.id)
            state = _task_state(task.status, task.is_overdue)
            item_tasks.append(
                {
                    "id": task.id,
                    "unit": units[task.unit_id].code,
                    "unit_name": units[task.unit_id].name,
                    "text": view.show_text(_task_text(instruction.text)),
                    "deadline": task.deadline,
                    "state": state,
                    "state_label": TASK_STATE_ZH.get(state, state),
                    "clock_state": clock.state if clock else None,
                    "done_at": task.done_at,
                    "result": view.show_text(task.result),
                }
            )
        agenda.append(
            {
                "id": item.id,
                "number": n,
                "position": item.position,
                "case_id": case.id,
                "tracking_no": case.tracking_no,
                "case_status": case.status,
                "case_status_label": label(STATUS_ZH, case.status),
                "title": view.show_text(appeal.title) or "",
                "summary": view.show_text(_summary(appeal.body)) or "",
                "reasons": item.reasons,
                "decision": view.show_text(item.decision),
                "decided_at": item.decided_at,
                "tasks": item_tasks,
            }
        )
    return {
        "id": meeting.id,
        "level": meeting.level,
        "level_label": level_label(meeting.level, street.name if street else None),
        "street": street.code if street else None,
        "street_name": street.name if street else None,
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "place": meeting.place,
        "convener": {
            "username": convener.username if convener else "",
            "name": convener.name if convener else "",
            "title": convener.title if convener else None,
        },
        "status": meeting.status,
        "status_label": status_label(meeting.status),
        "held_at": meeting.held_at,
        "members": [{"code": u.code, "name": u.name} for u in members],
        "items": agenda,
        "may_organise": may_organise(actor, level=meeting.level, street_id=meeting.street_id),
        "is_upcoming": meeting.starts_at > now,
    }


def summaries(session: Session, meetings: list[Meeting], actor: Actor) -> list[dict[str, Any]]:
    """The list's rows: no case text at all, only counts, so a list needs no privacy view."""
    ids = [m.id for m in meetings]
    members = member_units(session, ids)
    counts: dict[int, int] = {
        mid: n
        for mid, n in session.execute(
            select(AgendaItem.meeting_id, func.count())
            .where(AgendaItem.meeting_id.in_(ids))
            .group_by(AgendaItem.meeting_id)
        )
    }
    decided: dict[int, int] = {
        mid: n
        for mid, n in session.execute(
            select(AgendaItem.meeting_id, func.count())
            .where(AgendaItem.meeting_id.in_(ids), AgendaItem.decided_at.is_not(None))
            .group_by(AgendaItem.meeting_id)
        )
    }
    streets = {
        u.id: u
        for u in session.scalars(
            select(Unit).where(Unit.id.in_({m.street_id for m in meetings if m.street_id}))
        )
    }
    conveners = {
        s.id: s
        for s in session.scalars(
            select(Staff).where(Staff.id.in_({m.convener_id for m in meetings}))
        )
    }
    out = []
    for m in meetings:
        street = streets.get(m.street_id) if m.street_id else None
        convener = conveners.get(m.convener_id)
        out.append(
            {
                "id": m.id,
                "level": m.level,
                "level_label": level_label(m.level, street.name if street else None),
                "street": street.code if street else None,
                "title": m.title,
                "starts_at": m.starts_at,
                "place": m.place,
                "convener_name": convener.name if convener else "",
                "status": m.status,
                "status_label": status_label(m.status),
                "members": len(members.get(m.id, [])),
                "items": counts.get(m.id, 0),
                "decided": decided.get(m.id, 0),
                "may_organise": may_organise(actor, level=m.level, street_id=m.street_id),
            }
        )
    return out


def _task_state(status: str, is_overdue: bool) -> str:
    if status == "done":
        return "done_late" if is_overdue else "done"
    return "overdue" if is_overdue else "open"


TASK_PREFIX = "【联席会议议定】"


def _task_text(text: str) -> str:
    return text.removeprefix(TASK_PREFIX)


def _summary(body: str, limit: int = 120) -> str:
    line = " ".join(body.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    group: str


def convener_choices(session: Session) -> list[Choice]:
    """Who may convene: the district's leaders, then the streets' staff (for street meetings)."""
    rows = session.execute(
        select(Staff.username, Staff.name, Staff.title, Staff.role, Unit.name)
        .join(Unit, Unit.id == Staff.unit_id)
        .where(Staff.is_active.is_(True), Staff.role.in_(("leader", "street_staff")))
        .order_by(Staff.role, Staff.id)
    )
    return [
        Choice(u, f"{n}（{t or un}）" if role == "leader" else f"{n}（{un}）", role)
        for u, n, t, role, un in rows
    ]


def member_choices(session: Session) -> list[Choice]:
    """Units that may be called to a meeting: departments, then streets and their communities."""
    order = {"department": 0, "street": 1, "community": 2}
    rows = session.scalars(
        select(Unit)
        .where(Unit.is_active.is_(True), Unit.kind.in_(tuple(order)))
        .order_by(Unit.path)
    )
    return [
        Choice(u.code, u.name, u.kind) for u in sorted(rows, key=lambda u: (order[u.kind], u.path))
    ]


def meeting_titles(session: Session, meeting_ids: set[int]) -> dict[int, str]:
    """id -> title, for the meetings whose decided tasks a unit's to-do list shows."""
    if not meeting_ids:
        return {}
    rows = session.execute(select(Meeting.id, Meeting.title).where(Meeting.id.in_(meeting_ids)))
    return {meeting_id: title for meeting_id, title in rows}
