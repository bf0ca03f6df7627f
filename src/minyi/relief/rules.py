"""Pure code of relief (帮扶救助): the kinds of hardship, the states of an application and the
one table of its steps, who may take each step, and the duplicate-payment window. No session,
no clock reads."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from minyi.org.rules import Actor, Role


class HardshipKind(StrEnum):
    SUBSISTENCE = "subsistence"  # 低保
    TEMPORARY = "temporary"  # 临时救助
    MEDICAL = "medical"  # 医疗救助
    EDUCATION = "education"  # 教育救助
    HOUSING = "housing"  # 住房救助
    DISABILITY = "disability"  # 残疾人帮扶
    ELDERLY = "elderly"  # 困难老人帮扶
    OTHER = "other"  # 其他


KIND_LABELS = {
    HardshipKind.SUBSISTENCE: "低保",
    HardshipKind.TEMPORARY: "临时救助",
    HardshipKind.MEDICAL: "医疗救助",
    HardshipKind.EDUCATION: "教育救助",
    HardshipKind.HOUSING: "住房救助",
    HardshipKind.DISABILITY: "残疾人帮扶",
    HardshipKind.ELDERLY: "困难老人帮扶",
    HardshipKind.OTHER: "其他",
}


class Stage(StrEnum):
    """The three reviews, in order: the applicant's community, their street, the civil-affairs
    bureau (区民政局)."""

    COMMUNITY = "community"
    STREET = "street"
    DEPARTMENT = "department"


STAGE_LABELS = {
    Stage.COMMUNITY: "社区审核",
    Stage.STREET: "街道审核",
    Stage.DEPARTMENT: "民政局审批",
}
STAGES = (Stage.COMMUNITY, Stage.STREET, Stage.DEPARTMENT)


class ReliefStatus(StrEnum):
    COMMUNITY = "community"  # waiting for the community's review
    STREET = "street"  # waiting for the street's review
    DEPARTMENT = "department"  # waiting for the bureau's approval
    RETURNED = "returned"  # returned for more documents (the stage that returned it is kept)
    REFUSED = "refused"  # 不予救助, with a reason
    APPROVED = "approved"  # approved with an amount: waiting for the payment
    PAID = "paid"  # paid: waiting for the follow-up visit
    FOLLOWED_UP = "followed_up"  # 回访 done: the application is finished


STATUS_LABELS = {
    ReliefStatus.COMMUNITY: "待社区审核",
    ReliefStatus.STREET: "待街道审核",
    ReliefStatus.DEPARTMENT: "待民政局审批",
    ReliefStatus.RETURNED: "退回补充材料",
    ReliefStatus.REFUSED: "不予救助",
    ReliefStatus.APPROVED: "已批准待发放",
    ReliefStatus.PAID: "已发放待回访",
    ReliefStatus.FOLLOWED_UP: "已回访办结",
}


class Step(StrEnum):
    APPROVE = "approve"
    RETURN = "return"
    REFUSE = "refuse"
    RESUBMIT = "resubmit"  # the missing documents are in: back to the stage that returned it
    PAY = "pay"
    FOLLOW_UP = "follow_up"


STEP_LABELS = {
    Step.APPROVE: "审核通过",
    Step.RETURN: "退回补充材料",
    Step.REFUSE: "不予救助",
    Step.RESUBMIT: "补充材料后重新提交",
    Step.PAY: "发放救助",
    Step.FOLLOW_UP: "回访",
}

S = ReliefStatus
REVIEWING = {S.COMMUNITY: Stage.COMMUNITY, S.STREET: Stage.STREET, S.DEPARTMENT: Stage.DEPARTMENT}
# What each step may start from: one table, not scattered ifs. A resubmission goes back to the
# stage that returned it (`resume_status`), so it is not in the table.
TRANSITIONS: dict[tuple[ReliefStatus, Step], ReliefStatus] = {
    (S.COMMUNITY, Step.APPROVE): S.STREET,
    (S.STREET, Step.APPROVE): S.DEPARTMENT,
    (S.DEPARTMENT, Step.APPROVE): S.APPROVED,
    **{(s, Step.RETURN): S.RETURNED for s in REVIEWING},
    **{(s, Step.REFUSE): S.REFUSED for s in REVIEWING},
    (S.APPROVED, Step.PAY): S.PAID,
    (S.PAID, Step.FOLLOW_UP): S.FOLLOWED_UP,
}
REFUSALS = {
    Step.APPROVE: "该申请当前不在待审核状态，不能审核通过",
    Step.RETURN: "该申请当前不在待审核状态，不能退回",
    Step.REFUSE: "该申请当前不在待审核状态，不能作出不予救助决定",
    Step.RESUBMIT: "只有退回补充材料的申请可以重新提交",
    Step.PAY: "只有已批准的申请可以登记发放",
    Step.FOLLOW_UP: "只有已发放的申请可以登记回访",
}
OPEN_STATUSES = (S.COMMUNITY, S.STREET, S.DEPARTMENT, S.RETURNED, S.APPROVED, S.PAID)

# The bureau that approves and pays (区民政局) and the roles there that do it.
DEPARTMENT_CODE = "DEP10"
DEPARTMENT_ROLES = frozenset({Role.UNIT_HEAD, Role.UNIT_HANDLER})
# The same person and the same kind of hardship paid within this window: flagged before paying.
DUPLICATE_WINDOW = timedelta(days=180)
MAX_AMOUNT = Decimal("1000000")
MAX_MEMBERS = 30


def next_status(status: ReliefStatus, step: Step) -> ReliefStatus | None:
    return TRANSITIONS.get((status, step))


def resume_status(returned_from: Stage) -> ReliefStatus:
    return ReliefStatus(returned_from.value)


def stage_of(status: ReliefStatus) -> Stage | None:
    return REVIEWING.get(status)


def is_department(actor: Actor) -> bool:
    return actor.role in DEPARTMENT_ROLES and actor.unit_code == DEPARTMENT_CODE


def may_review(actor: Actor, stage: Stage, *, community_path: str) -> bool:
    """The community's staff review their community's applications, the street's staff those
    of the communities of their street, the bureau's head and handlers the department stage."""
    if stage is Stage.DEPARTMENT:
        return is_department(actor)
    role = Role.COMMUNITY_STAFF if stage is Stage.COMMUNITY else Role.STREET_STAFF
    return bool(
        actor.role is role and actor.unit_path and community_path.startswith(actor.unit_path)
    )


