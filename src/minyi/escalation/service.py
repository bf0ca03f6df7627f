"""Escalation (提级): the rule set in force, the facts of a case, and lifting it.

Cases are evaluated when they are registered (a whole group-commit batch at once), on accept,
dispatch and reopen, and when one of their clocks is breached. A lift writes the case's level
into `case_escalations` and appends an `escalate` event naming the rule; a level is never
lowered by the system.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import yaml
from sqlalchemy import bindparam, distinct, func, select, update
from sqlalchemy.orm import Session

from minyi.cases.hooks import RegisteredCase
from minyi.cases.models import Appeal, Case
from minyi.cases.rules import OPEN, CaseStatus
from minyi.cases.service import record_case_event
from minyi.core import safe_yaml
from minyi.core.caches import Memo, Slot
from minyi.core.errors import Forbidden, Invalid, NotFound
from minyi.escalation.models import CaseEscalation, EscalationRuleSet
from minyi.escalation.rules import (
    TOP_LEADER_TITLES,
    Facts,
    Level,
    Rule,
    RuleSet,
    is_sensitive,
    lift_for,
    parse_rule_set,
)
from minyi.org.models import LeaderArea, Staff
from minyi.org.rules import Actor, Role
from minyi.sla.models import Clock
from minyi.taxonomy.models import DictionaryEntry
from minyi.triage.repeats.fingerprints import appeal_text, minhash
from minyi.triage.repeats.signals import IndexConfig

DEFAULT_RULES = Path(__file__).with_name("default_rules.yaml")
# The repeats index's thresholds: one idea of "near-duplicate text" across triage and escalation.
_REPEATS = IndexConfig()
# Version 0 is the file shipped in the package; imports are numbered from 1.
SHIPPED_VERSION = 0

# Parsed rule sets by their text's digest (one runtime's database's version 1 is not another's).
RULE_SETS: Slot[Memo[str, RuleSet]] = Slot("escalation.rule_sets", Memo)


# --- rule sets -------------------------------------------------------------------------------


def read_rule_text(text: str) -> RuleSet:
    try:
        doc = safe_yaml.load(text)
    except yaml.YAMLError as error:
        raise Invalid(
            "bad_yaml", f"not a YAML document: {str(error).splitlines()[0]}", field="file"
        ) from error
    return parse_rule_set(doc)


def current_rules(session: Session) -> tuple[int, RuleSet]:
    """The current version and its parsed rules."""
    row = session.execute(
        select(EscalationRuleSet.version, EscalationRuleSet.text).where(
            EscalationRuleSet.is_current.is_(True)
        )
    ).first()
    if row is None:
        return SHIPPED_VERSION, _parse_cached(session, shipped_text())
    return row[0], _parse_cached(session, row[1])


def rules_at(session: Session, version: int) -> RuleSet:
    return _parse_cached(session, rules_text(session, version))


def rules_text(session: Session, version: int | None = None) -> str:
    """The YAML of a version (default: the current one)."""
    if version == SHIPPED_VERSION:
        return shipped_text()
    stmt = select(EscalationRuleSet.text)
    stmt = (
        stmt.where(EscalationRuleSet.version == version)
        if version is not None
        else stmt.where(EscalationRuleSet.is_current.is_(True))
    )
    text = session.scalar(stmt)
    if text is None and version is not None:
        raise NotFound("rule_set_not_found", f"no rule set version {version}")
    return text if text is not None else shipped_text()


@functools.cache
def shipped_text() -> str:
    return DEFAULT_RULES.read_text(encoding="utf-8")


def _parse_cached(session: Session, text: str) -> RuleSet:
    key = hashlib.sha256(text.encode()).hexdigest()
    return RULE_SETS.of(session).get(key, lambda: read_rule_text(text))


def import_rule_set(
    session: Session, text: str, *, source: str, actor: Actor, now: datetime
) -> EscalationRuleSet:
    """A new current version. A bad file is refused whole, before anything is written."""
    if actor.role is not Role.ADMIN:
        raise Forbidden("admin_only", "only an administrator may import escalation rules")
    parsed = read_rule_text(text)
    # What YAML reads as a date or a timestamp is kept as text, so the document fits in JSON.
    content = json.loads(json.dumps(safe_yaml.load(text), default=str))
    version = (session.scalar(select(func.max(EscalationRuleSet.version))) or SHIPPED_VERSION) + 1
    session.execute(
        update(EscalationRuleSet)
        .where(EscalationRuleSet.is_current.is_(True))
        .values(is_current=False)
    )
    row = EscalationRuleSet(
        version=version,
        name=parsed.name,
        source=source[:200],
        text=text,
        content=content,
        is_current=True,
        imported_at=now,
        imported_by_id=actor.staff_id,
    )
    session.add(row)
    session.flush()
    return row


def rule_set_versions(session: Session) -> list[EscalationRuleSet]:
    return list(
        session.scalars(select(EscalationRuleSet).order_by(EscalationRuleSet.version.desc()))
    )


# --- who a level means -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    lead_unit_id: int | None
    first_unit_id: int | None
    community_id: int | None
    street_id: int | None


class Targets:
    """Resolves a level to a person, remembering answers for the length of one batch."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._heads: dict[int, Staff | None] = {}
        self._area: dict[int, Staff | None] = {}
        self._top: list[Staff] | None = None

    def resolve(self, level: Level, place: _Place) -> Staff | None:
        if level is Level.UNIT_HEAD:
            # 首办负责制: before a lead unit is named, the unit that first received the case answers.
            return self._first(self._head, (place.lead_unit_id, place.first_unit_id))
        if level is Level.LEADER_IN_CHARGE:
            return self._first(self._area_leader, (place.community_id, place.street_id))
        top = self.top_leaders()
        return top[0] if top else None

    @staticmethod
    def _first(find: Callable[[int], Staff | None], unit_ids: Iterable[int | None]) -> Staff | None:
        for unit_id in unit_ids:
            found = find(unit_id) if unit_id else None
            if found is not None:
                return found
        return None

    def _head(self, unit_id: int) -> Staff | None:
        if unit_id not in self._heads:
            self._heads[unit_id] = self.session.scalars(
                select(Staff)
                .where(
                    Staff.unit_id == unit_id,
                    Staff.role == Role.UNIT_HEAD.value,
                    Staff.is_active.is_(True),
                )
                .order_by(Staff.id)
                .limit(1)
            ).first()
        return self._heads[unit_id]

    def _area_leader(self, unit_id: int) -> Staff | None:
        """The leader linked to the area (分片包联); a leader in charge rather than a top leader
        when both are linked, since the top leaders are a level of their own."""
        if unit_id not in self._area:
            leaders = list(
                self.session.scalars(
                    select(Staff)
                    .join(LeaderArea, LeaderArea.staff_id == Staff.id)
                    .where(
                        LeaderArea.unit_id == unit_id,
                        Staff.role == Role.LEADER.value,
                        Staff.is_active.is_(True),
                    )
                    .order_by(Staff.id)
                )
            )
            leaders.sort(key=lambda s: s.title in TOP_LEADER_TITLES)
            self._area[unit_id] = leaders[0] if leaders else None
        return self._area[unit_id]

    def top_leaders(self) -> list[Staff]:
        if self._top is None:
            found = list(
                self.session.scalars(
                    select(Staff)
                    .where(
                        Staff.role == Role.LEADER.value,
                        Staff.title.in_(TOP_LEADER_TITLES),
                        Staff.is_active.is_(True),
                    )
                    .order_by(Staff.id)
                )
            )
            self._top = sorted(found, key=lambda s: TOP_LEADER_TITLES.index(s.title or ""))
        return self._top


