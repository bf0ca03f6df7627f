"""The service sites where their users meet them, on both databases: a booking on the portal that
a double submit does not repeat and that the per-address limit stops; the appointment's citizen in
clear for the lawyer booked and the hall's keepers, masked for the centre and the hall's other
professionals, hidden from another street (a counselling one from the centre too); the API's
public booking, free times, attend and 转换服务类别; the pages of the hub, the site and the portal;
and `minyi services` on the command line."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cli_harness import CliResult, minyi_env, run_cli
from conftest import START
from factories import auth, make_appeal, unique_phone
from minyi.core.db import Database
from minyi.core.errors import Forbidden, TooManyAttempts
from minyi.core.throttle import record_failure
from minyi.org.models import Staff
from minyi.org.service import actor_for_username
from minyi.services.models import Appointment, SiteStaff
from minyi.services.queries import cases_by_service, describe_appointments
from minyi.services.rules import Service
from minyi.services.service import BOOKING_LIMIT, book_at_window, book_on_portal
from webclient import browser, csrf_of, signed_in

TZ = ZoneInfo("Asia/Shanghai")
# START is Friday 2026-11-20 09:00 in Beijing; the demo lawyers sit on Tuesday and Thursday
# afternoons. Each test books its own afternoon: the demo database is shared by the session.
THURSDAY = datetime(2026, 11, 26, 14, 0, tzinfo=TZ)
API_TUESDAY = datetime(2026, 12, 1, 14, 0, tzinfo=TZ)
WEB_THURSDAY = datetime(2026, 12, 3, 14, 0, tzinfo=TZ)


def site_of(session, username: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(site id, staff id) of a demo professional."""
    row = session.execute(
        select(SiteStaff.site_id, Staff.id)
        .join(Staff, Staff.id == SiteStaff.staff_id)
        .where(Staff.username == username)
    ).first()
    assert row is not None
    return row[0], row[1]


def _portal(
    db: Database, site_id: int, at: datetime, phone: str, **extra: object
) -> tuple[str, bool]:
    return book_on_portal(
        db,
        client=str(extra.pop("client", "203.0.113.7")),
        site_id=site_id,
        service=str(extra.pop("service", "legal")),
        starts_at=at,
        minutes=60,
        name="王秀英",
        phone=phone,
        topic="房屋租赁押金不退，想咨询王秀英能否起诉",
        now=START,
        tz=TZ,
        **extra,  # type: ignore[arg-type]
    )


class TestPortalBooking:
    def test_a_double_submit_answers_the_first_booking(self, db: Database) -> None:
        with db.reading() as session:
            site_id, lawyer_id = site_of(session, "s01.lawyer")
        phone = unique_phone()
        ref, created = _portal(db, site_id, THURSDAY, phone)
        again, created_again = _portal(db, site_id, THURSDAY, phone)
        chosen, _ = _portal(db, site_id, THURSDAY, phone, staff_id=lawyer_id)
        assert created and not created_again and again == ref == chosen
        with db.reading() as session:
            n = session.scalar(
                select(func.count()).select_from(Appointment).where(Appointment.phone == phone)
            )
        assert n == 1

    def test_the_per_address_limit_stops_new_bookings(self, db: Database) -> None:
        with db.reading() as session:
            site_id, _ = site_of(session, "s02.lawyer")
        client = "198.51.100.99"
        with db.unit_of_work() as session:
            for _ in range(BOOKING_LIMIT.attempts):
                record_failure(session, BOOKING_LIMIT, client, now=START)
        with pytest.raises(TooManyAttempts):
            _portal(db, site_id, THURSDAY, unique_phone(), client=client)


