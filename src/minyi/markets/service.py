"""Use cases of service markets: plan an event with its stalls and their staff, and at a stall
register what a person raises (a case on the market channel, through intake like any appeal),
answer a policy question on the spot, or close a matter on the spot through the case lifecycle
(现场速办)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

import anyio.to_thread
from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.cases.rules import CLOSED, HANDLING, Action, CaseStatus, allowed_actions
from minyi.cases.service import act_on_case, case_facts
from minyi.core.clock import Clock
from minyi.core.db import Database
from minyi.core.errors import Conflict, Forbidden, Invalid, MinyiError, NotFound
from minyi.core.ids import IdAllocator
from minyi.core.settings import Settings
from minyi.intake.batcher import IntakeBatcher
from minyi.intake.desk import desk_channel
from minyi.intake.refs import RefCache
from minyi.intake.schemas import AppealIn
from minyi.intake.service import register_appeals
from minyi.markets.models import MarketEvent, MarketMatter, MarketStall, MarketStallStaff
from minyi.markets.rules import Outcome, Theme, check_plan, open_for_entry, parse_themes
from minyi.org.models import Staff, Unit
from minyi.org.rules import Actor, Role, UnitKind

# Who plans markets: the district's centre and administrators anywhere, street and community
# staff in their own area.
PLANNERS = frozenset({Role.ADMIN, Role.DISPATCHER, Role.STREET_STAFF, Role.COMMUNITY_STAFF})
AREA_KINDS = frozenset({UnitKind.STREET, UnitKind.COMMUNITY})
# Who holds a stall: a unit that can lead a case, so a matter solved there is closed as that unit.
STALL_KINDS = frozenset({UnitKind.DEPARTMENT, UnitKind.STREET, UnitKind.COMMUNITY})
MAX_TEXT = 5000

# The market desk accepts a matter solved on the spot and hands it to the stall's own unit: the
# stall staff cannot accept or dispatch (the centre's actions), and the event log must say that
# it was no dispatcher's decision.
MARKET_DESK = Actor(
    staff_id=None,
    username="服务市集",
    name="服务市集",
    role=Role.DISPATCHER,
    unit_id=None,
    unit_code=None,
    unit_kind=None,
    unit_path=None,
    automated=True,
)


def _planner(actor: Actor) -> str:
    """The path prefix an actor plans markets in ("" is the whole district)."""
    if actor.role not in PLANNERS:
        raise Forbidden(
            "role_not_allowed", "只有系统管理员、区信联办和街道、社区工作人员可安排服务市集"
        )
    if actor.role in (Role.ADMIN, Role.DISPATCHER):
        return ""
    return actor.unit_path or "\x00"


@dataclass(frozen=True)
class StallPlan:
    unit: str  # unit code
    staff: tuple[str, ...]  # usernames
    themes: tuple[str, ...] = ()


def _area(session: Session, code: str, scope: str) -> Unit:
    area = session.scalar(select(Unit).where(Unit.code == code, Unit.is_active.is_(True)))
    if area is None or area.kind not in AREA_KINDS or not area.path.startswith(scope):
        raise NotFound("area_not_found", "没有找到该街道或社区，或不在您的辖区内")
    return area


def _themes(values: list[str] | tuple[str, ...], field: str) -> list[str]:
    try:
        return [t.value for t in parse_themes(list(values))]
    except ValueError as error:
        raise Invalid("bad_theme", str(error), field=field) from None


def plan_event(
    session: Session,
    *,
    actor: Actor,
    title: str,
    place: str,
    area: str,
    starts_at: datetime,
    ends_at: datetime,
    themes: list[str],
    stalls: list[StallPlan],
    note: str | None = None,
    now: datetime,
) -> MarketEvent:
    scope = _planner(actor)
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise Invalid("naive_time", "时间须带时区", field="starts_at")
    try:
        check_plan(title, place, starts_at, ends_at)
    except ValueError as error:
        raise Invalid("bad_plan", str(error), field="title") from None
    unit = _area(session, area, scope)
    event = MarketEvent(
        title=title.strip(),
        place=place.strip(),
        area_id=unit.id,
        starts_at=starts_at,
        ends_at=ends_at,
        themes=_themes(themes, "themes"),
        note=(note or "").strip()[:MAX_TEXT] or None,
        is_cancelled=False,
        created_by_id=actor.staff_id,
        created_at=now,
    )
    if not stalls:
        raise Invalid("no_stall", "请至少安排一个摊位", field="stalls")
    units = [s.unit for s in stalls]
    if len(set(units)) != len(units):
        raise Invalid("duplicate_stall", "同一单位只设一个摊位", field="stalls")
    session.add(event)
    session.flush()
    for plan in stalls:
        set_stall(session, event.id, plan, actor=actor)
    return event


def _event(session: Session, event_id: int) -> MarketEvent:
    event = session.get(MarketEvent, event_id)
    if event is None:
        raise NotFound("event_not_found", f"no market {event_id}")
    return event


def _planned_by_actor(session: Session, event: MarketEvent, actor: Actor) -> None:
    scope = _planner(actor)
    path = session.scalar(select(Unit.path).where(Unit.id == event.area_id)) or ""
    if not path.startswith(scope):
        raise NotFound("event_not_found", f"no market {event.id}")


def set_stall(session: Session, event_id: int, plan: StallPlan, *, actor: Actor) -> MarketStall:
    """Add a unit's stall to a market, or change its staff and themes (the same unit again)."""
    event = _event(session, event_id)
    _planned_by_actor(session, event, actor)
    if event.is_cancelled:
        raise Conflict("event_cancelled", "该服务市集已取消")
    unit = session.scalar(select(Unit).where(Unit.code == plan.unit, Unit.is_active.is_(True)))
    if unit is None or unit.kind not in STALL_KINDS:
        raise Invalid("bad_unit", f"“{plan.unit}”不是可设摊位的部门、街道或社区", field="stalls")
    if not plan.staff:
        raise Invalid("no_staff", f"请为{unit.name}的摊位安排工作人员", field="stalls")
    people = list(
        session.scalars(
            select(Staff).where(Staff.username.in_(plan.staff), Staff.is_active.is_(True))
        )
    )
    found = {p.username: p for p in people}
    for username in plan.staff:
        person = found.get(username)
        if person is None:
            raise NotFound("staff_not_found", f"no staff '{username}'")
        # A matter solved on the spot is closed as the stall's unit: its staff act for it.
        if person.unit_id != unit.id:
            raise Invalid(
                "staff_not_in_unit", f"{person.name}不是{unit.name}的工作人员", field="stalls"
            )
    themes = _themes(plan.themes, "stalls") if plan.themes else list(event.themes)
    stall = session.scalar(
        select(MarketStall).where(MarketStall.event_id == event.id, MarketStall.unit_id == unit.id)
    )
    if stall is None:
        stall = MarketStall(event_id=event.id, unit_id=unit.id, themes=themes, visitors=0)
        session.add(stall)
        session.flush()
    else:
        stall.themes = themes
        session.execute(delete(MarketStallStaff).where(MarketStallStaff.stall_id == stall.id))
    for person in people:
        session.add(MarketStallStaff(stall_id=stall.id, staff_id=person.id))
    session.flush()
    return stall