def may_resubmit(actor: Actor, *, community_path: str) -> bool:
    """The community's staff take the missing documents in and send the application on again."""
    return may_review(actor, Stage.COMMUNITY, community_path=community_path) or is_department(actor)


def may_follow_up(actor: Actor, *, community_path: str) -> bool:
    return is_department(actor) or may_review(actor, Stage.COMMUNITY, community_path=community_path)


def stages_reached(status: ReliefStatus, returned_from: Stage | None) -> tuple[Stage, ...]:
    """The review stages an application has reached so far (the current one included): their
    reviewers read the applicant's personal data in clear."""
    if status in (S.APPROVED, S.PAID, S.FOLLOWED_UP):
        return STAGES
    current = stage_of(status) or returned_from
    if current is None:  # refused: the stage that refused is in returned_from
        return STAGES
    return STAGES[: STAGES.index(current) + 1]


def parse_amount(text: str | Decimal | int | float | None, *, required: bool) -> Decimal | None:
    """Yuan, at most two decimals, above zero and below MAX_AMOUNT."""
    if text is None or (isinstance(text, str) and not text.strip()):
        if required:
            raise ValueError("请填写金额")
        return None
    try:
        value = Decimal(str(text).strip().replace(",", "").removesuffix("元"))
    except InvalidOperation:
        raise ValueError("金额须为数字（元）") from None
    if not value.is_finite() or value <= 0 or value >= MAX_AMOUNT:
        raise ValueError("金额须大于0且小于100万元")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("金额最多保留两位小数")
    return value.quantize(Decimal("0.01"))


class PayMethod(StrEnum):
    BANK = "bank"  # 银行转账 (社会保障卡)
    CASH = "cash"  # 现金
    IN_KIND = "in_kind"  # 实物


METHOD_LABELS = {PayMethod.BANK: "银行转账", PayMethod.CASH: "现金", PayMethod.IN_KIND: "实物"}
