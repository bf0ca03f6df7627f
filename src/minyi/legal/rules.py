"""Pure code of legal help (法律服务): the areas of law a consultation is filed under, the
hardships a legal-aid applicant may claim, the states of a referral, the routes a pre-petition
advice may name, and who may decide what. No session, no clock reads."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from minyi.org.rules import Actor, Role


class LawArea(StrEnum):
    MARRIAGE_FAMILY = "marriage_family"
    LABOUR = "labour"
    HOUSING = "housing"
    CONTRACT_DEBT = "contract_debt"
    TORT = "tort"
    ADMINISTRATIVE = "administrative"
    OTHER = "other"


AREA_LABELS = {
    LawArea.MARRIAGE_FAMILY: "婚姻家庭",
    LawArea.LABOUR: "劳动争议",
    LawArea.HOUSING: "房产物业",
    LawArea.CONTRACT_DEBT: "合同债务",
    LawArea.TORT: "侵权赔偿",
    LawArea.ADMINISTRATIVE: "行政事务",
    LawArea.OTHER: "其他",
}


class Hardship(StrEnum):
    """The hardship a legal-aid applicant claims (法律援助条例: 经济困难及免审情形)."""

    LOW_INCOME = "low_income"  # 低保、特困、低收入家庭
    UNPAID_WAGES = "unpaid_wages"  # 农民工追索劳动报酬
    DISABLED = "disabled"
    ELDERLY = "elderly"
    MINOR = "minor"
    VETERAN = "veteran"  # 军人军属、退役军人
    VICTIM = "victim"  # 家庭暴力、虐待、遗弃的受害人
    OTHER = "other"


HARDSHIP_LABELS = {
    Hardship.LOW_INCOME: "低保、特困或低收入家庭",
    Hardship.UNPAID_WAGES: "农民工追索劳动报酬",
    Hardship.DISABLED: "残疾人",
    Hardship.ELDERLY: "老年人",
    Hardship.MINOR: "未成年人",
    Hardship.VETERAN: "军人军属、退役军人",
    Hardship.VICTIM: "家庭暴力等受害人",
    Hardship.OTHER: "其他困难情形",
}


class AidStatus(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"


AID_LABELS = {
    AidStatus.PENDING: "待审查",
    AidStatus.GRANTED: "准予援助",
    AidStatus.REFUSED: "不予援助",
}


class LegalRoute(StrEnum):
    """Where a matter brought to the petition windows belongs (诉访分离)."""

    COURT = "court"  # 诉讼
    ARBITRATION = "arbitration"  # 劳动人事争议仲裁 / 商事仲裁
    ADMIN_REVIEW = "admin_review"  # 行政复议
    PETITION = "petition"  # 属信访事项, no legal route


ROUTE_LABELS = {
    LegalRoute.COURT: "属诉讼事项（向人民法院起诉）",
    LegalRoute.ARBITRATION: "属仲裁事项（申请仲裁）",
    LegalRoute.ADMIN_REVIEW: "属行政复议事项（申请行政复议）",
    LegalRoute.PETITION: "属信访事项，按信访程序办理",
}
LEGAL_ROUTES = frozenset({LegalRoute.COURT, LegalRoute.ARBITRATION, LegalRoute.ADMIN_REVIEW})


class Choice(StrEnum):
    """What the citizen chose after the advice."""

    UNDECIDED = "undecided"
    LEGAL_ROUTE = "legal_route"  # 走法律途径: the petition is not pursued
    PETITION = "petition"  # 仍要求按信访程序办理


CHOICE_LABELS = {
    Choice.UNDECIDED: "尚未选择",
    Choice.LEGAL_ROUTE: "选择通过法律途径解决",
    Choice.PETITION: "仍要求按信访程序办理",
}

# The petition channels (来访、来信) on which advice is given before acceptance.
PRE_PETITION_CHANNELS = frozenset({"walk_in", "letter"})
# The unit that decides legal aid: 区司法局 (its legal-aid centre).
AID_UNIT = "DEP11"
QUESTION_MAX = 4000
ADVICE_MAX = 4000
DOCUMENTS_MAX = 20
TITLE_MAX = 100
REASON_MAX = 500
INCOME_MAX = 10_000_000
ADVISERS = frozenset({Role.INTAKE_CLERK, Role.ADMIN})


def may_decide_aid(actor: Actor, unit_code: str | None) -> bool:
    """区司法局's staff (head or handler) and the administrator decide legal aid."""
    if actor.role is Role.ADMIN:
        return True
    return actor.role in (Role.UNIT_HEAD, Role.UNIT_HANDLER) and unit_code == AID_UNIT


def may_advise(actor: Actor, *, is_lawyer: bool) -> bool:
    """访前法律工作室: the intake clerk at the window or a resident lawyer records the advice."""
    return is_lawyer or actor.role in ADVISERS


def clean_documents(titles: list[str]) -> list[str]:
    """The titles of the documents given to the citizen, trimmed, blanks and repeats dropped;
    ValueError with the reason in Chinese."""
    out: list[str] = []
    for raw in titles:
        title = (raw or "").strip()
        if not title or title in out:
            continue
        if len(title) > TITLE_MAX:
            raise ValueError(f"文书名称不能超过{TITLE_MAX}字")
        out.append(title)
    if len(out) > DOCUMENTS_MAX:
        raise ValueError(f"提供文书最多{DOCUMENTS_MAX}份")
    return out


def days_to_decide(referred_at: datetime, decided_at: datetime) -> float:
    return max((decided_at - referred_at).total_seconds(), 0.0) / 86400


def average(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None