# --- evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    case_id: int
    status: str
    class_name: str | None
    category: str | None
    place: _Place
    phone: str | None
    crowd_size: int | None
    amount: Decimal | None
    text: str
    reopens: int
    bounces: int
    is_overdue: bool


def _rows(session: Session, case_ids: list[int]) -> list[_Row]:
    stmt = (
        select(
            Case.id,
            Case.status,
            Case.class_name,
            DictionaryEntry.code,
            Case.lead_unit_id,
            Case.first_unit_id,
            Case.community_id,
            Case.street_id,
            Appeal.phone,
            Appeal.crowd_size,
            Appeal.amount,
            Appeal.title,
            Appeal.body,
            Case.reopen_count,
            Case.bounce_count,
            Case.is_overdue,
        )
        .join(Appeal, Appeal.id == Case.appeal_id)
        .outerjoin(DictionaryEntry, DictionaryEntry.id == Case.category_id)
        .where(Case.id.in_(case_ids))
    )
    return [
        _Row(
            cid,
            status,
            cls,
            code,
            _Place(lead, first, comm, street),
            phone,
            crowd,
            amount,
            f"{title}\n{body}",
            reopens,
            bounces,
            overdue,
        )
        for cid, status, cls, code, lead, first, comm, street, phone, crowd, amount, title, body, reopens, bounces, overdue in session.execute(
            stmt
        )
    ]


