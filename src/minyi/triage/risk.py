"""Risk flags (风险提示): words in an appeal that call for attention (self-harm, collective
action, wage arrears, threats, watch-listed persons), each with its evidence span.

The lexicon is data an administrator edits: `risk_lexicon.yaml` in the package is version 0,
every save through the API a new version in `risk_lexicons`. Matching is one regex compiled
from a trie of every term, so a text is scanned once whatever the lexicon's size; a flag
survives only if no negation stands right before it ("没有欠薪") and, for weak words, a
companion word is near ("聚集" with "上访").
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.core import safe_yaml
from minyi.core.errors import Invalid, NotFound
from minyi.triage.models import RiskLexicon as RiskLexiconRow

DEFAULT_LEXICON = Path(__file__).with_name("risk_lexicon.yaml")
SHIPPED_VERSION = 0  # the packaged file; saved versions count from 1
SEVERITIES = ("low", "medium", "high")
CATEGORIES = ("self_harm", "collective_action", "wage_arrears", "threats", "sensitive_persons")
_CLAUSE_END = re.compile(r"[，,。.！!？?；;：:\n]")
MAX_TERMS = 20_000


@dataclass(frozen=True)
class RiskFlag:
    category: str
    term: str
    start: int
    end: int
    severity: str
    label: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "label": self.label,
            "term": self.term,
            "start": self.start,
            "end": self.end,
            "severity": self.severity,
            "note": self.note,
        }


@dataclass(frozen=True)
class NearRule:
    terms: tuple[str, ...]
    companions: tuple[str, ...]
    within: int


@dataclass(frozen=True)
class HolidayBoost:
    festival: str
    days_before: int
    severity: str
    note: str


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    severity: str
    terms: tuple[str, ...]
    near: tuple[NearRule, ...] = ()
    exclude: tuple[str, ...] = ()
    holiday_boost: HolidayBoost | None = None


# What a matched string means: (category, kind) where kind is term | near | exclude.
_Meaning = tuple[tuple[str, str], ...]


class Lexicon:
    """A parsed lexicon with its compiled matcher."""

    def __init__(
        self,
        *,
        name: str,
        categories: dict[str, Category],
        negations: tuple[str, ...],
        fillers: tuple[str, ...],
        max_gap: int,
        festival_dates: dict[str, tuple[date, ...]],
        fallback_months: tuple[int, ...],
    ) -> None:
        self.name = name
        self.categories = categories
        self.negations = negations
        self.max_gap = max_gap
        self.festival_dates = festival_dates
        self.fallback_months = fallback_months
        self.filler = (
            re.compile("|".join(map(re.escape, sorted(fillers, key=len, reverse=True))))
            if fillers
            else None
        )
        meanings: dict[str, list[tuple[str, str]]] = {}
        for cat in categories.values():
            for term in cat.terms:
                meanings.setdefault(term, []).append((cat.code, "term"))
            for rule in cat.near:
                for term in rule.terms:
                    meanings.setdefault(term, []).append((cat.code, "near"))
            for term in cat.exclude:
                meanings.setdefault(term, []).append((cat.code, "exclude"))
        self.meanings: dict[str, _Meaning] = {k: tuple(v) for k, v in meanings.items()}
        self.pattern = _trie_regex(list(self.meanings))
        # A longer word hides the shorter ones inside it ("集体讨薪" holds "讨薪"): keep those of
        # other categories, with their offsets, so each category still sees its word.
        self.inner: dict[str, tuple[tuple[int, str], ...]] = {}
        for word, meaning in self.meanings.items():
            own = {code for code, _ in meaning}
            inner = [
                (i, word[i:j])
                for i in range(len(word))
                for j in range(i + 1, len(word) + 1)
                if (i, j) != (0, len(word))
                and word[i:j] in self.meanings
                and any(
                    code not in own and kind != "exclude" for code, kind in self.meanings[word[i:j]]
                )
            ]
            if inner:
                self.inner[word] = tuple(inner)
        self.near_rules = {
            (c.code, t): r for c in categories.values() for r in c.near for t in r.terms
        }

    def summary(self) -> list[dict[str, Any]]:
        return [
            {
                "code": c.code,
                "label": c.label,
                "severity": c.severity,
                "terms": len(c.terms),
                "near_terms": sum(len(r.terms) for r in c.near),
                "exclude": len(c.exclude),
                "holiday_boost": c.holiday_boost is not None,
            }
            for c in self.categories.values()
        ]


def _trie_regex(words: list[str]) -> re.Pattern[str] | None:
    """One pattern for many literal words; at each position the longest word matches."""
    if not words:
        return None
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict[str, Any]) -> str:
        ends = "" in node
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if ends else body

    return re.compile(build(trie))


# --- parsing -----------------------------------------------------------------------------------


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise Invalid("bad_lexicon", f"{where} must be a list of words", field="body")
    words = tuple(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))
    return words


def _severity(value: Any, where: str) -> str:
    if value not in SEVERITIES:
        raise Invalid(
            "bad_lexicon", f"{where}: severity must be one of {', '.join(SEVERITIES)}", field="body"
        )
    return str(value)


def _date(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise Invalid(
            "bad_lexicon", f"{where}: '{value}' is not a date (YYYY-MM-DD)", field="body"
        ) from error


def parse_lexicon(text: str) -> Lexicon:
    """A lexicon from its YAML, or Invalid naming what is wrong; nothing partial."""
    try:
        doc = safe_yaml.load(text)
    except yaml.YAMLError as error:
        raise Invalid(
            "bad_yaml", f"not a YAML document: {str(error).splitlines()[0]}", field="body"
        ) from error
    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("categories"), dict)
        or not doc["categories"]
    ):
        raise Invalid(
            "bad_lexicon", "the lexicon needs a non-empty 'categories' mapping", field="body"
        )
    categories: dict[str, Category] = {}
    total = 0
    for code, spec in doc["categories"].items():
        where = f"categories.{code}"
        if not isinstance(code, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", code):
            raise Invalid(
                "bad_lexicon", f"{where}: a category code is lower_snake_case", field="body"
            )
        if not isinstance(spec, dict):
            raise Invalid("bad_lexicon", f"{where} must be a mapping", field="body")
        near = []
        for i, rule in enumerate(spec.get("near") or []):
            if not isinstance(rule, dict):
                raise Invalid("bad_lexicon", f"{where}.near[{i}] must be a mapping", field="body")
            within = rule.get("within", 10)
            if not isinstance(within, int) or not 1 <= within <= 200:
                raise Invalid(
                    "bad_lexicon", f"{where}.near[{i}].within must be 1..200", field="body"
                )
            companions = _str_list(rule.get("with"), f"{where}.near[{i}].with")
            if not companions:
                raise Invalid("bad_lexicon", f"{where}.near[{i}] needs 'with' words", field="body")
            near.append(
                NearRule(
                    _str_list(rule.get("terms"), f"{where}.near[{i}].terms"), companions, within
                )
            )
        boost = spec.get("holiday_boost")
        holiday_boost = None
        if boost is not None:
            if (
                not isinstance(boost, dict)
                or not isinstance(boost.get("days_before"), int)
                or boost["days_before"] < 0
            ):
                raise Invalid(
                    "bad_lexicon",
                    f"{where}.holiday_boost needs days_before (a whole number)",
                    field="body",
                )
            holiday_boost = HolidayBoost(
                festival=str(boost.get("festival", "spring_festival")),
                days_before=boost["days_before"],
                severity=_severity(boost.get("severity", "high"), f"{where}.holiday_boost"),
                note=str(boost.get("note", "节前")),
            )
        cat = Category(
            code=code,
            label=str(spec.get("label") or code),
            severity=_severity(spec.get("severity", "medium"), where),
            terms=_str_list(spec.get("terms"), f"{where}.terms"),
            near=tuple(near),
            exclude=_str_list(spec.get("exclude"), f"{where}.exclude"),
            holiday_boost=holiday_boost,
        )
        total += len(cat.terms) + len(cat.exclude) + sum(len(r.terms) for r in cat.near)
        categories[code] = cat
    if total > MAX_TERMS:
        raise Invalid("bad_lexicon", f"at most {MAX_TERMS} words in a lexicon", field="body")
    negation = doc.get("negation") or {}
    if not isinstance(negation, dict):
        raise Invalid("bad_lexicon", "negation must be a mapping", field="body")
    max_gap = negation.get("max_gap", 4)
    if not isinstance(max_gap, int) or not 0 <= max_gap <= 20:
        raise Invalid("bad_lexicon", "negation.max_gap must be 0..20", field="body")
    festivals = doc.get("festival_dates") or {}
    if not isinstance(festivals, dict):
        raise Invalid(
            "bad_lexicon", "festival_dates must map a festival to a list of dates", field="body"
        )
    months = doc.get("fallback_months") or []
    if not isinstance(months, list) or not all(isinstance(m, int) and 1 <= m <= 12 for m in months):
        raise Invalid("bad_lexicon", "fallback_months must be a list of months 1..12", field="body")
    return Lexicon(
        name=str(doc.get("name") or "风险词库"),
        categories=categories,
        negations=_str_list(negation.get("words"), "negation.words"),
        fillers=_str_list(negation.get("fillers"), "negation.fillers"),
        max_gap=max_gap,
        festival_dates={
            str(k): tuple(sorted(_date(d, f"festival_dates.{k}") for d in (v or [])))
            for k, v in festivals.items()
        },
        fallback_months=tuple(months),
    )


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
        hits: list[tuple[int, str, _Meaning, set[str] | None]] = [(start, word, meanings, None)]
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
    cut = max((m.end() for m in _CLAUSE_END.finditer(before)), default=0)
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


# --- versions --------------------------------------------------------------------------------

_parsed: dict[str, Lexicon] = {}
_lock = threading.Lock()


@functools.cache
def shipped_text() -> str:
    return DEFAULT_LEXICON.read_text(encoding="utf-8")


def shipped_lexicon() -> Lexicon:
    return lexicon_from_text(shipped_text())


def lexicon_from_text(text: str) -> Lexicon:
    # Keyed by the text, not the version: one process may serve several databases.
    key = hashlib.sha256(text.encode()).hexdigest()
    with _lock:
        cached = _parsed.get(key)
    if cached is None:
        cached = parse_lexicon(text)
        with _lock:
            if len(_parsed) > 64:
                _parsed.clear()
            _parsed[key] = cached
    return cached


def lexicon_version(
    session: Session, version: int | None = None
) -> tuple[int, str, RiskLexiconRow | None]:
    """(version, YAML, row) of a version, by default the current one; version 0 is the file."""
    if version == SHIPPED_VERSION:
        return SHIPPED_VERSION, shipped_text(), None
    stmt = select(RiskLexiconRow)
    stmt = (
        stmt.where(RiskLexiconRow.version == version)
        if version is not None
        else stmt.order_by(RiskLexiconRow.version.desc()).limit(1)
    )
    row = session.scalar(stmt)
    if row is None:
        if version is not None:
            raise NotFound("lexicon_not_found", f"no risk lexicon version {version}")
        return SHIPPED_VERSION, shipped_text(), None
    return row.version, row.text, row


def current_lexicon(session: Session) -> tuple[int, Lexicon]:
    version, text, _ = lexicon_version(session)
    return version, lexicon_from_text(text)


def save_lexicon(session: Session, text: str, *, by: str, now: datetime) -> int:
    """A new current version; a bad file is refused whole before anything is written."""
    if not text.strip():
        raise Invalid("empty_lexicon", "the lexicon is empty", field="body")
    parse_lexicon(text)
    version = (session.scalar(select(func.max(RiskLexiconRow.version))) or SHIPPED_VERSION) + 1
    session.add(RiskLexiconRow(version=version, text=text, created_at=now, created_by=by[:60]))
    session.flush()
    return version


def lexicon_versions(session: Session) -> list[RiskLexiconRow]:
    return list(session.scalars(select(RiskLexiconRow).order_by(RiskLexiconRow.version.desc())))


def flag_appeal(
    session: Session, text: str, *, on: date | datetime | None = None
) -> tuple[int, list[RiskFlag]]:
    """Flags under the current lexicon, with the version that made them."""
    version, lexicon = current_lexicon(session)
    return version, flag_risks(text, lexicon, on=on)