def cancel_event(session: Session, event_id: int, *, actor: Actor, now: datetime) -> MarketEvent:
    event = _event(session, event_id)
    _planned_by_actor(session, event, actor)
    if event.is_cancelled:
        return event
    if now >= event.starts_at:
        raise Conflict("event_started", "服务市集已开始，不能取消")
    event.is_cancelled = True
    session.flush()
    return event


def _stall_for(session: Session, stall_id: int, actor: Actor) -> tuple[MarketStall, MarketEvent]:
    """The stall and its market, for one of the stall's staff; anyone else is refused."""
    stall = session.get(MarketStall, stall_id)
    if stall is None:
        raise NotFound("stall_not_found", f"no stall {stall_id}")
    staffed = session.scalar(
        select(MarketStallStaff.staff_id).where(
            MarketStallStaff.stall_id == stall.id, MarketStallStaff.staff_id == actor.staff_id
        )
    )
    if staffed is None or actor.unit_id != stall.unit_id:
        raise Forbidden("not_stall_staff", "您不是该摊位的工作人员")
    return stall, _event(session, stall.event_id)


def _open(event: MarketEvent, now: datetime) -> None:
    if event.is_cancelled:
        raise Conflict("event_cancelled", "该服务市集已取消")
    if not open_for_entry(event.starts_at, event.ends_at, now):
        raise Conflict("event_not_open", "服务市集开始后至结束后3天内方可登记")


def set_visitors(
    session: Session, stall_id: int, *, actor: Actor, visitors: int, now: datetime
) -> MarketStall:
    """The visitors a stall received (赶圩人次), as its staff counted them."""
    stall, event = _stall_for(session, stall_id, actor)
    _open(event, now)
    if not 0 <= visitors <= 100_000:
        raise Invalid("bad_visitors", "接待人次须为0至100000之间的整数", field="visitors")
    stall.visitors = visitors
    session.flush()
    return stall


# --- matters -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class MatterEntry:
    """What a stall's staff enter for one person: what they raise, who they are, and whether it
    was solved there and then (with the reply given)."""

    token: str
    theme: str
    body: str
    phone: str | None
    name: str | None = None
    solved: bool = False
    reply: str | None = None


