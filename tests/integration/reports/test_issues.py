"""Issuing: gap-free unique numbers under concurrent issuers, one original per day, immutable
rows, corrections as new linked issues, and a PDF that carries the Chinese text."""

from __future__ import annotations

import re
import subprocess
import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from minyi.core.errors import Conflict, Invalid
from minyi.reports.models import ReportIssue
from minyi.reports.service import issue_daily_report

from .conftest import DAY, TZ, District


def issue(district: District, day: date, **kw: object) -> ReportIssue:
    with district.db.unit_of_work() as session:
        return issue_daily_report(
            session,
            day=day,
            now=district.clock.now(),
            tz=TZ,
            issued_by="test",
            **kw,  # type: ignore[arg-type]
        )


def numbers(district: District) -> list[int]:
    """The numbers of the original issues (a correction keeps its original's number)."""
    with district.db.reading() as session:
        return sorted(
            session.scalars(select(ReportIssue.number).where(ReportIssue.corrects_id.is_(None)))
        )


def test_concurrent_issuers_take_gap_free_unique_numbers(district: District) -> None:
    before = numbers(district)
    days = [date(2026, 11, 10), date(2026, 11, 11), date(2026, 11, 12), date(2026, 11, 12)]
    outcomes: list[object] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(days))

    def run(day: date) -> None:
        barrier.wait()
        try:
            result: object = issue(district, day).number
        except Conflict as error:
            result = error
        except DBAPIError as error:  # the unique edition key, when both got past the check
            result = error
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(d,)) for d in days]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    issued = sorted(o for o in outcomes if isinstance(o, int))
    assert len(issued) == 3, outcomes  # the second issuer of 11-12 is refused
    after = numbers(district)
    assert after == list(range(1, len(after) + 1))  # no gaps, no duplicates
    assert sorted(set(after) - set(before)) == issued
    with district.db.reading() as session:
        per_day = session.scalar(
            select(func.count()).where(ReportIssue.period_start == date(2026, 11, 12))
        )
    assert per_day == 1


def test_reissuing_a_day_is_refused_and_takes_no_number(district: District) -> None:
    first = issue(district, date(2026, 11, 13))
    with pytest.raises(Conflict):
        issue(district, date(2026, 11, 13))
    second = issue(district, date(2026, 11, 14))
    assert second.number == first.number + 1


def test_today_cannot_be_reported(district: District) -> None:
    with pytest.raises(Invalid):
        issue(district, district.clock.now().astimezone(TZ).date())


def test_issued_rows_are_immutable(district: District) -> None:
    target = issue(district, date(2026, 11, 15))
    for statement in (
        "UPDATE report_issues SET title = 'changed' WHERE id = :id",
        "DELETE FROM report_issues WHERE id = :id",
    ):
        with pytest.raises(DBAPIError, match="immutable"), district.db.unit_of_work() as session:
            session.execute(text(statement), {"id": target.id})
    with district.db.reading() as session:
        assert session.get(ReportIssue, target.id).title == target.title  # type: ignore[union-attr]


def test_a_correction_is_a_new_issue_linked_to_the_old(district: District) -> None:
    original = issue(district, DAY)
    with district.db.reading() as session:
        html_before = session.scalar(select(ReportIssue.html).where(ReportIssue.id == original.id))
    fixed = issue(district, DAY, corrects=original.number, note="C5 的属地应为望海街道")
    assert fixed.corrects_id == original.id
    assert fixed.number == original.number  # the day keeps its place in the series
    assert f"第{original.number}期（更正）" in fixed.title
    assert fixed.edition_key is None
    assert f"本期为第{original.number}期的更正版" in re.sub(r"<[^>]+>", "", fixed.html)
    assert "C5 的属地应为望海街道" in fixed.html
    with district.db.reading() as session:
        again = session.get(ReportIssue, original.id)
        assert again is not None and again.corrects_id is None
        assert (
            session.scalar(select(ReportIssue.html).where(ReportIssue.id == original.id))
            == html_before
        )
    with pytest.raises(Invalid):  # a correction names what it corrects
        issue(district, DAY, corrects=original.number)
    with pytest.raises(Invalid):  # and reports the same day
        issue(district, date(2026, 11, 27), corrects=original.number, note="x")


def test_corrections_keep_the_number_and_the_series_goes_on(district: District) -> None:
    first = issue(district, date(2026, 11, 5))
    fixed = issue(district, date(2026, 11, 5), corrects=first.number, note="更正街道名称")
    again = issue(district, date(2026, 11, 5), corrects=first.number, note="再次更正")
    following = issue(district, date(2026, 11, 6))
    assert (fixed.number, again.number) == (first.number, first.number)
    assert f"第{first.number}期（更正）" in fixed.title
    assert f"第{first.number}期（第2次更正）" in again.title
    assert following.number == first.number + 1  # corrections take no number of the series
    assert f"第{first.number}期（更正）" in re.sub(r"<[^>]+>", "", fixed.html)
    # A second original of that number is refused by the database itself.
    with district.db.unit_of_work() as session, pytest.raises(DBAPIError):
        session.execute(
            text(
                "INSERT INTO report_issues (kind, number, period_start, period_end, title, issued_at,"
                " issued_by, snapshot, html, pdf, pdf_sha256) VALUES ('daily', :n, '2026-10-01',"
                " '2026-10-01', 't', '2026-10-02 00:00:00', 'x', '{}', '', '', '')"
            ),
            {"n": first.number},
        )


def test_pdf_carries_the_chinese_text(district: District, tmp_path: Path) -> None:
    report = issue(district, date(2026, 11, 27))
    path = tmp_path / "report.pdf"
    with district.db.reading() as session:
        pdf = session.scalar(select(ReportIssue.pdf).where(ReportIssue.id == report.id))
    assert pdf is not None and pdf.startswith(b"%PDF")
    path.write_bytes(pdf)
    extracted = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    squeezed = "".join(extracted.split())
    assert "民情日报" in squeezed
    assert f"第{report.number}期" in squeezed
    assert "全区受理群众诉求3件" in squeezed  # B1-B3 came in on 11-27
    assert "区长信箱" in squeezed
    assert "翠湖街道" in squeezed
