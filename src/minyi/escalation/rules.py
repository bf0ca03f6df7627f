"""Escalation rules as data, and the leader case-holding guards: pure code, no I/O.

A rule set is a YAML document (see `default_rules.yaml`). Each rule names a declarative
condition over a case's facts and the level it lifts the case to. Conditions are parsed once
into small frozen objects and evaluated without `eval()`:

    when: petition_count >= 2                  # one comparison
    when: crowd_size >= 5 and amount >= 100000 # several, all must hold
    when: {sensitive: true}                    # equality by mapping
    when: {any: ["crowd_size >= 30", "amount >= 1000000"]}
    when: {all: [...]}  /  when: [..., ...]     # a list is "all"
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from minyi.core.errors import Forbidden, Invalid
from minyi.org.rules import Role


class Level(StrEnum):
    UNIT_HEAD = "unit_head"  # 责任单位主官
    LEADER_IN_CHARGE = "leader_in_charge"  # 区分管领导 / 挂点领导
    TOP_LEADERS = "top_leaders"  # 区主要领导 (区委书记, 区长)


LEVEL_RANK: dict[Level | None, int] = {
    None: 0,
    Level.UNIT_HEAD: 1,
    Level.LEADER_IN_CHARGE: 2,
    Level.TOP_LEADERS: 3,
}
LEVEL_ZH = {
    "unit_head": "责任单位主官",
    "leader_in_charge": "区分管领导",
    "top_leaders": "区主要领导",
}
# The district's top leaders, highest first; matched on Staff.title.
TOP_LEADER_TITLES: tuple[str, ...] = ("区委书记", "区长")


def rank(level: str | None) -> int:
    return LEVEL_RANK[Level(level) if level else None]


# --- facts -----------------------------------------------------------------------------------

NUMBER, FLAG, TEXT = "number", "flag", "text"
FACT_TYPES: dict[str, str] = {
    "petition_count": NUMBER,  # appeals by the same phone on the same matter in the window (this one included)
    "cluster_citizens": NUMBER,  # distinct citizens on the same category and community in the window
    "crowd_size": NUMBER,  # 涉众人数 as registered
    "amount": NUMBER,  # money involved, yuan
    "sensitive": FLAG,  # the text has one of the rule set's sensitive words
    "breaches": NUMBER,  # breached clocks of the case
    "reopens": NUMBER,  # 重办 count
    "bounces": NUMBER,  # 退回 requests
    "class_name": TEXT,  # one of the five classes
}


@dataclass(frozen=True)
class Facts:
    """What the rules know about a case. None means unknown: no comparison on it holds."""

    petition_count: int = 1
    cluster_citizens: int = 0
    crowd_size: int | None = None
    amount: Decimal | None = None
    sensitive: bool = False
    breaches: int = 0
    reopens: int = 0
    bounces: int = 0
    class_name: str | None = None

    def get(self, name: str) -> Any:
        return getattr(self, name)


def is_sensitive(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


# --- conditions ------------------------------------------------------------------------------

OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
ORDERING = frozenset({">=", "<=", ">", "<"})
_COMPARISON = re.compile(r"^\s*([a-z_]+)\s*(>=|<=|==|!=|>|<)\s*(.+?)\s*$")


@dataclass(frozen=True)
class Comparison:
    fact: str
    op: str
    value: Any

    def holds(self, facts: Facts) -> bool:
        actual = facts.get(self.fact)
        if actual is None:
            return False
        return OPS[self.op](actual, self.value)

    def __str__(self) -> str:
        value = str(self.value).lower() if isinstance(self.value, bool) else self.value
        return f"{self.fact} {self.op} {value}"


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Condition, ...]

    def holds(self, facts: Facts) -> bool:
        return all(p.holds(facts) for p in self.parts)

    def __str__(self) -> str:
        return " and ".join(f"({p})" if isinstance(p, AnyOf) else str(p) for p in self.parts)


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Condition, ...]

    def holds(self, facts: Facts) -> bool:
        return any(p.holds(facts) for p in self.parts)

    def __str__(self) -> str:
        return " or ".join(f"({p})" if isinstance(p, AllOf) else str(p) for p in self.parts)


Condition = Comparison | AllOf | AnyOf


def parse_condition(raw: Any, where: str) -> Condition:
    """Parse the `when` of a rule; `where` names the place in the file for the error."""
    if isinstance(raw, str):
        parts = [p for p in re.split(r"\s+and\s+", raw.strip()) if p]
        if not parts:
            raise Invalid("bad_rule", f"{where}: empty condition", field=where)
        comparisons = tuple(_parse_comparison(p, where) for p in parts)
        return comparisons[0] if len(comparisons) == 1 else AllOf(comparisons)
    if isinstance(raw, list):
        if not raw:
            raise Invalid("bad_rule", f"{where}: empty condition list", field=where)
        return AllOf(tuple(parse_condition(r, f"{where}[{n}]") for n, r in enumerate(raw)))
    if isinstance(raw, Mapping) and raw:
        keys = set(raw)
        if keys & {"all", "any"}:
            if len(keys) != 1:
                raise Invalid("bad_rule", f"{where}: 'all'/'any' must stand alone", field=where)
            key = next(iter(keys))
            items = raw[key]
            if not isinstance(items, list) or not items:
                raise Invalid(
                    "bad_rule", f"{where}.{key}: expected a non-empty list", field=f"{where}.{key}"
                )
            members = tuple(parse_condition(r, f"{where}.{key}[{n}]") for n, r in enumerate(items))
            return AllOf(members) if key == "all" else AnyOf(members)
        equalities = tuple(_comparison(str(k), "==", v, f"{where}.{k}") for k, v in raw.items())
        return equalities[0] if len(equalities) == 1 else AllOf(equalities)
    raise Invalid(
        "bad_rule", f"{where}: expected a condition such as 'petition_count >= 2'", field=where
    )


def _parse_comparison(text: str, where: str) -> Comparison:
    match = _COMPARISON.match(text)
    if match is None:
        raise Invalid(
            "bad_rule", f"{where}: cannot read '{text}' (expected 'fact op value')", field=where
        )
    fact, op, literal = match.groups()
    return _comparison(fact, op, _literal(literal), where)


def _literal(text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


def _comparison(fact: str, op: str, value: Any, where: str) -> Comparison:
    kind = FACT_TYPES.get(fact)
    if kind is None:
        known = ", ".join(FACT_TYPES)
        raise Invalid("bad_rule", f"{where}: unknown fact '{fact}' (known: {known})", field=where)
    if kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise Invalid("bad_rule", f"{where}: '{fact}' compares with a number", field=where)
        value = Decimal(str(value))
    elif kind == FLAG:
        if not isinstance(value, bool) or op in ORDERING:
            raise Invalid("bad_rule", f"{where}: '{fact}' is true or false (== or !=)", field=where)
    elif not isinstance(value, str) or op in ORDERING:
        raise Invalid("bad_rule", f"{where}: '{fact}' compares with text (== or !=)", field=where)
    return Comparison(fact, op, value)


# --- rule sets -------------------------------------------------------------------------------

CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    when: Condition
    level: Level

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "when": str(self.when),
            "level": self.level.value,
            "level_label": LEVEL_ZH[self.level.value],
        }


@dataclass(frozen=True)
class RuleSet:
    name: str
    rules: tuple[Rule, ...]
    petition_days: int = 180
    cluster_days: int = 30
    sensitive_words: tuple[str, ...] = ()
    facts_used: frozenset[str] = field(default_factory=frozenset)


def parse_rule_set(doc: Any) -> RuleSet:
    """Validate a whole rule set; the first problem is reported with where it is."""
    if not isinstance(doc, Mapping):
        raise Invalid("bad_rule_set", "a rule set is a YAML mapping with 'rules'", field="rules")
    name = str(doc.get("name") or "").strip() or "提级包案规则"
    windows = doc.get("windows") or {}
    if not isinstance(windows, Mapping):
        raise Invalid("bad_rule_set", "'windows' is a mapping of day counts", field="windows")
    days = {}
    for key, default in (("petition_days", 180), ("cluster_days", 30)):
        value = windows.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3660:
            raise Invalid(
                "bad_rule_set",
                f"windows.{key} must be a whole number of days (1-3660)",
                field=f"windows.{key}",
            )
        days[key] = value
    words = doc.get("sensitive_words") or []
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        raise Invalid(
            "bad_rule_set", "'sensitive_words' is a list of words", field="sensitive_words"
        )
    raw_rules = doc.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise Invalid("bad_rule_set", "'rules' must list at least one rule", field="rules")
    rules: list[Rule] = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_rules):
        where = f"rules[{n}]"
        if not isinstance(raw, Mapping):
            raise Invalid(
                "bad_rule", f"{where}: expected a mapping with code, name, when, level", field=where
            )
        code = str(raw.get("code") or "")
        if not CODE.match(code):
            raise Invalid(
                "bad_rule",
                f"{where}.code: lowercase letters, digits and '_' (got '{code}')",
                field=f"{where}.code",
            )
        if code in seen:
            raise Invalid(
                "bad_rule", f"{where}.code: '{code}' is used twice", field=f"{where}.code"
            )
        seen.add(code)
        rule_name = str(raw.get("name") or "").strip()
        if not rule_name:
            raise Invalid("bad_rule", f"{where}.name is required", field=f"{where}.name")
        if "when" not in raw:
            raise Invalid("bad_rule", f"{where}.when is required", field=f"{where}.when")
        when = parse_condition(raw["when"], f"{where}.when")
        level = raw.get("level")
        if level not in Level.__members__.values():
            levels = ", ".join(lv.value for lv in Level)
            raise Invalid(
                "bad_rule", f"{where}.level must be one of {levels}", field=f"{where}.level"
            )
        rules.append(Rule(code, rule_name, when, Level(str(level))))
    used = frozenset(f for r in rules for f in _facts_in(r.when))
    return RuleSet(
        name,
        tuple(rules),
        days["petition_days"],
        days["cluster_days"],
        tuple(w.strip() for w in words),
        used,
    )


def _facts_in(cond: Condition) -> set[str]:
    if isinstance(cond, Comparison):
        return {cond.fact}
    return {f for p in cond.parts for f in _facts_in(p)}


def matching_rules(rule_set: RuleSet, facts: Facts) -> list[Rule]:
    return [r for r in rule_set.rules if r.when.holds(facts)]


def lift_for(rule_set: RuleSet, facts: Facts, current: str | None) -> Rule | None:
    """The rule to lift by, or None. The highest level any matching rule reaches wins, named by
    the first rule (in file order) that reaches it; a level is never lowered."""
    matches = matching_rules(rule_set, facts)
    if not matches:
        return None
    top = max(rank(r.level) for r in matches)
    if top <= rank(current):
        return None
    return next(r for r in matches if rank(r.level) == top)


# --- leader case-holding (包案) ----------------------------------------------------------------


class HoldingStatus(StrEnum):
    HELD = "held"  # 包案中
    RELEASE_REQUESTED = "release_requested"  # 申请销案: the review waits for approval
    CLOSED = "closed"  # 已销案


ACTIVE_HOLDING = frozenset({HoldingStatus.HELD, HoldingStatus.RELEASE_REQUESTED})


class VisitKind(StrEnum):
    RECEPTION = "reception"  # 接访
    HOME_VISIT = "home_visit"  # 家访


VISIT_ZH = {"reception": "接访", "home_visit": "家访"}
HOLDING_ZH = {"held": "包案中", "release_requested": "销案待审核", "closed": "已销案"}
# 三到位一处理: the four fields a release must fill, with the words staff know them by.
REVIEW_FIELDS: dict[str, str] = {
    "problem_solved": "问题解决到位",
    "policy_explained": "解释疏导到位",
    "hardship_helped": "帮扶救助到位",
    "unlawful_handled": "依法处理违法行为",
}


def check_review(review: Mapping[str, Any]) -> dict[str, str]:
    """All four fields of the 三到位一处理 review, each with real text."""
    out = {}
    for key, label in REVIEW_FIELDS.items():
        value = str(review.get(key) or "").strip()
        if not value:
            raise Invalid(
                "review_incomplete", f"三到位一处理: '{key}' ({label}) must be filled", field=key
            )
        out[key] = value
    return out


def leader_rank(role: Role | None, title: str | None) -> int:
    """区委书记 above 区长 above every other leader; 0 for anyone who is not a leader."""
    if role is not Role.LEADER:
        return 0
    if title in TOP_LEADER_TITLES:
        return 1 + len(TOP_LEADER_TITLES) - TOP_LEADER_TITLES.index(title)
    return 1


def may_take(role: Role | None) -> bool:
    """Only a leader takes a case (包案)."""
    return role is Role.LEADER


def check_may_take(role: Role | None) -> None:
    if not may_take(role):
        raise Forbidden("leaders_only", "only a leader may take a case (包案)")


def check_may_approve(
    *,
    role: Role | None,
    title: str | None,
    staff_id: int | None,
    holder_id: int,
    holder_title: str | None,
) -> None:
    """A supervisor (督查) or a leader ranked above the holder approves a release; never the holder."""
    if staff_id == holder_id:
        raise Forbidden("own_release", "the holding leader may not approve their own release")
    if role is Role.SUPERVISOR:
        return
    if role is Role.LEADER and leader_rank(role, title) > leader_rank(Role.LEADER, holder_title):
        return
    raise Forbidden(
        "not_approver", "a supervisor or a leader above the holder approves a release (销案)"
    )