class TestWhoReadsTheCitizen:
    def test_the_lawyer_and_keepers_clear_centre_masked_others_hidden(self, db: Database) -> None:
        with db.reading() as session:
            site_id, _ = site_of(session, "s01.lawyer")
        phone = unique_phone()
        ref, _ = _portal(db, site_id, THURSDAY + timedelta(hours=1), phone)
        with db.reading() as session:
            row = session.scalar(select(Appointment).where(Appointment.ref == ref))
            assert row is not None

            def seen(username: str) -> dict[str, object]:
                actor = actor_for_username(session, username)
                return describe_appointments(session, actor, [row])[0]

            for reader in ("s01.lawyer", "s01.staff", "admin"):
                assert (seen(reader)["phone"], seen(reader)["clear"]) == (phone, True), reader
            for reader in ("dispatcher", "s01.mediator"):
                masked = seen(reader)
                assert masked["phone"] != phone and phone[-4:] in str(masked["phone"])
                assert masked["name"] != "王秀英" and "王秀英" not in str(masked["topic"])
            hidden = seen("s02.staff")
            assert phone[-4:] not in str(hidden["phone"]) and "押金" not in str(hidden["topic"])

    def test_a_counselling_appointment_is_hidden_from_the_centre(self, db: Database) -> None:
        with db.reading() as session:
            site_id, _ = site_of(session, "s03.counsellor")
        phone = unique_phone()
        monday = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
        ref, _ = _portal(db, site_id, monday, phone, service="counselling")
        with db.reading() as session:
            row = session.scalar(select(Appointment).where(Appointment.ref == ref))
            assert row is not None
            for reader, clear in (("s03.counsellor", True), ("dispatcher", False)):
                view = describe_appointments(session, actor_for_username(session, reader), [row])
                assert (view[0]["phone"] == phone) is clear
                assert ("押金" in str(view[0]["topic"])) is clear

    def test_another_street_may_not_book_at_the_window(self, db: Database) -> None:
        with db.unit_of_work() as session:
            site_id, _ = site_of(session, "s01.lawyer")
            with pytest.raises(Forbidden):
                book_at_window(
                    session,
                    actor_for_username(session, "s02.staff"),
                    site_id=site_id,
                    service="legal",
                    starts_at=THURSDAY + timedelta(hours=2),
                    minutes=60,
                    name="李四",
                    phone=unique_phone(),
                    topic="咨询",
                    now=START,
                    tz=TZ,
                )


