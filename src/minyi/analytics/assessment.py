"""Unit assessment (绩效考核): seven rates per unit and period, a score and a ranking.

Every figure is one aggregate query (GROUP BY unit) over the period's rows through an index
that starts with the unit or the period column, so a month at a million appeals reads only
that month; Python only merges the seven small per-unit results. Formulas: docs/analytics.md
and `AssessmentRow`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, exists, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from minyi.analytics.grid import AreaFigures, area_figures
from minyi.analytics.markets import area_figures as market_figures
from minyi.analytics.rules import (
    CLOSURE_MILESTONES,
    SATISFIED_RATINGS,
    SIGN_FOR_LIMIT,
    Period,
    rate,
    score,
)
from minyi.analytics.services import service_rows
from minyi.cases.models import Bounce, Case, CaseEvent, CaseUnit
from minyi.markets.rules import MarketFigures
from minyi.org.models import Unit
from minyi.receptions.queries import area_receptions, leader_figures
from minyi.sla.models import Clock
from minyi.triage.models import AppealLink
from minyi.whistle.models import Summons


class seconds_between(FunctionElement[float]):
    """Seconds from the first datetime column to the second, on either backend."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"((julianday({compiler.process(b, **kw)}) - julianday({compiler.process(a, **kw)})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_pg(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(b, **kw)} - {compiler.process(a, **kw)}))"


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


def _counts(session: Session, stmt: Any) -> dict[int, tuple[int, ...]]:
    # A None key (a case without a lead unit, or one `only` leaves out) is nobody's figure.
    return {
        row[0]: tuple(int(v or 0) for v in row[1:])
        for row in session.execute(stmt)
        if row[0] is not None
    }


def _lead_of(case_id: Any, *where: Any) -> Any:
    """The lead unit of the case `case_id` names (NULL: none, or `where` fails), as a correlated
    scalar subquery: both backends run it as one primary-key probe per outer row, so a count
    driven by the period's rows never reads the rest of `cases`. (LATERAL would say the same on
    PostgreSQL, but SQLite has none; a join leaves the plan to the planner, which hashed all of
    `cases` for a month's 5,000 feedback events.)"""
    return (
        select(Case.lead_unit_id)
        .where(Case.id == case_id, Case.lead_unit_id.is_not(None), *where)
        .scalar_subquery()
    )


def _by_lead_unit(session: Session, rows: Any) -> dict[int, tuple[int, ...]]:
    """Count `rows` (a select of a `unit` column and numeric columns to sum) by unit."""
    sub = rows.subquery()
    sums = [func.sum(c) for c in sub.c if c.name != "unit"]
    return _counts(session, select(sub.c.unit, func.count(), *sums).group_by(sub.c.unit))


def _in(column: Any, start: datetime, end: datetime) -> Any:
    return and_(column >= start, column < end)


def _breached_closure_clock() -> Any:
    return exists().where(
        Clock.case_id == Case.id,
        Clock.subject == "case",
        Clock.milestone.in_(CLOSURE_MILESTONES),
        Clock.breached_at.is_not(None),
    )


def assess_units(
    session: Session,
    period: Period,
    *,
    unit_ids: Sequence[int] | None = None,
    sign_for_limit: timedelta = SIGN_FOR_LIMIT,
    now: datetime | None = None,
) -> Assessment:
    """Every unit with something to measure in the period (or only `unit_ids`), ranked by score;
    a street or community with grid events found in the period has something to measure.
    `now`: the moment coverage is taken at (default the period's end)."""
    start, end = period.start, period.end

    def only(column: Any) -> Any:
        return column.in_(unit_ids) if unit_ids is not None else literal(True)

    assigned = _counts(
        session,
        select(
            CaseUnit.unit_id,
            func.count(),
            func.sum(
                case(
                    (
                        and_(
                            CaseUnit.signed_at.is_not(None),
                            seconds_between(CaseUnit.assigned_at, CaseUnit.signed_at)
                            <= sign_for_limit.total_seconds(),
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
        )
        .where(
            _in(CaseUnit.assigned_at, start, end), CaseUnit.role == "lead", only(CaseUnit.unit_id)
        )
        .group_by(CaseUnit.unit_id),
    )
    breached = _breached_closure_clock()
    repeated = exists().where(AppealLink.other_id == Case.appeal_id, AppealLink.kind == "repeat")
    closed = _counts(
        session,
        select(
            Case.lead_unit_id,
            func.count(),
            func.sum(case((~breached, 1), else_=0)),
            func.sum(case((Case.reopen_count == 0, 1), else_=0)),
            func.sum(case((repeated, 1), else_=0)),
        )
        .where(
            _in(Case.closed_at, start, end), Case.lead_unit_id.is_not(None), only(Case.lead_unit_id)
        )
        .group_by(Case.lead_unit_id),
    )
    # Still open at the period's end with a closure clock breached within it: found from the
    # period's breached clocks (an index range), each case then looked up by primary key.
    # `_lead_of` rather than a join: PostgreSQL hash-joined the clocks to every open case.
    breached_cases = (
        select(Clock.case_id)
        .where(
            _in(Clock.breached_at, start, end),
            Clock.subject == "case",
            Clock.milestone.in_(CLOSURE_MILESTONES),
        )
        .distinct()
        .subquery()
    )
    late_open = _by_lead_unit(
        session,
        select(
            _lead_of(
                breached_cases.c.case_id,
                only(Case.lead_unit_id),
                or_(Case.closed_at.is_(None), Case.closed_at >= end),
            ).label("unit")
        ).select_from(breached_cases),
    )
    # The period's feedback events (an index range on action and time), each case's lead unit
    # by primary key: joined, the planner read all of `cases` to hash them.
    rating = CaseEvent.payload["rating"].as_string()
    feedback = _by_lead_unit(
        session,
        select(
            _lead_of(CaseEvent.case_id, only(Case.lead_unit_id)).label("unit"),
            case((rating.in_(SATISFIED_RATINGS), 1), else_=0).label("satisfied"),
        ).where(CaseEvent.action == "feedback", _in(CaseEvent.at, start, end)),
    )
    bounces = _counts(
        session,
        select(Bounce.unit_id, func.count())
        .where(_in(Bounce.requested_at, start, end), only(Bounce.unit_id))
        .group_by(Bounce.unit_id),
    )
    whistles = _counts(
        session,
        select(
            Summons.unit_id,
            func.count(),
            func.sum(
                case(
                    (
                        and_(
                            Summons.reported_at.is_not(None), Summons.reported_at <= Summons.due_at
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
        )
        .where(_in(Summons.summoned_at, start, end), only(Summons.unit_id))
        .group_by(Summons.unit_id),
    )
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
