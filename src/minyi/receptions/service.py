"""Use cases of leaders' receptions: schedule and publish a reception, book a slot (the portal),
record who came and walk-ins, raise each matter as a case on the reception channel (held by the
leader or followed), record home visits, and link a leader to their areas (分片包联)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, tzinfo
from typing import Any

import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.cases.rules import CaseStatus, is_open
from minyi.cases.service import record_case_event
from minyi.cases.tracking import last4_matches
from minyi.core.db import Database
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound
from minyi.core.settings import Settings
from minyi.core.throttle import Limit, check, citizen_secret_guard, record_failure
from minyi.escalation.models import CaseEscalation, Holding
from minyi.escalation.rules import HoldingStatus
from minyi.grassroots.service import Desk
from minyi.intake.desk import desk_channel
from minyi.intake.rules import normalise_phone
from minyi.intake.schemas import AppealIn
from minyi.org.models import LeaderArea, Staff, Unit
from minyi.org.rules import Actor, Role
from minyi.receptions.models import Reception, ReceptionBooking, ReceptionSlot, ReceptionVisit
from minyi.receptions.queries import LIVE, get_reception, place_path
from minyi.receptions.rules import (
    PLACE_KINDS,
    STEP_REFUSALS,
    BookingKind,
    BookingStatus,
    ReceptionStatus,
    Slot,
    check_slots,
    default_place,
    may_organise,
    next_status,
)

CHANNEL_KIND = "reception"
MATTER_MAX = 5000
_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def _organiser(session: Session, actor: Actor, reception: Reception) -> str:
    path = place_path(session, reception)
    if not may_organise(actor, leader_id=reception.leader_id, place_path=path):
        raise Forbidden("not_organiser", "只有接访领导本人和组织接访的工作人员可以办理")
    return path


def _step(reception: Reception, step: str) -> ReceptionStatus:
    new = next_status(ReceptionStatus(reception.status), step)
    if new is None:
        raise Conflict("reception_" + step + "_refused", STEP_REFUSALS[step])
    return new


def _leader(session: Session, username: str) -> Staff:
    leader = session.scalar(
        select(Staff).where(
            Staff.username == username, Staff.role == Role.LEADER.value, Staff.is_active.is_(True)
        )
    )
    if leader is None:
        raise NotFound("leader_not_found", "没有找到该领导")
    return leader


def _text(value: str | None, field: str, label: str, limit: int, *, required: bool) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise Invalid("missing_field", f"请填写{label}", field=field)
        return None
    if len(text) > limit:
        raise Invalid("too_long", f"{label}不超过{limit}字", field=field)
    return text


# --- schedule --------------------------------------------------------------------------------
def schedule_reception(
    session: Session,
    *,
    actor: Actor,
    leader: str,
    area: str,
    place: str | None,
    topic: str | None,
    slots: list[Slot],
    publish: bool,
    now: datetime,
    tz: tzinfo,
) -> Reception:
    """A leader's reception day at a place of an area (district, street or community), with its
    time slots; published at once on the portal when `publish`."""
    person = _leader(session, leader)
    unit = session.scalar(select(Unit).where(Unit.code == area, Unit.is_active.is_(True)))
    if unit is None or unit.kind not in PLACE_KINDS:
        raise NotFound("unit_not_found", "接访地点须为区、街道或社区")
    if not may_organise(actor, leader_id=person.id, place_path=unit.path):
        raise Forbidden("not_organiser", "您只能为本辖区或本人安排接访")
    try:
        day = check_slots(slots, tz)
    except ValueError as error:
        raise Invalid("bad_slots", str(error), field="slots") from None
    if min(s.starts_at for s in slots) <= now:
        raise Invalid("past_slots", "接访时段须在当前时间之后", field="slots")
    reception = Reception(
        leader_id=person.id,
        unit_id=unit.id,
        place=_text(place, "place", "接访地点", 200, required=False)
        or default_place(unit.kind, unit.name),
        topic=_text(topic, "topic", "接访主题", 200, required=False),
        day=day,
        status=(ReceptionStatus.PUBLISHED if publish else ReceptionStatus.SCHEDULED).value,
        created_by_id=actor.staff_id,
        created_at=now,
        published_at=now if publish else None,
        people=0,
    )
    session.add(reception)
    session.flush()
    for s in sorted(slots, key=lambda s: s.starts_at):
        session.add(
            ReceptionSlot(
                reception_id=reception.id,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                capacity=s.capacity,
            )
        )
    session.flush()
    return reception


def publish_reception(
    session: Session, reception_id: int, *, actor: Actor, now: datetime
) -> Reception:
    reception = get_reception(session, reception_id)
    _organiser(session, actor, reception)
    if reception.status == ReceptionStatus.PUBLISHED:
        return reception  # publishing twice is harmless
    reception.status = _step(reception, "publish").value
    reception.published_at = now
    session.flush()
    return reception


def cancel_reception(
    session: Session, reception_id: int, *, actor: Actor, now: datetime
) -> Reception:
    reception = get_reception(session, reception_id)
    _organiser(session, actor, reception)
    if reception.status == ReceptionStatus.CANCELLED:
        return reception
    reception.status = _step(reception, "cancel").value
    reception.cancelled_at = now
    session.flush()
    return reception


# --- booking (the portal) ----------------------------------------------------------------------
def _new_ref() -> str:
    return "JF" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))


def _phone(value: str) -> str:
    try:
        return normalise_phone(value)
    except ValueError as error:
        raise Invalid("bad_phone", str(error), field="phone") from None


def book_slot(
    session: Session, *, slot_id: int, name: str, phone: str, matter: str, now: datetime
) -> tuple[ReceptionBooking, bool]:
    """A citizen books a place in a slot of a published reception. The same phone booking the
    same reception again answers the first booking (a double tap is harmless); a full slot is
    refused. Returns (booking, created)."""
    clean_name = _text(name, "name", "姓名", 60, required=True) or ""
    clean_matter = _text(matter, "matter", "反映的问题", MATTER_MAX, required=True) or ""
    number = _phone(phone)
    # The slot row is locked: two citizens taking the last place are served one after the other.
    slot = session.scalar(
        select(ReceptionSlot).where(ReceptionSlot.id == slot_id).with_for_update()
    )
    reception = session.get(Reception, slot.reception_id) if slot else None
    if slot is None or reception is None or reception.status != ReceptionStatus.PUBLISHED:
        raise NotFound("slot_not_found", "该接访时段不存在或已不接受预约")
    existing = session.scalar(
        select(ReceptionBooking).where(
            ReceptionBooking.reception_id == reception.id, ReceptionBooking.phone == number
        )
    )
    if existing is not None and existing.status != BookingStatus.CANCELLED:
        return existing, False
    if slot.starts_at <= now:
        raise Invalid("slot_started", "该时段已开始，不能再预约", field="slot")
    used = session.scalar(
        select(func.count())
        .select_from(ReceptionBooking)
        .where(ReceptionBooking.slot_id == slot.id, ReceptionBooking.status.in_(LIVE))
    )
    if (used or 0) >= slot.capacity:
        raise Conflict("slot_full", "该时段已约满，请选择其他时段")
    if existing is not None:  # a cancelled booking comes back in the new slot
        existing.slot_id, existing.status, existing.booked_at = (
            slot.id,
            BookingStatus.BOOKED.value,
            now,
        )
        existing.name, existing.matter = clean_name, clean_matter
        session.flush()
        return existing, True
    booking = ReceptionBooking(
        reception_id=reception.id,
        slot_id=slot.id,
        kind=BookingKind.BOOKED.value,
        status=BookingStatus.BOOKED.value,
        ref=_new_ref(),
        name=clean_name,
        phone=number,
        matter=clean_matter,
        people=1,
        booked_at=now,
    )
    try:
        with session.begin_nested():
            session.add(booking)
            session.flush()
    except IntegrityError:
        # The same phone booked at the same moment in another request: answer that booking.
        again = session.scalar(
            select(ReceptionBooking).where(
                ReceptionBooking.reception_id == reception.id, ReceptionBooking.phone == number
            )
        )
        if again is None:
            raise
        return again, False
    return booking, True


# Per client address, across processes: a family books a few slots, a script may not fill a day.
BOOKING_LIMIT = Limit(
    "reception_booking", 10, timedelta(minutes=10), "预约过于频繁，请10分钟后再试"
)


def book(
    db: Database, *, client: str, slot_id: int, name: str, phone: str, matter: str, now: datetime
) -> tuple[str, bool]:
    """`book_slot` for the portal and the public API, under the per-address limit (only a new
    booking counts). Returns (confirmation number, created)."""
    with db.reading() as session:
        check(session, BOOKING_LIMIT, client, now=now)
    with db.unit_of_work() as session:
        booking, created = book_slot(
            session, slot_id=slot_id, name=name, phone=phone, matter=matter, now=now
        )
        if created:
            record_failure(session, BOOKING_LIMIT, client, now=now)
        return booking.ref, created


def cancel_booking(
    db: Database, settings: Settings, *, ref: str, last4: str, client: str, now: datetime
) -> str:
    """The citizen cancels their booking with its number and the phone's last four digits
    (under the shared throttle: the digits are one of 10,000); the place goes back to the slot.
    Cancelling twice is harmless; a booking already received, or whose time has come, stays."""
    key = ref.strip().upper()[:20]
    with (
        citizen_secret_guard(db, settings, key=f"reception:{key}", client=client, now=now),
        db.unit_of_work() as session,
    ):
        booking = session.scalar(
            select(ReceptionBooking).where(ReceptionBooking.ref == key).with_for_update()
        )
        if booking is None or not last4_matches(booking.phone, last4):
            raise NotFound("booking_not_found", "预约号或手机号后四位不正确")
        if booking.status == BookingStatus.CANCELLED:
            return booking.ref
        slot = session.get(ReceptionSlot, booking.slot_id) if booking.slot_id else None
        if booking.status != BookingStatus.BOOKED or slot is None:
            raise Conflict("booking_cancel_refused", "已接待的预约不能取消")
        if slot.starts_at <= now:
            raise Conflict("booking_cancel_refused", "预约时间已到，不能再取消")
        booking.status = BookingStatus.CANCELLED.value
        return booking.ref


# --- recording ------------------------------------------------------------------------------
def add_walk_in(
    session: Session,
    reception_id: int,
    *,
    actor: Actor,
    name: str,
    phone: str,
    matter: str,
    people: int = 1,
    now: datetime,
) -> ReceptionBooking:
    """A citizen who came without booking (现场登记). One who booked and came is marked as came."""
    reception = get_reception(session, reception_id)
    _organiser(session, actor, reception)
    if reception.status == ReceptionStatus.CANCELLED:
        raise Conflict("reception_record_refused", STEP_REFUSALS["record"])
    if not 1 <= people <= 10_000:
        raise Invalid("bad_people", "来访人数须在1至10000之间", field="people")
    clean_name = _text(name, "name", "姓名", 60, required=True) or ""
    clean_matter = _text(matter, "matter", "反映的问题", MATTER_MAX, required=True) or ""
    number = _phone(phone)
    existing = session.scalar(
        select(ReceptionBooking).where(
            ReceptionBooking.reception_id == reception.id, ReceptionBooking.phone == number
        )
    )
    if existing is not None:
        existing.status, existing.came_at = BookingStatus.CAME.value, existing.came_at or now
        existing.people = max(existing.people, people)
        existing.recorded_by_id = actor.staff_id
        session.flush()
        return existing
    booking = ReceptionBooking(
        reception_id=reception.id,
        slot_id=None,
        kind=BookingKind.WALK_IN.value,
        status=BookingStatus.CAME.value,
        ref=_new_ref(),
        name=clean_name,
        phone=number,
        matter=clean_matter,
        people=people,
        booked_at=now,
        came_at=now,
        recorded_by_id=actor.staff_id,
    )
    session.add(booking)
    session.flush()
    return booking


def mark_came(
    session: Session, booking_id: int, *, actor: Actor, came: bool = True, now: datetime
) -> ReceptionBooking:
    booking = session.get(ReceptionBooking, booking_id)
    if booking is None:
        raise NotFound("booking_not_found", "没有找到该预约")
    _organiser(session, actor, get_reception(session, booking.reception_id))
    if booking.status == BookingStatus.CANCELLED:
        raise Conflict("booking_cancelled", "该预约已取消")
    if came:
        booking.status, booking.came_at = BookingStatus.CAME.value, booking.came_at or now
    elif booking.case_id is None:
        booking.status, booking.came_at = BookingStatus.BOOKED.value, None
    booking.recorded_by_id = actor.staff_id
    session.flush()
    return booking


def record_reception(
    session: Session,
    reception_id: int,
    *,
    actor: Actor,
    people: int | None,
    summary: str | None,
    now: datetime,
) -> Reception:
    """The reception took place: how many people were received (at least everyone marked as
    came) and what it was about. Recording again corrects the record."""
    reception = get_reception(session, reception_id)
    _organiser(session, actor, reception)
    new = _step(reception, "record")
    came = (
        session.scalar(
            select(func.coalesce(func.sum(ReceptionBooking.people), 0)).where(
                ReceptionBooking.reception_id == reception.id,
                ReceptionBooking.status == BookingStatus.CAME.value,
            )
        )
        or 0
    )
    if people is not None and not 0 <= people <= 100_000:
        raise Invalid("bad_people", "接待人数须在0至100000之间", field="people")
    if people is not None and people < came:
        raise Invalid("bad_people", f"接待人数不能少于已登记到场的{came}人", field="people")
    reception.status = new.value
    reception.people = people if people is not None else int(came)
    reception.summary = _text(summary, "summary", "接访情况", 5000, required=False)
    reception.held_at = reception.held_at or now
    reception.recorded_by_id = actor.staff_id
    session.flush()
    return reception


def matter_appeal(session: Session, booking_id: int, *, actor: Actor) -> AppealIn:
    """The case a citizen's matter becomes: an appeal on the reception channel, from the citizen,
    placed in the reception's area. Its external id is the booking's, so raising it twice answers
    the same case."""
    booking = session.get(ReceptionBooking, booking_id)
    if booking is None:
        raise NotFound("booking_not_found", "没有找到该预约")
    reception = get_reception(session, booking.reception_id)
    _organiser(session, actor, reception)
    if booking.status != BookingStatus.CAME:
        raise Conflict("not_came", "请先登记该群众已到场接待")
    channel = desk_channel(session, CHANNEL_KIND, (CHANNEL_KIND,))
    unit = session.get(Unit, reception.unit_id)
    assert unit is not None
    return AppealIn(
        channel=channel.code,
        external_id=f"reception:{booking.id}",
        title=f"领导接访：{booking.matter[:40]}",
        body=booking.matter,
        phone=booking.phone,
        name=booking.name,
        address=reception.place,
        street=unit.code if unit.kind == "street" else None,
        community=unit.code if unit.kind == "community" else None,
        crowd_size=booking.people if booking.people > 1 else None,
    )


def link_case(
    session: Session, booking_id: int, case_id: int, *, hold: bool, actor: Actor, now: datetime
) -> ReceptionBooking:
    """The booking names its case; with `hold`, the reception's leader takes it (包案) unless
    someone holds it already. Otherwise the leader follows it from the reception's page."""
    booking = session.get(ReceptionBooking, booking_id)
    if booking is None:
        raise NotFound("booking_not_found", "没有找到该预约")
    if booking.case_id not in (None, case_id):
        raise Conflict("matter_already_raised", "该群众反映的问题已转为案件")
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case_not_found", f"no case {case_id}")
    booking.case_id = case_id
    reception = get_reception(session, booking.reception_id)
    if hold and not booking.is_held:
        booking.is_held = _hold(session, case, reception, actor=actor, now=now)
    session.flush()
    return booking


