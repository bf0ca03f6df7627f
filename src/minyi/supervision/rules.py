"""Statuses, the small transition tables, deadline checks and letter numbers: pure code, no
session, no I/O, no clock reads."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from minyi.core.errors import Forbidden, IllegalTransition, Invalid
from minyi.org.rules import Actor, Role, UnitKind

# How far ahead a deadline may be: beyond a year is a typo, not a plan.
MAX_DEADLINE = timedelta(days=366)
# Units a leader may instruct or a supervisor may chase: the ones with people who act.
TARGET_UNIT_KINDS = frozenset(
    {UnitKind.DEPARTMENT, UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.GRID}
)
MAX_TASK_UNITS = 20

# Clock subjects and milestones (minyi.sla): one clock per task and per order.
TASK_SUBJECT, TASK_MILESTONE, TASK_CLOCK_NAME = "task", "instruction", "批示办理时限"
ORDER_SUBJECT, ORDER_MILESTONE, ORDER_CLOCK_NAME = "order", "response", "督办反馈时限"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class TaskState(StrEnum):
    """What a leader sees of a task: the stored status refined by its clock."""

    OPEN = "open"
    OVERDUE = "overdue"  # still open and its clock breached
    DONE = "done"
    DONE_LATE = "done_late"  # done, but after the deadline


class OrderStatus(StrEnum):
    OPEN = "open"  # waiting for the unit's response
    RESPONDED = "responded"  # the unit answered; the supervisor has not yet closed it
    CLOSED = "closed"  # the supervisor accepted the response


class OrderAction(StrEnum):
    RESPOND = "respond"
    CLOSE = "close"


ORDER_TRANSITIONS: dict[tuple[OrderStatus, OrderAction], OrderStatus] = {
    (OrderStatus.OPEN, OrderAction.RESPOND): OrderStatus.RESPONDED,
    (OrderStatus.RESPONDED, OrderAction.CLOSE): OrderStatus.CLOSED,
}


class LetterKind(StrEnum):
    REMINDER = "reminder"  # 提醒函
    SUGGESTION = "suggestion"  # 建议函
    NOTICE = "notice"  # 通报


class SuggestionRight(StrEnum):
    """The three suggestion rights (三项建议权) the 信访工作条例 gives petition departments."""

    IMPROVE_WORK = "improve_work"  # 改进工作的建议
    ACCOUNTABILITY = "accountability"  # 追究责任的建议
    IMPROVE_POLICY = "improve_policy"  # 完善政策的建议


LETTER_KIND_CHAR = {LetterKind.REMINDER: "提", LetterKind.SUGGESTION: "建", LetterKind.NOTICE: "通"}
LETTER_KIND_ZH = {
    LetterKind.REMINDER: "提醒函",
    LetterKind.SUGGESTION: "建议函",
    LetterKind.NOTICE: "通报",
}
RIGHT_ZH = {
    SuggestionRight.IMPROVE_WORK: "改进工作",
    SuggestionRight.ACCOUNTABILITY: "追究责任",
    SuggestionRight.IMPROVE_POLICY: "完善政策",
}
TASK_STATE_ZH = {"open": "办理中", "overdue": "已超期", "done": "已办结", "done_late": "超期办结"}
ORDER_STATUS_ZH = {"open": "待反馈", "responded": "已反馈", "closed": "已办结"}
# Who a notice goes to when it names no single unit.
ALL_UNITS_ADDRESSEE = "各街道办事处，区直各单位"
# Letters come from the supervision office of the petition work (信访督查): 汀澜 + 信督.
LETTER_ISSUER_CODE = "信督"


MAX_TEXT = 4000


def required_text(value: str | None, field: str, *, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid("missing_field", f"{field} is required", field=field)
    if len(value) > limit:
        raise Invalid("too_long", f"{field} is longer than {limit} characters", field=field)
    return value


def require_role(actor: Actor, roles: frozenset[Role], code: str, message: str) -> None:
    if actor.role not in roles:
        raise Forbidden(code, message)


LEADERS = frozenset({Role.LEADER})
SUPERVISORS = frozenset({Role.SUPERVISOR})


def may_close_order(role: Role | None, status: str) -> bool:
    """A supervisor closes (办结) an order not closed yet."""
    return role in SUPERVISORS and status != OrderStatus.CLOSED


def may_complete_task(actor: Actor, *, unit_id: int, status: str) -> bool:
    """The staff of the task's unit report on a task not done yet."""
    return actor.unit_id is not None and actor.unit_id == unit_id and status != TaskStatus.DONE


def may_respond_to_order(actor: Actor, *, unit_id: int | None, status: str) -> bool:
    """The ordered unit responds to an order still open."""
    return actor.unit_id is not None and actor.unit_id == unit_id and status == OrderStatus.OPEN


