"""Use cases of relief (帮扶救助): an application registers its case through intake like any
appeal (service relief), then the community, the street and the civil-affairs bureau review it
in order; the bureau approves with an amount, the payment and the follow-up visit are recorded.
A second payment of the same kind to the same person within the window needs the bureau's
confirmation with a reason. Every step writes an event on the case's timeline; the case moves
through the normal lifecycle (accepted and dispatched to the bureau when it reaches it, replied
when the follow-up is done or the bureau refuses, declined when the community or street
refuses)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import anyio.to_thread
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.cases.rules import Action, allowed_actions
from minyi.cases.service import act_on_case, case_facts, record_case_event
from minyi.core.clock import Clock
from minyi.core.db import Database
from minyi.core.errors import Conflict, Forbidden, Invalid, MinyiError, NotFound
from minyi.core.ids import IdAllocator
from minyi.core.settings import Settings
from minyi.grassroots.models import Household
from minyi.intake.batcher import IntakeBatcher
from minyi.intake.desk import desk_channel
from minyi.intake.refs import RefCache
from minyi.intake.rules import check_id_card, normalise_phone
from minyi.intake.schemas import AppealIn
from minyi.intake.service import register_appeals
from minyi.org.models import Unit
from minyi.org.rules import Actor, Role, UnitKind
from minyi.relief.models import ReliefApplication, ReliefFollowUp, ReliefPayment, ReliefReview
from minyi.relief.queries import earlier_payments
from minyi.relief.rules import (
    DEPARTMENT_CODE,
    DUPLICATE_WINDOW,
    KIND_LABELS,
    METHOD_LABELS,
    REFUSALS,
    STAGE_LABELS,
    STAGES,
    HardshipKind,
    PayMethod,
    ReliefStatus,
    Stage,
    Step,
    is_department,
    may_follow_up,
    may_resubmit,
    may_review,
    next_status,
    parse_amount,
    resume_status,
    stage_of,
)

# The relief desk moves the case through the lifecycle on the workflow's behalf: reviewers in a
# community or street cannot accept, decline or dispatch (the centre's actions), and the event
# log must say that it was the relief workflow's step, not a dispatcher's decision.
RELIEF_DESK = Actor(
    staff_id=None,
    username="帮扶救助",
    name="帮扶救助",
    role=Role.DISPATCHER,
    unit_id=None,
    unit_code=None,
    unit_kind=None,
    unit_path=None,
    automated=True,
)
PORTAL_KIND = "miniprogram"  # the portal's public door
WINDOW_KIND = "walk_in"  # registered by staff at a service window
_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
MAX_TEXT = 5000


@dataclass(frozen=True)
class Checked:
    """An application's fields, checked and normalised, before anything is written."""

    name: str
    phone: str
    id_number: str | None
    address: str
    community: Unit
    street: Unit | None
    kind: HardshipKind
    members: int
    income: Decimal | None
    requested_amount: Decimal | None
    request: str
    documents: list[str]
    household_id: int | None
    token: str | None

    @property
    def person_key(self) -> str:
        return self.id_number or f"{self.name}|{self.phone}"


def _text(value: str | None, field: str, label: str, limit: int, *, required: bool) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise Invalid("missing_field", f"请填写{label}", field=field)
        return None
    if len(text) > limit or "\x00" in text:
        raise Invalid("too_long", f"{label}不超过{limit}字", field=field)
    return text


def _amount(value: Any, field: str, label: str, *, required: bool) -> Decimal | None:
    try:
        return parse_amount(value, required=required)
    except ValueError as error:
        raise Invalid("bad_amount", f"{label}：{error}", field=field) from None


def _documents(titles: list[str]) -> list[str]:
    clean = [t.strip() for t in titles if t and t.strip()]
    if len(clean) > 20 or any(len(t) > 100 or "\x00" in t for t in clean):
        raise Invalid("bad_documents", "材料最多20项，每项名称不超过100字", field="documents")
    return clean