def _theme(value: str) -> str:
    try:
        return Theme(value).value
    except ValueError:
        raise Invalid("bad_theme", "请选择事项主题", field="theme") from None


def _token(value: str) -> str:
    token = (value or "").strip()
    if not token or len(token) > 64:
        raise Invalid("bad_token", "登记编号缺失，请刷新页面后重试", field="token")
    return token


def matter_appeal(
    session: Session, stall_id: int, entry: MatterEntry, *, actor: Actor, now: datetime
) -> AppealIn:
    """The appeal a matter becomes: on the market channel, placed in the market's community,
    registered by the stall's staff. Its external id is the stall's and the form's, so sending
    the form twice answers the same case."""
    stall, event = _stall_for(session, stall_id, actor)
    _open(event, now)
    _theme(entry.theme)
    token = _token(entry.token)
    if entry.solved and not (entry.reply or "").strip():
        raise Invalid("missing_field", "现场办结须填写答复内容", field="reply")
    channel = desk_channel(session, "market", ("market",))
    area = session.get(Unit, event.area_id)
    assert area is not None
    unit_name = session.scalar(select(Unit.name).where(Unit.id == stall.unit_id)) or ""
    try:
        return AppealIn(
            channel=channel.code,
            external_id=f"market:{stall.id}:{token}",
            title=f"{event.title}·{unit_name}摊位：{entry.body.strip()[:40]}",
            body=entry.body,
            phone=entry.phone or None,
            name=entry.name or None,
            address=event.place,
            street=area.code if area.kind == UnitKind.STREET else None,
            community=area.code if area.kind == UnitKind.COMMUNITY else None,
        )
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first.get("loc") else "phone"
        message = {
            "body": "请填写群众反映的事项",
            "phone": "请填写群众的有效手机号或固定电话",
            "name": "姓名不超过60字",
        }.get(field, "请核对填写的内容")
        raise Invalid("bad_matter", message, field=field) from None


def record_matter(
    session: Session,
    stall_id: int,
    *,
    actor: Actor,
    token: str,
    theme: str,
    case_id: int,
    now: datetime,
) -> MarketMatter:
    """The matter behind a case registered at a stall; the same token answers the first one."""
    stall, event = _stall_for(session, stall_id, actor)
    existing = session.scalar(
        select(MarketMatter).where(
            MarketMatter.stall_id == stall.id, MarketMatter.token == _token(token)
        )
    )
    if existing is not None:
        if existing.case_id != case_id:
            raise Conflict("token_reused", "该登记编号已用于其他事项，请刷新页面后重试")
        return existing
    if session.get(Case, case_id) is None:
        raise NotFound("case_not_found", f"no case {case_id}")
    matter = MarketMatter(
        event_id=event.id,
        stall_id=stall.id,
        token=_token(token),
        theme=_theme(theme),
        outcome=Outcome.PASSED_ON.value,
        case_id=case_id,
        recorded_by_id=actor.staff_id,
        recorded_at=now,
    )
    session.add(matter)
    session.flush()
    return matter


def answer_question(
    session: Session,
    stall_id: int,
    *,
    actor: Actor,
    token: str,
    theme: str,
    question: str,
    answer: str,
    now: datetime,
) -> MarketMatter:
    """A policy question answered on the spot (政策解答): counted on the stall, no case and no
    personal data (see `Outcome`). The same token answers the first record."""
    stall, event = _stall_for(session, stall_id, actor)
    _open(event, now)
    token = _token(token)
    existing = session.scalar(
        select(MarketMatter).where(MarketMatter.stall_id == stall.id, MarketMatter.token == token)
    )
    if existing is not None:
        return existing
    question, answer = (question or "").strip(), (answer or "").strip()
    if not question or len(question) > MAX_TEXT:
        raise Invalid("missing_field", "请填写群众咨询的问题（不超过5000字）", field="question")
    if not answer or len(answer) > MAX_TEXT:
        raise Invalid("missing_field", "请填写现场解答的内容（不超过5000字）", field="answer")
    matter = MarketMatter(
        event_id=event.id,
        stall_id=stall.id,
        token=token,
        theme=_theme(theme),
        outcome=Outcome.ANSWERED.value,
        question=question,
        answer=answer,
        recorded_by_id=actor.staff_id,
        recorded_at=now,
        solved_at=now,
    )
    session.add(matter)
    session.flush()
    return matter