def _hold(
    session: Session, case: Case, reception: Reception, *, actor: Actor, now: datetime
) -> bool:
    if not is_open(CaseStatus(case.status)):
        return False
    if session.scalar(select(Holding.id).where(Holding.active_case_id == case.id)) is not None:
        return False
    leader = session.get(Staff, reception.leader_id)
    assert leader is not None
    esc = session.get(CaseEscalation, case.id)
    holding = Holding(
        case_id=case.id,
        active_case_id=case.id,
        leader_id=leader.id,
        level=esc.level if esc else None,
        status=HoldingStatus.HELD.value,
        taken_at=now,
    )
    session.add(holding)
    session.flush()
    record_case_event(
        session,
        case,
        action="holding_take",
        actor_label=actor.username,
        actor_id=actor.staff_id,
        now=now,
        reason=f"{leader.name}接访包案",
        payload={"holding_id": holding.id, "level": holding.level, "reception_id": reception.id},
    )
    return True


async def raise_matter(desk: Desk, actor: Actor, booking_id: int, *, hold: bool) -> int:
    """A citizen's matter as a case, registered by intake's group-commit writer like any appeal;
    the booking's external id makes a second try answer the same case."""

    def build() -> AppealIn:
        with desk.db.reading() as session:
            return matter_appeal(session, booking_id, actor=actor)

    item = await anyio.to_thread.run_sync(build)
    receipt = await desk.batcher.submit(item, actor)

    def finish() -> None:
        with desk.db.unit_of_work() as session:
            link_case(session, booking_id, receipt.id, hold=hold, actor=actor, now=desk.clock.now())

    await anyio.to_thread.run_sync(finish)
    return int(receipt.id)