# Built once: every intake batch runs it, and building it cost as much as running it.
_PHONE_HISTORY = (
    select(Appeal.phone, Case.id, DictionaryEntry.code, Appeal.title, Appeal.body)
    .join(Case, Case.appeal_id == Appeal.id)
    .outerjoin(DictionaryEntry, DictionaryEntry.id == Case.category_id)
    .where(
        Appeal.phone.in_(bindparam("phones", expanding=True)),
        Appeal.submitted_at >= bindparam("since"),
    )
    .order_by(Appeal.id.desc())
)


def _petition_counts(session: Session, rows: list[_Row], since: datetime) -> dict[int, int]:
    """初信初访 = 1, 重复信访 = 2+: appeals by the same phone on the same matter in the window.
    The same matter is the same dictionary leaf; an appeal without a leaf (on either side) is
    the same matter only when its text is a near-duplicate (the triage repeats index's shingle
    similarity). The same phone on another matter is a first appeal: neither the broad class
    nor the phone alone makes a repeat."""
    phones = {r.phone for r in rows if r.phone}
    if not phones:
        return {}
    history: dict[str, list[tuple[int, str | None, str]]] = defaultdict(list)
    for phone, case_id, code, title, body in session.execute(
        _PHONE_HISTORY, {"phones": list(phones), "since": since}
    ):
        if phone is None:  # never: the IN above takes phones only
            continue
        if len(history[phone]) < _REPEATS.phone_scan:  # a busy phone stays cheap: newest first
            history[phone].append((case_id, code, appeal_text(title, body)))
    fingerprints: dict[int, np.ndarray | None] = {}

    def fingerprint(case_id: int, text: str) -> np.ndarray | None:
        if case_id not in fingerprints:
            fingerprints[case_id] = minhash(text)
        return fingerprints[case_id]

    def near_duplicate(a: tuple[int, str], b: tuple[int, str]) -> bool:
        fa, fb = fingerprint(*a), fingerprint(*b)
        return (
            fa is not None
            and fb is not None
            and float((fa == fb).mean()) >= _REPEATS.repeat_similarity
        )

    out = {}
    for r in rows:
        if not r.phone:
            continue
        mine = next((h for h in history[r.phone] if h[0] == r.case_id), None)
        text = mine[2] if mine else r.text
        n = 0
        for case_id, leaf, other_text in history[r.phone]:
            if case_id == r.case_id:
                n += 1
            elif r.category and leaf:
                n += leaf == r.category
            else:
                n += near_duplicate((r.case_id, text), (case_id, other_text))
        out[r.case_id] = max(n, 1)
    return out


