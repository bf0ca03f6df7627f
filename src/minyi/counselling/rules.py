"""Pure code of counselling: risk levels and what raises them, record and 话聊 states, who may
request a 话聊, and the checks on a session's length. No session, no clock reads."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from minyi.org.rules import Role


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"  # 危急: the supervisor is told at once


RISK_LABELS = {
    RiskLevel.LOW: "低",
    RiskLevel.MEDIUM: "中",
    RiskLevel.HIGH: "高",
    RiskLevel.CRITICAL: "危急",
}
RISK_ORDER = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL)

# Triage's risk categories that put a client at 高 from the start (轻生倾向).
SELF_HARM_CATEGORIES = frozenset({"self_harm"})


class RecordStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


RECORD_LABELS = {RecordStatus.OPEN: "跟进中", RecordStatus.CLOSED: "已结案"}


class TalkStatus(StrEnum):
    """话聊: asked for by a leader or the dispatcher (or a counsellor), planned with its three
    professionals, held (or cancelled)."""

    REQUESTED = "requested"
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


TALK_LABELS = {
    TalkStatus.REQUESTED: "已申请",
    TalkStatus.PLANNED: "已安排",
    TalkStatus.HELD: "已开展",
    TalkStatus.CANCELLED: "已取消",
}
TALK_STEPS: dict[tuple[TalkStatus, str], TalkStatus] = {
    (TalkStatus.REQUESTED, "plan"): TalkStatus.PLANNED,
    (TalkStatus.PLANNED, "plan"): TalkStatus.PLANNED,
    (TalkStatus.PLANNED, "hold"): TalkStatus.HELD,
    (TalkStatus.REQUESTED, "cancel"): TalkStatus.CANCELLED,
    (TalkStatus.PLANNED, "cancel"): TalkStatus.CANCELLED,
}
TALK_REFUSALS = {
    "plan": "该话聊已开展或已取消，不能再安排",
    "hold": "请先安排话聊的时间和人员，再登记开展情况",
    "cancel": "该话聊已开展或已取消",
}

# Who may ask for a 话聊 on a case besides a counsellor: the holding leader (or any leader) and
# the centre's dispatchers.
TALK_REQUESTERS = frozenset({Role.LEADER, Role.DISPATCHER})
# Who reads records at all besides counsellors and their supervisors: the district-wide roles
# (that a session was held, its date and the figures; never a note).
RECORD_READERS = frozenset(
    {Role.DISPATCHER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN, Role.INTAKE_CLERK}
)

SESSION_MINUTES_MAX = 480
NOTES_MAX = 10_000
SUMMARY_MAX = 3_000


def next_talk_status(status: TalkStatus, step: str) -> TalkStatus | None:
    return TALK_STEPS.get((status, step))


def risk_from_flags(categories: Iterable[str]) -> RiskLevel | None:
    """The level triage's flags start a record at: 高 for a self-harm flag, else none."""
    return RiskLevel.HIGH if SELF_HARM_CATEGORIES & set(categories) else None


def higher(a: RiskLevel, b: RiskLevel) -> RiskLevel:
    return a if RISK_ORDER.index(a) >= RISK_ORDER.index(b) else b


def check_minutes(minutes: int) -> int:
    if not 5 <= minutes <= SESSION_MINUTES_MAX:
        raise ValueError(f"时长须在5至{SESSION_MINUTES_MAX}分钟之间")
    return minutes
