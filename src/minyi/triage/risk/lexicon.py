"""The risk lexicon: categories, terms, negations, companion rules and holiday boosts, parsed
and checked from YAML into one trie regex."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import yaml

from minyi.core import safe_yaml
from minyi.core.errors import Invalid

SHIPPED_VERSION = 0  # the packaged file; saved versions count from 1
SEVERITIES = ("low", "medium", "high")
CATEGORIES = ("self_harm", "collective_action", "wage_arrears", "threats", "sensitive_persons")
CLAUSE_END = re.compile(r"[，,。.！!？?；;：:\n]")
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
Meaning = tuple[tuple[str, str], ...]


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
        self.meanings: dict[str, Meaning] = {k: tuple(v) for k, v in meanings.items()}
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