class TestApi:
    def test_public_booking_free_times_attend_and_refusals(self, app_client: TestClient) -> None:
        sites = app_client.get("/api/v1/services/public/sites", params={"service": "legal"})
        assert sites.status_code == 200 and len(sites.json()) == 10
        site = next(s for s in sites.json() if "legal" in s["services"])
        with app_client.app.state.minyi.db.reading() as session:  # type: ignore[attr-defined]
            site_id, lawyer_id = site_of(session, "s01.lawyer")
        free = app_client.get(
            "/api/v1/services/public/free-times",
            params={"site_id": site_id, "service": "legal", "day": API_TUESDAY.date().isoformat()},
        )
        assert free.status_code == 200, free.text
        [lawyer] = free.json()["providers"]
        assert lawyer["staff_id"] == lawyer_id and len(lawyer["starts_at"]) == 3  # 14, 15, 16h
        phone = unique_phone()
        body = {
            "site_id": site_id,
            "service": "legal",
            "starts_at": API_TUESDAY.isoformat(),
            "staff_id": lawyer_id,
            "name": "赵敏",
            "phone": phone,
            "topic": "劳动合同纠纷咨询",
        }
        made = app_client.post("/api/v1/services/public/bookings", json=body)
        assert made.status_code == 201, made.text
        out = made.json()
        assert out["created"] and out["ref"].startswith("FW")
        assert out["phone"] != phone and "赵敏" not in made.text and "劳动" not in made.text
        again = app_client.post("/api/v1/services/public/bookings", json=body)
        assert again.json()["ref"] == out["ref"] and again.json()["created"] is False
        taken = app_client.post(
            "/api/v1/services/public/bookings", json=body | {"phone": unique_phone()}
        )
        assert taken.status_code == 409 and "已被预约" in taken.text
        assert app_client.get(f"/api/v1/services/public/bookings/{out['ref']}").status_code == 200
        bad = app_client.post("/api/v1/services/public/bookings", json=body | {"service": "x"})
        assert bad.status_code == 422
        # Another citizen books the next hour and cancels it with the phone's last four; the
        # time is free again, and cancelling twice is harmless.
        later = body | {
            "phone": unique_phone(),
            "starts_at": (API_TUESDAY + timedelta(hours=1)).isoformat(),
        }
        ref = app_client.post("/api/v1/services/public/bookings", json=later).json()["ref"]
        cancel = f"/api/v1/services/public/bookings/{ref}/cancel"
        wrong = "0000" if later["phone"][-4:] != "0000" else "1111"
        assert app_client.post(cancel, json={"phone_last4": wrong}).status_code == 404
        done = app_client.post(cancel, json={"phone_last4": later["phone"][-4:]})
        assert (done.status_code, done.json()["status"]) == (200, "cancelled"), done.text
        assert app_client.post(cancel, json={"phone_last4": later["phone"][-4:]}).status_code == 200
        again_later = app_client.post(
            "/api/v1/services/public/bookings", json=later | {"phone": unique_phone()}
        )
        assert again_later.status_code == 201, again_later.text
        assert site["id"] in {s["id"] for s in sites.json()}

        path = f"/api/v1/services/sites/{site_id}/appointments"
        day = {"day": API_TUESDAY.date().isoformat()}
        mine = app_client.get(path, params=day, headers=auth(app_client, "s01.lawyer")).json()
        [row] = [a for a in mine["items"] if a["ref"] == out["ref"]]
        assert row["phone"] == phone and row["name"] == "赵敏"
        other = app_client.get(path, params=day, headers=auth(app_client, "s02.staff"))
        assert other.status_code == 200 and phone not in other.text and "赵敏" not in other.text
        grid = app_client.get(path, params=day, headers=auth(app_client, "s01c01g01.staff"))
        assert grid.status_code == 403

        step = f"/api/v1/services/appointments/{row['id']}/step"
        refused = app_client.post(
            step, json={"step": "attend"}, headers=auth(app_client, "s02.staff")
        )
        assert refused.status_code == 403
        done = app_client.post(
            step, json={"step": "attend"}, headers=auth(app_client, "s01.lawyer")
        )
        assert done.status_code == 200 and done.json()["status"] == "attended"
        twice = app_client.post(
            step, json={"step": "cancel"}, headers=auth(app_client, "s01.lawyer")
        )
        assert twice.status_code == 409

    def test_a_case_changes_service_with_a_reason(self, app_client: TestClient) -> None:
        case = make_appeal(app_client)
        path = f"/api/v1/services/cases/{case['id']}/service"
        body = {"service": "mediation", "reason": "邻里纠纷，转人民调解"}
        refused = app_client.post(path, json=body, headers=auth(app_client, "s01.staff"))
        assert refused.status_code == 403
        empty = app_client.post(
            path, json=body | {"reason": " "}, headers=auth(app_client, "dispatcher")
        )
        assert empty.status_code == 422
        moved = app_client.post(path, json=body, headers=auth(app_client, "dispatcher"))
        assert moved.status_code == 200 and moved.json()["service_label"] == "纠纷调解"
        timeline = app_client.get(
            f"/api/v1/appeals/{case['id']}/timeline", headers=auth(app_client, "dispatcher")
        )
        assert "service_changed" in timeline.text

    def test_the_hub_counts_the_30_days_before_today(self, app_client: TestClient) -> None:
        # Whole days from the per-day roll-up: a case of today does not move a tile until
        # tomorrow (today would be a live count of a whole day's cases at a city's volume).
        def tiles() -> dict[str, int]:
            page = signed_in(app_client, "s01.lawyer").get("/console/services")
            assert page.status_code == 200 and "近30天诉求（截至昨日）" in page.text
            found = re.findall(
                r'id="tile-(\w+)">\s*<h3>[^<]*</h3>\s*<p class="svc-figure">近30天诉求（截至昨日）：(\d+)',
                page.text,
            )
            return {service: int(n) for service, n in found}

        before = tiles()
        case = make_appeal(app_client)
        moved = app_client.post(
            f"/api/v1/services/cases/{case['id']}/service",
            json={"service": "mediation", "reason": "邻里纠纷，转人民调解"},
            headers=auth(app_client, "dispatcher"),
        )
        assert moved.status_code == 200
        assert tiles() == before and "mediation" in before
        state = app_client.app.state.minyi  # type: ignore[attr-defined]
        today = state.clock.now().astimezone(TZ).date()
        since = datetime.combine(today, datetime.min.time(), tzinfo=TZ)
        with state.db.reading() as session:
            expected = cases_by_service(session, since - timedelta(days=30), since)
            with_today = cases_by_service(
                session, since - timedelta(days=30), since + timedelta(days=1)
            )
        assert before == {s.value: expected[s] for s in expected if s.value in before}
        assert with_today[Service.MEDIATION] > expected[Service.MEDIATION]


