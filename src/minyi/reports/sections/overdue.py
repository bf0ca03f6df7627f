"""超期情况: by unit, open cases past their deadline and clocks in yellow as the report is made,
case clocks that breached on the day, and instruction tasks overdue."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import ColumnElement, func, select

from minyi.cases.models import Case
from minyi.cases.rules import OPEN
from minyi.reports.context import ReportContext
from minyi.sla.models import Clock
from minyi.supervision.models import InstructionTask

KEY = "overdue"
TITLE = "超期与预警"
LIMIT = 15
COLUMNS = ("overdue_open", "breached_day", "yellow_now", "tasks_overdue")


def build(ctx: ReportContext) -> dict[str, Any]:
    s, now = ctx.session, ctx.now
    unit = func.coalesce(Case.lead_unit_id, Case.first_unit_id)

    def per_unit(*where: ColumnElement[bool], on_clocks: bool = False) -> Counter[int | None]:
        stmt = select(unit, func.count())
        if on_clocks:
            stmt = stmt.select_from(Clock).join(Case, Case.id == Clock.case_id)
        return Counter(dict(s.execute(stmt.where(*where).group_by(unit)).all()))

    figures: dict[str, Counter[int | None]] = {
        "overdue_open": per_unit(
            Case.status.in_(OPEN), Case.is_overdue.is_(True) | (Case.due_at < now)
        ),
        "breached_day": per_unit(
            Clock.subject == "case",
            Clock.breached_at >= ctx.start,
            Clock.breached_at < ctx.end,
            on_clocks=True,
        ),
        "yellow_now": per_unit(
            Clock.subject == "case",
            Clock.state == "running",
            Clock.warn_at <= now,
            Clock.due_at > now,
            on_clocks=True,
        ),
        "tasks_overdue": Counter(
            dict(
                s.execute(
                    select(InstructionTask.unit_id, func.count())
                    .where(InstructionTask.status == "open", InstructionTask.is_overdue.is_(True))
                    .group_by(InstructionTask.unit_id)
                ).all()
            )
        ),
    }
    units = set().union(*(set(c) for c in figures.values()))
    rows: list[dict[str, Any]] = []
    for uid in units:
        code, name = ctx.unit(uid)
        rows.append({"code": code, "name": name, **{c: figures[c][uid] for c in COLUMNS}})
    rows.sort(key=lambda r: (-r["overdue_open"], -r["breached_day"], -r["yellow_now"], r["code"]))
    totals = {c: sum(figures[c].values()) for c in COLUMNS}
    shown = rows[:LIMIT]
    return {
        "as_of": now.isoformat(),
        "totals": totals,
        "units": shown,
        "more_units": max(0, len(rows) - LIMIT),
        "items": [
            {"key": f"unit:{r['code'] or '-'}", "label": f"{r['name']}超期{r['overdue_open']}件"}
            for r in shown
        ],
    }
