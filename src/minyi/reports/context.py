"""What every section builder receives: the session, the reported day, the time the report is
made (state figures such as open overdue cases are "as of" it), and shared lookups loaded once
(unit, channel and leaf names; the month of cases around the day that several sections read)."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Case
from minyi.intake.models import Channel
from minyi.org.models import Unit
from minyi.reports.rules import TREND_DAYS, Period
from minyi.taxonomy.models import DictionaryEntry


@dataclass(frozen=True)
class RecentCase:
    """The few columns of a case the period figures need."""

    id: int
    day_offset: int  # 0 = the reported day, -1 the day before, ...
    channel_id: int
    class_name: str | None
    category_id: int | None
    street_id: int | None
    community_id: int | None


@dataclass
class ReportContext:
    session: Session
    period: Period
    now: datetime
    _units: dict[int, tuple[str, str]] | None = None
    _channels: dict[int, tuple[str, str, str]] | None = None
    _recent: list[RecentCase] | None = None
    _leaves: dict[int, tuple[str, str]] = field(default_factory=dict)

    @property
    def start(self) -> datetime:
        return self.period.start()

    @property
    def end(self) -> datetime:
        return self.period.end

    def units(self) -> dict[int, tuple[str, str]]:
        """id -> (code, name) of every unit; a district has a few hundred."""
        if self._units is None:
            rows = self.session.execute(select(Unit.id, Unit.code, Unit.name))
            self._units = {uid: (code, name) for uid, code, name in rows}
        return self._units

    def unit(self, unit_id: int | None) -> tuple[str, str]:
        return self.units().get(unit_id or 0, ("", "未明确"))

    def channels(self) -> dict[int, tuple[str, str, str]]:
        """id -> (code, kind, name)."""
        if self._channels is None:
            rows = self.session.execute(
                select(Channel.id, Channel.code, Channel.kind, Channel.name)
            )
            self._channels = {cid: (code, kind, name) for cid, code, kind, name in rows}
        return self._channels

    def leaves(self, ids: set[int]) -> dict[int, tuple[str, str]]:
        """Dictionary leaf id -> (code, "level3 · level4") for the ids asked, cached."""
        missing = [i for i in ids if i not in self._leaves]
        if missing:
            rows = self.session.execute(
                select(
                    DictionaryEntry.id,
                    DictionaryEntry.code,
                    DictionaryEntry.level3,
                    DictionaryEntry.level4,
                ).where(DictionaryEntry.id.in_(missing))
            )
            for lid, code, level3, level4 in rows:
                self._leaves[lid] = (code, f"{level3}·{level4}" if level4 != level3 else level3)
        return {i: self._leaves[i] for i in ids if i in self._leaves}

    def recent_cases(self) -> list[RecentCase]:
        """Cases registered in the TREND_DAYS local days up to and including the reported day:
        one indexed range read (ix_cases_registered_at) shared by the period sections."""
        if self._recent is None:
            since = self.period.start(-(TREND_DAYS - 1))
            rows = self.session.execute(
                select(
                    Case.id,
                    Case.registered_at,
                    Case.channel_id,
                    Case.class_name,
                    Case.category_id,
                    Case.street_id,
                    Case.community_id,
                ).where(Case.registered_at >= since, Case.registered_at < self.end)
            )
            # Local midnights in UTC, so a row's day is a bisection, not a time-zone conversion.
            starts = [self.period.start(o) for o in range(-(TREND_DAYS - 1), 1)]
            self._recent = [
                RecentCase(cid, bisect_right(starts, at) - TREND_DAYS, ch, cls, cat, st, com)
                for cid, at, ch, cls, cat, st, com in rows
            ]
        return self._recent

    def on_day(self, offset: int = 0) -> list[RecentCase]:
        return [c for c in self.recent_cases() if c.day_offset == offset]

    def before(self, days: timedelta) -> datetime:
        return self.start - days


Json = dict[str, Any]
