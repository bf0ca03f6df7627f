"""Use cases of joint meetings: plan one (level, time, place, convener, member units), put hard
cases on its agenda in order, record each case's decision with tasks for named units. A task is
a supervision task (`supervision.service.give_task`): its clock, overdue marking, completion and
the unit's to-do list are the ones every instruction task has. Each step on a case is written on
its timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.cases.queries import get_visible_case, visible_to
from minyi.cases.rules import CaseStatus, is_open
from minyi.cases.service import record_case_event
from minyi.core.errors import Conflict, Invalid, NotFound
from minyi.meetings.models import AgendaItem, Meeting, MeetingUnit
from minyi.meetings.queries import TASK_PREFIX, get_visible_meeting, items_of
from minyi.meetings.rules import (
    CONVENER_ROLES,
    MAX_ITEMS,
    MAX_MEMBERS,
    MAX_PLACE,
    MAX_TASKS,
    MAX_TEXT,
    MAX_TITLE,
    MEMBER_KINDS,
    Level,
    MeetingStatus,
    check_codes,
    check_level,
    check_may_decide,
    check_may_organise,
    check_starts_at,
    check_text,
    level_label,
    reorder,
    subject_ref,
)
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor, UnitKind
from minyi.supervision.models import Instruction
from minyi.supervision.rules import check_deadline
from minyi.supervision.service import give_task


@dataclass(frozen=True)
class TaskSpec:
    """One task a decision gives: the unit (code), what it must do, and by when."""

    unit: str
    text: str
    deadline: datetime | None


def plan_meeting(
    session: Session,
    *,
    actor: Actor,
    level: str,
    title: str,
    starts_at: datetime | None,
    place: str,
    convener: str,
    units: Sequence[str],
    now: datetime,
    street: str | None = None,
) -> Meeting:
    """安排联席会议. A street meeting names its street; a street's staff plan only their own."""
    lvl = check_level(level)
    street_unit = None
    if lvl is Level.STREET:
        code = (street or "").strip() or (
            actor.unit_code if actor.unit_kind == UnitKind.STREET else ""
        )
        street_unit = session.scalar(select(Unit).where(Unit.code == code)) if code else None
        if street_unit is None or street_unit.kind != UnitKind.STREET or not street_unit.is_active:
            raise Invalid("bad_street", "街道联席会议须选择召开会议的街道", field="street")
    check_may_organise(actor, level=lvl, street_id=street_unit.id if street_unit else None)
    title_text = check_text(title, "title", "会议名称", MAX_TITLE)
    place_text = check_text(place, "place", "会议地点", MAX_PLACE)
    when = check_starts_at(starts_at, now)
    convener_name = (convener or "").strip()
    if not convener_name:
        raise Invalid("missing_field", "请选择会议召集人", field="convener")
    person = session.scalar(
        select(Staff).where(Staff.username == convener_name, Staff.is_active.is_(True))
    )
    if person is None or person.role not in CONVENER_ROLES:
        raise Invalid("bad_convener", "召集人须为领导或有关单位的负责人", field="convener")
    codes = check_codes(units, "units", "成员单位", MAX_MEMBERS)
    found = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(codes)))}
    for code in codes:
        unit = found.get(code)
        if unit is None or not unit.is_active or unit.kind not in MEMBER_KINDS:
            raise Invalid("bad_unit", f"“{code}”不是可以参会的单位", field="units")
    meeting = Meeting(
        level=lvl.value,
        street_id=street_unit.id if street_unit else None,
        title=title_text,
        starts_at=when,
        place=place_text,
        convener_id=person.id,
        status=MeetingStatus.PLANNED.value,
        created_by_id=actor.staff_id,
        created_at=now,
        held_at=None,
    )
    session.add(meeting)
    session.flush()
    for code in codes:
        session.add(MeetingUnit(meeting_id=meeting.id, unit_id=found[code].id))
    session.flush()
    return meeting


def _organised(session: Session, meeting_id: int, actor: Actor) -> Meeting:
    meeting = get_visible_meeting(session, meeting_id, actor, for_update=True)
    check_may_organise(actor, level=meeting.level, street_id=meeting.street_id)
    return meeting


def add_to_agenda(
    session: Session,
    meeting_id: int,
    *,
    actor: Actor,
    now: datetime,
    case_id: int | None = None,
    tracking_no: str | None = None,
    reasons: str | None = None,
) -> AgendaItem:
    """列入议题: an open case the organiser may see (a street meeting: in its street), at the end
    of the agenda. The same case twice is refused, so a double submit changes nothing."""
    meeting = _organised(session, meeting_id, actor)
    if case_id is None:
        no = (tracking_no or "").strip()
        if not no:
            raise Invalid("missing_field", "请选择要列入议题的案件", field="case")
        case_id = session.scalar(select(Case.id).where(Case.tracking_no == no, visible_to(actor)))
        if case_id is None:
            raise Invalid("unknown_case", f"找不到编号为“{no}”的案件", field="case")
    case = get_visible_case(session, case_id, actor)
    if not is_open(CaseStatus(case.status)):
        raise Conflict("case_not_open", "该案件已办结，不再列入议题")
    if meeting.level == Level.STREET and case.street_id != meeting.street_id:
        raise Invalid("case_outside_street", "该案件不在本街道，不能列入街道联席会议", field="case")
    items = items_of(session, meeting.id)
    if any(i.case_id == case.id for i in items):
        raise Conflict("already_on_agenda", "该案件已在本次会议的议题中")
    if len(items) >= MAX_ITEMS:
        raise Invalid("too_many_items", f"一次会议的议题不超过{MAX_ITEMS}个", field="case")
    item = AgendaItem(
        meeting_id=meeting.id,
        case_id=case.id,
        position=(max((i.position for i in items), default=0) + 1),
        reasons=(reasons or "").strip()[:200] or None,
        added_by_id=actor.staff_id,
        added_at=now,
    )
    session.add(item)
    session.flush()
    _event(
        session,
        case,
        actor,
        now,
        "meeting_agenda",
        None,
        {"meeting_id": meeting.id, "item_id": item.id, "starts_at": meeting.starts_at.isoformat()},
    )
    return item


