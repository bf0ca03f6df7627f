"""Pure code of the report: periods in local time, numbering labels, item keys, comparisons,
what counts as rising, one-line summaries. No session, no I/O, no clock reads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from minyi.core.errors import Forbidden, Invalid
from minyi.org.rules import DISTRICT_WIDE, Actor, Role

REF_PREFIX = "daily_report:"
# Cases whose handling is over for the report's purposes (the mailboxes count them alike).
CLOSED_STATUSES = ("replied", "rated", "archived", "declined")
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