def _cluster_counts(session: Session, rows: list[_Row], since: datetime) -> dict[int, int]:
    """突出类案: distinct citizens on the same leaf in the same community within the window."""
    keyed = [r for r in rows if r.category and r.place.community_id]
    if not keyed:
        return {}
    stmt = (
        select(Case.community_id, DictionaryEntry.code, func.count(distinct(Appeal.phone)))
        .join(Appeal, Appeal.id == Case.appeal_id)
        .join(DictionaryEntry, DictionaryEntry.id == Case.category_id)
        .where(
            Case.community_id.in_({r.place.community_id for r in keyed}),
            DictionaryEntry.code.in_({r.category for r in keyed}),
            Appeal.submitted_at >= since,
        )
        .group_by(Case.community_id, DictionaryEntry.code)
    )
    counts: dict[tuple[int | None, str | None], int] = {
        (comm, code): int(n) for comm, code, n in session.execute(stmt)
    }
    return {r.case_id: counts.get((r.place.community_id, r.category), 0) for r in keyed}


def _breach_counts(session: Session, rows: list[_Row], firing: dict[int, int]) -> dict[int, int]:
    """Breached clocks of each case, counting the one firing now even if not yet marked."""
    ids = [r.case_id for r in rows]
    breached: dict[int, set[int]] = defaultdict(set)
    stmt = select(Clock.case_id, Clock.id).where(
        Clock.subject == "case", Clock.case_id.in_(ids), Clock.breached_at.is_not(None)
    )
    for case_id, clock_id in session.execute(stmt):
        if case_id is not None:  # never: the IN above takes cases only
            breached[case_id].add(clock_id)
    for case_id, clock_id in firing.items():
        breached[case_id].add(clock_id)
    # A case flagged overdue by the deadline sweep has at least one breach.
    return {r.case_id: max(len(breached[r.case_id]), 1 if r.is_overdue else 0) for r in rows}


def _evaluate(
    session: Session,
    rows: list[_Row],
    *,
    now: dict[int, datetime] | datetime,
    fresh: bool = False,
    firing: dict[int, int] | None = None,
) -> list[CaseEscalation]:
    rows = [r for r in rows if r.status in OPEN]
    if not rows:
        return []
    version, rule_set = current_rules(session)
    when = {r.case_id: now[r.case_id] if isinstance(now, dict) else now for r in rows}
    earliest = min(when.values())
    used = rule_set.facts_used
    petitions = (
        _petition_counts(session, rows, earliest - timedelta(days=rule_set.petition_days))
        if "petition_count" in used
        else {}
    )
    clusters = (
        _cluster_counts(session, rows, earliest - timedelta(days=rule_set.cluster_days))
        if "cluster_citizens" in used
        else {}
    )
    breaches = (
        _breach_counts(session, rows, firing or {}) if "breaches" in used and not fresh else {}
    )
    current: dict[int, CaseEscalation] = {}
    if not fresh:
        current = {
            e.case_id: e
            for e in session.scalars(
                select(CaseEscalation)
                .where(CaseEscalation.case_id.in_([r.case_id for r in rows]))
                .with_for_update()
            )
        }
    targets = Targets(session)
    lifted = []
    for r in rows:
        facts = Facts(
            petition_count=petitions.get(r.case_id, 1),
            cluster_citizens=clusters.get(r.case_id, 0),
            crowd_size=r.crowd_size,
            amount=r.amount,
            sensitive=bool(rule_set.sensitive_words)
            and is_sensitive(r.text, rule_set.sensitive_words),
            breaches=breaches.get(r.case_id, 0),
            reopens=r.reopens,
            bounces=r.bounces,
            class_name=r.class_name,
        )
        existing = current.get(r.case_id)
        rule = lift_for(rule_set, facts, existing.level if existing else None)
        if rule is not None:
            lifted.append(_lift(session, r, existing, rule, version, targets, when[r.case_id]))
    session.flush()
    return lifted


