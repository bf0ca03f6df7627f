"""Who an item concerns: the units a leader's 批示 on a report item, a hotspot, an alert or a
mailbox letter most likely goes to, so the form opens with them already chosen.

Item keys (the report's grammar, also used for the dashboard's live items):
  unit:<code> / street:<code> / hot:place:<code>   that unit
  case:<tracking> / hotspot:<tracking>              the case's lead unit, else its street, else
                                                    its first unit
  alert:<id>                                        the alert's area and the lead unit of its cases
  hot:matter:<leaf> / new:<leaf> / hot:class:<name> the unit that leads most of those cases lately
  mailbox:<code>                                    the unit that leads most of its open letters
  instruction:<id>                                  the units of that instruction's tasks
An item with none of these (or only inactive units) gets an empty list: the form then asks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from minyi.analytics.models import Alert
from minyi.cases.models import Case
from minyi.cases.rules import OPEN
from minyi.intake.models import Channel
from minyi.org.models import Unit
from minyi.supervision.models import InstructionTask
from minyi.supervision.rules import TARGET_UNIT_KINDS
from minyi.taxonomy.models import DictionaryEntry

LOOKBACK_DAYS = 30
MAX_UNITS = 3


def _case_unit(session: Session, where: ColumnElement[bool]) -> list[int]:
    # Not dispatched yet: the street where it happens, before the dispatch centre that holds it.
    row = session.execute(
        select(Case.lead_unit_id, Case.street_id, Case.first_unit_id).where(where)
    ).first()
    if row is None:
        return []
    return [next((u for u in row if u is not None), 0)] if any(row) else []


def _most_leading(session: Session, where: ColumnElement[bool], now: datetime) -> list[int]:
    rows = session.execute(
        select(Case.lead_unit_id, func.count())
        .where(
            where,
            Case.lead_unit_id.is_not(None),
            Case.registered_at >= now - timedelta(days=LOOKBACK_DAYS),
        )
        .group_by(Case.lead_unit_id)
        .order_by(func.count().desc(), Case.lead_unit_id)
        .limit(1)
    ).all()
    return [r[0] for r in rows if r[0] is not None]


def _units_of(session: Session, key: str, now: datetime) -> list[int]:
    kind, _, rest = key.partition(":")
    # grid:<street code> is the grassroots section's coverage gap of a street.
    if kind in ("unit", "street", "grid") or key.startswith("hot:place:"):
        code = rest.split(":", 1)[1] if kind == "hot" else rest
        unit_id = session.scalar(select(Unit.id).where(Unit.code == code))
        return [unit_id] if unit_id else []
    if kind in ("case", "hotspot"):
        return _case_unit(session, Case.tracking_no == rest)
    if kind == "alert" and rest.isdigit():
        alert = session.get(Alert, int(rest))
        if alert is None:
            return []
        ids = [int(i) for i in alert.evidence.get("case_ids", [])][:20]
        leads = Counter(
            session.scalars(
                select(Case.lead_unit_id).where(Case.id.in_(ids), Case.lead_unit_id.is_not(None))
            )
        )
        return ([alert.unit_id] if alert.unit_id else []) + [
            u for u, _ in leads.most_common(2) if u is not None
        ]
    if key.startswith(("hot:matter:", "new:")):
        leaf = key.rsplit(":", 1)[1]
        leaves = select(DictionaryEntry.id).where(DictionaryEntry.code == leaf)
        return _most_leading(session, Case.category_id.in_(leaves), now)
    if key.startswith("hot:class:"):
        return _most_leading(session, Case.class_name == key.split(":", 2)[2], now)
    if kind == "mailbox":
        channel = select(Channel.id).where(Channel.code == rest)
        return _most_leading(session, Case.channel_id.in_(channel) & Case.status.in_(OPEN), now)
    if kind == "instruction" and rest.isdigit():
        return list(
            session.scalars(
                select(InstructionTask.unit_id).where(InstructionTask.instruction_id == int(rest))
            )
        )
    return []


def units_for_items(
    session: Session, keys: Iterable[str], *, now: datetime
) -> dict[str, list[tuple[str, str]]]:
    """key -> [(unit code, unit name)], at most MAX_UNITS, only units a 批示 may name."""
    wanted = {
        key: list(dict.fromkeys(_units_of(session, key, now)))[:MAX_UNITS]
        for key in dict.fromkeys(keys)
    }
    ids = {u for units in wanted.values() for u in units}
    units = (
        {
            u.id: (u.code, u.name)
            for u in session.scalars(
                select(Unit).where(
                    Unit.id.in_(ids), Unit.is_active.is_(True), Unit.kind.in_(TARGET_UNIT_KINDS)
                )
            )
        }
        if ids
        else {}
    )
    return {key: [units[u] for u in found if u in units] for key, found in wanted.items()}


def target_units(session: Session) -> list[tuple[str, str]]:
    """Every unit a 批示 may name, (code, name), for the form's pick-by-name list."""
    return [
        (code, name)
        for code, name in session.execute(
            select(Unit.code, Unit.name)
            .where(Unit.kind.in_(TARGET_UNIT_KINDS), Unit.is_active.is_(True))
            .order_by(Unit.kind, Unit.code)
        )
    ]
