"""Deadline arithmetic at fixed instants, across China's holidays and 调休 working weekends."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from minyi.sla.calendar import Workdays, add_counted, counted_between

BJ = ZoneInfo("Asia/Shanghai")
CAL = Workdays()
DAY = 86400.0


def bj(*args: int) -> datetime:
    return datetime(*args, tzinfo=BJ)


class TestWorkdays:
    def test_national_day_2025_is_skipped(self) -> None:
        # 2025: Oct 1-8 off; Sep 28 (Sun) and Oct 11 (Sat) are 调休 working days.
        assert add_counted("workdays", bj(2025, 9, 30, 10, 0), DAY, CAL) == bj(2025, 10, 9, 10, 0)

    def test_a_working_sunday_counts(self) -> None:
        assert add_counted("workdays", bj(2025, 9, 27, 10, 0), DAY, CAL) == bj(2025, 9, 29, 0, 0)

    def test_friday_plus_one_working_day_is_monday(self) -> None:
        assert add_counted("workdays", bj(2026, 11, 20, 17, 0), DAY, CAL) == bj(2026, 11, 23, 17, 0)

    def test_spring_festival_2026(self) -> None:
        # 2026 Spring Festival: Feb 15-23 off; Sat Feb 14 is a working day. From Friday 09:00:
        # 15 h of Friday + 24 h of Saturday + 24 h of Tuesday 24th + 9 h of Wednesday 25th.
        due = add_counted("workdays", bj(2026, 2, 13, 9, 0), 3 * DAY, CAL)
        assert due == bj(2026, 2, 25, 9, 0)

    def test_counted_between_inverts_add(self) -> None:
        start = bj(2025, 9, 29, 15, 30)
        due = add_counted("workdays", start, 2.5 * DAY, CAL)
        assert counted_between("workdays", start, due, CAL) == pytest.approx(2.5 * DAY)

    def test_year_beyond_the_package_uses_weekdays_and_overrides(self) -> None:
        plain = add_counted("workdays", bj(2027, 1, 1, 9, 0), DAY, CAL)  # Friday
        assert plain == bj(2027, 1, 4, 9, 0)
        local = Workdays.from_strings(holidays=["2027-01-04"], workdays=["2027-01-02"])
        assert add_counted("workdays", bj(2027, 1, 1, 9, 0), DAY, local) == bj(2027, 1, 2, 9, 0)
        assert not local.is_workday(date(2027, 1, 4))


class TestWorkhours:
    def test_only_office_hours_count(self) -> None:
        # Friday 17:00 + 2 office hours: 17:00-18:00, then Monday 09:00-10:00.
        assert add_counted("workhours", bj(2026, 11, 20, 17, 0), 7200, CAL) == bj(2026, 11, 23, 10, 0)

    def test_lunch_break_does_not_count(self) -> None:
        assert add_counted("workhours", bj(2026, 11, 23, 11, 30), 3600, CAL) == bj(2026, 11, 23, 14, 30)

    def test_counted_between_over_a_weekend(self) -> None:
        assert counted_between("workhours", bj(2026, 11, 20, 17, 0), bj(2026, 11, 23, 10, 0), CAL) == 7200


class TestNatural:
    def test_every_second_counts(self) -> None:
        start = bj(2025, 10, 1, 0, 0)
        assert add_counted("natural", start, 600, CAL) == start + timedelta(minutes=10)
