"""The counselling pages on both backends: a booked appointment received from the counsellor's
page and the session recorded there; a walk-in with a bad phone answered on the page in Chinese
with nothing written; a 话聊 planned and held from its page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conftest import START
from factories import auth, make_appeal, unique_phone
from minyi.core.db import Database
from minyi.counselling.models import CounsellingRecord
from minyi.org.models import Unit
from minyi.services.models import Appointment, ServiceSite
from minyi.services.service import book_appointment
from webclient import post_form, signed_in

TZ = ZoneInfo("Asia/Shanghai")
PAGE = "/console/counselling"


def _site(db: Database, code: str) -> int:
    with db.reading() as session:
        return int(
            session.scalar(
                select(ServiceSite.id)
                .join(Unit, Unit.id == ServiceSite.unit_id)
                .where(Unit.code == code)
            )
            or 0
        )


class TestPages:
    def test_appointment_received_and_session_recorded(
        self, app_client: TestClient, db: Database
    ) -> None:
        site = _site(db, "S04-SITE")
        # A portal booking, through the foundation's service (its pages are the sites work's).
        with db.unit_of_work() as session:
            appointment = book_appointment(
                session,
                None,
                site_id=site,
                service="counselling",
                starts_at=datetime(2026, 11, 24, 10, 0, tzinfo=TZ),
                minutes=60,
                name="钱玉兰",
                phone=unique_phone(),
                topic="孩子厌学，家里关系紧张",
                now=START,
                tz=TZ,
            )
            aid = appointment.id
        me = signed_in(app_client, "s04.counsellor")
        home = me.get(PAGE)
        assert home.status_code == 200 and "钱玉兰" in home.text
        taken = post_form(me, f"{PAGE}/appointments/{aid}/take", {}, page=PAGE)
        assert taken.status_code == 303, taken.text
        record_url = taken.headers["location"].split("?")[0]
        held = post_form(
            me,
            f"{record_url}/session",
            {"minutes": "60", "notes": "页面记录：家长焦虑", "held_at": ""},
            page=record_url,
        )
        assert held.status_code == 303, held.text
        page = me.get(record_url).text
        assert "页面记录：家长焦虑" in page
        with db.reading() as session:
            assert session.get(Appointment, aid).status == "attended"  # type: ignore[union-attr]
        other = signed_in(app_client, "leader01").get(record_url).text
        assert "页面记录" not in other and "钱玉兰" not in other

    def test_bad_walk_in_changes_nothing(self, app_client: TestClient, db: Database) -> None:
        with db.reading() as session:
            before = session.scalar(select(func.count()).select_from(CounsellingRecord))
        me = signed_in(app_client, "s01.counsellor")
        r = post_form(
            me,
            f"{PAGE}/walk-in",
            {
                "site_id": str(_site(db, "S01-SITE")),
                "name": "孔",
                "phone": "123",
                "tracking_no": "",
            },
            page=PAGE,
        )
        assert r.status_code == 422 and re.search(r'id="form-error">[^<]*[\u4e00-\u9fff]', r.text)
        r = post_form(
            me,
            f"{PAGE}/walk-in",
            {"site_id": "abc", "name": "孔", "phone": unique_phone(), "tracking_no": "无此编号"},
            page=PAGE,
        )
        assert r.status_code == 422
        with db.reading() as session:
            assert session.scalar(select(func.count()).select_from(CounsellingRecord)) == before

    def test_talk_planned_and_held_from_its_page(
        self, app_client: TestClient, db: Database
    ) -> None:
        appeal = make_appeal(app_client, body="多次来访，情绪激动，希望有人好好听一听。")
        asked = app_client.post(
            "/api/v1/counselling/talks",
            json={"case_id": appeal["id"]},
            headers=auth(app_client, "dispatcher"),
        )
        tid = asked.json()["id"]
        me = signed_in(app_client, "s01.counsellor")
        url = f"{PAGE}/talks/{tid}"
        page = me.get(url)
        assert page.status_code == 200 and 'id="plan-form"' in page.text
        at = (START + timedelta(days=300)).astimezone(TZ).strftime("%Y-%m-%dT%H:%M")
        planned = post_form(
            me,
            f"{url}/plan",
            {"site_id": str(_site(db, "S01-SITE")), "starts_at": at, "lawyer": "s01.lawyer",
             "mediator": "s01.mediator", "room_id": ""},
            page=url,
        )  # fmt: skip
        assert planned.status_code == 303, planned.text
        bad = post_form(me, f"{url}/hold", {"minutes": "60", "summary": ""}, page=url)
        assert bad.status_code == 422
        held = post_form(
            me,
            f"{url}/hold",
            {"minutes": "60", "summary": "约定街道牵头复核", "notes": "私下记录"},
            page=url,
        )
        assert held.status_code == 303, held.text
        seen = signed_in(app_client, "dispatcher").get(url).text
        assert "约定街道牵头复核" in seen and "私下记录" not in seen
