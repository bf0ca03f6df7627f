"""Pure code of analytics: assessment periods, rates and the ranking score, and the Poisson
test of the early warning. No session, no clock reads. The formulas are explained in
docs/analytics.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from minyi.core.errors import Forbidden, Invalid
from minyi.org.rules import AREA_ROLES, Actor, Role

BEIJING = ZoneInfo("Asia/Shanghai")

# The milestones whose clock times the closure of a case (one per policy; see sla/policies.yaml).
CLOSURE_MILESTONES = ("first_round", "close", "handle", "review")
# 及时签收: the lead unit signs for a dispatched case within this time.
SIGN_FOR_LIMIT = timedelta(hours=24)
SATISFIED_RATINGS = ("satisfied", "basically_satisfied")


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class Period:
    kind: str
    label: str
    start: datetime  # aware, inclusive
    end: datetime  # aware, exclusive


def _at_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BEIJING)


def period_of(kind: str, day: date) -> Period:
    """The day, the week (Monday to Sunday) or the month, in Beijing time, that holds `day`."""
    if kind == PeriodKind.DAY:
        return Period(
            kind, day.isoformat(), _at_midnight(day), _at_midnight(day + timedelta(days=1))
        )
    if kind == PeriodKind.WEEK:
        monday = day - timedelta(days=day.weekday())
        iso = monday.isocalendar()
        return Period(
            kind,
            f"{iso.year}-W{iso.week:02d}",
            _at_midnight(monday),
            _at_midnight(monday + timedelta(days=7)),
        )
    if kind == PeriodKind.MONTH:
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return Period(kind, f"{first:%Y-%m}", _at_midnight(first), _at_midnight(following))
    raise Invalid("bad_period", "period is day, week or month", field="period")


def previous_period(kind: str, now: datetime) -> Period:
    """The last complete period before `now` (yesterday, last week, last month)."""
    current = period_of(kind, now.astimezone(BEIJING).date())
    return period_of(kind, (current.start - timedelta(days=1)).date())


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when there is nothing to measure (never 0/0 = 0)."""
    return None if denominator <= 0 else numerator / denominator


# The ranking score: a weighted mean of the rates a unit has, repeat and bounce rates counted
# as (1 - rate) because lower is better. Weights sum to 100; closing on time and satisfying the
# citizen weigh most, as the seeds' assessments do (群众满意度, 按期办结率).
SCORE_WEIGHTS: dict[str, float] = {
    "timely_acceptance_rate": 10,
    "on_time_closure_rate": 25,
    "resolution_rate": 20,
    "satisfaction_rate": 25,
    "repeat_rate": 10,
    "bounce_rate": 5,
    "whistle_response_rate": 5,
}
LOWER_IS_BETTER = frozenset({"repeat_rate", "bounce_rate"})


def score(rates: dict[str, float | None]) -> float | None:
    """100 × Σ wᵢ·rᵢ' / Σ wᵢ over the rates that are not None (rᵢ' = 1 − rᵢ for repeat and
    bounce); None when the unit has no rate at all."""
    total = weight = 0.0
    for name, w in SCORE_WEIGHTS.items():
        value = rates.get(name)
        if value is None:
            continue
        total += w * ((1 - value) if name in LOWER_IS_BETTER else value)
        weight += w
    return None if weight == 0 else round(100 * total / weight, 2)


# --- early warning -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BurstTest:
    count: int
    baseline_count: int
    baseline_days: int
    expected: float
    p_value: float
    is_burst: bool
    level: str


# A place and class with no history still has some rate: one appeal per 30 days is the prior,
# so a first-ever appeal is not a burst but three in one day are.
PRIOR_RATE_PER_DAY = 1 / 30
BURST_P = 0.001
RED_P = 0.00001
BURST_MIN_COUNT = 3


def burst_test(
    count: int,
    baseline_count: int,
    baseline_days: int,
    *,
    alpha: float = BURST_P,
    min_count: int = BURST_MIN_COUNT,
) -> BurstTest:
    """Is `count` appeals in one day a burst against the trailing baseline?

    Expected λ = max(baseline_count / baseline_days, PRIOR_RATE_PER_DAY); p = P(X ≥ count) for
    X ~ Poisson(λ). A burst needs p < alpha and count ≥ min_count; red below RED_P. Poisson,
    not a z-score: daily counts per community and class are small integers, mostly 0, so the
    baseline's standard deviation is often 0 and a z-score divides by it; the Poisson tail is
    exact for rare counts and needs only the mean.
    """
    expected = max(baseline_count / max(baseline_days, 1), PRIOR_RATE_PER_DAY)
    # Imported here: scipy.stats costs every process most of a CPU second at start.
    from scipy.stats import poisson

    p = float(poisson.sf(count - 1, expected)) if count > 0 else 1.0
    is_burst = count >= min_count and p < alpha
    return BurstTest(
        count=count,
        baseline_count=baseline_count,
        baseline_days=baseline_days,
        expected=round(expected, 4),
        p_value=p,
        is_burst=is_burst,
        level="red" if is_burst and p < RED_P else "yellow",
    )


REPEAT_TIERS = (3, 5, 10, 20, 50)
CROWD_TIERS = (5, 10, 20, 50, 100)


def tier_reached(value: int, tiers: tuple[int, ...]) -> int | None:
    """The highest tier `value` has reached, or None below the first."""
    reached = [t for t in tiers if value >= t]
    return reached[-1] if reached else None


# --- who sees what --------------------------------------------------------------------------

# District-wide analytics (hotspots, every alert, every unit's assessment, sweeps).
ANALYTICS_VIEWERS = frozenset({Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN})


def require_viewer(actor: Actor) -> None:
    if actor.role not in ANALYTICS_VIEWERS:
        raise Forbidden(
            "analytics_viewers_only",
            "only leaders, supervisors, dispatchers and admins see district analytics",
        )


def assessment_unit_scope(actor: Actor) -> str | None:
    """None: every unit; otherwise the code of the one unit whose figures the actor may see
    (their own)."""
    if actor.role in ANALYTICS_VIEWERS:
        return None
    if actor.role is None or actor.unit_code is None:
        raise Forbidden("staff_only", "assessments are for staff")
    return actor.unit_code


def alert_area_scope(actor: Actor) -> str | None:
    """None: every alert; area staff see the alerts located in their area."""
    if actor.role in ANALYTICS_VIEWERS:
        return None
    if actor.role in AREA_ROLES and actor.unit_path:
        return actor.unit_path
    raise Forbidden(
        "analytics_viewers_only",
        "only leaders, supervisors, dispatchers, admins and area staff see alerts",
    )
