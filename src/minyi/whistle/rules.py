"""Whistle (吹哨联动) rules: who may blow, the report-in clock, a summons's stage, and the
per-department response figures. Pure code, no I/O."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from minyi.core.errors import Forbidden, Invalid
from minyi.org.rules import Role, UnitKind

# 街道吹哨 / 社区发令 / 网格吹哨: the area tree summons; departments report in.
ISSUER_ROLES = frozenset({Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_STAFF})
ISSUER_KINDS = frozenset({UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.GRID})
SUMMONED_KINDS = frozenset({UnitKind.DEPARTMENT})
RESPONDER_ROLES = frozenset({Role.UNIT_HANDLER, Role.UNIT_HEAD})
DEFAULT_REPORT_MINUTES = 30
MAX_REPORT_MINUTES = 7 * 24 * 60
MAX_SUMMONED = 20
REPORT_IN = "report_in"  # the milestone of a summons's clock
SUBJECT = "summons"


class WhistleStatus(StrEnum):
    OPEN = "open"  # 已发令: departments are reporting in and acting
    CONFIRMED = "confirmed"  # 已确认: the issuer confirmed every department's work


class SummonsStage(StrEnum):
    SUMMONED = "summoned"  # 待报到
    REPORTED = "reported"  # 已报到
    ACTED = "acted"  # 已处置
    CONFIRMED = "confirmed"  # 已确认


STATUS_ZH = {"open": "已发令", "confirmed": "已确认"}
STAGE_ZH = {"summoned": "待报到", "reported": "已报到", "acted": "已处置", "confirmed": "已确认"}


def may_blow(role: Role | None, unit_kind: str | None) -> bool:
    """Street, community and grid staff of such a unit blow the whistle (吹哨)."""
    return role in ISSUER_ROLES and unit_kind in ISSUER_KINDS


def summons_step(
    *,
    unit_id: int | None,
    unit_kind: str | None,
    summoned_unit_id: int,
    issuer_unit_id: int | None,
    reported: bool,
    acted: bool,
    confirmed: bool,
) -> str | None:
    """What a reader of unit `unit_id` may do next on one summons: the summoned department
    reports in (报到), then records its action; then the issuing area confirms it."""
    if unit_id is None:
        return None
    if unit_id == summoned_unit_id and not reported:
        return "report_in"
    if unit_id == summoned_unit_id and not acted:
        return "act"
    if acted and not confirmed and unit_id == issuer_unit_id and unit_kind in ISSUER_KINDS:
        return "confirm"
    return None


def check_may_blow(role: Role | None, unit_kind: str | None) -> None:
    if not may_blow(role, unit_kind):
        raise Forbidden(
            "not_issuer", "only street, community or grid staff may blow the whistle (吹哨)"
        )


def check_may_respond(role: Role | None) -> None:
    if role not in RESPONDER_ROLES:
        raise Forbidden("not_responder", "a summoned department's staff report in and act")


def report_window(minutes: int | None) -> timedelta:
    value = DEFAULT_REPORT_MINUTES if minutes is None else minutes
    if not 1 <= value <= MAX_REPORT_MINUTES:
        raise Invalid(
            "bad_report_window",
            f"report_within_minutes must be 1-{MAX_REPORT_MINUTES}",
            field="report_within_minutes",
        )
    return timedelta(minutes=value)


def check_summoned_codes(codes: list[str]) -> list[str]:
    cleaned = [c.strip() for c in codes if c and c.strip()]
    if not cleaned:
        raise Invalid("missing_field", "summon at least one department", field="units")
    if len(cleaned) > MAX_SUMMONED:
        raise Invalid(
            "too_many_units", f"summon at most {MAX_SUMMONED} departments at once", field="units"
        )
    if len(set(cleaned)) != len(cleaned):
        raise Invalid("duplicate_unit", "a department is named twice", field="units")
    return cleaned


def in_area(place_path: str, issuer_path: str | None) -> bool:
    """A place under the issuer's own unit (小事不出社区, 大事不出街道)."""
    return bool(issuer_path) and place_path.startswith(issuer_path or "")


def stage(
    *, reported_at: datetime | None, acted_at: datetime | None, confirmed_at: datetime | None
) -> SummonsStage:
    if confirmed_at is not None:
        return SummonsStage.CONFIRMED
    if acted_at is not None:
        return SummonsStage.ACTED
    if reported_at is not None:
        return SummonsStage.REPORTED
    return SummonsStage.SUMMONED


def reported_on_time(reported_at: datetime | None, due_at: datetime) -> bool:
    return reported_at is not None and reported_at <= due_at


@dataclass(frozen=True)
class SummonsFact:
    unit: str
    unit_name: str
    summoned_at: datetime
    due_at: datetime
    reported_at: datetime | None
    acted_at: datetime | None


@dataclass(frozen=True)
class DepartmentResponse:
    unit: str
    unit_name: str
    summoned: int
    reported: int
    on_time: int
    acted: int
    median_minutes: float | None

    @property
    def response_rate(self) -> float:
        """响应率: reported within the clock over summoned."""
        return round(self.on_time / self.summoned, 4) if self.summoned else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "unit": self.unit,
            "unit_name": self.unit_name,
            "summoned": self.summoned,
            "reported": self.reported,
            "reported_on_time": self.on_time,
            "acted": self.acted,
            "response_rate": self.response_rate,
            "median_response_minutes": self.median_minutes,
        }


def response_by_department(facts: Iterable[SummonsFact]) -> list[DepartmentResponse]:
    """Per department: summoned, reported (at all, and in time), acted, and the median minutes
    from summons to report-in over the ones that reported. Worst response rate first."""
    grouped: dict[str, list[SummonsFact]] = {}
    for f in facts:
        grouped.setdefault(f.unit, []).append(f)
    out = []
    for unit, rows in grouped.items():
        minutes = [
            (r.reported_at - r.summoned_at).total_seconds() / 60
            for r in rows
            if r.reported_at is not None
        ]
        out.append(
            DepartmentResponse(
                unit=unit,
                unit_name=rows[0].unit_name,
                summoned=len(rows),
                reported=len(minutes),
                on_time=sum(1 for r in rows if reported_on_time(r.reported_at, r.due_at)),
                acted=sum(1 for r in rows if r.acted_at is not None),
                median_minutes=round(statistics.median(minutes), 1) if minutes else None,
            )
        )
    out.sort(key=lambda d: (d.response_rate, -d.summoned, d.unit))
    return out
