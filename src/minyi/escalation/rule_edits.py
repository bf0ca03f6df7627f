"""An administrator's edit of the escalation rules from a form: each simple rule's threshold
and level, the counting windows and the sensitive words. Saved as a new current version, as an
import is (`import_rule_set`); complex conditions stay as written in the file.

The file is re-written from its parsed form: YAML comments of the edited version are not kept."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy.orm import Session

from minyi.core import safe_yaml
from minyi.core.errors import Conflict, Invalid
from minyi.escalation.rules import Level
from minyi.escalation.service import current_rules, import_rule_set, rules_text
from minyi.org.rules import Actor

SIMPLE = re.compile(r"^\s*([a-z_]+)\s*(>=|>|<=|<|==)\s*(\d+)\s*$")
NUMBER = re.compile(r"\d{1,9}")


def simple_threshold(when: Any) -> tuple[str, str, int] | None:
    """(fact, operator, number) for a one-comparison condition, else None (not editable here)."""
    found = SIMPLE.match(when) if isinstance(when, str) else None
    return (found.group(1), found.group(2), int(found.group(3))) if found else None


@dataclass(frozen=True)
class RuleChange:
    threshold: str | None
    level: str


def edit_rules(
    session: Session,
    changes: dict[str, RuleChange],
    *,
    petition_days: str,
    cluster_days: str,
    words: list[str],
    expected_version: int,
    actor: Actor,
    now: datetime,
) -> int:
    version, _ = current_rules(session)
    if version != expected_version:
        raise Conflict("version_conflict", "提级规则刚被他人修改（已有新版本），请刷新后重新编辑")
    doc: Any = safe_yaml.load(rules_text(session))
    for key, typed, label in (
        ("petition_days", petition_days, "重复信访统计天数"),
        ("cluster_days", cluster_days, "类案统计天数"),
    ):
        if not NUMBER.fullmatch(typed) or not 1 <= int(typed) <= 3660:
            raise Invalid("bad_window", f"{label}应为1至3660的整数", field=key)
        doc.setdefault("windows", {})[key] = int(typed)
    doc["sensitive_words"] = [w for w in (w.strip() for w in words) if w]
    for rule in doc["rules"]:
        change = changes.get(rule["code"])
        if change is None:
            continue
        if change.level not in set(Level):
            raise Invalid(
                "bad_level", f"“{rule['name']}”请选择提级到哪一级", field=f"{rule['code']}.level"
            )
        rule["level"] = change.level
        simple = simple_threshold(rule["when"])
        if simple is not None and change.threshold is not None:
            if not NUMBER.fullmatch(change.threshold):
                raise Invalid(
                    "bad_threshold",
                    f"“{rule['name']}”的条件数值应为整数",
                    field=f"{rule['code']}.threshold",
                )
            rule["when"] = f"{simple[0]} {simple[1]} {int(change.threshold)}"
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=200)
    return import_rule_set(session, text, source="console", actor=actor, now=now).version