def solve_matter(
    session: Session, matter_id: int, *, actor: Actor, reply: str, now: datetime
) -> MarketMatter:
    """现场速办: the matter's case is closed at once with the stall staff's reply, through the
    lifecycle. The market desk accepts it and hands it to the stall's unit (unless it already
    waits there), the staff member signs for it and replies; where the unit's replies need its
    head's approval the reply goes to the head (答复审核) and the case closes when approved.
    Solving twice is harmless; a case another unit is handling by now is refused."""
    matter = session.get(MarketMatter, matter_id)
    if matter is None:
        raise NotFound("matter_not_found", f"no matter {matter_id}")
    stall, _event = _stall_for(session, matter.stall_id, actor)
    if matter.outcome != Outcome.PASSED_ON.value:
        return matter
    assert matter.case_id is not None
    reply = (reply or "").strip()
    if not reply or len(reply) > MAX_TEXT:
        raise Invalid("missing_field", "请填写现场答复内容（不超过5000字）", field="reply")
    case = session.get(Case, matter.case_id)
    assert case is not None
    status = CaseStatus(case.status)
    if status in CLOSED:
        raise Conflict("case_closed", "该事项的案件已办结或不予受理，不能再现场办结")
    if status in HANDLING and case.lead_unit_id != stall.unit_id:
        raise Conflict("passed_to_other_unit", "该事项已交由其他单位办理，不能再现场办结")
    if status is CaseStatus.REPLY_PENDING:
        raise Conflict("reply_pending", "该事项的答复正待单位负责人审核")
    unit_code = session.scalar(select(Unit.code).where(Unit.id == stall.unit_id))

    def act(who: Actor, action: Action, payload: dict[str, object]) -> None:
        act_on_case(session, case.id, action, actor=who, payload=payload, now=now)

    if status is CaseStatus.REGISTERED:
        act(MARKET_DESK, Action.ACCEPT, {})
        status = CaseStatus.ACCEPTED
    if status is CaseStatus.ACCEPTED:
        act(MARKET_DESK, Action.DISPATCH, {"lead_unit": unit_code, "co_units": []})
        status = CaseStatus.DISPATCHED
    if status is CaseStatus.DISPATCHED:
        act(actor, Action.SIGN_FOR, {})
    allowed = allowed_actions(case_facts(session, case), actor)
    action = Action.REPLY if Action.REPLY in allowed else Action.SUBMIT_REPLY
    act(actor, action, {"text": reply})
    matter.outcome = Outcome.SOLVED.value
    matter.solved_at = now
    session.flush()
    return matter


class Desk(Protocol):
    """What registering a matter needs of the process (the API's and the pages' state)."""

    db: Database
    batcher: IntakeBatcher
    settings: Settings
    clock: Clock


async def raise_matter(desk: Desk, actor: Actor, stall_id: int, entry: MatterEntry) -> int:
    """Register what a person raised at a stall as a case on the market channel, through intake's
    group-commit writer (like any appeal), then record the matter; solved on the spot, close it
    at once. Returns the matter's id. The reads and writes run in worker threads."""

    def build() -> AppealIn:
        with desk.db.reading() as session:
            return matter_appeal(session, stall_id, entry, actor=actor, now=desk.clock.now())

    item = await anyio.to_thread.run_sync(build)
    receipt = await desk.batcher.submit(item, actor)
    return await anyio.to_thread.run_sync(
        lambda: _finish(desk.db, actor, stall_id, entry, int(receipt.id), desk.clock.now())
    )


def _finish(
    db: Database, actor: Actor, stall_id: int, entry: MatterEntry, case_id: int, now: datetime
) -> int:
    with db.unit_of_work() as session:
        matter_id = record_matter(
            session,
            stall_id,
            actor=actor,
            token=entry.token,
            theme=entry.theme,
            case_id=case_id,
            now=now,
        ).id
    if entry.solved:
        # Its own transaction: a refused closure (the complaint is about the stall's own unit)
        # leaves the matter registered and passed on, never lost.
        with db.unit_of_work() as session:
            solve_matter(session, matter_id, actor=actor, reply=entry.reply or "", now=now)
    return matter_id


def raise_matter_now(
    db: Database, actor: Actor, stall_id: int, entry: MatterEntry, *, now: datetime, tz: ZoneInfo
) -> int:
    """The same as `raise_matter` without the group-commit writer (the command line, the demo)."""
    with db.reading() as session:
        item = matter_appeal(session, stall_id, entry, actor=actor, now=now)
    ids = IdAllocator(db, "appeals", block=1).take(1)
    with db.unit_of_work() as session:
        [result] = register_appeals(
            session, [item], actors=[actor], ids=ids, refs=RefCache(), now=now, tz=tz
        )
        if isinstance(result, MinyiError):
            raise result
    return _finish(db, actor, stall_id, entry, int(result.id), now)
