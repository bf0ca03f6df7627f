"""Joint-meeting rules: levels, who organises a meeting and who reads it, what makes a case a
candidate for the agenda (疑难复杂), and the checks on what is typed. Pure code, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from minyi.core.errors import Forbidden, Invalid
from minyi.org.rules import Actor, Role, UnitKind


class Level(StrEnum):
    DISTRICT = "district"  # 区信联办会议: the district's joint office with district departments
    STREET = "street"  # 街道信访工作联席会议: one street with its member units


class MeetingStatus(StrEnum):
    PLANNED = "planned"  # 待召开: no decision recorded yet
    HELD = "held"  # 已召开: at least one case decided


LEVEL_ZH = {"district": "区信联办联席会议", "street": "街道信访工作联席会议"}
STATUS_ZH = {"planned": "待召开", "held": "已召开"}

# Who organises a district meeting (区信联办: its dispatchers, the supervisors, the leaders);
# a street's own staff also organise their street's meeting.
DISTRICT_ORGANISERS = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN})
STREET_ORGANISERS = frozenset({Role.STREET_STAFF})
# Who reads every meeting of the district.
READ_ALL = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.INTAKE_CLERK})
MEMBER_KINDS = frozenset({UnitKind.DEPARTMENT, UnitKind.STREET, UnitKind.COMMUNITY})
CONVENER_ROLES = frozenset(
    {Role.LEADER, Role.DISPATCHER, Role.SUPERVISOR, Role.STREET_STAFF, Role.UNIT_HEAD}
)

MAX_TITLE, MAX_PLACE, MAX_TEXT = 200, 200, 4000
MAX_MEMBERS, MAX_TASKS, MAX_ITEMS = 40, 20, 60
# A meeting is planned (or recorded afterwards) within a year either side of today.
HORIZON = timedelta(days=366)
# A case open this long is a backlog case (积案), as the escalation register counts it.
BACKLOG_DAYS = 30
# Crowd matters (涉众) from this many people, as the daily report counts them.
CROWD_SIZE = 5
# A case bounced this often is ping-pong (推诿扯皮) and needs the units at one table.
BOUNCES = 2

# Why a case is hard, heaviest first; the labels are what the candidates list shows.
TAGS: dict[str, str] = {
    "escalated": "已提级",
    "overdue": "超期",
    "crowd": "涉众",
    "key": "重点件",
    "repeat": "重复信访",
    "backlog": "积案",
    "bounced": "多次退回",
}
TAG_WEIGHT = {
    "escalated": 6,
    "overdue": 5,
    "crowd": 4,
    "key": 3,
    "repeat": 2,
    "backlog": 2,
    "bounced": 1,
}
SUBJECT_PREFIX = "meeting:"


def subject_ref(meeting_id: int, item_id: int) -> str:
    """What a task's instruction names as its subject: this meeting's agenda item."""
    return f"{SUBJECT_PREFIX}{meeting_id}#{item_id}"


def parse_subject_ref(ref: str | None) -> tuple[int, int] | None:
    if not ref or not ref.startswith(SUBJECT_PREFIX):
        return None
    head, _, tail = ref[len(SUBJECT_PREFIX) :].partition("#")
    if not (head.isdigit() and tail.isdigit()):
        return None
    return int(head), int(tail)


@dataclass(frozen=True)
class CaseFacts:
    escalated: bool
    overdue: bool
    crowd_size: int | None
    key: bool
    repeat: bool
    registered_at: datetime
    bounce_count: int


def difficulty(facts: CaseFacts, now: datetime) -> list[str]:
    """The tags that make a case a candidate for a joint meeting, heaviest first (empty: not hard)."""
    found = {
        "escalated": facts.escalated,
        "overdue": facts.overdue,
        "crowd": facts.crowd_size is not None and facts.crowd_size >= CROWD_SIZE,
        "key": facts.key,
        "repeat": facts.repeat,
        "backlog": now - facts.registered_at >= timedelta(days=BACKLOG_DAYS),
        "bounced": facts.bounce_count >= BOUNCES,
    }
    return [t for t in TAGS if found[t]]


def weight(tags: Iterable[str]) -> int:
    return sum(TAG_WEIGHT[t] for t in tags)


def tag_labels(tags: Iterable[str]) -> str:
    return "、".join(TAGS[t] for t in tags if t in TAGS)


def may_organise(actor: Actor, *, level: str, street_id: int | None) -> bool:
    """Who plans a meeting, sets its agenda and records its decisions."""
    if actor.role in DISTRICT_ORGANISERS:
        return True
    return (
        level == Level.STREET
        and actor.role in STREET_ORGANISERS
        and actor.unit_id is not None
        and actor.unit_id == street_id
    )


def may_plan_any(actor: Actor) -> bool:
    """Whether the actor may plan a meeting at all (the "new meeting" link)."""
    return actor.role in DISTRICT_ORGANISERS or (
        actor.role in STREET_ORGANISERS and actor.unit_kind == UnitKind.STREET
    )


def check_may_organise(actor: Actor, *, level: str, street_id: int | None) -> None:
    if not may_organise(actor, level=level, street_id=street_id):
        raise Forbidden("not_organiser", "只有区信联办或本街道的工作人员可以安排和记录这次联席会议")


def check_level(value: str | None) -> Level:
    try:
        return Level((value or "").strip())
    except ValueError:
        raise Invalid(
            "bad_level", "会议层级须为“区信联办”（district）或“街道”（street）", field="level"
        ) from None


def check_text(value: str | None, field: str, label: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid("missing_field", f"请填写{label}", field=field)
    if len(text) > limit:
        raise Invalid("too_long", f"{label}不超过{limit}个字", field=field)
    return text


def check_starts_at(starts_at: datetime | None, now: datetime) -> datetime:
    if starts_at is None:
        raise Invalid("missing_field", "请填写会议时间", field="starts_at")
    if starts_at.tzinfo is None:
        raise Invalid("bad_time", "会议时间须带时区", field="starts_at")
    if abs(starts_at - now) > HORIZON:
        raise Invalid("bad_time", "会议时间须在前后一年之内", field="starts_at")
    return starts_at


def check_codes(codes: Iterable[str], field: str, label: str, limit: int) -> list[str]:
    cleaned = [c.strip() for c in codes if c and c.strip()]
    if not cleaned:
        raise Invalid("missing_field", f"请至少选择一个{label}", field=field)
    if len(cleaned) > limit:
        raise Invalid("too_many", f"{label}不超过{limit}个", field=field)
    if len(set(cleaned)) != len(cleaned):
        raise Invalid("duplicate_unit", f"同一{label}选了两次", field=field)
    return cleaned


def check_may_decide(starts_at: datetime, now: datetime) -> None:
    """Decisions are recorded during or after the meeting, never before it starts."""
    if now < starts_at:
        raise Invalid("not_started", "会议尚未开始，开会时或会后再记录议定事项", field="decision")


def reorder(ids: list[int], moved: int, position: int) -> list[int]:
    """The agenda's item ids after moving `moved` to 1-based `position` (clamped to the ends)."""
    rest = [i for i in ids if i != moved]
    at = min(max(position, 1), len(rest) + 1) - 1
    return [*rest[:at], moved, *rest[at:]]


def status_label(status: str) -> str:
    return STATUS_ZH.get(status, status)


def level_label(level: str, street_name: str | None = None) -> str:
    if level == Level.STREET and street_name:
        return f"{street_name}信访工作联席会议"
    return LEVEL_ZH.get(level, level)