def check_application(session: Session, entry: Any) -> Checked:
    """What an application must carry (schemas.ApplicationIn or the same fields)."""
    name = _text(entry.name, "name", "申请人姓名", 60, required=True) or ""
    try:
        phone = normalise_phone(entry.phone or "")
    except ValueError as error:
        raise Invalid("bad_phone", str(error), field="phone") from None
    id_number = None
    if (entry.id_number or "").strip():
        try:
            id_number = check_id_card(entry.id_number)
        except ValueError as error:
            raise Invalid("bad_id_number", str(error), field="id_number") from None
    address = _text(entry.address, "address", "家庭住址", 300, required=True) or ""
    community = session.scalar(
        select(Unit).where(
            Unit.code == (entry.community or "").strip(),
            Unit.kind == UnitKind.COMMUNITY,
            Unit.is_active.is_(True),
        )
    )
    if community is None:
        raise Invalid("bad_community", "请选择所在社区", field="community")
    street = session.get(Unit, community.parent_id) if community.parent_id else None
    try:
        kind = HardshipKind(entry.kind)
    except ValueError:
        raise Invalid("bad_kind", "请选择救助类别", field="kind") from None
    members = int(entry.members or 1)
    if not 1 <= members <= 30:
        raise Invalid("bad_members", "家庭人口须在1至30人之间", field="members")
    income = None
    if entry.income not in (None, "") and str(entry.income).strip() not in ("0", "0.00"):
        income = _amount(entry.income, "income", "家庭月收入", required=False)
    request = _text(entry.request, "request", "申请救助的事由和需要的帮助", MAX_TEXT, required=True)
    household_id = None
    code = (entry.household or "").strip()
    if code:
        household_id = session.scalar(select(Household.id).where(Household.code == code))
        if household_id is None:
            raise Invalid("bad_household", "没有找到该户", field="household")
    else:
        # The grid's record of the household, when its head is the applicant (optional).
        household_id = session.scalar(
            select(Household.id)
            .where(Household.head_phone == phone, Household.is_active.is_(True))
            .order_by(Household.id)
            .limit(1)
        )
    token = (entry.token or "").strip() or None
    if token is not None and len(token) > 64:
        raise Invalid("bad_token", "表单编号不正确，请刷新页面后重试", field="token")
    return Checked(
        name=name,
        phone=phone,
        id_number=id_number,
        address=address,
        community=community,
        street=street if street is not None and street.kind == UnitKind.STREET else None,
        kind=kind,
        members=members,
        income=income,
        requested_amount=_amount(
            entry.requested_amount, "requested_amount", "申请金额", required=False
        ),
        request=request or "",
        documents=_documents(list(entry.documents or [])),
        household_id=household_id,
        token=token,
    )


def application_appeal(session: Session, checked: Checked, *, actor: Actor | None) -> AppealIn:
    """The appeal an application becomes: on the portal's channel (a citizen) or the window's
    (staff), placed in the applicant's community. A token makes a resend answer the same case.
    The id number stays on the application (never on the case: fewer readers)."""
    if actor is not None and actor.role not in (Role.COMMUNITY_STAFF, Role.STREET_STAFF):
        if actor.role not in (Role.ADMIN, Role.DISPATCHER):
            raise Forbidden("not_relief_window", "只有社区、街道工作人员可以代为登记救助申请")
    kind = PORTAL_KIND if actor is None else WINDOW_KIND
    channel = desk_channel(session, kind, (kind,))
    label = KIND_LABELS[checked.kind]
    try:
        return AppealIn(
            channel=channel.code,
            external_id=f"relief:{checked.token}" if checked.token else None,
            title=f"申请{label}",
            body=checked.request,
            phone=checked.phone,
            name=checked.name,
            address=checked.address,
            street=checked.street.code if checked.street else None,
            community=checked.community.code,
        )
    except ValidationError as error:
        first = error.errors()[0]
        raise Invalid("bad_application", str(first.get("msg", "申请内容不正确"))) from None


def _new_ref() -> str:
    return "JZ" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))


