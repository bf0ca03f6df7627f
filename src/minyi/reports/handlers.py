"""Reports react to no event; the worker issues yesterday's daily report at its time."""

from __future__ import annotations

from minyi.core.registry import Registry
from minyi.reports.jobs import Schedule, issue_due_daily_report


def install(registry: Registry) -> None:
    registry.job(
        "issue_daily_report",
        lambda ctx: issue_due_daily_report(
            ctx.session,
            now=ctx.now,
            schedule=Schedule.from_settings(ctx.settings),
        ),
    )
