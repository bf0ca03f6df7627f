"""Pure code of mediation: the dispute's and the agreement's states and their steps, the party
sides, session states, referrals, who may mediate, and the agreement's number. No session, no
clock reads."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from minyi.org.rules import Actor, Role


class Side(StrEnum):
    APPLICANT = "applicant"  # 申请人
    RESPONDENT = "respondent"  # 被申请人


SIDE_LABELS = {Side.APPLICANT: "申请人", Side.RESPONDENT: "被申请人"}


class DisputeStatus(StrEnum):
    OPEN = "open"  # 调解中
    AGREED = "agreed"  # 达成协议
    PARTIAL = "partial"  # 部分达成协议
    FAILED = "failed"  # 调解不成
    REFERRED = "referred"  # 已引导至仲裁、诉讼或转回诉求办理


DISPUTE_LABELS = {
    DisputeStatus.OPEN: "调解中",
    DisputeStatus.AGREED: "达成协议",
    DisputeStatus.PARTIAL: "部分达成协议",
    DisputeStatus.FAILED: "调解不成",
    DisputeStatus.REFERRED: "已转出",
}


class Outcome(StrEnum):
    AGREEMENT = "agreement"
    PARTIAL = "partial"
    FAILURE = "failure"


OUTCOME_LABELS = {
    Outcome.AGREEMENT: "达成调解协议",
    Outcome.PARTIAL: "部分达成调解协议",
    Outcome.FAILURE: "调解不成",
}
OUTCOME_STATUS = {
    Outcome.AGREEMENT: DisputeStatus.AGREED,
    Outcome.PARTIAL: DisputeStatus.PARTIAL,
    Outcome.FAILURE: DisputeStatus.FAILED,
}


class Referral(StrEnum):
    ARBITRATION = "arbitration"  # 仲裁 (劳动人事争议、商事)
    LITIGATION = "litigation"  # 诉讼 (诉调对接)
    COMPLAINT = "complaint"  # back to complaint handling: a unit must act


REFERRAL_LABELS = {
    Referral.ARBITRATION: "引导申请仲裁",
    Referral.LITIGATION: "引导提起诉讼（诉调对接）",
    Referral.COMPLAINT: "转回诉求办理",
}

# The dispute's steps: outcome and referral; anything else is refused.
DISPUTE_STEPS: dict[tuple[DisputeStatus, str], DisputeStatus] = {
    **{(DisputeStatus.OPEN, o.value): s for o, s in OUTCOME_STATUS.items()},
    (DisputeStatus.FAILED, "refer"): DisputeStatus.REFERRED,
    (DisputeStatus.PARTIAL, "refer"): DisputeStatus.REFERRED,
    # A court's refusal to confirm sends the dispute back to mediation.
    (DisputeStatus.AGREED, "reopen"): DisputeStatus.OPEN,
    (DisputeStatus.PARTIAL, "reopen"): DisputeStatus.OPEN,
}
STEP_REFUSALS = {
    "agreement": "只有调解中的纠纷可以登记调解结果",
    "partial": "只有调解中的纠纷可以登记调解结果",
    "failure": "只有调解中的纠纷可以登记调解结果",
    "refer": "只有调解不成或部分达成协议的纠纷可以转出",
    "reopen": "该纠纷没有可退回的调解协议",
}


def next_status(status: DisputeStatus, step: str) -> DisputeStatus | None:
    return DISPUTE_STEPS.get((status, step))


class SessionStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


SESSION_LABELS = {
    SessionStatus.PLANNED: "已安排",
    SessionStatus.HELD: "已调解",
    SessionStatus.CANCELLED: "已取消",
}


class AgreementStatus(StrEnum):
    SIGNED = "signed"  # 已签订
    FILED = "filed"  # 已申请司法确认
    CONFIRMED = "confirmed"  # 已司法确认: enforceable
    REFUSED = "refused"  # 不予确认: back to mediation


AGREEMENT_LABELS = {
    AgreementStatus.SIGNED: "已签订",
    AgreementStatus.FILED: "已申请司法确认",
    AgreementStatus.CONFIRMED: "已司法确认（具有强制执行力）",
    AgreementStatus.REFUSED: "法院不予确认",
}
AGREEMENT_STEPS: dict[tuple[AgreementStatus, str], AgreementStatus] = {
    (AgreementStatus.SIGNED, "file"): AgreementStatus.FILED,
    (AgreementStatus.FILED, "confirmed"): AgreementStatus.CONFIRMED,
    (AgreementStatus.FILED, "refused"): AgreementStatus.REFUSED,
}
AGREEMENT_REFUSALS = {
    "file": "只有已签订、尚未申请的调解协议可以申请司法确认",
    "confirmed": "只有已申请司法确认的协议可以登记裁定",
    "refused": "只有已申请司法确认的协议可以登记裁定",
}
RULING_LABELS = {"confirmed": "确认有效", "refused": "不予确认"}

# Who, besides the dispute's own mediators, may act on disputes: the district's centre.
CENTRE_ROLES = frozenset({Role.ADMIN, Role.INTAKE_CLERK, Role.DISPATCHER, Role.SUPERVISOR})
AREA_ROLES = frozenset({Role.STREET_STAFF, Role.COMMUNITY_STAFF})
READER_ROLES = CENTRE_ROLES | {Role.LEADER}

PARTIES_MAX = 20
TERMS_MAX = 30
MEDIATORS_MAX = 5


def over_area(actor: Actor, paths: Collection[str]) -> bool:
    """Street or community staff whose area holds one of the paths (the site, the case's place)."""
    return (
        actor.role in AREA_ROLES
        and bool(actor.unit_path)
        and any(p.startswith(actor.unit_path or "") for p in paths if p)
    )


def may_act(actor: Actor, *, mediator_ids: Collection[int], paths: Collection[str]) -> bool:
    """The dispute's mediators, the area's street/community staff and the centre act on it."""
    if actor.staff_id is not None and actor.staff_id in mediator_ids:
        return True
    return actor.role in CENTRE_ROLES or over_area(actor, paths)


def may_read(
    actor: Actor, *, mediator_ids: Collection[int], paths: Collection[str], site_unit_id: int
) -> bool:
    """Those who act, the site's own staff and the leaders read a dispute."""
    if may_act(actor, mediator_ids=mediator_ids, paths=paths):
        return True
    if actor.role is Role.LEADER:
        return True
    return actor.role is Role.SERVICE_STAFF and actor.unit_id == site_unit_id


def agreement_number(site_name: str, year: int, sequence: int) -> str:
    """人民调解协议书's 编号: the committee's short name, the year and the year's sequence."""
    short = site_name.removesuffix("群众诉求服务站").removesuffix("群众诉求服务中心")
    return f"{short}调〔{year}〕{sequence}号"


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