def may_reply_to_letter(actor: Actor, *, addressee_unit_id: int | None, answered: bool) -> bool:
    """The addressed unit replies once (a 通报 to all units has no addressee and no reply)."""
    return addressee_unit_id is not None and actor.unit_id == addressee_unit_id and not answered


# Who reads every instruction, order and letter of the district.
OVERSEERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.LEADER})


def check_deadline(deadline: datetime | None, within_days: int | None, now: datetime) -> datetime:
    """A deadline is given either as an instant or as a number of days from now."""
    if (deadline is None) == (within_days is None):
        raise Invalid(
            "deadline_required", "give either a deadline or within_days, not both", field="deadline"
        )
    if within_days is not None:
        if within_days < 1:
            raise Invalid("bad_deadline", "within_days must be at least 1", field="within_days")
        deadline = now + timedelta(days=within_days)
    assert deadline is not None
    if deadline.tzinfo is None:
        raise Invalid("bad_deadline", "the deadline needs a time zone", field="deadline")
    if deadline <= now:
        raise Invalid("bad_deadline", "the deadline has already passed", field="deadline")
    if deadline - now > MAX_DEADLINE:
        raise Invalid("bad_deadline", "the deadline is more than a year away", field="deadline")
    return deadline


def next_order_status(status: OrderStatus, action: OrderAction) -> OrderStatus:
    target = ORDER_TRANSITIONS.get((status, action))
    if target is None:
        allowed = [a.value for (s, a) in ORDER_TRANSITIONS if s is status]
        raise IllegalTransition(status.value, action.value, allowed)
    return target


def task_state(
    status: TaskStatus, *, deadline: datetime, done_at: datetime | None, is_breached: bool
) -> TaskState:
    if status is TaskStatus.DONE:
        late = done_at is not None and done_at > deadline
        return TaskState.DONE_LATE if late else TaskState.DONE
    return TaskState.OVERDUE if is_breached else TaskState.OPEN


def letter_prefix(district_name: str) -> str:
    """汀澜区 -> 汀澜信督: the district's short name, then the issuer code."""
    short = (
        district_name[:-1]
        if len(district_name) > 1 and district_name.endswith("区")
        else district_name
    )
    return f"{short}{LETTER_ISSUER_CODE}"


def letter_number(prefix: str, kind: LetterKind, year: int, seq: int) -> str:
    """e.g. 汀澜信督提〔2026〕3号: numbered per kind and per year, from 1, without gaps."""
    return f"{prefix}{LETTER_KIND_CHAR[kind]}〔{year}〕{seq}号"


def full_unit_name(district_name: str, unit_name: str) -> str:
    """区委督查室 -> 汀澜区委督查室: a letter's signature names the district."""
    if unit_name.startswith(district_name):
        return unit_name
    if unit_name.startswith("区"):
        return district_name + unit_name[1:]
    return unit_name


def letter_title(kind: LetterKind, subject: str, right: SuggestionRight | None) -> str:
    """关于…的提醒函 / 关于…的改进工作建议函 / 关于…的通报."""
    subject = subject.strip()
    if subject.startswith("关于"):
        subject = subject[2:]
    for tail in ("的提醒函", "的建议函", "的通报"):
        subject = subject.removesuffix(tail)
    middle = RIGHT_ZH[right] if kind is LetterKind.SUGGESTION and right is not None else ""
    return f"关于{subject}的{middle}{LETTER_KIND_ZH[kind]}"


def check_letter(kind: LetterKind, right: SuggestionRight | None, has_addressee_unit: bool) -> None:
    if kind is LetterKind.SUGGESTION and right is None:
        raise Invalid(
            "right_required",
            "a suggestion letter names one of the three suggestion rights",
            field="suggestion_right",
        )
    if kind is not LetterKind.SUGGESTION and right is not None:
        raise Invalid(
            "right_not_allowed",
            "only a suggestion letter names a suggestion right",
            field="suggestion_right",
        )
    if kind is not LetterKind.NOTICE and not has_addressee_unit:
        raise Invalid(
            "addressee_required",
            "a reminder or suggestion letter is addressed to one unit",
            field="addressee_unit",
        )


def time_left_label(seconds: float | None) -> str | None:
    """剩余 2天3小时 / 超期 5小时12分, for a clock's `seconds_left`; None when it is done with."""
    if seconds is None:
        return None
    prefix = "剩余" if seconds >= 0 else "超期"
    s = int(abs(seconds))
    days, rest = divmod(s, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days:
        text = f"{days}天{hours}小时" if hours else f"{days}天"
    elif hours:
        text = f"{hours}小时{minutes}分" if minutes else f"{hours}小时"
    else:
        text = f"{minutes}分" if minutes else "不足1分"
    return f"{prefix} {text}"
