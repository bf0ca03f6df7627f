"""Use cases of the volunteers: register and decide on a volunteer, take a report and raise it as
a case through intake, verify it, and award points by the administrator's rules into the
append-only ledger (at most once per matter and rule: the database refuses a second award)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minyi.cases.hooks import ActionDone
from minyi.cases.models import Case
from minyi.cases.rules import CaseStatus
from minyi.cases.tracking import last4_matches
from minyi.core.clock import Clock
from minyi.core.db import Database
from minyi.core.errors import Conflict, Forbidden, Invalid, MinyiError, NotFound
from minyi.core.ids import IdAllocator
from minyi.core.settings import Settings
from minyi.core.throttle import Limit, check, citizen_secret_guard, record_failure
from minyi.intake.batcher import IntakeBatcher
from minyi.intake.models import Channel
from minyi.intake.refs import RefCache
from minyi.intake.rules import normalise_phone
from minyi.intake.schemas import AppealIn
from minyi.intake.service import register_appeals
from minyi.org.models import Unit
from minyi.org.rules import DISTRICT_WIDE, Actor, Role
from minyi.privacy.rules import VOLUNTEER_KEEPERS
from minyi.taxonomy.rules import FIVE_CLASSES
from minyi.triage.models import AppealLink, TriageQueueEntry
from minyi.volunteers.models import PointEntry, PointRule, Volunteer, VolunteerReport
from minyi.volunteers.rules import (
    DECISIONS,
    REPEAT_LINKS,
    RULE_LABELS,
    ReportState,
    RuleKind,
    RuleRef,
    VolunteerStatus,
    check_name,
    check_points,
    check_report,
    is_code,
    rule_for,
    volunteer_code,
)

# The channel a volunteer's report arrives on: its own when the district has opened one (a
# public kind, so the portal may register on it without a staff account), else the portal's.
VOLUNTEER_CHANNEL = "volunteer"
PORTAL_CHANNEL = "miniprogram"
# The case statuses in which the unit has answered (办结): the closing bonus is due.
CLOSED_STATUSES = frozenset({CaseStatus.REPLIED, CaseStatus.RATED, CaseStatus.ARCHIVED})
NOT_FOUND = "志愿者编号或手机号后四位不正确，或尚未通过审核"


def keeper_path(actor: Actor) -> str:
    """The area whose volunteers this member of staff keeps ("" for the whole district)."""
    if actor.role is Role.ADMIN:
        return ""
    if actor.role in VOLUNTEER_KEEPERS and actor.unit_path:
        return actor.unit_path
    raise Forbidden("role_not_allowed", "只有系统管理员和街道、社区工作人员可管理平安志愿者")


def reader_path(actor: Actor) -> str:
    """The area whose volunteers this member of staff may read (masked unless they keep it)."""
    if actor.role in DISTRICT_WIDE:
        return ""
    return keeper_path(actor)


def _community(session: Session, code: str) -> Unit:
    unit = session.scalar(
        select(Unit).where(Unit.code == code, Unit.kind == "community", Unit.is_active.is_(True))
    )
    if unit is None:
        raise Invalid("unknown_community", "请选择所在社区", field="community")
    return unit


def _phone(raw: str) -> str:
    try:
        return normalise_phone(raw)
    except ValueError as error:
        raise Invalid("bad_phone", str(error), field="phone") from None


# Residents' registrations per client address, across processes (the portal and the public API
# share it): a neighbourhood signs up a few people, a script may not fill the table.
REGISTRATION_LIMIT = Limit(
    "volunteer_registration", 10, timedelta(minutes=10), "注册过于频繁，请10分钟后再试"
)


def register_resident(
    db: Database, *, client: str, name: str, phone: str, community: str, now: datetime
) -> tuple[Volunteer, bool]:
    """`register_volunteer` for a resident (the portal and the public API), under the
    per-address limit; only a new registration counts, so resubmitting the form never locks
    anyone out. The row is returned detached, with its code loaded."""
    with db.reading() as session:
        check(session, REGISTRATION_LIMIT, client, now=now)
    with db.unit_of_work() as session:
        row, created = register_volunteer(
            session, name=name, phone=phone, community=community, actor=None, now=now
        )
        if created:
            record_failure(session, REGISTRATION_LIMIT, client, now=now)
        session.flush()
        session.expunge(row)
        return row, created


# --- volunteers --------------------------------------------------------------------------------
def register_volunteer(
    session: Session,
    *,
    name: str,
    phone: str,
    community: str,
    actor: Actor | None,
    now: datetime,
    code: str | None = None,
) -> tuple[Volunteer, bool]:
    """A resident registers (actor None: the portal, waiting for approval) or staff register
    them (approved at once: the staff member is the one who approves). One volunteer per phone:
    the same phone again answers the volunteer already there (`created` False), unchanged.
    `code`: the volunteer's code when it was given elsewhere (the demo's, a former system's)."""
    try:
        name = check_name(name)
    except ValueError as error:
        raise Invalid("bad_name", str(error), field="name") from None
    number = _phone(phone)
    unit = _community(session, community)
    if actor is not None and not unit.path.startswith(keeper_path(actor)):
        raise Forbidden("not_your_area", "该社区不在您的辖区内")
    existing = session.scalar(select(Volunteer).where(Volunteer.phone == number))
    if existing is not None:
        return existing, False
    if code is not None and not is_code(code):
        raise Invalid("bad_code", "志愿者编号应为8位数字", field="code")
    code = code or _new_code(session)
    row = Volunteer(
        code=code,
        name=name,
        phone=number,
        community_id=unit.id,
        status=(VolunteerStatus.APPROVED if actor else VolunteerStatus.PENDING).value,
        registered_via="staff" if actor else "portal",
        registered_by_id=actor.staff_id if actor else None,
        registered_at=now,
        decided_at=now if actor else None,
        decided_by_id=actor.staff_id if actor else None,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # The same phone registered at the same moment by another request: that one stands.
        session.expunge(row)
        found = session.scalar(select(Volunteer).where(Volunteer.phone == number))
        if found is None:
            raise
        return found, False
    return row, True


def _new_code(session: Session) -> str:
    for _ in range(20):
        code = volunteer_code(secrets.randbelow(90_000_000))
        if session.scalar(select(Volunteer.id).where(Volunteer.code == code)) is None:
            return code
    raise Conflict("code_exhausted", "暂时无法分配志愿者编号，请稍后再试")


def get_volunteer(session: Session, actor: Actor, volunteer_id: int) -> tuple[Volunteer, str]:
    """The volunteer and their community's path, if the actor may read them."""
    row = session.execute(
        select(Volunteer, Unit.path)
        .join(Unit, Unit.id == Volunteer.community_id)
        .where(Volunteer.id == volunteer_id)
    ).first()
    if row is None or not row[1].startswith(reader_path(actor)):
        raise NotFound("volunteer_not_found", "没有找到该志愿者")
    return row[0], row[1]


def decide_volunteer(
    session: Session,
    volunteer_id: int,
    *,
    actor: Actor,
    decision: str,
    note: str | None,
    now: datetime,
) -> Volunteer:
    """Approve, reject or suspend. Pressing the same decision twice is harmless: a volunteer
    already in the state asked for is answered as is."""
    path = keeper_path(actor)
    volunteer, community_path = get_volunteer(session, actor, volunteer_id)
    if not community_path.startswith(path):
        raise NotFound("volunteer_not_found", "没有找到该志愿者")
    target = {
        "approve": VolunteerStatus.APPROVED,
        "reject": VolunteerStatus.REJECTED,
        "suspend": VolunteerStatus.SUSPENDED,
    }.get(decision)
    if target is None:
        raise Invalid("bad_decision", "请选择通过、不通过或停用", field="decision")
    if volunteer.status == target:
        return volunteer
    new = DECISIONS.get((VolunteerStatus(volunteer.status), decision))
    if new is None:
        raise Conflict("illegal_decision", "该志愿者当前状态不能执行此操作")
    note = (note or "").strip()[:200] or None
    if decision == "reject" and not note:
        raise Invalid("missing_field", "不通过须填写理由", field="note")
    volunteer.status = new.value
    volunteer.decided_at, volunteer.decided_by_id, volunteer.decision_note = (
        now,
        actor.staff_id,
        note,
    )
    session.flush()
    return volunteer


def volunteer_by_secret(session: Session, code: str, last4: str) -> Volunteer:
    """The approved volunteer whose code and phone's last four digits these are. A wrong code, a
    wrong four digits and a volunteer not (or no longer) approved answer alike: the portal is no
    oracle for which codes exist. Callers run it under the shared throttle."""
    code = code.strip()
    volunteer = (
        session.scalar(select(Volunteer).where(Volunteer.code == code)) if is_code(code) else None
    )
    if (
        volunteer is None
        or not last4_matches(volunteer.phone, last4)
        or volunteer.status != VolunteerStatus.APPROVED
    ):
        raise NotFound("volunteer_not_found", NOT_FOUND)
    return volunteer


def check_secret(
    db: Database, settings: Settings, *, code: str, last4: str, client: str, now: datetime
) -> int:
    """The volunteer id for a code and the phone's last four digits, under the shared throttle:
    wrong answers are counted per code and per client address (the four digits are one of
    10,000), and once either is used up even the right answer waits for the window's end."""
    with (
        citizen_secret_guard(
            db, settings, key=f"volunteer:{code.strip()[:12]}", client=client, now=now
        ),
        db.reading() as session,
    ):
        return volunteer_by_secret(session, code, last4).id


def approved_volunteer(session: Session, volunteer_id: int) -> Volunteer:
    volunteer = session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.status != VolunteerStatus.APPROVED:
        raise NotFound("volunteer_not_found", NOT_FOUND)
    return volunteer


# --- reports -----------------------------------------------------------------------------------
def submit_report(
    session: Session,
    volunteer_id: int,
    *,
    token: str,
    title: str | None,
    body: str,
    address: str | None,
    now: datetime,
) -> tuple[VolunteerReport, bool]:
    """A report from an approved volunteer. `token` is the form's (or the API caller's) one-time
    token: the same token again answers the first report, so a double tap files one."""
    volunteer = approved_volunteer(session, volunteer_id)
    token = token.strip()
    if not token or len(token) > 40:
        raise Invalid("bad_token", "表单已过期，请刷新后重新提交", field="token")
    existing = session.scalar(
        select(VolunteerReport).where(
            VolunteerReport.volunteer_id == volunteer.id, VolunteerReport.token == token
        )
    )
    if existing is not None:
        return existing, False
    try:
        title, body, address = check_report(title or "", body, address)
    except ValueError as error:
        raise Invalid("bad_report", str(error), field="body") from None
    report = VolunteerReport(
        volunteer_id=volunteer.id,
        token=token,
        community_id=volunteer.community_id,
        title=title,
        body=body,
        address=address,
        submitted_at=now,
        state=ReportState.SUBMITTED.value,
    )
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:
        session.expunge(report)
        found = session.scalar(
            select(VolunteerReport).where(
                VolunteerReport.volunteer_id == volunteer.id, VolunteerReport.token == token
            )
        )
        if found is None:
            raise
        return found, False
    return report, True


def report_appeal(session: Session, report_id: int) -> AppealIn:
    """The appeal a report becomes: on the volunteer channel (or the portal's), from the
    volunteer (their phone and name, through the case's privacy policy like any citizen's),
    placed in their community. Its external id is the report's, so raising it twice answers the
    same case."""
    report = session.get(VolunteerReport, report_id)
    if report is None:
        raise NotFound("report_not_found", "没有找到该上报")
    volunteer = session.get(Volunteer, report.volunteer_id)
    community = session.get(Unit, report.community_id)
    if volunteer is None or community is None:
        raise NotFound("report_not_found", "没有找到该上报")
    street = session.scalar(select(Unit.code).where(Unit.id == community.parent_id))
    return AppealIn(
        channel=report_channel(session),
        external_id=f"volunteer:{report.id}",
        title=f"【平安志愿者】{report.title}"[:200],
        body=report.body,
        phone=volunteer.phone,
        name=volunteer.name,
        address=report.address,
        street=street,
        community=community.code,
    )


def report_channel(session: Session) -> str:
    found = session.scalar(
        select(Channel.code).where(Channel.code == VOLUNTEER_CHANNEL, Channel.is_active.is_(True))
    )
    return found or PORTAL_CHANNEL


def link_report_case(session: Session, report_id: int, case_id: int) -> VolunteerReport:
    report = session.get(VolunteerReport, report_id, with_for_update=True)
    if report is None:
        raise NotFound("report_not_found", "没有找到该上报")
    if report.case_id not in (None, case_id):
        raise Conflict("report_already_raised", "该上报已登记为诉求")
    report.case_id = case_id
    session.flush()
    return report


class Desk(Protocol):
    """What raising a report needs of the process (the API's and the pages' state both have it)."""

    db: Database
    batcher: IntakeBatcher
    settings: Settings
    clock: Clock


async def raise_report(desk: Desk, report_id: int) -> int:
    """The report as a case, registered by intake's group-commit writer like any portal appeal;
    the report's external id makes a second try answer the same case."""

    def build() -> AppealIn:
        with desk.db.reading() as session:
            return report_appeal(session, report_id)

    item = await anyio.to_thread.run_sync(build)
    receipt = await desk.batcher.submit(item, None)

    def finish() -> None:
        with desk.db.unit_of_work() as session:
            link_report_case(session, report_id, receipt.id)

    await anyio.to_thread.run_sync(finish)
    return int(receipt.id)


def register_report_case(
    db: Database, report_id: int, *, now: datetime, tz: ZoneInfo, ids: IdAllocator | None = None
) -> int:
    """The same as `raise_report` without the group-commit writer (the command line, tests)."""
    with db.reading() as session:
        item = report_appeal(session, report_id)
    allocated = (ids or IdAllocator(db, "appeals", block=1)).take(1)
    with db.unit_of_work() as session:
        [result] = register_appeals(
            session, [item], actors=[None], ids=allocated, refs=RefCache(), now=now, tz=tz
        )
        if isinstance(result, MinyiError):
            raise result
        link_report_case(session, report_id, result.id)
        return result.id


# --- verification and points -------------------------------------------------------------------
def get_report(session: Session, actor: Actor, report_id: int) -> tuple[VolunteerReport, str]:
    row = session.execute(
        select(VolunteerReport, Unit.path)
        .join(Unit, Unit.id == VolunteerReport.community_id)
        .where(VolunteerReport.id == report_id)
    ).first()
    if row is None or not row[1].startswith(reader_path(actor)):
        raise NotFound("report_not_found", "没有找到该上报")
    return row[0], row[1]


def repeated_case(session: Session, case: Case) -> int | None:
    """The earlier case this case's appeal repeats or duplicates, as triage linked them."""
    return session.scalar(
        select(Case.id)
        .join(AppealLink, AppealLink.other_id == Case.appeal_id)
        .where(AppealLink.appeal_id == case.appeal_id, AppealLink.kind.in_(REPEAT_LINKS))
        .order_by(Case.id)
        .limit(1)
    )


def verify_report(
    session: Session,
    report_id: int,
    *,
    actor: Actor,
    verified: bool,
    note: str | None,
    now: datetime,
) -> VolunteerReport:
    """Staff say whether the report is true (属实). A true report that triage found to repeat an
    earlier case is recorded as a repeat and earns nothing; otherwise it earns the `verified`
    rule's points, and the closing bonus at once if its case is already answered. The same
    decision pressed twice is harmless; a different one on a decided report is refused."""
    path = keeper_path(actor)
    report, community_path = get_report(session, actor, report_id)
    if not community_path.startswith(path):
        raise NotFound("report_not_found", "没有找到该上报")
    session.refresh(report, with_for_update=True)
    if report.state != ReportState.SUBMITTED:
        same = (report.state != ReportState.REJECTED) == verified
        if same:
            return report
        raise Conflict("report_decided", "该上报已核实过，不能改变结论")
    if report.case_id is None:
        raise Conflict("report_not_registered", "该上报尚未登记为诉求，请稍后再核实")
    case = session.get(Case, report.case_id)
    if case is None:
        raise NotFound("case_not_found", "没有找到该上报的诉求")
    note = (note or "").strip()[:200] or None
    report.decided_at, report.decided_by_id, report.decision_note = now, actor.staff_id, note
    if not verified:
        report.state = ReportState.REJECTED.value
        session.flush()
        return report
    queued = session.scalar(
        select(TriageQueueEntry.parked_at.is_(None)).where(
            TriageQueueEntry.appeal_id == case.appeal_id
        )
    )
    if queued:
        # Not yet checked for repeats: verifying now could pay a repeat.
        raise Conflict("triage_pending", "该上报正在查重，请稍后再核实")
    earlier = repeated_case(session, case)
    if earlier is not None:
        report.state, report.matter_case_id = ReportState.REPEAT.value, earlier
        session.flush()
        return report
    report.state, report.matter_case_id = ReportState.VERIFIED.value, case.id
    session.flush()
    award(session, report, case, RuleKind.VERIFIED, actor=actor, now=now)
    if case.status in CLOSED_STATUSES:
        award(session, report, case, RuleKind.CLOSED, actor=actor, now=now)
    return report


def rule_refs(session: Session) -> list[RuleRef]:
    return [
        RuleRef(r.id, r.kind, r.class_name, r.points, r.is_active)
        for r in session.scalars(select(PointRule).order_by(PointRule.id))
    ]


def award(
    session: Session,
    report: VolunteerReport,
    case: Case,
    kind: RuleKind,
    *,
    actor: Actor | None,
    now: datetime,
) -> PointEntry | None:
    """One ledger entry, if a rule pays for it and the matter was not paid for this already.
    The unique constraints decide, so two processes racing both try and one wins."""
    if report.state != ReportState.VERIFIED or report.matter_case_id is None:
        return None
    rule = rule_for(rule_refs(session), kind, case.class_name)
    if rule is None:
        return None
    entry = PointEntry(
        volunteer_id=report.volunteer_id,
        report_id=report.id,
        case_id=case.id,
        matter_case_id=report.matter_case_id,
        rule_id=rule.id,
        kind=kind.value,
        points=rule.points,
        reason=f"{RULE_LABELS[kind]}：{case.tracking_no}",
        created_at=now,
        created_by_id=actor.staff_id if actor else None,
    )
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        session.expunge(entry)
        return None  # paid already for this matter: no double reward
    return entry


def on_case_action(session: Session, done: ActionDone) -> None:
    """A verified report's case answered (办结): the closing bonus."""
    if done.to_status not in CLOSED_STATUSES or done.from_status in CLOSED_STATUSES:
        return
    report = session.scalar(
        select(VolunteerReport).where(
            VolunteerReport.case_id == done.case_id,
            VolunteerReport.state == ReportState.VERIFIED,
        )
    )
    if report is None:
        return
    case = session.get(Case, done.case_id)
    if case is not None:
        award(session, report, case, RuleKind.CLOSED, actor=None, now=done.at)


# --- rules -------------------------------------------------------------------------------------
def set_rule(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    class_name: str | None,
    points: int,
    is_active: bool,
    now: datetime,
) -> PointRule:
    """Set how many points an event earns, for every class or for one of the five. Only the
    administrator. A change applies to what is awarded from now on; the ledger keeps what was."""
    if actor.role is not Role.ADMIN:
        raise Forbidden("role_not_allowed", "只有系统管理员可设置积分规则")
    try:
        rule_kind = RuleKind(kind)
    except ValueError:
        raise Invalid("bad_kind", "请选择积分事项", field="kind") from None
    class_name = (class_name or "").strip() or None
    if class_name is not None and class_name not in FIVE_CLASSES:
        raise Invalid("bad_class", "诉求类别不正确", field="class_name")
    try:
        check_points(points)
    except ValueError as error:
        raise Invalid("bad_points", str(error), field="points") from None
    rule = session.scalar(
        select(PointRule).where(
            PointRule.kind == rule_kind.value,
            PointRule.class_name.is_(None)
            if class_name is None
            else PointRule.class_name == class_name,
        )
    )
    if rule is None:
        rule = PointRule(kind=rule_kind.value, class_name=class_name, points=points)
        session.add(rule)
    rule.points, rule.is_active, rule.updated_at, rule.updated_by_id = (
        points,
        is_active,
        now,
        actor.staff_id,
    )
    session.flush()
    return rule
