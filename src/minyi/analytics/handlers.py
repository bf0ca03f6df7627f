"""Analytics reacts to no event; the worker looks for today's early-warning signals and folds
changed days into the area and unit roll-ups, and stores the daily hotspot pass."""

from __future__ import annotations

from minyi.analytics.hotspot_passes import HOTSPOT_EVERY, compute_hotspots
from minyi.analytics.jobs import scan_today
from minyi.analytics.rollups import roll_up_areas
from minyi.analytics.unit_rollup import roll_up_units
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
    # The leader dashboard's area roll-up: folds the days whose cases changed (rollups.py); a
    # minute keeps the days read live from `cases` to today's and the last minute's.
    registry.job("roll_up_areas", lambda ctx: roll_up_areas(ctx.session, now=ctx.now), every=60)
    # The assessment's unit roll-up: recomputes the days whose figures changed (unit_rollup.py);
    # a minute keeps the days counted live to today's and the last minute's.
    registry.job("roll_up_units", lambda ctx: roll_up_units(ctx.session, now=ctx.now), every=60)
    # The daily hotspot pass, stored for the pages (hotspot_passes.py): they never cluster the
    # week on a request. A loop of its own: at the bench's 10M the pass takes 20 s, which must not
    # hold the main loop's outbox and roll-ups.
    registry.job(
        "compute_hotspots",
        lambda ctx: compute_hotspots(ctx.session, now=ctx.now),
        every=HOTSPOT_EVERY,
        loop="hotspots",
    )