def move_item(
    session: Session, meeting_id: int, item_id: int, *, actor: Actor, position: int
) -> list[AgendaItem]:
    """Put an agenda item at `position` (1 = first); the others keep their order."""
    meeting = _organised(session, meeting_id, actor)
    items = items_of(session, meeting.id)
    by_id = {i.id: i for i in items}
    if item_id not in by_id:
        raise NotFound("item_not_found", "本次会议没有这个议题")
    order = reorder([i.id for i in items], item_id, position)
    for n, iid in enumerate(order, start=1):
        by_id[iid].position = n
    session.flush()
    return [by_id[i] for i in order]


def remove_item(session: Session, meeting_id: int, item_id: int, *, actor: Actor) -> None:
    """Take a case off the agenda; a decided one stays (its tasks are already given)."""
    meeting = _organised(session, meeting_id, actor)
    item = session.scalar(
        select(AgendaItem).where(AgendaItem.id == item_id, AgendaItem.meeting_id == meeting.id)
    )
    if item is None:
        raise NotFound("item_not_found", "本次会议没有这个议题")
    if item.decided_at is not None:
        raise Conflict("item_decided", "该议题已有议定事项，不能移出")
    session.delete(item)
    session.flush()


def record_decision(
    session: Session,
    meeting_id: int,
    item_id: int,
    *,
    actor: Actor,
    decision: str,
    tasks: Sequence[TaskSpec],
    now: datetime,
) -> AgendaItem:
    """记录议定事项: the decision on one case and the tasks it gives member units, each a
    supervision task with its clock in the unit's to-do list. Recorded once: the same decision
    again is a harmless double submit; a different one is refused."""
    meeting = _organised(session, meeting_id, actor)
    item = session.scalar(
        select(AgendaItem)
        .where(AgendaItem.id == item_id, AgendaItem.meeting_id == meeting.id)
        .with_for_update()
    )
    if item is None:
        raise NotFound("item_not_found", "本次会议没有这个议题")
    text = check_text(decision, "decision", "议定事项", MAX_TEXT)
    if item.decided_at is not None:
        if item.decision == text:
            return item
        raise Conflict("already_decided", "该议题已记录议定事项")
    check_may_decide(meeting.starts_at, now)
    specs = [t for t in tasks if (t.unit or "").strip() or (t.text or "").strip()]
    if len(specs) > MAX_TASKS:
        raise Invalid("too_many_tasks", f"一个议题的任务不超过{MAX_TASKS}项", field="tasks")
    members = {
        u.code: u
        for u in session.scalars(
            select(Unit)
            .join(MeetingUnit, MeetingUnit.unit_id == Unit.id)
            .where(MeetingUnit.meeting_id == meeting.id)
        )
    }
    checked: list[tuple[Unit, str, datetime]] = []
    for spec in specs:
        unit = members.get((spec.unit or "").strip())
        if unit is None:
            raise Invalid("not_member", "任务须交给本次会议的成员单位", field="tasks")
        body = check_text(spec.text, "tasks", "任务内容", MAX_TEXT)
        try:
            due = check_deadline(spec.deadline, None, now)
        except Invalid:
            raise Invalid(
                "bad_deadline", "每项任务须有一年之内、晚于现在的办理时限", field="tasks"
            ) from None
        checked.append((unit, body, due))
    case = session.get(Case, item.case_id)
    assert case is not None
    item.decision, item.decided_at, item.decided_by_id = text, now, actor.staff_id
    if meeting.status != MeetingStatus.HELD:
        meeting.status, meeting.held_at = MeetingStatus.HELD.value, now
    ref = subject_ref(meeting.id, item.id)
    for unit, body, due in checked:
        instruction = Instruction(
            case_id=case.id,
            subject_ref=ref,
            author_id=actor.staff_id,
            text=f"{TASK_PREFIX}{body}",
            created_at=now,
        )
        session.add(instruction)
        session.flush()
        give_task(session, instruction, unit_id=unit.id, deadline=due, now=now)
    _event(
        session,
        case,
        actor,
        now,
        "meeting_decision",
        text,
        {
            "meeting_id": meeting.id,
            "item_id": item.id,
            "meeting": _name(session, meeting),
            "tasks": [{"unit": u.code, "deadline": d.isoformat()} for u, _, d in checked],
        },
    )
    session.flush()
    return item


def _name(session: Session, meeting: Meeting) -> str:
    street = session.get(Unit, meeting.street_id) if meeting.street_id else None
    return level_label(meeting.level, street.name if street else None)


def _event(
    session: Session,
    case: Case,
    actor: Actor,
    now: datetime,
    action: str,
    reason: str | None,
    payload: dict[str, object],
) -> None:
    record_case_event(
        session,
        case,
        action=action,
        actor_label=actor.username,
        actor_id=actor.staff_id,
        now=now,
        reason=reason,
        payload=payload,
    )