def record_home_visit(
    session: Session,
    reception_id: int,
    *,
    actor: Actor,
    booking_id: int | None,
    visited_at: datetime,
    place: str,
    people: int,
    notes: str,
    now: datetime,
) -> ReceptionVisit:
    """家访 after a reception: to one citizen received there (their case's timeline shows it)."""
    reception = get_reception(session, reception_id)
    _organiser(session, actor, reception)
    if reception.status != ReceptionStatus.HELD:
        raise Conflict("reception_not_held", "请先登记接访情况，再记录家访")
    if visited_at.tzinfo is None:
        raise Invalid("naive_time", "家访时间须带时区", field="visited_at")
    if visited_at > now:
        raise Invalid("future_visit", "家访须在发生后记录", field="visited_at")
    if not 1 <= people <= 10_000:
        raise Invalid("bad_people", "见到的群众人数须在1至10000之间", field="people")
    booking = None
    if booking_id is not None:
        booking = session.get(ReceptionBooking, booking_id)
        if booking is None or booking.reception_id != reception.id:
            raise NotFound("booking_not_found", "该群众不在本次接访中")
    visit = ReceptionVisit(
        reception_id=reception.id,
        booking_id=booking.id if booking else None,
        case_id=booking.case_id if booking else None,
        visited_at=visited_at,
        place=_text(place, "place", "家访地点", 200, required=True) or "",
        people=people,
        notes=_text(notes, "notes", "家访情况", 5000, required=True) or "",
        recorded_by_id=actor.staff_id,
        recorded_at=now,
    )
    session.add(visit)
    session.flush()
    case = session.get(Case, visit.case_id) if visit.case_id else None
    if case is not None:
        record_case_event(
            session,
            case,
            action="reception_visit",
            actor_label=actor.username,
            actor_id=actor.staff_id,
            now=now,
            reason=visit.notes,
            payload={
                "reception_id": reception.id,
                "visit_id": visit.id,
                "place": visit.place,
                "people": people,
                "at": visited_at.isoformat(),
            },
        )
    return visit