class TestPages:
    def test_hub_site_page_window_booking_and_the_case_page(self, app_client: TestClient) -> None:
        lawyer = signed_in(app_client, "s01.lawyer")
        hub = lawyer.get("/console/services")
        assert hub.status_code == 200 and "我的预约" in hub.text
        assert 'href="/console/legal"' in hub.text and 'href="/console/counselling"' not in hub.text

        keeper = signed_in(app_client, "s01.staff")
        with app_client.app.state.minyi.db.reading() as session:  # type: ignore[attr-defined]
            site_id, lawyer_id = site_of(session, "s01.lawyer")
        page = keeper.get(f"/console/services/sites/{site_id}")
        assert page.status_code == 200 and "驻点律师" in page.text and "窗口预约" in page.text
        phone = unique_phone()
        form = {
            "csrf_token": csrf_of(keeper, f"/console/services/sites/{site_id}"),
            "service": "legal",
            "staff_id": str(lawyer_id),
            "day": WEB_THURSDAY.date().isoformat(),
            "time": "15:00",
            "minutes": "60",
            "name": "钱多多",
            "phone": phone,
            "topic": "遗产继承咨询",
        }
        r = keeper.post(
            f"/console/services/sites/{site_id}/book", data=form, follow_redirects=False
        )
        assert r.status_code == 303, r.text
        day_page = keeper.get(r.headers["location"])
        assert "已为群众预约" in day_page.text and phone in day_page.text
        bad = keeper.post(f"/console/services/sites/{site_id}/book", data=form | {"time": "08:00"})
        assert bad.status_code == 409 and "开放时间" in bad.text

        mine = lawyer.get("/console/services")
        m = re.search(r"/console/services/appointments/(\d+)/attend", mine.text)
        assert m and phone in mine.text
        done = lawyer.post(
            f"/console/services/appointments/{m.group(1)}/attend",
            data={"csrf_token": csrf_of(lawyer, "/console/services"), "back": "/console/services"},
        )
        assert done.status_code == 200 and "已记录到场" in done.text

        case = make_appeal(app_client)
        clerk = signed_in(app_client, "clerk")
        case_page = clerk.get(f"/console/cases/{case['id']}")
        assert "转换服务类别" in case_page.text
        moved = clerk.post(
            f"/console/cases/{case['id']}/service",
            data={
                "csrf_token": csrf_of(clerk, f"/console/cases/{case['id']}"),
                "service": "legal",
                "reason": "需要律师解答",
            },
        )
        assert moved.status_code == 200
        assert "法律服务" in moved.text and "需要律师解答" in moved.text
        assert "service_changed" not in moved.text

    def test_the_portal_books_on_a_phone(self, app_client: TestClient) -> None:
        citizen = browser(app_client)
        listed = citizen.get("/services")
        assert (
            listed.status_code == 200 and "纠纷调解" in listed.text and "周一至周五" in listed.text
        )
        with app_client.app.state.minyi.db.reading() as session:  # type: ignore[attr-defined]
            site_id, _ = site_of(session, "s04.lawyer")
        day = WEB_THURSDAY.date().isoformat()
        page = citizen.get(f"/services/book?service=legal&site={site_id}&day={day}")
        slot = re.search(r'name="slot" value="([^"]+)"', page.text)
        assert slot, page.text
        phone = unique_phone()
        form = {
            "csrf_token": csrf_of(
                citizen, f"/services/book?service=legal&site={site_id}&day={day}"
            ),
            "service": "legal",
            "site": str(site_id),
            "day": day,
            "slot": slot.group(1).replace("&#43;", "+"),
            "name": "孙丽",
            "phone": phone,
            "topic": "离婚财产分割咨询",
        }
        r = citizen.post("/services/book", data=form, follow_redirects=False)
        assert r.status_code == 303, r.text
        again = citizen.post("/services/book", data=form, follow_redirects=False)
        assert again.headers["location"] == r.headers["location"]
        booked = citizen.get(r.headers["location"])
        assert "预约成功" in booked.text and phone not in booked.text and "孙丽" not in booked.text
        assert phone[-4:] in booked.text and "离婚" not in booked.text
        # 取消预约 on the confirmation page: wrong digits are refused, the right ones cancel.
        page_path = r.headers["location"]
        wrong = citizen.post(
            f"{page_path}/cancel",
            data={
                "csrf_token": csrf_of(citizen, page_path),
                "phone_last4": "0000" if phone[-4:] != "0000" else "1111",
            },
        )
        assert wrong.status_code == 404 and "后四位不正确" in wrong.text
        done = citizen.post(
            f"{page_path}/cancel",
            data={"csrf_token": csrf_of(citizen, page_path), "phone_last4": phone[-4:]},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        cancelled = citizen.get(page_path).text
        assert "预约已取消" in cancelled and "取消预约" not in cancelled


def run(args: list[str], db: Database, cwd: Path) -> CliResult:
    return run_cli(args, env=minyi_env(db.url, cwd), cwd=cwd)


def test_the_command_line(fresh_demo_db: Database, tmp_path: Path) -> None:
    listed = run(["services", "sites", "--service", "legal", "--json"], fresh_demo_db, tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 10
    with fresh_demo_db.reading() as session:
        site_id, _ = site_of(session, "s01.lawyer")
    when = (datetime.now(TZ) + timedelta(days=14)).date()
    while when.weekday() != 1:  # a Tuesday afternoon, when the lawyer sits
        when += timedelta(days=1)
    at = f"{when.isoformat()} 14:00"
    bad = run(
        ["services", "book", str(site_id), "--service", "legal", "--at", "明天",
         "--name", "周", "--phone", "13800001234", "--topic", "咨询"],
        fresh_demo_db, tmp_path,
    )  # fmt: skip
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    made = run(
        ["services", "book", str(site_id), "--service", "legal", "--at", at, "--name", "周杰",
         "--phone", "13800001234", "--topic", "合同咨询", "--staff", "s01.lawyer"],
        fresh_demo_db, tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("FW")
    day = ["services", "appointments", str(site_id), "--day", when.isoformat(), "--json"]
    clear = json.loads(run([*day, "--as", "s01.lawyer"], fresh_demo_db, tmp_path).stdout)
    assert [a["phone"] for a in clear] == ["13800001234"]
    masked = json.loads(run([*day, "--as", "dispatcher"], fresh_demo_db, tmp_path).stdout)
    assert masked[0]["phone"] != "13800001234"
    added = run(
        ["services", "add-staff", str(site_id), "--username", "s01.mediator", "--kind", "lawyer",
         "--hours", "3 09:00-12:00"],
        fresh_demo_db, tmp_path,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    refused = run(
        ["services", "add-site", "--unit", "S01", "--category", "street_hall", "--address", "x",
         "--hours", "1-5 09:00-17:00", "--as", "s02.staff"],
        fresh_demo_db, tmp_path,
    )  # fmt: skip
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
