"""Pure code of the report: periods in local time, numbering labels, item keys, comparisons,
what counts as rising, one-line summaries. No session, no I/O, no clock reads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from difflib import SequenceMatcher
from enum import StrEnum
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from minyi.core.errors import Forbidden, Invalid
from minyi.org.rules import DISTRICT_WIDE, Actor, Role

REF_PREFIX = "daily_report:"
# 涉众: an appeal speaking for this many people or more is a crowd matter.
CROWD_SIZE = 5
# Rising: at least this many today, and at least twice the 7-day baseline plus one.
RISING_MIN = 3
BASELINE_DAYS = 7
TREND_DAYS = 30
# A leaf with no appeal in this many days before the report's day is a new kind of matter.
NEW_KIND_LOOKBACK_DAYS = TREND_DAYS - 1
NOTABLE_LIMIT = 10
SUMMARY_LIMIT = 60
WEEKDAY_ZH = "一二三四五六日"


class ReportKind(StrEnum):
    DAILY = "daily"


KIND_ZH = {ReportKind.DAILY: "民情日报"}


@dataclass(frozen=True)
class Period:
    """One local day and its bounds in UTC (what the tables store)."""

    day: date
    tz: ZoneInfo

    def start(self, offset_days: int = 0) -> datetime:
        local = datetime.combine(self.day + timedelta(days=offset_days), time(0), tzinfo=self.tz)
        return local.astimezone(UTC)

    @property
    def end(self) -> datetime:
        return self.start(1)

    def local_day(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()


def edition_key(kind: ReportKind, day: date) -> str:
    return f"{kind.value}:{day.isoformat()}"


def correction_label(ordinal: int) -> str:
    """（更正） for the first correction of an issue, （第2次更正） for the next; "" for the original."""
    if ordinal <= 0:
        return ""
    return "（更正）" if ordinal == 1 else f"（第{ordinal}次更正）"


def report_title(kind: ReportKind, number: int, day: date, correction: int = 0) -> str:
    """A correction keeps the number of the issue it corrects: the day keeps its place in the
    series (第12期（更正）), and the next day's report is still 第13期."""
    return (
        f"{KIND_ZH[kind]} 第{number}期{correction_label(correction)}"
        f"（{day.year}年{day.month}月{day.day}日）"
    )


def date_zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日 星期{WEEKDAY_ZH[day.weekday()]}"


def parse_daily_at(value: str) -> time:
    hour, _, minute = value.partition(":")
    return time(int(hour), int(minute))


def day_due(now: datetime, tz: ZoneInfo, daily_at: time) -> date | None:
    """The day whose report is due at `now`: yesterday, once the local time reached `daily_at`."""
    local = now.astimezone(tz)
    if local.time() < daily_at:
        return None
    return local.date() - timedelta(days=1)


def item_ref(issue_id: int, item_key: str) -> str:
    """The instruction's `subject_ref` for a report item: how the next report finds it."""
    return f"{REF_PREFIX}{issue_id}#{item_key}"


_REF = re.compile(rf"^{re.escape(REF_PREFIX)}(\d+)#(.+)$")


def parse_item_ref(ref: str | None) -> tuple[int, str] | None:
    match = _REF.match(ref or "")
    return (int(match.group(1)), match.group(2)) if match else None


def check_item_key(item_key: str, items: dict[str, str]) -> str:
    key = (item_key or "").strip()
    if key not in items:
        raise Invalid("bad_item", f"the report has no item '{key}'", field="item")
    return key


def change(today: int, before: int) -> dict[str, int | float | None]:
    """Today against an earlier day: the difference and the relative change (None from zero)."""
    return {
        "before": before,
        "delta": today - before,
        "ratio": round((today - before) / before, 4) if before else None,
    }


def is_rising(today: int, baseline: float) -> bool:
    return today >= RISING_MIN and today >= 2 * baseline + 1


_SENTENCE_END = re.compile(r"[。！？!?；;\n]")


