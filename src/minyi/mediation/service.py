"""Use cases of mediation: open a dispute on a case (moving the case to mediation on its event
log when it came as something else), plan, hold and cancel sessions, record the outcome (an
agreement with its numbered terms, a partial one, or failure), performance of each term,
judicial confirmation filed and ruled, and referral on failure (仲裁, 诉讼, back to complaint
handling). Every step writes a case event, so the case's timeline tells the whole story."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.cases.queries import get_visible_case
from minyi.cases.rules import Action, allowed_actions, is_open
from minyi.cases.service import act_on_case, case_facts, record_case_event
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound
from minyi.intake.rules import check_id_card, normalise_phone
from minyi.mediation.models import (
    Agreement,
    AgreementTerm,
    Dispute,
    DisputeMediator,
    DisputeParty,
    MediationSession,
)
from minyi.mediation.queries import (
    area_paths,
    get_agreement,
    get_dispute,
    mediator_ids,
    site_unit,
)
from minyi.mediation.rules import (
    AGREEMENT_REFUSALS,
    AGREEMENT_STEPS,
    CENTRE_ROLES,
    OUTCOME_LABELS,
    REFERRAL_LABELS,
    SIDE_LABELS,
    STEP_REFUSALS,
    AgreementStatus,
    DisputeStatus,
    Outcome,
    Referral,
    SessionStatus,
    Side,
    agreement_number,
    may_act,
    next_status,
    over_area,
)
from minyi.mediation.schemas import PartyIn, TermIn
from minyi.org.models import Staff
from minyi.org.rules import Actor
from minyi.services.models import SiteRoom
from minyi.services.queries import case_service, serves_as
from minyi.services.rules import SERVICE_DECIDERS, SERVICE_LABELS, RoomKind, Service, StaffKind
from minyi.services.service import change_service, move_service


def _text(value: str | None, field: str, label: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid("missing_" + field, f"请填写{label}", field=field)
    if len(text) > limit:
        raise Invalid("too_long", f"{label}不超过{limit}字", field=field)
    return text


def _event(
    session: Session,
    case_id: int,
    actor: Actor,
    action: str,
    now: datetime,
    reason: str,
    **payload: Any,
) -> None:
    case = session.get(Case, case_id)
    if case is None:  # the foreign key keeps it; a vanished case is a bug, not input
        raise NotFound("case_not_found", "没有找到该诉求")
    record_case_event(
        session,
        case,
        action=action,
        actor_label=actor.username,
        actor_id=actor.staff_id,
        now=now,
        reason=reason,
        payload={"dispute_id": payload.pop("dispute_id"), **payload},
    )
    case.updated_at = now


def _acting(session: Session, actor: Actor, dispute: Dispute) -> None:
    if not may_act(
        actor,
        mediator_ids=mediator_ids(session, dispute.id),
        paths=area_paths(session, dispute),
    ):
        raise Forbidden("not_mediator", "只有本纠纷的调解员和辖区工作人员可以办理")


def _party(p: PartyIn) -> DisputeParty:
    phone = id_number = None
    if p.phone:
        try:
            phone = normalise_phone(p.phone)
        except ValueError as e:
            raise Invalid("invalid_phone", f"{p.name}：{e}", field="phone") from None
    if p.id_number:
        try:
            id_number = check_id_card(p.id_number)
        except ValueError as e:
            raise Invalid("invalid_id_number", f"{p.name}：{e}", field="id_number") from None
    return DisputeParty(
        side=p.side.value,
        position=0,
        name=_text(p.name, "name", "当事人姓名或名称", 60),
        phone=phone,
        id_number=id_number,
        address=(p.address or "").strip() or None,
    )


def _case_for(session: Session, actor: Actor, case_id: int, site_id: int) -> Case:
    """The case a dispute is opened on: one the actor may see, or, for a mediator of the site,
    one whose place lies in the site's area (the street hall's mediator takes the street's
    disputes)."""
    try:
        return get_visible_case(session, case_id, actor, for_update=True)
    except NotFound:
        if actor.staff_id is None or not serves_as(
            session, actor.staff_id, StaffKind.MEDIATOR, site_id
        ):
            raise
    unit = site_unit(session, site_id)
    case = session.scalar(select(Case).where(Case.id == case_id).with_for_update())
    if case is None or unit.parent_id not in (case.street_id, case.community_id):
        raise NotFound("case_not_found", "没有找到该诉求")
    return case


def open_dispute(
    session: Session,
    actor: Actor,
    *,
    case_id: int,
    site_id: int,
    facts: str,
    matters: str,
    parties: list[PartyIn],
    mediators: list[str],
    reason: str | None,
    now: datetime,
) -> Dispute:
    """A dispute on a case, at a site, with its parties and mediators (the opener, when they
    mediate there and name nobody). A case that is not yet in mediation moves to it through
    services' change_service, which writes the move on the case's log."""
    unit = site_unit(session, site_id)
    is_mediator = actor.staff_id is not None and serves_as(
        session, actor.staff_id, StaffKind.MEDIATOR, site_id
    )
    if not (is_mediator or actor.role in CENTRE_ROLES or over_area(actor, [unit.path])):
        raise Forbidden(
            "not_mediator", "只有本站点的调解员、辖区工作人员和受理分拨人员可以登记纠纷"
        )
    case = _case_for(session, actor, case_id, site_id)
    if not is_open(case.status):
        raise Conflict("case_closed", "已办结的诉求不能再登记纠纷调解")
    if session.scalar(select(Dispute.id).where(Dispute.case_id == case.id)) is not None:
        raise Conflict("dispute_exists", "该诉求已登记纠纷调解")
    sides = {p.side for p in parties}
    if sides != {Side.APPLICANT, Side.RESPONDENT}:
        raise Invalid("missing_side", "申请人和被申请人均至少填写一位", field="parties")
    rows = [_party(p) for p in parties]
    people: list[Staff] = []
    for username in dict.fromkeys(m.strip() for m in mediators if m.strip()):
        person = session.scalar(
            select(Staff).where(Staff.username == username, Staff.is_active.is_(True))
        )
        if person is None or not serves_as(session, person.id, StaffKind.MEDIATOR, site_id):
            raise Invalid(
                "not_site_mediator", "调解员须是在本站点服务的人民调解员", field="mediators"
            )
        people.append(person)
    if not people:
        me = session.get(Staff, actor.staff_id) if is_mediator and actor.staff_id else None
        if me is None:
            raise Invalid("missing_mediator", "请指定调解员", field="mediators")
        people.append(me)
    if case_service(case) is not Service.MEDIATION:
        if actor.role not in SERVICE_DECIDERS:
            raise Forbidden(
                "not_service_decider",
                f"该诉求按{SERVICE_LABELS[case_service(case)]}办理，请由受理或分拨人员转为纠纷调解",
            )
        change_service(
            session,
            actor,
            case.id,
            Service.MEDIATION.value,
            reason=(reason or "").strip() or "登记纠纷调解",
            now=now,
        )
    dispute = Dispute(
        case_id=case.id,
        site_id=site_id,
        facts=_text(facts, "facts", "纠纷主要事实", 5000),
        matters=_text(matters, "matters", "争议事项", 2000),
        status=DisputeStatus.OPEN.value,
        opened_by_id=actor.staff_id,
        opened_at=now,
    )
    session.add(dispute)
    session.flush()
    for side in Side:
        for n, row in enumerate((r for r in rows if r.side == side.value), start=1):
            row.dispute_id, row.position = dispute.id, n
            session.add(row)
    for i, person in enumerate(people):
        session.add(DisputeMediator(dispute_id=dispute.id, staff_id=person.id, is_lead=i == 0))
    counts = {s: sum(1 for r in rows if r.side == s.value) for s in Side}
    _event(
        session,
        case.id,
        actor,
        "mediation_opened",
        now,
        f"在{unit.name}登记纠纷调解：{SIDE_LABELS[Side.APPLICANT]}{counts[Side.APPLICANT]}人，"
        f"{SIDE_LABELS[Side.RESPONDENT]}{counts[Side.RESPONDENT]}人；"
        f"调解员{'、'.join(p.name for p in people)}",
        dispute_id=dispute.id,
    )
    session.flush()
    return dispute


# --- sessions ----------------------------------------------------------------------------------
def _open_dispute(session: Session, actor: Actor, dispute_id: int) -> Dispute:
    dispute = get_dispute(session, dispute_id, for_update=True)
    _acting(session, actor, dispute)
    if dispute.status != DisputeStatus.OPEN:
        raise Conflict("dispute_not_open", "该纠纷已有调解结果，不能再安排或记录调解")
    return dispute


def plan_session(
    session: Session,
    actor: Actor,
    dispute_id: int,
    *,
    starts_at: datetime,
    place: str | None,
    room_id: int | None,
    is_online: bool,
    now: datetime,
    tz: tzinfo,
) -> MediationSession:
    dispute = _open_dispute(session, actor, dispute_id)
    if starts_at.tzinfo is None:
        raise Invalid("naive_time", "调解时间须带时区", field="starts_at")
    where = (place or "").strip()
    if room_id is not None:
        room = session.get(SiteRoom, room_id)
        if room is None or room.site_id != dispute.site_id:
            raise Invalid("invalid_room", "所选功能室不属于本站点", field="room_id")
        where = where or room.name
    if is_online:
        where = where or "线上调解"
    if not where:  # the site's 纠纷解决室, else the site itself
        room = session.scalar(
            select(SiteRoom)
            .where(
                SiteRoom.site_id == dispute.site_id,
                SiteRoom.kind == RoomKind.MEDIATION_ROOM.value,
            )
            .order_by(SiteRoom.id)
            .limit(1)
        )
        where = room.name if room else site_unit(session, dispute.site_id).name
        room_id = room.id if room else None
    if len(where) > 200:
        raise Invalid("too_long", "调解地点不超过200字", field="place")
    row = MediationSession(
        dispute_id=dispute.id,
        starts_at=starts_at,
        place=where,
        room_id=room_id,
        is_online=is_online,
        status=SessionStatus.PLANNED.value,
        planned_by_id=actor.staff_id,
        planned_at=now,
    )
    session.add(row)
    session.flush()
    local = starts_at.astimezone(tz)
    _event(
        session,
        dispute.case_id,
        actor,
        "mediation_session_planned",
        now,
        f"安排调解：{local:%Y-%m-%d %H:%M}，{where}（{'线上' if is_online else '现场'}）",
        dispute_id=dispute.id,
        session_id=row.id,
    )
    return row


def _session(session: Session, actor: Actor, session_id: int) -> tuple[MediationSession, Dispute]:
    row = session.scalar(
        select(MediationSession).where(MediationSession.id == session_id).with_for_update()
    )
    if row is None:
        raise NotFound("session_not_found", "没有找到该调解安排")
    dispute = _open_dispute(session, actor, row.dispute_id)
    if row.status != SessionStatus.PLANNED:
        raise Conflict("session_done", "该调解安排已记录或已取消")
    return row, dispute


def hold_session(
    session: Session,
    actor: Actor,
    session_id: int,
    *,
    minutes: str,
    party_ids: list[int],
    others: str | None,
    now: datetime,
) -> MediationSession:
    """记录调解: the minutes and who came (parties of this dispute, and others in words)."""
    row, dispute = _session(session, actor, session_id)
    text = _text(minutes, "minutes", "调解笔录", 10000)
    known = dict(
        session.execute(
            select(DisputeParty.id, DisputeParty.side).where(DisputeParty.dispute_id == dispute.id)
        ).all()
    )
    came = list(dict.fromkeys(party_ids))
    if any(p not in known for p in came):
        raise Invalid("invalid_party", "到场人员须是本纠纷的当事人", field="party_ids")
    row.status = SessionStatus.HELD.value
    row.held_at = now
    row.minutes = text
    row.attendance = {"parties": came, "others": (others or "").strip() or None}
    applicants = sum(1 for p in came if known[p] == Side.APPLICANT.value)
    session.flush()
    _event(
        session,
        dispute.case_id,
        actor,
        "mediation_session_held",
        now,
        f"召开调解会议（{row.place}）：到场申请人{applicants}人、被申请人{len(came) - applicants}人",
        dispute_id=dispute.id,
        session_id=row.id,
    )
    return row


def cancel_session(
    session: Session, actor: Actor, session_id: int, *, reason: str, now: datetime
) -> MediationSession:
    row, dispute = _session(session, actor, session_id)
    why = _text(reason, "reason", "取消原因", 500)
    row.status = SessionStatus.CANCELLED.value
    row.cancelled_at, row.cancel_reason = now, why
    session.flush()
    _event(
        session,
        dispute.case_id,
        actor,
        "mediation_session_cancelled",
        now,
        f"取消调解安排：{why}",
        dispute_id=dispute.id,
        session_id=row.id,
    )
    return row


# --- outcome -----------------------------------------------------------------------------------
def _close_case(session: Session, actor: Actor, case_id: int, text: str, now: datetime) -> bool:
    """Close the case through its lifecycle (答复) where the actor may reply to it: the unit
    handling it answers with the outcome. Elsewhere (a mediator at a hall) the case stays with
    its unit, the outcome on its log."""
    case = session.get(Case, case_id)
    if case is None or actor.role is None:
        return False
    if Action.REPLY not in allowed_actions(case_facts(session, case), actor):
        return False
    act_on_case(session, case_id, Action.REPLY, actor=actor, payload={"text": text}, now=now)
    return True


def _terms(terms: list[TermIn]) -> list[AgreementTerm]:
    if not terms:
        raise Invalid("missing_terms", "请填写协议条款（至少一条）", field="terms")
    return [
        AgreementTerm(
            position=n,
            text=_text(t.text, "terms", f"第{n}条协议内容", 2000),
            due_on=t.due_on,
            amount=t.amount,
        )
        for n, t in enumerate(terms, start=1)
    ]


def record_outcome(
    session: Session,
    actor: Actor,
    dispute_id: int,
    *,
    outcome: str,
    note: str | None,
    terms: list[TermIn],
    performance: str | None,
    signed_on: date | None,
    now: datetime,
    tz: tzinfo,
) -> Dispute:
    """达成协议 / 部分达成 (with the agreement: numbered terms, how and by when it is performed)
    or 调解不成 (with the reason, then a referral). Outcome needs a session held first."""
    dispute = get_dispute(session, dispute_id, for_update=True)
    _acting(session, actor, dispute)
    try:
        result = Outcome(outcome)
    except ValueError:
        raise Invalid("invalid_outcome", "调解结果不正确", field="outcome") from None
    new = next_status(DisputeStatus(dispute.status), result.value)
    if new is None:
        raise Conflict("outcome_refused", STEP_REFUSALS[result.value])
    held = session.scalar(
        select(func.count()).where(
            MediationSession.dispute_id == dispute.id,
            MediationSession.status == SessionStatus.HELD.value,
        )
    )
    if not held:
        raise Conflict("no_session_held", "请先记录至少一次调解会议，再登记调解结果")
    words = (note or "").strip() or None
    if words and len(words) > 2000:
        raise Invalid("too_long", "说明不超过2000字", field="note")
    agreement: Agreement | None = None
    if result is Outcome.FAILURE:
        if not words:
            raise Invalid("missing_note", "请填写调解不成的原因", field="note")
    else:
        rows = _terms(terms)
        how = _text(performance, "performance", "履行方式、时限", 2000)
        day = signed_on or now.astimezone(tz).date()
        unit = site_unit(session, dispute.site_id)
        sequence = 1 + (
            session.scalar(select(func.max(Agreement.sequence)).where(Agreement.year == day.year))
            or 0
        )
        agreement = Agreement(
            dispute_id=dispute.id,
            number=agreement_number(unit.name, day.year, sequence),
            year=day.year,
            sequence=sequence,
            is_partial=result is Outcome.PARTIAL,
            performance=how,
            status=AgreementStatus.SIGNED.value,
            signed_on=day,
            made_by_id=actor.staff_id,
            made_at=now,
        )
        session.add(agreement)
        session.flush()
        for row in rows:
            row.agreement_id = agreement.id
            session.add(row)
    dispute.status = new.value
    dispute.outcome, dispute.outcome_at, dispute.outcome_note = result.value, now, words
    session.flush()
    reason = OUTCOME_LABELS[result] + (
        f"，调解协议书{agreement.number}，共{len(terms)}条" if agreement else f"：{words}"
    )
    _event(
        session,
        dispute.case_id,
        actor,
        {
            Outcome.AGREEMENT: "mediation_agreement",
            Outcome.PARTIAL: "mediation_partial",
            Outcome.FAILURE: "mediation_failed",
        }[result],
        now,
        reason,
        dispute_id=dispute.id,
        **({"agreement_id": agreement.id, "number": agreement.number} if agreement else {}),
    )
    if result is Outcome.AGREEMENT:
        _close_case(session, actor, dispute.case_id, f"经人民调解达成协议（{reason}）", now)
    return dispute


def record_performance(
    session: Session, actor: Actor, term_id: int, *, done: bool, note: str | None, now: datetime
) -> AgreementTerm:
    """履行: a term paid or done (or set back to not yet done), with a note."""
    term = session.scalar(
        select(AgreementTerm).where(AgreementTerm.id == term_id).with_for_update()
    )
    if term is None:
        raise NotFound("term_not_found", "没有找到该协议条款")
    agreement = get_agreement(session, term.agreement_id)
    dispute = get_dispute(session, agreement.dispute_id)
    _acting(session, actor, dispute)
    if agreement.status == AgreementStatus.REFUSED:
        raise Conflict("agreement_refused", "法院不予确认的协议不再登记履行")
    words = (note or "").strip() or None
    if words and len(words) > 500:
        raise Invalid("too_long", "履行说明不超过500字", field="note")
    if done == (term.done_at is not None) and words == term.done_note:
        return term
    term.done_at = now if done else None
    term.done_note, term.recorded_by_id = words, actor.staff_id
    session.flush()
    _event(
        session,
        dispute.case_id,
        actor,
        "mediation_performed",
        now,
        f"协议{agreement.number}第{term.position}条"
        + ("已履行" if done else "改为未履行")
        + (f"：{words}" if words else ""),
        dispute_id=dispute.id,
        agreement_id=agreement.id,
        term=term.position,
        done=done,
    )
    return term


# --- judicial confirmation (司法确认) ----------------------------------------------------------
def _agreement_step(
    session: Session, actor: Actor, agreement_id: int, step: str
) -> tuple[Agreement, Dispute, AgreementStatus]:
    agreement = get_agreement(session, agreement_id, for_update=True)
    dispute = get_dispute(session, agreement.dispute_id, for_update=True)
    _acting(session, actor, dispute)
    new = AGREEMENT_STEPS.get((AgreementStatus(agreement.status), step))
    if new is None:
        raise Conflict("agreement_step_refused", AGREEMENT_REFUSALS[step])
    return agreement, dispute, new


def file_confirmation(
    session: Session,
    actor: Actor,
    agreement_id: int,
    *,
    court: str,
    filed_on: date,
    now: datetime,
    tz: tzinfo,
) -> Agreement:
    """申请司法确认: the parties apply to the court (within 30 days of signing, 民事诉讼法)."""
    agreement, dispute, new = _agreement_step(session, actor, agreement_id, "file")
    name = _text(court, "court", "受理法院", 100)
    if filed_on < agreement.signed_on or filed_on > now.astimezone(tz).date():
        raise Invalid("invalid_date", "申请日期须在协议签订之后、今天之前", field="filed_on")
    agreement.status, agreement.court, agreement.filed_on = new.value, name, filed_on
    session.flush()
    _event(
        session,
        dispute.case_id,
        actor,
        "mediation_confirmation_filed",
        now,
        f"调解协议{agreement.number}于{filed_on:%Y-%m-%d}向{name}申请司法确认",
        dispute_id=dispute.id,
        agreement_id=agreement.id,
    )
    return agreement


def record_ruling(
    session: Session,
    actor: Actor,
    agreement_id: int,
    *,
    ruling: str,
    ruled_on: date,
    ruling_number: str,
    reason: str | None,
    now: datetime,
    tz: tzinfo,
) -> Agreement:
    """The court's ruling: confirmed (the agreement is enforceable) or refused (the agreement
    falls and the dispute goes back to mediation: a new agreement, or a referral)."""
    if ruling not in ("confirmed", "refused"):
        raise Invalid("invalid_ruling", "裁定结果须为确认有效或不予确认", field="ruling")
    agreement, dispute, new = _agreement_step(session, actor, agreement_id, ruling)
    number = _text(ruling_number, "ruling_number", "裁定书文号", 60)
    if (agreement.filed_on and ruled_on < agreement.filed_on) or ruled_on > now.astimezone(
        tz
    ).date():
        raise Invalid("invalid_date", "裁定日期须在申请之后、今天之前", field="ruled_on")
    agreement.status, agreement.ruling = new.value, ruling
    agreement.ruled_on, agreement.ruling_number = ruled_on, number
    words = (reason or "").strip()
    if new is AgreementStatus.REFUSED:
        back = next_status(DisputeStatus(dispute.status), "reopen")
        if back is not None:
            dispute.status = back.value
            dispute.outcome = dispute.outcome_at = dispute.outcome_note = None
    session.flush()
    _event(
        session,
        dispute.case_id,
        actor,
        "mediation_confirmed" if new is AgreementStatus.CONFIRMED else "mediation_refused",
        now,
        (
            f"{agreement.court}裁定确认调解协议{agreement.number}有效（{number}），协议具有强制执行力"
            if new is AgreementStatus.CONFIRMED
            else f"{agreement.court}裁定不予确认调解协议{agreement.number}（{number}）"
            + (f"：{words}" if words else "")
            + "，纠纷退回调解"
        ),
        dispute_id=dispute.id,
        agreement_id=agreement.id,
        ruling=ruling,
    )
    return agreement


# --- referral ----------------------------------------------------------------------------------
def refer_dispute(
    session: Session,
    actor: Actor,
    dispute_id: int,
    *,
    referral: str,
    reason: str,
    now: datetime,
) -> Dispute:
    """调解不成 (or what a partial agreement left open) leads on: to arbitration or to court
    (诉调对接), recorded as the case's outcome and closed through the lifecycle where the actor
    may reply; or back to complaint handling, where a unit must act."""
    dispute = get_dispute(session, dispute_id, for_update=True)
    _acting(session, actor, dispute)
    try:
        where = Referral(referral)
    except ValueError:
        raise Invalid("invalid_referral", "转出方式不正确", field="referral") from None
    new = next_status(DisputeStatus(dispute.status), "refer")
    if new is None:
        raise Conflict("refer_refused", STEP_REFUSALS["refer"])
    why = _text(reason, "reason", "转出理由", 1000)
    dispute.status = new.value
    dispute.referral, dispute.referral_reason, dispute.referred_at = where.value, why, now
    session.flush()
    _event(
        session,
        dispute.case_id,
        actor,
        "mediation_referred",
        now,
        f"{REFERRAL_LABELS[where]}：{why}",
        dispute_id=dispute.id,
        referral=where.value,
    )
    case = session.get(Case, dispute.case_id)
    if where is Referral.COMPLAINT:
        if case is not None and is_open(case.status):
            _back_to_complaint(session, actor, case, why, now)
    else:
        _close_case(
            session, actor, dispute.case_id, f"调解不成，{REFERRAL_LABELS[where]}：{why}", now
        )
    return dispute


def _back_to_complaint(session: Session, actor: Actor, case: Case, why: str, now: datetime) -> None:
    """Through services' one writer of a case's service: the dispute's own mediators and area
    staff may hand its case back (`_acting` checked them), though changing a case's service is
    otherwise the centre's decision, because the mediator is who knows a unit must act."""
    move_service(session, case, Service.COMPLAINT, actor=actor, reason=why, now=now)