# --- 分片包联 ---------------------------------------------------------------------------------
def link_area(session: Session, *, actor: Actor, leader: str, area: str) -> LeaderArea:
    """Link a leader to a street or community (an administrator's step; linking twice is harmless)."""
    if actor.role is not Role.ADMIN:
        raise Forbidden("role_not_allowed", "只有系统管理员可以调整分片包联")
    person = _leader(session, leader)
    unit = session.scalar(
        select(Unit).where(Unit.code == area, Unit.kind.in_(("street", "community")))
    )
    if unit is None:
        raise NotFound("unit_not_found", "包联区域须为街道或社区")
    row = session.scalar(
        select(LeaderArea).where(LeaderArea.staff_id == person.id, LeaderArea.unit_id == unit.id)
    )
    if row is None:
        row = LeaderArea(staff_id=person.id, unit_id=unit.id)
        session.add(row)
        session.flush()
    return row


def unlink_area(session: Session, *, actor: Actor, leader: str, area: str) -> bool:
    if actor.role is not Role.ADMIN:
        raise Forbidden("role_not_allowed", "只有系统管理员可以调整分片包联")
    person = _leader(session, leader)
    row = session.scalar(
        select(LeaderArea)
        .join(Unit, Unit.id == LeaderArea.unit_id)
        .where(LeaderArea.staff_id == person.id, Unit.code == area)
    )
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def raised(session: Session, booking_id: int) -> dict[str, Any]:
    row = session.execute(
        select(ReceptionBooking.is_held, Case.id, Case.tracking_no)
        .join(Case, Case.id == ReceptionBooking.case_id)
        .where(ReceptionBooking.id == booking_id)
    ).one()
    return {
        "booking_id": booking_id,
        "case_id": row[1],
        "tracking_no": row[2],
        "is_held": row[0],
    }
