"""Deadline arithmetic at fixed instants, across China's holidays and 调休 working weekends."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from minyi.sla.calendar import Workdays, add_counted, counted_between, uncovered_years

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
        assert add_counted("workhours", bj(2026, 11, 20, 17, 0), 7200, CAL) == bj(
            2026, 11, 23, 10, 0
        )

    def test_lunch_break_does_not_count(self) -> None:
        assert add_counted("workhours", bj(2026, 11, 23, 11, 30), 3600, CAL) == bj(
            2026, 11, 23, 14, 30
        )

    def test_counted_between_over_a_weekend(self) -> None:
        assert (
            counted_between("workhours", bj(2026, 11, 20, 17, 0), bj(2026, 11, 23, 10, 0), CAL)
            == 7200
        )


class TestNatural:
    def test_every_second_counts(self) -> None:
        start = bj(2025, 10, 1, 0, 0)
        assert add_counted("natural", start, 600, CAL) == start + timedelta(minutes=10)


# 2027 as the administrator keeps it: the statutory Spring Festival (除夕 Feb 5 to Feb 8) plus,
# for the test, a 调休 working Sunday and bridged days (hypothetical, not the State Council's).
KEPT = Workdays(
    years={2027: "official"},
    holidays=frozenset(
        {date(2027, 2, 5), date(2027, 2, 8), date(2027, 2, 9), date(2027, 2, 10), date(2027, 2, 11)}
    ),
    workdays=frozenset({date(2027, 1, 31)}),
)


class TestKeptYears:
    def test_spring_festival_2027_is_skipped(self) -> None:
        # Thursday Feb 4 10:00 + 1 working day: Fri 5 to Thu 11 are off, Sat 6 and Sun 7 too.
        assert add_counted("workdays", bj(2027, 2, 4, 10, 0), DAY, KEPT) == bj(2027, 2, 12, 10, 0)

    def test_a_kept_working_sunday_counts(self) -> None:
        assert add_counted("workdays", bj(2027, 1, 30, 10, 0), DAY, KEPT) == bj(2027, 2, 1, 0, 0)

    def test_a_kept_year_beats_the_package_and_plain_weekdays(self) -> None:
        assert not KEPT.is_workday(date(2027, 2, 5)) and Workdays().is_workday(date(2027, 2, 5))
        assert KEPT.is_workday(date(2027, 1, 31)) and not Workdays().is_workday(date(2027, 1, 31))

    def test_settings_overrides_still_win(self) -> None:
        local = Workdays(
            frozenset({date(2027, 2, 12)}),
            frozenset({date(2027, 2, 8)}),
            KEPT.years,
            KEPT.holidays,
            KEPT.workdays,
        )
        assert not local.is_workday(date(2027, 2, 12)) and local.is_workday(date(2027, 2, 8))

    def test_a_year_across_the_new_year_counts_both_calendars(self) -> None:
        # Thu Dec 31 2026 10:00 + 1 working day: Jan 1 2027 is a holiday, then the weekend.
        assert add_counted(
            "workdays",
            bj(2026, 12, 31, 10, 0),
            DAY,
            Workdays(years={2027: "statutory"}, holidays=frozenset({date(2027, 1, 1)})),
        ) == bj(2027, 1, 4, 10, 0)


class TestCoverage:
    def test_the_package_covers_2026_and_not_2027(self) -> None:
        assert Workdays().coverage(2026) == "package" and Workdays().coverage(2027) is None

    def test_sixty_days_before_an_uncovered_year_it_is_reported(self) -> None:
        assert uncovered_years(Workdays(), date(2026, 11, 1)) == []
        assert uncovered_years(Workdays(), date(2026, 11, 2)) == [2027]
        assert uncovered_years(KEPT, date(2026, 12, 4)) == []

    def test_a_statutory_only_year_is_still_reported(self) -> None:
        assert uncovered_years(Workdays(years={2027: "statutory"}), date(2026, 12, 4)) == [2027]

    def test_an_uncovered_year_counts_weekdays_and_says_so(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level("WARNING", logger="minyi.sla.calendar"):
            assert Workdays().is_workday(date(2031, 2, 3))  # a Monday; no calendar for 2031
        assert any("calendar_uncovered year=2031" in r.getMessage() for r in caplog.records)
