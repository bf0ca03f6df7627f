"""What a notice is about, its words and where it links to: pure code."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    ASSIGNED = "assigned"  # the unit was named lead or co-unit of a case (分拨/改派)
    REOPENED = "reopened"  # 重办: the case is back with the lead unit
    INSTRUCTION = "instruction"  # a leader's 批示 gave the unit a task
    ORDER = "order"  # 督办: a supervision order on the unit
    LETTER = "letter"  # 提醒函/建议函/通报 addressed to the unit
    CLOCK_WARNING = "clock_warning"  # a case clock turned yellow
    CLOCK_BREACH = "clock_breach"  # a case clock turned red
    # 心理服务: a client taken in at 高 from triage's self-harm flags, or raised to 危急
    COUNSELLING_RISK = "counselling_risk"


KIND_ZH = {
    Kind.ASSIGNED: "新交办",
    Kind.REOPENED: "重办",
    Kind.INSTRUCTION: "领导批示",
    Kind.ORDER: "督办",
    Kind.LETTER: "督查函件",
    Kind.CLOCK_WARNING: "时限预警",
    Kind.CLOCK_BREACH: "已超时",
    Kind.COUNSELLING_RISK: "心理服务风险提示",
}
KIND_EN = {
    Kind.ASSIGNED: "New assignment",
    Kind.REOPENED: "Reopened",
    Kind.INSTRUCTION: "Leader instruction",
    Kind.ORDER: "Supervision order",
    Kind.LETTER: "Supervision letter",
    Kind.CLOCK_WARNING: "Clock warning",
    Kind.CLOCK_BREACH: "Clock breached",
    Kind.COUNSELLING_RISK: "Counselling risk",
}
CLOCK_KINDS = frozenset({Kind.CLOCK_WARNING, Kind.CLOCK_BREACH})
# Case kinds link to the case; the others to the page where the unit answers them.
WORK_PAGE = "/console/tasks"
COUNSELLING_PAGE = "/console/counselling"
PAGE_SIZE = 30


def link_for(kind: Kind, case_id: int | None) -> str:
    if (
        kind in (Kind.ASSIGNED, Kind.REOPENED, Kind.CLOCK_WARNING, Kind.CLOCK_BREACH)
        and case_id is not None
    ):
        return f"/console/cases/{case_id}"
    if kind is Kind.LETTER:
        return WORK_PAGE
    if kind is Kind.COUNSELLING_RISK:
        return COUNSELLING_PAGE
    if case_id is not None:
        return f"/console/cases/{case_id}"
    return WORK_PAGE


def dedupe_key(kind: Kind, subject: int, extra: str = "") -> str:
    return f"{kind.value}:{subject}" + (f":{extra}" if extra else "")