def one_line(title: str, body: str, limit: int = SUMMARY_LIMIT) -> str:
    """The appeal in one line: its first sentence, else its title, cut at `limit` characters."""
    first = _SENTENCE_END.split((body or "").strip(), maxsplit=1)[0].strip()
    text = first if len(first) >= 8 else (title or first).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def signed_percent(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    return f"{'+' if ratio > 0 else ''}{ratio * 100:.1f}%"


# Who reads the report (it names cases from the whole district), who issues one on demand or
# manages its subscribers (the petition office's supervisors and the administrator).
READERS = DISTRICT_WIDE
ISSUERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


def require(actor: Actor, roles: frozenset[Role], what: str) -> None:
    if actor.role not in roles:
        raise Forbidden("not_allowed", f"your role may not {what}")


# ---- wording and grouping for a reader who is not a statistician ---------------------------

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
# Two titles this alike (difflib's ratio on the normalised text) are the same matter told twice.
NEAR_SAME = 0.85


def matter_key(title: str) -> str:
    """A title without spaces, punctuation or case: "幸福社区 占道经营！" == "幸福社区占道经营"."""
    return _NOISE.sub("", title or "").lower()


def is_near_same(a: str, b: str) -> bool:
    ka, kb = matter_key(a), matter_key(b)
    if not ka or not kb:
        return ka == kb
    return ka == kb or SequenceMatcher(None, ka, kb).ratio() >= NEAR_SAME


def group_near_same(titles: list[str]) -> list[list[int]]:
    """Indexes of `titles` grouped by near-sameness, each group in first-seen order and the
    groups in the order of their first member (a greedy pass: a title joins the first group
    whose first title it is near)."""
    groups: list[list[int]] = []
    for i, title in enumerate(titles):
        for group in groups:
            if is_near_same(titles[group[0]], title):
                group.append(i)
                break
        else:
            groups.append([i])
    return groups


def times_above(count: int, expected: float) -> str:
    """How far a day's count is above the usual, as a leader says it: "高出N倍" (N = count over
    the usual, less one), "高出N%" below twice the usual, "明显高于常态" from no usual at all."""
    if expected <= 0:
        return "明显高于常态"
    over = count / expected - 1
    if over <= 0:
        return "与常态持平"
    if over < 1:
        return f"高出{over * 100:.0f}%"
    return f"高出{over:.0f}倍" if over >= 3 else f"高出{over:.1f}倍".replace(".0倍", "倍")


def nos_line(numbers: list[str], total: int, shown: int = 6) -> str:
    """Tracking numbers behind a line: "A、B、C等12件" (the count once, however many are named)."""
    named = "、".join(numbers[:shown])
    return f"{named}等{total}件" if total > min(len(numbers), shown) else named


_PLACE_TWICE = re.compile(r"：(\S+?)「\1")


def alert_headline(title: str) -> str:
    """A crowd alert's stored title names its community twice ("：茶园社区「茶园社区占道经营」"):
    said once ("：「茶园社区占道经营」")."""
    return _PLACE_TWICE.sub("：「\\1", title)


class AreaAlert(Protocol):
    """What the merge reads of an alert (read-only, so a frozen view such as
    analytics.queries.AlertView is one)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def class_name(self) -> str | None: ...
    @property
    def evidence(self) -> dict[str, Any]: ...


A = TypeVar("A", bound=AreaAlert)


def merge_area_bursts(alerts: list[A]) -> list[list[A]]:
    """One group per alert a leader should read once: a burst of a class in a community and the
    burst of the same class in its street over the same cases are one alert (the community's
    first: it says more precisely where). Other alerts are groups of one, in the given order."""
    groups: list[list[A]] = []
    seen: dict[tuple[str | None, int, tuple[int, ...]], list[A]] = {}
    for alert in alerts:
        e = alert.evidence
        if alert.kind != "burst":
            groups.append([alert])
            continue
        same = (alert.class_name, int(e.get("count", 0)), tuple(sorted(e.get("case_ids", []))))
        group = seen.get(same)
        if group is None:
            group = seen[same] = [alert]
            groups.append(group)
        else:
            group.append(alert)
    for group in groups:
        group.sort(key=lambda a: a.evidence.get("area_level") != "community")
    return groups


LEVEL_RANK = {"red": 2, "yellow": 1}


def worst_level(levels: list[str]) -> str:
    return max(levels, key=lambda level: LEVEL_RANK.get(level, 0))
