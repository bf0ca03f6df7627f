"""Matching: the risk flags of one text, with negation, companion words and holiday boosts."""

from __future__ import annotations

import functools
from datetime import date, datetime

import chinese_calendar
from sqlalchemy.orm import Session

from minyi.triage.risk.lexicon import (
    CLAUSE_END,
    SEVERITIES,
    HolidayBoost,
    Lexicon,
    Meaning,
    NearRule,
    RiskFlag,
)
from minyi.triage.risk.versions import current_lexicon, shipped_lexicon

# --- matching ----------------------------------------------------------------------------------


def flag_risks(
    text: str, lexicon: Lexicon | None = None, *, on: date | datetime | None = None
) -> list[RiskFlag]:
    """Every risk flag in the text, in order, with [start, end) offsets into it. `on` is the
    appeal's date, for the boosts that depend on the calendar (欠薪 before Spring Festival)."""
    lex = lexicon or shipped_lexicon()
    if lex.pattern is None or not text:
        return []
    day = on.date() if isinstance(on, datetime) else on
    flags: list[RiskFlag] = []
    for match in lex.pattern.finditer(text):
        word, start = match.group(), match.start()
        if not word:
            continue
        meanings = lex.meanings.get(word, ())
        if any(kind == "exclude" for _, kind in meanings):
            continue
        hits: list[tuple[int, str, Meaning, set[str] | None]] = [(start, word, meanings, None)]
        hits += [
            (start + i, inner, lex.meanings[inner], {c for c, _ in meanings})
            for i, inner in lex.inner.get(word, ())
        ]
        for at, term, meaning, skip in hits:
            if _negated(lex, text, at):
                continue
            for code, kind in meaning:
                if kind == "exclude" or (skip and code in skip):
                    continue
                if kind == "near" and not _has_companion(
                    text, at, at + len(term), lex.near_rules[(code, term)]
                ):
                    continue
                cat = lex.categories[code]
                severity, note = cat.severity, ""
                boost = cat.holiday_boost
                if boost and day is not None and _before_festival(lex, boost, day):
                    severity, note = _max_severity(severity, boost.severity), boost.note
                flags.append(RiskFlag(code, term, at, at + len(term), severity, cat.label, note))
    return sorted(set(flags), key=lambda f: (f.start, f.end, f.category))


def _negated(lex: Lexicon, text: str, start: int) -> bool:
    if not lex.negations:
        return False
    lo = max(0, start - lex.max_gap - max(map(len, lex.negations)))
    before = text[lo:start]
    cut = max((m.end() for m in CLAUSE_END.finditer(before)), default=0)
    before = before[cut:]
    for word in lex.negations:
        at = before.rfind(word)
        if at < 0:
            continue
        gap = before[at + len(word) :]
        if len(gap) <= lex.max_gap and not (lex.filler.sub("", gap) if lex.filler else gap):
            return True
    return False


def _has_companion(text: str, start: int, end: int, rule: NearRule) -> bool:
    window = text[max(0, start - rule.within) : end + rule.within]
    return any(word in window for word in rule.companions)


def _max_severity(a: str, b: str) -> str:
    return a if SEVERITIES.index(a) >= SEVERITIES.index(b) else b


def _before_festival(lex: Lexicon, boost: HolidayBoost, day: date) -> bool:
    dates = sorted({*lex.festival_dates.get(boost.festival, ()), *_calendar_dates(boost.festival)})
    upcoming = [d for d in dates if d >= day]
    if upcoming:
        return (upcoming[0] - day).days <= boost.days_before
    return day.month in lex.fallback_months


@functools.cache
def _calendar_dates(festival: str) -> tuple[date, ...]:
    """The first holiday day of each year's festival, as far as chinesecalendar knows."""
    name = {"spring_festival": chinese_calendar.Holiday.spring_festival.value}.get(festival)
    if name is None:
        return ()
    firsts: dict[int, date] = {}
    for day, holiday in chinese_calendar.holidays.items():
        if holiday == name and (day.year not in firsts or day < firsts[day.year]):
            firsts[day.year] = day
    return tuple(sorted(firsts.values()))


def flag_appeal(
    session: Session, text: str, *, on: date | datetime | None = None
) -> tuple[int, list[RiskFlag]]:
    """Flags under the current lexicon, with the version that made them."""
    version, lexicon = current_lexicon(session)
    return version, flag_risks(text, lexicon, on=on)
