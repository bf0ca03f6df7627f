"""Analytics reacts to no event; the worker looks for today's early-warning signals."""

from __future__ import annotations

from minyi.analytics.jobs import scan_today
from minyi.core.registry import Registry


def install(registry: Registry) -> None:
    # Runs every tick: the job itself scans once per MINYI_ALERTS_SCAN_MINUTES interval,
    # claimed in the database so that several workers scan once between them.
    registry.job(
        "scan_alerts",
        lambda ctx: scan_today(
            ctx.session,
            now=ctx.now,
            minutes=ctx.settings.alerts.scan_minutes,
            timezone=ctx.settings.timezone,
        ),
    )