def _lift(
    session: Session,
    row: _Row,
    existing: CaseEscalation | None,
    rule: Rule,
    version: int,
    targets: Targets,
    now: datetime,
) -> CaseEscalation:
    target = targets.resolve(rule.level, row.place)
    before = existing.level if existing else None
    esc = existing or CaseEscalation(case_id=row.case_id)
    esc.level, esc.rule_code, esc.rule_set_version, esc.lifted_at = (
        rule.level.value,
        rule.code,
        version,
        now,
    )
    esc.assigned_staff_id = target.id if target else None
    session.add(esc)
    case = session.get(Case, row.case_id)
    assert case is not None
    payload = {
        "rule": rule.code,
        "level": rule.level.value,
        "to": target.username if target else None,
        "rule_set": version,
    }
    if before is not None:
        payload["from_level"] = before
    record_case_event(
        session,
        case,
        action="escalate",
        actor_label="system",
        actor_id=None,
        now=now,
        reason=rule.name,
        payload=payload,
    )
    return esc


def evaluate_registered(session: Session, cases: list[RegisteredCase]) -> list[CaseEscalation]:
    """A newly registered batch: no level, no clocks yet, so those lookups are skipped, and
    intake's own account of each case stands in for reading back the rows it just wrote."""
    rows = [
        _Row(
            c.case_id,
            CaseStatus.REGISTERED.value,
            c.class_name,
            c.leaf_code,
            _Place(None, c.first_unit_id, c.community_id, c.street_id),
            c.phone,
            c.crowd_size,
            c.amount,
            c.text,
            0,
            0,
            False,
        )
        for c in cases
    ]
    return _evaluate(session, rows, now={c.case_id: c.registered_at for c in cases}, fresh=True)


def evaluate_case(
    session: Session, case_id: int, *, now: datetime, breached_clock_id: int | None = None
) -> CaseEscalation | None:
    """Re-evaluate one case (after an action, or a breach of `breached_clock_id`)."""
    firing = {case_id: breached_clock_id} if breached_clock_id is not None else None
    lifted = _evaluate(session, _rows(session, [case_id]), now=now, firing=firing)
    return lifted[0] if lifted else None


def evaluate_open_cases(
    session: Session, *, now: datetime, after_id: int = 0, batch: int = 500
) -> tuple[int, int, int | None]:
    """Re-evaluate open cases against the current rules (after an import), one batch of ids
    above `after_id`. Returns (evaluated, lifted, the last id or None when done)."""
    ids = list(
        session.scalars(
            select(Case.id)
            .where(Case.id > after_id, Case.status.in_(OPEN))
            .order_by(Case.id)
            .limit(batch)
        )
    )
    if not ids:
        return 0, 0, None
    return len(ids), len(_evaluate(session, _rows(session, ids), now=now)), ids[-1]


def follow_lead_unit(session: Session, case: Case, *, now: datetime) -> None:
    """A case lifted to the unit head before dispatch was assigned to the first receiving unit's
    head; once a lead unit is named, its head holds the level instead."""
    esc = session.get(CaseEscalation, case.id, with_for_update=True)
    if esc is None or esc.level != Level.UNIT_HEAD.value or case.lead_unit_id is None:
        return
    place = _Place(case.lead_unit_id, case.first_unit_id, case.community_id, case.street_id)
    head = Targets(session).resolve(Level.UNIT_HEAD, place)
    if head is None or head.id == esc.assigned_staff_id:
        return
    esc.assigned_staff_id = head.id
    record_case_event(
        session,
        case,
        action="escalation_assign",
        actor_label="system",
        actor_id=None,
        now=now,
        reason="责任单位变更，提级包案随主办单位主官",
        payload={"level": esc.level, "to": head.username},
    )
    session.flush()
