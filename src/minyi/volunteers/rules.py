"""Pure code of the volunteers: their states, the states of a report, the kinds of point rules and
which rule applies, the volunteer code's shape, and the ranking's order. No session, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class VolunteerStatus(StrEnum):
    PENDING = "pending"  # registered, waiting for the community's approval
    APPROVED = "approved"  # may report and earns points
    REJECTED = "rejected"  # not taken on (with a note)
    SUSPENDED = "suspended"  # taken off; the points earned stay in the ledger


STATUS_LABELS = {
    VolunteerStatus.PENDING: "待审核",
    VolunteerStatus.APPROVED: "已通过",
    VolunteerStatus.REJECTED: "未通过",
    VolunteerStatus.SUSPENDED: "已停用",
}
# status -> decision -> new status; what is missing is refused.
DECISIONS: dict[tuple[VolunteerStatus, str], VolunteerStatus] = {
    (VolunteerStatus.PENDING, "approve"): VolunteerStatus.APPROVED,
    (VolunteerStatus.PENDING, "reject"): VolunteerStatus.REJECTED,
    (VolunteerStatus.REJECTED, "approve"): VolunteerStatus.APPROVED,
    (VolunteerStatus.APPROVED, "suspend"): VolunteerStatus.SUSPENDED,
    (VolunteerStatus.SUSPENDED, "approve"): VolunteerStatus.APPROVED,
}


class ReportState(StrEnum):
    SUBMITTED = "submitted"  # waiting for staff to verify
    VERIFIED = "verified"  # staff found it true: earns points
    REJECTED = "rejected"  # staff found it untrue or not a problem: earns nothing
    REPEAT = "repeat"  # triage found it repeats an earlier case: earns nothing


REPORT_LABELS = {
    ReportState.SUBMITTED: "待核实",
    ReportState.VERIFIED: "已核实",
    ReportState.REJECTED: "不属实",
    ReportState.REPEAT: "重复上报",
}
# The triage links that make a report a repeat of an earlier case (a crowd is not: many people
# on one matter is news, not a copy).
REPEAT_LINKS = ("repeat", "duplicate")


class RuleKind(StrEnum):
    VERIFIED = "verified"  # each verified report
    CLOSED = "closed"  # bonus when a verified report's case is closed (办结)


RULE_LABELS = {RuleKind.VERIFIED: "上报核实属实", RuleKind.CLOSED: "案件办结奖励"}
DEFAULT_RULES = ((RuleKind.VERIFIED, None, 10), (RuleKind.CLOSED, None, 5))
MAX_POINTS = 10_000


@dataclass(frozen=True)
class RuleRef:
    id: int
    kind: str
    class_name: str | None
    points: int
    is_active: bool


def rule_for(rules: Iterable[RuleRef], kind: RuleKind, class_name: str | None) -> RuleRef | None:
    """The rule that pays `kind` for a case of `class_name`: the class's own rule if there is one
    (even switched off: a class set to nothing earns nothing), else the general rule; None when
    the rule found is off or pays nothing."""
    general = own = None
    for r in rules:
        if r.kind != kind:
            continue
        if r.class_name is None:
            general = r
        elif class_name is not None and r.class_name == class_name:
            own = r
    found = own or general
    if found is None or not found.is_active or found.points <= 0:
        return None
    return found


def check_points(value: int) -> int:
    if not 0 <= value <= MAX_POINTS:
        raise ValueError(f"积分须在0至{MAX_POINTS}之间")
    return value


CODE_DIGITS = 8


def volunteer_code(number: int) -> str:
    """志愿者编号: eight digits, never starting with 0 (read aloud and typed on a phone keypad);
    `number` is drawn at random by the service, so a code says nothing of how many there are."""
    return str(10_000_000 + number % 90_000_000)


def is_code(text: str) -> bool:
    return len(text) == CODE_DIGITS and text.isascii() and text.isdigit() and text[0] != "0"


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > 60:
        raise ValueError("请填写姓名（不超过60个字）")
    return name


def check_report(title: str, body: str, address: str | None) -> tuple[str, str, str | None]:
    title, body = " ".join(title.split()), body.strip()
    if not body:
        raise ValueError("请描述发现的问题")
    if len(body) > 5000:
        raise ValueError("问题描述不超过5000字")
    if len(title) > 100:
        raise ValueError("标题不超过100字")
    address = (address or "").strip() or None
    if address and len(address) > 300:
        raise ValueError("地点不超过300字")
    return title or body[:30], body, address


@dataclass(frozen=True)
class Standing:
    volunteer_id: int
    points: int
    verified: int


def ranked(rows: Sequence[Standing]) -> list[tuple[int, Standing]]:
    """Competition ranking (1, 2, 2, 4): more points first, then more verified reports; equal
    on both share a place (order among them by id, so a page is stable)."""
    ordered = sorted(rows, key=lambda s: (-s.points, -s.verified, s.volunteer_id))
    out: list[tuple[int, Standing]] = []
    for n, s in enumerate(ordered, start=1):
        prev = out[-1] if out else None
        same = prev and (prev[1].points, prev[1].verified) == (s.points, s.verified)
        out.append((prev[0] if same and prev else n, s))
    return out
