"""Use cases of counselling: take a client in (from a counselling appointment or as a walk-in),
hold sessions, plan and do follow-ups, set the risk level (危急 tells the supervisor), and 话聊:
requested on a case by a leader, the dispatcher or a counsellor, planned with a lawyer and a
mediator, held with a shared summary apart from the counsellor's notes. The case's event log
records that a 话聊 was requested and held, never what was said."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.cases.queries import get_visible_case
from minyi.cases.service import record_case_event
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound
from minyi.counselling.models import (
    CounsellingFollowUp,
    CounsellingRecord,
    CounsellingSession,
    TalkSession,
)
from minyi.counselling.queries import self_harm_flagged
from minyi.counselling.rules import (
    NOTES_MAX,
    SUMMARY_MAX,
    TALK_REFUSALS,
    TALK_REQUESTERS,
    RecordStatus,
    RiskLevel,
    TalkStatus,
    check_minutes,
    next_talk_status,
    risk_from_flags,
)
from minyi.intake.rules import normalise_phone
from minyi.notifications.rules import Kind, dedupe_key
from minyi.notifications.service import notify_staff
from minyi.org.models import Staff
from minyi.org.rules import Actor
from minyi.services.models import Appointment, ServiceSite, SiteRoom
from minyi.services.queries import case_service, serves_as, supervisor_of
from minyi.services.rules import AppointmentStatus, Service, StaffKind


def _text(value: str | None, field: str, label: str, limit: int, *, required: bool) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise Invalid("missing_field", f"请填写{label}", field=field)
        return None
    if len(text) > limit:
        raise Invalid("too_long", f"{label}不能超过{limit}字", field=field)
    return text


def _counsellor_at(session: Session, actor: Actor, site_id: int) -> ServiceSite:
    site = session.get(ServiceSite, site_id)
    if site is None:
        raise NotFound("site_not_found", "没有找到该服务站点")
    if actor.staff_id is None or not serves_as(
        session, actor.staff_id, StaffKind.COUNSELLOR, site.id
    ):
        raise Forbidden("not_counsellor", "只有在该站点服务的心理咨询师可以办理")
    return site


def _own_record(
    session: Session, actor: Actor, record_id: int, *, supervisor_too: bool = False
) -> CounsellingRecord:
    record = session.get(CounsellingRecord, record_id, with_for_update=True)
    if record is None:
        raise NotFound("record_not_found", "没有找到该心理服务档案")
    if actor.staff_id == record.counsellor_id:
        return record
    if supervisor_too and actor.staff_id in supervisor_of(session, record.counsellor_id):
        return record
    raise Forbidden("not_record_counsellor", "只有该档案的心理咨询师可以办理")


def _linkable_case(session: Session, actor: Actor, case_id: int) -> Case:
    """A counsellor links a case they can see, or any case handled by the counselling service
    (心理服务 is theirs to take wherever it was registered)."""
    case = session.get(Case, case_id)
    if case is not None and case_service(case) is Service.COUNSELLING:
        return case
    return get_visible_case(session, case_id, actor)


def _room(session: Session, site_id: int, room_id: int | None) -> int | None:
    if room_id is None:
        return None
    room = session.get(SiteRoom, room_id)
    if room is None or room.site_id != site_id:
        raise Invalid("invalid_room", "该功能室不属于本站点", field="room_id")
    return room.id


def _tell_counsellor(session: Session, record: CounsellingRecord, now: datetime) -> None:
    notify_staff(
        session,
        staff_ids=[record.counsellor_id],
        kind=Kind.COUNSELLING_RISK,
        case_id=record.case_id,
        subject_id=record.id,
        key=dedupe_key(Kind.COUNSELLING_RISK, record.id, "high"),
        now=now,
    )


def _tell_supervisors(session: Session, record: CounsellingRecord, now: datetime) -> None:
    notify_staff(
        session,
        staff_ids=supervisor_of(session, record.counsellor_id),
        kind=Kind.COUNSELLING_RISK,
        case_id=record.case_id,
        subject_id=record.id,
        key=dedupe_key(Kind.COUNSELLING_RISK, record.id, "critical:" + now.isoformat()),
        now=now,
    )


def open_record(
    session: Session,
    actor: Actor,
    *,
    site_id: int,
    name: str,
    phone: str,
    case_id: int | None = None,
    appointment_id: int | None = None,
    now: datetime,
) -> CounsellingRecord:
    """Take a client in (a walk-in, or the client of an appointment). A case with triage's
    self-harm flag starts the record at 高 and tells the counsellor."""
    site = _counsellor_at(session, actor, site_id)
    assert actor.staff_id is not None
    client = _text(name, "name", "来访者姓名", 60, required=True) or ""
    try:
        number = normalise_phone(phone or "")
    except ValueError as e:
        raise Invalid("invalid_phone", str(e), field="phone") from None
    case = _linkable_case(session, actor, case_id) if case_id is not None else None
    level, source = RiskLevel.LOW, None
    if case is not None:
        flagged = risk_from_flags(self_harm_flagged(session, case.id))
        if flagged is not None:
            level, source = flagged, "triage"
    record = CounsellingRecord(
        site_id=site.id,
        counsellor_id=actor.staff_id,
        case_id=case.id if case is not None else None,
        appointment_id=appointment_id,
        client_name=client,
        client_phone=number,
        risk_level=level.value,
        risk_from=source,
        status=RecordStatus.OPEN.value,
        opened_by_id=actor.staff_id,
        opened_at=now,
    )
    session.add(record)
    session.flush()
    if source == "triage":
        _tell_counsellor(session, record, now)
    return record


def take_appointment(
    session: Session, actor: Actor, appointment_id: int, *, now: datetime
) -> CounsellingRecord:
    """The client of a counselling appointment booked with this counsellor (on the portal or at a
    window): their open record with this counsellor, or a new one from the booking."""
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.service != Service.COUNSELLING.value:
        raise NotFound("appointment_not_found", "没有找到该心理咨询预约")
    if appointment.staff_id != actor.staff_id:
        raise Forbidden("not_booked_counsellor", "只有被预约的心理咨询师可以接待")
    if appointment.status in (AppointmentStatus.CANCELLED.value, AppointmentStatus.NO_SHOW.value):
        raise Conflict("appointment_closed", "该预约已取消或未到场")
    existing = session.scalar(
        select(CounsellingRecord)
        .where(
            CounsellingRecord.counsellor_id == actor.staff_id,
            CounsellingRecord.status == RecordStatus.OPEN.value,
            (CounsellingRecord.appointment_id == appointment.id)
            | (CounsellingRecord.client_phone == appointment.phone),
        )
        .order_by(CounsellingRecord.id)
        .limit(1)
    )
    if existing is not None:
        if existing.case_id is None and appointment.case_id is not None:
            existing.case_id = appointment.case_id
        return existing
    # The window staff who booked it could see the case: the counsellor takes it with the client.
    record = open_record(
        session,
        actor,
        site_id=appointment.site_id,
        name=appointment.name,
        phone=appointment.phone,
        case_id=None,
        appointment_id=appointment.id,
        now=now,
    )
    if appointment.case_id is not None:
        record.case_id = appointment.case_id
        flagged = risk_from_flags(self_harm_flagged(session, appointment.case_id))
        if flagged is not None:
            record.risk_level, record.risk_from = flagged.value, "triage"
            session.flush()
            _tell_counsellor(session, record, now)
    return record


def hold_session(
    session: Session,
    actor: Actor,
    record_id: int,
    *,
    held_at: datetime,
    minutes: int,
    notes: str | None,
    room_id: int | None = None,
    appointment_id: int | None = None,
    now: datetime,
) -> CounsellingSession:
    record = _own_record(session, actor, record_id)
    assert actor.staff_id is not None
    if record.status != RecordStatus.OPEN.value:
        raise Conflict("record_closed", "该档案已结案")
    if held_at.tzinfo is None:
        raise Invalid("naive_time", "时间须带时区", field="held_at")
    if held_at > now:
        raise Invalid("future_session", "咨询须在开展后登记", field="held_at")
    try:
        length = check_minutes(minutes)
    except ValueError as e:
        raise Invalid("invalid_minutes", str(e), field="minutes") from None
    text = _text(notes, "notes", "咨询记录", NOTES_MAX, required=False)
    appointment_id = appointment_id or record.appointment_id
    if appointment_id is not None:
        appointment = session.get(Appointment, appointment_id)
        if appointment is None or appointment.staff_id != record.counsellor_id:
            raise Invalid("invalid_appointment", "该预约不是本咨询师的", field="appointment_id")
        if appointment.status == AppointmentStatus.BOOKED.value:
            appointment.status, appointment.came_at = AppointmentStatus.ATTENDED.value, now
    row = CounsellingSession(
        record_id=record.id,
        appointment_id=appointment_id,
        counsellor_id=actor.staff_id,
        room_id=_room(session, record.site_id, room_id),
        held_at=held_at,
        minutes=length,
        notes=text,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    return row


def set_risk(
    session: Session, actor: Actor, record_id: int, level: str, *, now: datetime
) -> CounsellingRecord:
    """The counsellor (or their supervisor) sets the level; 危急 notifies the supervisors."""
    record = _own_record(session, actor, record_id, supervisor_too=True)
    try:
        new = RiskLevel(level)
    except ValueError:
        raise Invalid("invalid_risk", "风险等级不正确", field="risk_level") from None
    if record.risk_level == new.value:
        return record
    record.risk_level, record.risk_from = new.value, "counsellor"
    session.flush()
    if new is RiskLevel.CRITICAL:
        _tell_supervisors(session, record, now)
    return record


def close_record(
    session: Session, actor: Actor, record_id: int, *, now: datetime
) -> CounsellingRecord:
    record = _own_record(session, actor, record_id, supervisor_too=True)
    if record.status == RecordStatus.CLOSED.value:
        raise Conflict("record_closed", "该档案已结案")
    record.status, record.closed_at = RecordStatus.CLOSED.value, now
    session.flush()
    return record


def plan_follow_up(
    session: Session, actor: Actor, record_id: int, *, due_on: date, today: date, now: datetime
) -> CounsellingFollowUp:
    record = _own_record(session, actor, record_id)
    assert actor.staff_id is not None
    if record.status != RecordStatus.OPEN.value:
        raise Conflict("record_closed", "该档案已结案")
    if due_on < today:
        raise Invalid("past_due", "回访日期不能早于今天", field="due_on")
    row = CounsellingFollowUp(
        record_id=record.id, due_on=due_on, planned_by_id=actor.staff_id, planned_at=now
    )
    session.add(row)
    session.flush()
    return row


def complete_follow_up(
    session: Session, actor: Actor, follow_up_id: int, *, notes: str | None, now: datetime
) -> CounsellingFollowUp:
    row = session.get(CounsellingFollowUp, follow_up_id, with_for_update=True)
    if row is None:
        raise NotFound("follow_up_not_found", "没有找到该回访")
    _own_record(session, actor, row.record_id)
    if row.done_at is not None:
        raise Conflict("follow_up_done", "该回访已完成")
    row.done_at, row.done_by_id = now, actor.staff_id
    row.notes = _text(notes, "notes", "回访记录", NOTES_MAX, required=False)
    session.flush()
    return row


# --- 话聊 ----------------------------------------------------------------------------------------


def _talk(session: Session, talk_id: int) -> TalkSession:
    talk = session.get(TalkSession, talk_id, with_for_update=True)
    if talk is None:
        raise NotFound("talk_not_found", "没有找到该话聊")
    return talk


def _step(talk: TalkSession, step: str) -> TalkStatus:
    new = next_talk_status(TalkStatus(talk.status), step)
    if new is None:
        raise Conflict("talk_" + step + "_refused", TALK_REFUSALS[step])
    return new


def _is_counsellor(session: Session, actor: Actor) -> bool:
    return actor.staff_id is not None and serves_as(session, actor.staff_id, StaffKind.COUNSELLOR)


def request_talk(session: Session, actor: Actor, case_id: int, *, now: datetime) -> TalkSession:
    """A leader (the one holding a hard case, 包案), the dispatcher or a counsellor asks for a
    话聊 on a case; one open request per case."""
    counsellor = _is_counsellor(session, actor)
    if actor.role not in TALK_REQUESTERS and not counsellor:
        raise Forbidden("not_talk_requester", "只有领导、分拨员和心理咨询师可以申请话聊")
    case = (
        _linkable_case(session, actor, case_id)
        if counsellor and actor.role not in TALK_REQUESTERS
        else get_visible_case(session, case_id, actor)
    )
    assert actor.staff_id is not None
    if session.scalar(
        select(TalkSession.id).where(
            TalkSession.case_id == case.id,
            TalkSession.status.in_((TalkStatus.REQUESTED.value, TalkStatus.PLANNED.value)),
        )
    ):
        raise Conflict("talk_open", "该诉求已有待开展的话聊")
    talk = TalkSession(
        case_id=case.id,
        status=TalkStatus.REQUESTED.value,
        requested_by_id=actor.staff_id,
        requested_at=now,
    )
    session.add(talk)
    session.flush()
    record_case_event(
        session,
        case,
        action="talk_requested",
        actor_label=actor.name,
        actor_id=actor.staff_id,
        now=now,
        payload={"talk_id": talk.id},
    )
    session.flush()
    return talk


def _professional(session: Session, username: str, kind: StaffKind, label: str) -> int:
    person = session.scalar(
        select(Staff.id).where(
            Staff.username == (username or "").strip(), Staff.is_active.is_(True)
        )
    )
    if person is None or not serves_as(session, person, kind):
        raise Invalid("invalid_" + kind.value, f"请选择一位{label}", field=kind.value)
    return int(person)


def plan_talk(
    session: Session,
    actor: Actor,
    talk_id: int,
    *,
    site_id: int,
    starts_at: datetime,
    lawyer: str,
    mediator: str,
    room_id: int | None = None,
    now: datetime,
) -> TalkSession:
    """The counsellor who takes the 话聊 names the lawyer and the mediator, the time and room."""
    talk = _talk(session, talk_id)
    if talk.counsellor_id is not None and talk.counsellor_id != actor.staff_id:
        raise Forbidden("not_talk_counsellor", "只有负责该话聊的心理咨询师可以安排")
    site = _counsellor_at(session, actor, site_id)
    new = _step(talk, "plan")
    if starts_at.tzinfo is None:
        raise Invalid("naive_time", "时间须带时区", field="starts_at")
    if starts_at <= now:
        raise Invalid("past_time", "话聊时间须在现在之后", field="starts_at")
    talk.lawyer_id = _professional(session, lawyer, StaffKind.LAWYER, "驻点律师")
    talk.mediator_id = _professional(session, mediator, StaffKind.MEDIATOR, "人民调解员")
    talk.room_id = _room(session, site.id, room_id)
    talk.site_id, talk.counsellor_id = site.id, actor.staff_id
    talk.planned_at, talk.status = starts_at, new.value
    session.flush()
    return talk


def hold_talk(
    session: Session,
    actor: Actor,
    talk_id: int,
    *,
    minutes: int,
    summary: str,
    notes: str | None,
    now: datetime,
) -> TalkSession:
    """Record that the 话聊 was held: the summary (the plan agreed, read by whoever reads the
    case) and the counsellor's private notes. The case's log says only that it was held."""
    talk = _talk(session, talk_id)
    new = _step(talk, "hold")
    if talk.counsellor_id != actor.staff_id:
        raise Forbidden("not_talk_counsellor", "只有负责该话聊的心理咨询师可以登记")
    try:
        length = check_minutes(minutes)
    except ValueError as e:
        raise Invalid("invalid_minutes", str(e), field="minutes") from None
    talk.summary = _text(summary, "summary", "商定的方案", SUMMARY_MAX, required=True)
    talk.notes = _text(notes, "notes", "咨询师记录", NOTES_MAX, required=False)
    talk.minutes, talk.held_at, talk.status = length, now, new.value
    case = session.get(Case, talk.case_id)
    assert case is not None
    record_case_event(
        session,
        case,
        action="talk_held",
        actor_label=actor.name,
        actor_id=actor.staff_id,
        now=now,
        payload={"talk_id": talk.id},
    )
    session.flush()
    return talk


def cancel_talk(session: Session, actor: Actor, talk_id: int, *, now: datetime) -> TalkSession:
    talk = _talk(session, talk_id)
    if actor.staff_id not in (talk.requested_by_id, talk.counsellor_id):
        raise Forbidden("not_talk_owner", "只有申请人或负责的心理咨询师可以取消")
    talk.status, talk.cancelled_at = _step(talk, "cancel").value, now
    session.flush()
    return talk
