"""The calendar as data: an administrator keeps a year's holidays and 调休 workdays (API, CLI),
every process sees the edit on its next deadline, and a coming year with no official calendar
is reported. On both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import minyi.sla.jobs
from conftest import METRICS_AUTH, private_demo_app
from factories import auth, make_appeal
from minyi.cases.models import Case
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.sla.calendar_service import calendar_status, replace_year
from minyi.sla.jobs import check_calendar
from minyi.sla.models import Clock
from webclient import post_form, signed_in

BJ = ZoneInfo("Asia/Shanghai")


class World:
    def __init__(self, client: TestClient, db: Database, clock: ManualClock) -> None:
        self.client, self.db, self.clock = client, db, clock


@pytest.fixture(scope="module")
def world(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    # A database of its own: these tests edit the calendar every other test counts in.
    with private_demo_app(backend, tmp_path_factory.mktemp("calendar")) as (client, db, clock):
        yield World(client, db, clock)


class TestSeed:
    def test_2027_has_its_statutory_holidays_and_is_marked_so(self, world: World) -> None:
        r = world.client.get("/api/v1/calendar/2027", headers=auth(world.client, "dispatcher"))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["source"] == "statutory"
        spring = [d["date"] for d in body["days"] if d["date"].startswith("2027-02")]
        assert spring == ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"]  # 除夕 to 初三
        assert len(body["days"]) == 13 and {d["kind"] for d in body["days"]} == {"holiday"}

    def test_a_package_year_is_shown_from_the_package(self, world: World) -> None:
        body = world.client.get(
            "/api/v1/calendar/2026", headers=auth(world.client, "dispatcher")
        ).json()
        assert body["source"] == "package"
        assert {"date": "2026-02-14", "kind": "workday", "note": None} in body[
            "days"
        ]  # 调休 Saturday


class TestWebPages:
    def test_banners_warn_before_2027_whose_notice_is_missing(self, world: World) -> None:
        # The world starts on Friday Nov 20 2026: 42 days before a year with statutory holidays only.
        admin = signed_in(world.client, "admin")
        for who, page in (
            (admin, "/console/admin"),
            (signed_in(world.client, "dispatcher"), "/console/dispatch"),
            (signed_in(world.client, "leader01"), "/leader"),
        ):
            text = who.get(page).text
            assert "42天后进入2027年" in text and "调休）尚未录入" in text, page
        assert 'href="/console/admin/calendar?year=2027"' in admin.get("/console/admin").text

    def test_the_admin_page_edits_a_day_and_imports_a_year(self, world: World) -> None:
        admin = signed_in(world.client, "admin")
        page = "/console/admin/calendar?year=2034"
        assert "本年度尚无节假日日历" in admin.get(page).text
        r = post_form(
            admin,
            "/console/admin/calendar/day",
            {"date": "2034-02-20", "kind": "holiday", "note": "春节"},
            page=page,
        )
        assert r.status_code == 303
        text = admin.get(page).text
        assert "2034-02-20" in text and "仅法定节假日" in text
        bad = post_form(
            admin,
            "/console/admin/calendar/day",
            {"date": "2034-02-30", "kind": "holiday"},
            page=page,
        )
        assert bad.status_code == 422 and "日期格式" in bad.text
        r = post_form(
            admin,
            "/console/admin/calendar/import",
            {"year": "2034", "source": "official"},
            page=page,
            files={
                "file": (
                    "2034.csv",
                    "2034-02-18,holiday,春节\n2034-02-26,workday,调休\n".encode(),
                    "text/csv",
                )
            },
        )
        assert r.status_code == 303, r.text
        text = admin.get(page).text
        assert (
            "2034-02-26" in text
            and "2034-02-20" not in text
            and "国务院办公厅放假安排（已录入）" in text
        )
        assert signed_in(world.client, "dispatcher").get(page).status_code == 403

    def test_the_page_documents_and_imports_chinese_kinds(self, world: World) -> None:
        """The page explains the file in Chinese (休 a day off, 班 a swapped workday, no codes); the
        import takes those words, the longer ones (假日/工作日) and the codes alike."""
        admin = signed_in(world.client, "admin")
        page = "/console/admin/calendar?year=2036"
        text = admin.get(page).text
        assert (
            "“休”表示放假" in text
            and "holiday" not in text.split("<main", 1)[1].split('<form method="post"', 1)[0]
        )
        csv = "日期,类型,说明\n2036-02-07,休,春节\n2036-02-08,假日,春节\n2036-02-09,holiday,春节\n2036-02-02,班,调休\n2036-02-16,工作日,调休\n"
        r = post_form(
            admin,
            "/console/admin/calendar/import",
            {"year": "2036", "source": "official"},
            page=page,
            files={"file": ("2036.csv", csv.encode(), "text/csv")},
        )
        assert r.status_code == 303, r.text
        days = world.client.get(
            "/api/v1/calendar/2036", headers=auth(world.client, "admin")
        ).json()["days"]
        assert [(d["date"], d["kind"]) for d in days] == [
            ("2036-02-02", "workday"),
            ("2036-02-07", "holiday"),
            ("2036-02-08", "holiday"),
            ("2036-02-09", "holiday"),
            ("2036-02-16", "workday"),
        ]


class TestAdminEdits:
    def test_only_an_admin_edits(self, world: World) -> None:
        r = world.client.put(
            "/api/v1/calendar/2031", json={"days": []}, headers=auth(world.client, "dispatcher")
        )
        assert r.status_code == 403

    def test_a_bad_day_is_refused_and_changes_nothing(self, world: World) -> None:
        head = auth(world.client, "admin")
        r = world.client.put(
            "/api/v1/calendar/2031",
            json={"days": [{"date": "2031-02-03", "kind": "workday"}]},
            headers=head,
        )
        assert r.status_code == 422 and "weekday already" in r.json()["error"]["message"]
        r = world.client.put(
            "/api/v1/calendar/2031",
            json={"days": [{"date": "2030-02-03", "kind": "holiday"}]},
            headers=head,
        )
        assert r.status_code == 422
        assert world.client.get("/api/v1/calendar/2031", headers=head).json()["source"] is None
        assert (
            world.client.put("/api/v1/calendar/1999", json={"days": []}, headers=head).status_code
            == 422
        )

    def test_a_csv_import_replaces_the_year(self, world: World) -> None:
        head = auth(world.client, "admin") | {"Content-Type": "text/csv"}
        text = "date,kind,note\n2032-02-10,holiday,春节\n2032-02-11,holiday,春节\n2032-02-07,workday,调休\n"
        r = world.client.put("/api/v1/calendar/2032/csv", content=text.encode(), headers=head)
        assert r.status_code == 200, r.text
        assert (r.json()["source"], [d["date"] for d in r.json()["days"]]) == (
            "official",
            ["2032-02-07", "2032-02-10", "2032-02-11"],
        )
        bad = world.client.put(
            "/api/v1/calendar/2032/csv", content=b"2032-13-01,holiday\n", headers=head
        )
        assert bad.status_code == 422 and "line 1" in bad.json()["error"]["message"]
        assert len(world.client.get("/api/v1/calendar/2032", headers=head).json()["days"]) == 3

    def test_one_day_at_a_time(self, world: World) -> None:
        head = auth(world.client, "admin")
        r = world.client.put(
            "/api/v1/calendar/days/2033-01-31",
            json={"kind": "holiday", "note": "春节"},
            headers=head,
        )
        assert r.status_code == 200, r.text
        assert r.json()["days"] == [{"date": "2033-01-31", "kind": "holiday", "note": "春节"}]
        r = world.client.put(
            "/api/v1/calendar/days/2033-01-31", json={"kind": "normal"}, headers=head
        )
        assert r.json()["days"] == []


class TestDeadlinesFollowTheCalendar:
    def test_an_edit_reaches_the_next_deadline(self, world: World) -> None:
        # A 1-2-3 case registered Thursday Feb 4 2027: the call is due after one working day.
        world.clock.advance(datetime(2027, 2, 4, 10, 0, tzinfo=BJ) - world.clock.now())
        first = make_appeal(world.client, channel="walk_in")
        with world.db.unit_of_work() as session:
            replace_year(
                session,
                2027,
                [(date(2027, 2, d), "holiday", "春节") for d in (5, 8, 9, 10, 11)],
                source="official",
                note="test",
                by="admin",
                now=world.clock.now(),
            )
        second = make_appeal(world.client, channel="walk_in")
        with world.db.reading() as session:
            due = {
                c.subject_id: c.due_at
                for c in session.scalars(
                    select(Clock).where(
                        Clock.milestone == "call", Clock.subject_id.in_([first["id"], second["id"]])
                    )
                )
            }
        # The administrator's days 9-11 off reach the next registration in the same process, and
        # the running clock of the first (due Tue Feb 9 under the statutory days only: 14 h of
        # Thursday, then Fri 5 (除夕), the weekend and Mon 8 off) follows the edit too.
        assert due[second["id"]].astimezone(BJ) == datetime(2027, 2, 12, 10, 0, tzinfo=BJ)
        assert due[first["id"]].astimezone(BJ) == datetime(2027, 2, 12, 10, 0, tzinfo=BJ)

    def test_an_edit_moves_running_deadlines_and_the_case_due_date(self, world: World) -> None:
        # Still Thursday Feb 4 2027, 10:00; Feb 5 and 8-11 are off. The 3-working-day close:
        # 14 h of Thursday, Fri 12 (24 h), the weekend off, Mon 15 (24 h), 10 h of Tue 16.
        case = make_appeal(world.client, channel="walk_in")

        def close_due() -> tuple[datetime, datetime, datetime]:
            with world.db.reading() as session:
                clock = session.scalar(
                    select(Clock).where(Clock.subject_id == case["id"], Clock.milestone == "close")
                )
                assert clock is not None
                row = session.get(Case, case["id"])
                assert row is not None
                return (
                    clock.due_at.astimezone(BJ),
                    clock.warn_at.astimezone(BJ),
                    row.due_at.astimezone(BJ),
                )

        due, warn, case_due = close_due()
        assert due == datetime(2027, 2, 16, 10, 0, tzinfo=BJ) and case_due == due
        head = auth(world.client, "admin")
        r = world.client.put(
            "/api/v1/calendar/days/2027-02-15",
            json={"kind": "holiday", "note": "补休"},
            headers=head,
        )
        assert r.status_code == 200, r.text
        moved, moved_warn, moved_case_due = close_due()
        assert moved == datetime(2027, 2, 17, 10, 0, tzinfo=BJ) and moved_case_due == moved
        assert moved_warn > warn  # the warning (80 %) moves with it
        # Taking the day back restores the deadline: the recount is exact both ways.
        r = world.client.put(
            "/api/v1/calendar/days/2027-02-15", json={"kind": "normal"}, headers=head
        )
        assert r.status_code == 200, r.text
        assert close_due() == (due, warn, case_due)


class TestWarning:
    def test_sixty_days_before_a_year_without_an_official_calendar(self, world: World) -> None:
        with world.db.reading() as session:
            # 2032 was imported as official; 2033 has only the one day entered (statutory).
            assert calendar_status(session, date(2032, 11, 1))["uncovered"] == []
            assert calendar_status(session, date(2032, 11, 2))["uncovered"] == [
                {"year": 2033, "coverage": "statutory", "days_until": 60}
            ]
            assert calendar_status(session, date(2035, 1, 5))["uncovered"] == [
                {"year": 2035, "coverage": None, "days_until": 0}
            ]
        r = world.client.get("/api/v1/calendar", headers=auth(world.client, "admin"))
        assert r.status_code == 200 and isinstance(r.json()["uncovered"], list)

    def test_the_metric_and_the_worker_say_so(
        self, world: World, caplog: pytest.LogCaptureFixture
    ) -> None:
        # 2027 is official by now (the test above); 52 days before 2028, which nobody entered.
        world.clock.advance(datetime(2027, 11, 10, 9, 0, tzinfo=BJ) - world.clock.now())
        text = world.client.get("/metrics", headers=METRICS_AUTH).text
        assert 'minyi_calendar_uncovered_days{coverage="none",year="2028"} 52.0' in text
        assert 'year="2027"' not in text
        # Once a day per runtime: start from one that has not checked today.
        world.db.caches.reset(minyi.sla.jobs.CALENDAR_CHECKED)
        with (
            caplog.at_level("WARNING", logger="minyi.sla.jobs"),
            world.db.unit_of_work() as session,
        ):
            check_calendar(session, now=world.clock.now())
            check_calendar(
                session, now=world.clock.now() + timedelta(hours=3)
            )  # the same day: quiet
        warned = [r.getMessage() for r in caplog.records if "calendar_uncovered" in r.getMessage()]
        assert len(warned) == 1 and "year=2028" in warned[0]