def _event(
    session: Session,
    case_id: int | None,
    action: str,
    actor: Actor | None,
    now: datetime,
    *,
    reason: str | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    case = session.get(Case, case_id) if case_id else None
    if case is None:
        return
    record_case_event(
        session,
        case,
        action=action,
        actor_label=actor.name if actor else "申请人",
        actor_id=actor.staff_id if actor else None,
        now=now,
        reason=reason,
        payload=payload,
    )


def record_application(
    session: Session, checked: Checked, *, case_id: int, actor: Actor | None, now: datetime
) -> ReliefApplication:
    """The application on its case (registered just before). A second call for the same case
    answers the first application."""
    existing = session.scalar(select(ReliefApplication).where(ReliefApplication.case_id == case_id))
    if existing is not None:
        return existing
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case_not_found", f"no case {case_id}")
    application = ReliefApplication(
        ref=_new_ref(),
        case_id=case_id,
        kind=checked.kind.value,
        status=ReliefStatus.COMMUNITY.value,
        via="portal" if actor is None else "window",
        name=checked.name,
        phone=checked.phone,
        id_number=checked.id_number,
        person_key=checked.person_key,
        address=checked.address,
        community_id=checked.community.id,
        household_id=checked.household_id,
        members=checked.members,
        income=checked.income,
        requested_amount=checked.requested_amount,
        request=checked.request,
        documents=checked.documents,
        created_by_id=actor.staff_id if actor else None,
        created_at=now,
        duplicate_of=[],
    )
    session.add(application)
    case.service = "relief"
    session.flush()
    _flag_duplicates(session, application, now=now)
    _event(
        session,
        case_id,
        "relief_applied",
        actor,
        now,
        reason=f"提交{KIND_LABELS[checked.kind]}申请，待{checked.community.name}审核",
        payload={"application_id": application.id, "ref": application.ref},
    )
    return application


class Desk(Protocol):
    """What registering an application needs of the process (the API's and the pages' state)."""

    db: Database
    batcher: IntakeBatcher
    settings: Settings
    clock: Clock


async def apply(desk: Desk, entry: Any, *, actor: Actor | None) -> ReliefApplication:
    """Register the application's case through intake's group-commit writer (like any appeal),
    then record the application on it. The reads and writes run in worker threads."""

    def build() -> AppealIn:
        with desk.db.reading() as session:
            return application_appeal(session, check_application(session, entry), actor=actor)

    item = await anyio.to_thread.run_sync(build)
    receipt = await desk.batcher.submit(item, actor)

    def finish() -> ReliefApplication:
        with desk.db.unit_of_work() as session:
            checked = check_application(session, entry)
            application = record_application(
                session, checked, case_id=int(receipt.id), actor=actor, now=desk.clock.now()
            )
            session.expunge(application)
            return application

    return await anyio.to_thread.run_sync(finish)


def apply_now(
    db: Database, entry: Any, *, actor: Actor | None, now: datetime, tz: ZoneInfo
) -> ReliefApplication:
    """The same as `apply` without the group-commit writer (the command line, tests)."""
    with db.reading() as session:
        item = application_appeal(session, check_application(session, entry), actor=actor)
    ids = IdAllocator(db, "appeals", block=1).take(1)
    with db.unit_of_work() as session:
        [result] = register_appeals(
            session, [item], actors=[actor], ids=ids, refs=RefCache(), now=now, tz=tz
        )
        if isinstance(result, MinyiError):
            raise result
    with db.unit_of_work() as session:
        application = record_application(
            session, check_application(session, entry), case_id=result.id, actor=actor, now=now
        )
        session.expunge(application)
        return application


# --- duplicates ------------------------------------------------------------------------------
def _flag_duplicates(
    session: Session, application: ReliefApplication, *, now: datetime
) -> list[int]:
    """Earlier payments to the same person for the same kind within the window: kept on the
    application (the bureau sees them) and flagged once on the case's timeline."""
    found = earlier_payments(session, application, on=now.date())
    ids = [p.id for p in found]
    if ids and ids != list(application.duplicate_of or []):
        first = application.flagged_at is None
        application.duplicate_of = ids
        application.flagged_at = application.flagged_at or now
        if first:
            _event(
                session,
                application.case_id,
                "relief_duplicate_flagged",
                RELIEF_DESK,
                now,
                reason=f"同一申请人{_window_text()}内已领取同类救助{len(ids)}次，发放前须民政局确认",
                payload={"application_id": application.id, "payments": ids},
            )
    session.flush()
    return ids


def _window_text() -> str:
    return f"{DUPLICATE_WINDOW.days}天"


def _confirmation(
    session: Session, application: ReliefApplication, repeat_reason: str | None, *, now: datetime
) -> str | None:
    """A flagged application is paid (or approved) only with the bureau's reason to pay again."""
    ids = _flag_duplicates(session, application, now=now)
    if not ids:
        return None
    reason = _text(repeat_reason, "repeat_reason", "再次发放的理由", 2000, required=False)
    if reason is None:
        raise Conflict(
            "relief_duplicate",
            f"该申请人{_window_text()}内已领取同类救助，请核对既往发放记录并填写再次发放的理由",
            payments=ids,
        )
    return reason


# --- reviews ---------------------------------------------------------------------------------
def _community_path(session: Session, application: ReliefApplication) -> str:
    return session.scalar(select(Unit.path).where(Unit.id == application.community_id)) or ""


def _locked(session: Session, application_id: int) -> ReliefApplication:
    application = session.scalar(
        select(ReliefApplication).where(ReliefApplication.id == application_id).with_for_update()
    )
    if application is None:
        raise NotFound("application_not_found", "没有找到该救助申请")
    return application


def _move_case(
    session: Session,
    case_id: int | None,
    steps: list[tuple[Actor, Action, dict[str, Any]]],
    now: datetime,
) -> None:
    """Take the case's lifecycle steps the relief step implies, where the case still stands
    where the workflow left it; a case the centre moved elsewhere meanwhile is left as it is
    (the timeline still shows the relief step)."""
    if case_id is None:
        return
    for who, action, payload in steps:
        case = session.get(Case, case_id)
        if case is None:
            return
        if action not in allowed_actions(case_facts(session, case), who):
            continue
        try:
            with session.begin_nested():
                act_on_case(session, case_id, action, actor=who, payload=payload, now=now)
        except MinyiError:
            return


def _to_department(session: Session, case_id: int | None, now: datetime) -> None:
    if session.scalar(select(Unit.id).where(Unit.code == DEPARTMENT_CODE)) is None:
        return
    _move_case(
        session,
        case_id,
        [
            (RELIEF_DESK, Action.ACCEPT, {}),
            (RELIEF_DESK, Action.DISPATCH, {"lead_unit": DEPARTMENT_CODE, "co_units": []}),
        ],
        now,
    )


def _answer(session: Session, case_id: int | None, actor: Actor, text: str, now: datetime) -> None:
    """The bureau's answer closes the case: it signs for it and replies (or submits the reply
    for its head's approval where its replies need it)."""
    if case_id is None:
        return
    _move_case(session, case_id, [(actor, Action.SIGN_FOR, {})], now)
    case = session.get(Case, case_id)
    if case is None:
        return
    allowed = allowed_actions(case_facts(session, case), actor)
    action = Action.REPLY if Action.REPLY in allowed else Action.SUBMIT_REPLY
    _move_case(session, case_id, [(actor, action, {"text": text})], now)


def review_application(
    session: Session,
    application_id: int,
    *,
    actor: Actor,
    step: str,
    reason: str | None = None,
    amount: str | Decimal | None = None,
    repeat_reason: str | None = None,
    now: datetime,
) -> ReliefApplication:
    """One reviewer's decision at the application's current stage: approve (at the bureau with
    the amount), return for more documents, or refuse, both with a reason. A step the state
    does not allow is refused (409); a reviewer of another stage or area is refused (403)."""
    try:
        chosen = Step(step)
    except ValueError:
        raise Invalid("bad_step", "请选择审核通过、退回补充材料或不予救助", field="step") from None
    if chosen not in (Step.APPROVE, Step.RETURN, Step.REFUSE):
        raise Invalid("bad_step", "请选择审核通过、退回补充材料或不予救助", field="step")
    application = _locked(session, application_id)
    status = ReliefStatus(application.status)
    target = next_status(status, chosen)
    stage = stage_of(status)
    if target is None or stage is None:
        raise Conflict("relief_step_refused", REFUSALS[chosen])
    path = _community_path(session, application)
    if not may_review(actor, stage, community_path=path):
        mine = [s for s in STAGES if may_review(actor, s, community_path=path)]
        if mine:
            # A reviewer of another stage: out of order (the earlier stage has not decided yet,
            # or theirs is already done).
            when = "尚未轮到" if STAGES.index(mine[0]) > STAGES.index(stage) else "已经完成"
            raise Conflict(
                "relief_out_of_order",
                f"该申请当前待{STAGE_LABELS[stage]}，{STAGE_LABELS[mine[0]]}环节{when}",
            )
        raise Forbidden("not_reviewer", f"您不是该申请{STAGE_LABELS[stage]}环节的审核人")
    why = _text(reason, "reason", "理由", 2000, required=chosen is not Step.APPROVE)
    money = None
    confirmed = None
    if chosen is Step.APPROVE and stage is Stage.DEPARTMENT:
        money = _amount(amount, "amount", "批准金额", required=True)
        confirmed = _confirmation(session, application, repeat_reason, now=now)
    application.status = target.value
    if chosen is Step.APPROVE:
        application.returned_from = None
    else:
        application.returned_from = stage.value
    if target in (ReliefStatus.APPROVED, ReliefStatus.REFUSED):
        application.decided_at = now
    if money is not None:
        application.approved_amount = money
    if confirmed is not None:
        application.repeat_reason = confirmed
    session.add(
        ReliefReview(
            application_id=application.id,
            stage=stage.value,
            step=chosen.value,
            reason=why
            if confirmed is None
            else f"{why or ''}（再次发放理由：{confirmed}）".lstrip(),
            amount=money,
            actor_id=actor.staff_id,
            at=now,
        )
    )
    session.flush()
    label = STAGE_LABELS[stage]
    if chosen is Step.APPROVE:
        said = f"{label}通过" + (f"，批准救助金额{money}元" if money is not None else "")
        if confirmed:
            said += f"；确认再次发放：{confirmed}"
    elif chosen is Step.RETURN:
        said = f"{label}退回补充材料：{why}"
    else:
        said = f"{label}不予救助：{why}"
    _event(
        session,
        application.case_id,
        f"relief_{chosen.value}",
        actor,
        now,
        reason=said,
        payload={"application_id": application.id, "stage": stage.value},
    )
    if target is ReliefStatus.DEPARTMENT:
        _flag_duplicates(session, application, now=now)
        _to_department(session, application.case_id, now)
    elif target is ReliefStatus.APPROVED:
        _move_case(session, application.case_id, [(actor, Action.SIGN_FOR, {})], now)
    elif target is ReliefStatus.REFUSED:
        text = (
            f"经{label}，您的{KIND_LABELS[HardshipKind(application.kind)]}申请不予救助。理由：{why}"
        )
        if stage is Stage.DEPARTMENT:
            _answer(session, application.case_id, actor, text, now)
        else:
            _move_case(
                session, application.case_id, [(RELIEF_DESK, Action.DECLINE, {"reason": text})], now
            )
    session.flush()
    return application


def resubmit_application(
    session: Session,
    application_id: int,
    *,
    actor: Actor,
    documents: list[str],
    note: str | None,
    now: datetime,
) -> ReliefApplication:
    """The missing documents are in: the application goes back to the stage that returned it."""
    application = _locked(session, application_id)
    if application.status != ReliefStatus.RETURNED or not application.returned_from:
        raise Conflict("relief_step_refused", REFUSALS[Step.RESUBMIT])
    if not may_resubmit(actor, community_path=_community_path(session, application)):
        raise Forbidden("not_reviewer", "只有申请人所在社区的工作人员可以补充材料后重新提交")
    added = _documents(documents)
    why = _text(note, "note", "补充说明", 2000, required=False)
    if not added and why is None:
        raise Invalid("missing_field", "请填写补充的材料或说明", field="documents")
    stage = Stage(application.returned_from)
    application.documents = [*(application.documents or []), *added]
    application.status = resume_status(stage).value
    application.returned_from = None
    session.add(
        ReliefReview(
            application_id=application.id,
            stage=stage.value,
            step=Step.RESUBMIT.value,
            reason=why,
            actor_id=actor.staff_id,
            at=now,
        )
    )
    session.flush()
    said = (
        "补充材料后重新提交"
        + (f"：{'、'.join(added)}" if added else "")
        + (f"（{why}）" if why else "")
    )
    _event(
        session,
        application.case_id,
        "relief_resubmit",
        actor,
        now,
        reason=f"{said}，待{STAGE_LABELS[stage]}",
        payload={"application_id": application.id, "stage": stage.value},
    )
    return application


# --- payment and follow-up ---------------------------------------------------------------------
def record_payment(
    session: Session,
    application_id: int,
    *,
    actor: Actor,
    amount: str | Decimal,
    paid_on: date,
    method: str,
    repeat_reason: str | None = None,
    now: datetime,
    tz: ZoneInfo,
) -> ReliefPayment:
    """发放, by the bureau: the amount (at most the approved one), the day, the method. The
    duplicate check runs again here: a payment to the same person for the same kind made since
    the approval needs its own confirmation."""
    if not is_department(actor):
        raise Forbidden("not_department", "只有区民政局的工作人员可以登记救助发放")
    application = _locked(session, application_id)
    if next_status(ReliefStatus(application.status), Step.PAY) is None:
        raise Conflict("relief_step_refused", REFUSALS[Step.PAY])
    money = _amount(amount, "amount", "发放金额", required=True)
    assert money is not None
    if application.approved_amount is not None and money > application.approved_amount:
        raise Invalid(
            "amount_above_approved",
            f"发放金额不能超过批准金额{application.approved_amount}元",
            field="amount",
        )
    if paid_on > now.astimezone(tz).date():
        raise Invalid("future_payment", "发放日期不能晚于今天", field="paid_on")
    try:
        how = PayMethod(method)
    except ValueError:
        raise Invalid("bad_method", "请选择发放方式", field="method") from None
    confirmed = _confirmation(
        session, application, repeat_reason or application.repeat_reason, now=now
    )
    payment = ReliefPayment(
        application_id=application.id,
        person_key=application.person_key,
        kind=application.kind,
        amount=money,
        paid_on=paid_on,
        method=how.value,
        paid_by_id=actor.staff_id or 0,
        recorded_at=now,
        repeat_reason=confirmed,
    )
    session.add(payment)
    application.status = ReliefStatus.PAID.value
    session.flush()
    _event(
        session,
        application.case_id,
        "relief_paid",
        actor,
        now,
        reason=f"{paid_on.isoformat()}以{METHOD_LABELS[how]}方式发放救助{money}元"
        + (f"；确认再次发放：{confirmed}" if confirmed else ""),
        payload={"application_id": application.id, "payment_id": payment.id},
    )
    return payment


def record_follow_up(
    session: Session,
    application_id: int,
    *,
    actor: Actor,
    visited_on: date,
    notes: str,
    now: datetime,
    tz: ZoneInfo,
) -> ReliefFollowUp:
    """回访 after the payment, by the bureau: the application is finished and the bureau's
    reply closes the case through the normal lifecycle."""
    application = _locked(session, application_id)
    if not may_follow_up(actor, community_path=_community_path(session, application)):
        raise Forbidden("not_department", "只有区民政局的工作人员可以登记回访")
    if next_status(ReliefStatus(application.status), Step.FOLLOW_UP) is None:
        raise Conflict("relief_step_refused", REFUSALS[Step.FOLLOW_UP])
    text = _text(notes, "notes", "回访情况", MAX_TEXT, required=True) or ""
    if visited_on > now.astimezone(tz).date():
        raise Invalid("future_visit", "回访日期不能晚于今天", field="visited_on")
    paid = session.scalar(
        select(ReliefPayment.paid_on).where(ReliefPayment.application_id == application.id)
    )
    if paid is not None and visited_on < paid:
        raise Invalid("visit_before_payment", "回访日期不能早于发放日期", field="visited_on")
    visit = ReliefFollowUp(
        application_id=application.id,
        visited_on=visited_on,
        notes=text,
        visited_by_id=actor.staff_id or 0,
        recorded_at=now,
    )
    session.add(visit)
    application.status = ReliefStatus.FOLLOWED_UP.value
    session.flush()
    _event(
        session,
        application.case_id,
        "relief_follow_up",
        actor,
        now,
        reason=f"{visited_on.isoformat()}回访：{text}",
        payload={"application_id": application.id},
    )
    amount = session.scalar(
        select(ReliefPayment.amount).where(ReliefPayment.application_id == application.id)
    )
    _answer(
        session,
        application.case_id,
        actor,
        f"您的{KIND_LABELS[HardshipKind(application.kind)]}申请已批准，救助金{amount}元已发放，"
        f"并已回访。回访情况：{text}",
        now,
    )
    return visit
