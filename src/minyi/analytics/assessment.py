"""Unit assessment (绩效考核): seven rates per unit and period, a score and a ranking.

The additive figures (assignments, closures, feedback, bounces, summonses) come from the unit
roll-up, per unit and day (analytics/unit_rollup.py, ADR 0012): a month sums ~31 rows a unit.
The rest is one aggregate query (GROUP BY unit) over the period's rows through an index that
starts with the unit or the period column; Python only merges the small per-unit results. Formulas: docs/analytics.md
and `AssessmentRow`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.analytics.grid import AreaFigures, area_figures
from minyi.analytics.markets import area_figures as market_figures
from minyi.analytics.rules import SIGN_FOR_LIMIT, Period, rate, score
from minyi.analytics.services import service_rows
from minyi.analytics.unit_rollup import (
    late_open_counts,
    period_counts,
    scan_counts,
    scan_late_open,
)
from minyi.markets.rules import MarketFigures
from minyi.org.models import Unit
from minyi.receptions.queries import area_receptions, leader_figures


@dataclass(frozen=True)
class AssessmentRow:
    """One unit's figures in one period. Each rate is numerator / denominator, None when the
    denominator is 0 (nothing to measure is not 0 %):

    - timely_acceptance_rate 及时签收率 = lead assignments in the period signed within
      SIGN_FOR_LIMIT / lead assignments in the period
    - on_time_closure_rate 按期办结率 = cases closed in the period with no breached closure
      clock / (cases closed in the period + cases still open at its end whose closure clock
      breached within it)
    - resolution_rate 一次解决率 = cases closed in the period never reopened / cases closed
    - satisfaction_rate 满意率 = feedback in the period rated 满意 or 基本满意 / all feedback
    - repeat_rate 重复诉求率 = cases closed in the period whose citizen appealed again on the
      matter (a `repeat` link to the case's appeal) / cases closed
    - bounce_rate 退单率 = bounce requests in the period / lead assignments in the period
    - whistle_response_rate 吹哨响应率 = summonses in the period reported in by their deadline /
      summonses in the period

    Streets and communities also carry their grid figures (analytics/grid.py), outside the score:
    - coverage_rate 包联覆盖率 = buildings covered and visited in time / active buildings, as of
      `now` (a state: only each building's last visit is kept)
    - grid_disposal_rate 网格事件处置率 = grid events raised from patrols in the period whose case
      is closed / grid events raised from patrols in the period
    - grid_response_rate 双报到响应率 = grid whistles blown in the period every summoned department
      of which reported in by its deadline / grid whistles blown in the period (those with a
      report-in clock still running left out)
    - market_spot_rate 现场办结率 = matters solved or policy questions answered on the spot at the
      service markets held in the area in the period / everything raised there (analytics/markets.py)
    - receptions 领导接访场次 and people_received 接待人次: leaders' receptions held in the area
      (a community's count for its street too) in the period (receptions/queries.py)
    """

    unit: str
    unit_name: str
    unit_kind: str
    assigned: int
    signed_in_time: int
    closure_due: int
    closed: int
    closed_on_time: int
    closed_first_time: int
    feedback: int
    satisfied: int
    repeated: int
    bounces: int
    summoned: int
    reported_in_time: int
    timely_acceptance_rate: float | None
    on_time_closure_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    repeat_rate: float | None
    bounce_rate: float | None
    whistle_response_rate: float | None
    score: float | None
    rank: int | None = None
    buildings: int | None = None
    buildings_covered: int | None = None
    coverage_rate: float | None = None
    grid_events: int | None = None
    grid_events_disposed: int | None = None
    grid_disposal_rate: float | None = None
    grid_whistles: int | None = None
    grid_whistles_decided: int | None = None
    grid_response_rate: float | None = None
    market_events: int | None = None
    market_opinions: int | None = None
    market_solved_on_spot: int | None = None
    market_spot_rate: float | None = None
    receptions: int | None = None
    people_received: int | None = None


@dataclass(frozen=True)
class LeaderRow:
    """A leader's receptions held in the period (下沉接访), outside the units' score: people
    received, the matters raised as cases and how many are closed by now, cases held (包案)."""

    leader: str
    title: str | None
    receptions: int
    people_received: int
    cases: int
    solved: int
    held: int
    home_visits: int


@dataclass(frozen=True)
class Assessment:
    period: Period
    rows: tuple[AssessmentRow, ...]
    formulas: dict[str, str] = field(default_factory=dict)
    leaders: tuple[LeaderRow, ...] = ()
    # 五类服务: the five services side by side over the period (analytics/services.py).
    services: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": {
                "kind": self.period.kind,
                "label": self.period.label,
                "start": self.period.start.isoformat(),
                "end": self.period.end.isoformat(),
            },
            "rows": [asdict(r) for r in self.rows],
            "leaders": [asdict(r) for r in self.leaders],
            "services": list(self.services),
        }


RATE_NAMES = (
    "timely_acceptance_rate",
    "on_time_closure_rate",
    "resolution_rate",
    "satisfaction_rate",
    "repeat_rate",
    "bounce_rate",
    "whistle_response_rate",
)


def assess_units(
    session: Session,
    period: Period,
    *,
    unit_ids: Sequence[int] | None = None,
    sign_for_limit: timedelta = SIGN_FOR_LIMIT,
    now: datetime | None = None,
    scan: bool = False,
) -> Assessment:
    """Every unit with something to measure in the period (or only `unit_ids`), ranked by score;
    a street or community with grid events found in the period has something to measure.
    `now`: the moment coverage is taken at (default the period's end). The additive figures come
    from the unit roll-up (analytics/unit_rollup.py); `scan=True` reads them from their own
    tables, as before the roll-up (the reference its tests and checks compare with)."""
    start, end = period.start, period.end

    source = scan_counts if scan else period_counts
    counts = source(session, start, end, unit_ids=unit_ids, sign_for_limit=sign_for_limit)
    assigned, closed, feedback = counts["assigned"], counts["closed"], counts["feedback"]
    bounces, whistles = counts["bounces"], counts["whistles"]
    # Still open at the period's end with a closure clock breached within it (late-open).
    late = scan_late_open if scan else late_open_counts
    late_open = late(session, start, end, unit_ids=unit_ids)
    areas = area_figures(session, start=start, end=end, at=now or end)
    markets = market_figures(session, start=start, end=end)
    ids = (
        set(assigned) | set(closed) | set(late_open) | set(feedback) | set(bounces) | set(whistles)
    )
    ids |= {
        u
        for u, a in areas.items()
        if (a.events or a.whistles) and (unit_ids is None or u in unit_ids)
    }
    ids |= {u for u in markets if unit_ids is None or u in unit_ids}
    received = area_receptions(session, since=start, until=end)
    ids |= {u for u in received if unit_ids is None or u in unit_ids}
    ids.discard(None)  # type: ignore[arg-type]
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))} if ids else {}
    rows = []
    for unit_id in ids:
        unit = units.get(unit_id)
        if unit is None:
            continue
        n_assigned, n_signed = assigned.get(unit_id, (0, 0))
        n_closed, n_on_time, n_first, n_repeated = closed.get(unit_id, (0, 0, 0, 0))
        (n_late_open,) = late_open.get(unit_id, (0,))
        n_feedback, n_satisfied = feedback.get(unit_id, (0, 0))
        (n_bounces,) = bounces.get(unit_id, (0,))
        n_summoned, n_reported = whistles.get(unit_id, (0, 0))
        rates = {
            "timely_acceptance_rate": rate(n_signed, n_assigned),
            "on_time_closure_rate": rate(n_on_time, n_closed + n_late_open),
            "resolution_rate": rate(n_first, n_closed),
            "satisfaction_rate": rate(n_satisfied, n_feedback),
            "repeat_rate": rate(n_repeated, n_closed),
            "bounce_rate": rate(n_bounces, n_assigned),
            "whistle_response_rate": rate(n_reported, n_summoned),
        }
        rows.append(
            AssessmentRow(
                unit=unit.code,
                unit_name=unit.name,
                unit_kind=unit.kind,
                assigned=n_assigned,
                signed_in_time=n_signed,
                closure_due=n_closed + n_late_open,
                closed=n_closed,
                closed_on_time=n_on_time,
                closed_first_time=n_first,
                feedback=n_feedback,
                satisfied=n_satisfied,
                repeated=n_repeated,
                bounces=n_bounces,
                summoned=n_summoned,
                reported_in_time=n_reported,
                **_rounded(rates),
                score=score(rates),
                **_grid_fields(areas.get(unit_id)),
                **_market_fields(markets.get(unit_id)),
                **_reception_fields(unit, received.get(unit_id)),
            )
        )
    leaders = tuple(
        LeaderRow(f.name, f.title, f.receptions, f.people, f.cases, f.solved, f.held, f.home_visits)
        for f in leader_figures(session, since=start, until=end)
    )
    services = tuple(service_rows(session, since=start, until=end))
    return Assessment(
        period=period, rows=tuple(rank_rows(rows)), leaders=leaders, services=services
    )


def _reception_fields(unit: Unit, received: tuple[int, int] | None) -> dict[str, Any]:
    if unit.kind not in ("street", "community"):
        return {}
    n, people = received or (0, 0)
    return {"receptions": n, "people_received": people}


def _rounded(rates: dict[str, float | None]) -> dict[str, Any]:
    return {k: (None if v is None else round(v, 4)) for k, v in rates.items()}


def _grid_fields(area: AreaFigures | None) -> dict[str, Any]:
    if area is None:
        return {}
    coverage, disposal = rate(area.covered, area.buildings), rate(area.disposed, area.events)
    return {
        "buildings": area.buildings,
        "buildings_covered": area.covered,
        "coverage_rate": None if coverage is None else round(coverage, 4),
        "grid_events": area.events,
        "grid_events_disposed": area.disposed,
        "grid_disposal_rate": None if disposal is None else round(disposal, 4),
        **_grid_whistle_fields(area),
    }


def _grid_whistle_fields(area: AreaFigures) -> dict[str, Any]:
    response = rate(area.answered, area.decided)
    return {
        "grid_whistles": area.whistles,
        "grid_whistles_decided": area.decided,
        "grid_response_rate": None if response is None else round(response, 4),
    }


def _market_fields(market: MarketFigures | None) -> dict[str, Any]:
    if market is None:
        return {}
    spot = market.spot_rate
    return {
        "market_events": market.events,
        "market_opinions": market.opinions,
        "market_solved_on_spot": market.solved + market.answered,
        "market_spot_rate": None if spot is None else round(spot, 4),
    }


def rank_rows(rows: list[AssessmentRow]) -> list[AssessmentRow]:
    """Highest score first, rank 1; equal scores share a rank (1, 2, 2, 4); no score, no rank."""
    scored = sorted(
        (r for r in rows if r.score is not None), key=lambda r: (-(r.score or 0), r.unit)
    )
    out: list[AssessmentRow] = []
    previous: tuple[float | None, int] = (None, 0)
    for position, row in enumerate(scored, start=1):
        number = previous[1] if row.score == previous[0] else position
        previous = (row.score, number)
        out.append(AssessmentRow(**{**asdict(row), "rank": number}))
    out.extend(sorted((r for r in rows if r.score is None), key=lambda r: r.unit))
    return out


# Kept for readers of the output: the same words as the docstring, one line each.
FORMULAS = {
    "timely_acceptance_rate": "lead assignments signed within 24 h / lead assignments (assigned in the period)",
    "on_time_closure_rate": "closed in the period without a breached closure clock / (closed + open with a closure clock breached in the period)",
    "resolution_rate": "closed in the period and never reopened / closed in the period",
    "satisfaction_rate": "feedback 满意 or 基本满意 / all feedback given in the period",
    "repeat_rate": "closed in the period whose citizen appealed again (repeat link) / closed in the period",
    "bounce_rate": "bounce requests in the period / lead assignments in the period",
    "whistle_response_rate": "summonses reported in by their deadline / summonses in the period",
    "coverage_rate": "streets and communities: buildings covered and visited in time / active buildings (as of now; not scored)",
    "grid_disposal_rate": "streets and communities: grid events from patrols in the period whose case is closed / those events (not scored)",
    "grid_response_rate": "streets and communities (双报到): grid whistles in the period every summoned department of which reported in by its deadline / grid whistles in the period, still-running clocks left out (not scored)",
    "market_spot_rate": "streets and communities: matters solved or answered on the spot at the service markets held in the period / everything raised there (not scored)",
    "receptions": "streets and communities: leaders' receptions held there in the period, a community's counting for its street (not scored)",
}
