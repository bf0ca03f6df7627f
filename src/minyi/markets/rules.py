"""Pure code of service markets: themes, what happens to a matter raised at a stall, an event's
phase, the checks on a plan, and the rates. No session, no clock reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Theme(StrEnum):
    """The themes a market is held around (源城's 六大主题)."""

    OPINIONS = "opinions"  # 民意收集
    PETITIONS = "petitions"  # 信访接访
    POLICY = "policy"  # 政策解答
    LEGAL = "legal"  # 法律服务
    PSYCHOLOGICAL = "psychological"  # 心理服务
    MEDIATION = "mediation"  # 矛盾调解
    RELIEF = "relief"  # 帮扶救助


THEME_LABELS = {
    Theme.OPINIONS: "民意收集",
    Theme.PETITIONS: "信访接访",
    Theme.POLICY: "政策解答",
    Theme.LEGAL: "法律服务",
    Theme.PSYCHOLOGICAL: "心理服务",
    Theme.MEDIATION: "矛盾调解",
    Theme.RELIEF: "帮扶救助",
}


class Outcome(StrEnum):
    """What became of a matter raised at a stall.

    A policy question answered there is a consultation (`answered`): it is recorded on the stall
    with the question and the answer and counted, but opens no case. It asks nothing of any unit,
    so a case would only run clocks and send the person messages about a matter already done,
    swell the case volumes of the daily report and the closure rates of the assessment, and keep
    a name and phone the answer never needed (the consultation stores neither)."""

    PASSED_ON = "passed_on"  # 转交办理: a case on the market channel, dispatched as any other
    SOLVED = "solved"  # 现场速办: the case closed at once with the stall staff's reply
    ANSWERED = "answered"  # 政策解答: answered on the spot, no case


OUTCOME_LABELS = {
    Outcome.PASSED_ON: "转交办理",
    Outcome.SOLVED: "现场办结",
    Outcome.ANSWERED: "现场解答",
}


class Phase(StrEnum):
    UPCOMING = "upcoming"
    UNDER_WAY = "under_way"
    HELD = "held"
    CANCELLED = "cancelled"


PHASE_LABELS = {
    Phase.UPCOMING: "待举办",
    Phase.UNDER_WAY: "进行中",
    Phase.HELD: "已举办",
    Phase.CANCELLED: "已取消",
}

MAX_HOURS = 12
MAX_VISITORS = 100_000
# Stall staff may still register what they wrote down on paper a while after the market closes.
LATE_ENTRY = timedelta(days=3)


def phase(starts_at: datetime, ends_at: datetime, now: datetime, *, cancelled: bool) -> Phase:
    if cancelled:
        return Phase.CANCELLED
    if now < starts_at:
        return Phase.UPCOMING
    if now < ends_at:
        return Phase.UNDER_WAY
    return Phase.HELD


def check_plan(title: str, place: str, starts_at: datetime, ends_at: datetime) -> None:
    """What a plan must hold; raises ValueError with the sentence to show."""
    if not title.strip() or len(title.strip()) > 100:
        raise ValueError("请填写活动名称（不超过100字）")
    if not place.strip() or len(place.strip()) > 200:
        raise ValueError("请填写举办地点（不超过200字）")
    if ends_at <= starts_at:
        raise ValueError("结束时间须晚于开始时间")
    if ends_at - starts_at > timedelta(hours=MAX_HOURS):
        raise ValueError(f"一场服务市集不超过{MAX_HOURS}小时")


def parse_themes(values: list[str]) -> list[Theme]:
    """Theme codes or their Chinese labels, each once, in the order given."""
    by_label = {label: theme for theme, label in THEME_LABELS.items()}
    out: list[Theme] = []
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        theme = by_label.get(value)
        if theme is None:
            try:
                theme = Theme(value)
            except ValueError:
                raise ValueError(f"没有“{value}”这一主题") from None
        if theme not in out:
            out.append(theme)
    if not out:
        raise ValueError("请至少选择一个主题")
    return out


def open_for_entry(starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    """Matters are registered from the market's start until a few days after its end."""
    return starts_at <= now <= ends_at + LATE_ENTRY


@dataclass(frozen=True)
class MarketFigures:
    """An area's (or an event's) market figures."""

    events: int = 0
    stalls: int = 0
    visitors: int = 0
    opinions: int = 0  # 收集意见建议: everything raised, consultations included
    answered: int = 0
    solved: int = 0
    passed_on: int = 0
    passed_on_closed: int = 0

    @property
    def spot_rate(self) -> float | None:
        """现场办结率: matters solved or answered on the spot, over everything raised."""
        return (self.solved + self.answered) / self.opinions if self.opinions else None


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"
