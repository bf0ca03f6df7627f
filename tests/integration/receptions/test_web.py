"""The receptions pages as their users use them, on both databases: staff schedule a reception
day on the console, a citizen books a slot on the portal and reads only their own masked
confirmation, staff record who came and raise the matter as a case held by the leader, and the
leader's 分片包联 page shows the linked areas' figures."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from conftest import START
from factories import unique_phone
from webclient import browser, csrf_of, signed_in

DAY = (START + timedelta(days=4)).date().isoformat()


def _schedule(client: TestClient, **fields: str) -> str:
    r = client.post(
        "/console/receptions",
        data={
            "csrf_token": csrf_of(client, "/console/receptions"),
            "leader": "secretary",
            "area": "S01C02",
            "day": DAY,
            "slots": "09:00-10:00x2\n10:00-11:00x2",
            "publish": "1",
        }
        | fields,
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return str(r.headers["location"])


class TestReceptionPages:
    def test_schedule_book_record_and_raise(self, app_client: TestClient) -> None:
        staff = signed_in(app_client, "s01c02.staff")
        page = staff.get("/console/receptions")
        assert page.status_code == 200 and "安排领导接访" in page.text
        where = _schedule(staff, topic="加装电梯")
        detail = staff.get(where)
        assert "接访安排已保存" in detail.text and "剩余2个名额" in detail.text
        reception_id = int(re.search(r"/console/receptions/(\d+)", where).group(1))  # type: ignore[union-attr]

        citizen = browser(app_client)
        listed = citizen.get("/portal/receptions")
        slot = re.search(
            rf'id="reception-{reception_id}".*?href="/portal/receptions/slots/(\d+)"',
            listed.text,
            re.S,
        )
        assert slot, listed.text
        form_path = f"/portal/receptions/slots/{slot.group(1)}"
        phone = unique_phone()
        booked = citizen.post(
            form_path,
            data={
                "csrf_token": csrf_of(citizen, form_path),
                "name": "韩梅梅",
                "phone": phone,
                "matter": "楼道加装电梯意见不一致，请领导协调。",
            },
            follow_redirects=False,
        )
        assert booked.status_code == 303, booked.text
        confirmation = citizen.get(booked.headers["location"])
        assert "预约成功" in confirmation.text and "韩*" in confirmation.text
        assert phone not in confirmation.text and "加装电梯意见" not in confirmation.text
        bad = citizen.post(
            form_path,
            data={
                "csrf_token": csrf_of(citizen, form_path),
                "name": "李雷",
                "phone": "123",
                "matter": "x",
            },
        )
        assert bad.status_code == 422 and "李雷" in bad.text
        # Another citizen books and cancels on the confirmation page with the phone's last four.
        other = unique_phone()
        second = citizen.post(
            form_path,
            data={
                "csrf_token": csrf_of(citizen, form_path),
                "name": "王大伟",
                "phone": other,
                "matter": "想当面反映小区停车问题。",
            },
            follow_redirects=False,
        )
        page = second.headers["location"]
        cancel = f"{page}/cancel"
        wrong = citizen.post(
            cancel,
            data={
                "csrf_token": csrf_of(citizen, page),
                "phone_last4": "0000" if other[-4:] != "0000" else "1111",
            },
        )
        assert wrong.status_code == 404 and "后四位不正确" in wrong.text
        done = citizen.post(
            cancel,
            data={"csrf_token": csrf_of(citizen, page), "phone_last4": other[-4:]},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        cancelled = citizen.get(page).text
        assert "预约已取消" in cancelled and "取消预约" not in cancelled

        detail = staff.get(where)
        assert "韩梅梅" in detail.text and phone in detail.text
        booking_id = re.search(r'name="came" value="(\d+)"', detail.text).group(1)  # type: ignore[union-attr]
        recorded = staff.post(
            f"/console/receptions/{reception_id}/record",
            data={
                "csrf_token": csrf_of(staff, where),
                "came": booking_id,
                "summary": "现场答复",
            },
            follow_redirects=False,
        )
        assert recorded.status_code == 303, recorded.text
        raised = staff.post(
            f"/console/receptions/{reception_id}/citizens/{booking_id}/case",
            data={"csrf_token": csrf_of(staff, where), "hold": "1"},
            follow_redirects=False,
        )
        assert raised.status_code == 303, raised.text
        after = staff.get(where)
        assert "已转为案件" in after.text and "领导包案" in after.text

        leader = signed_in(app_client, "secretary").get("/console/receptions/areas")
        assert leader.status_code == 200
        assert "包联的街道和社区" in leader.text and "包联覆盖率" in leader.text
        assert "接待人次" in leader.text
        dashboard = signed_in(app_client, "secretary").get("/leader")
        assert "下沉接访" in dashboard.text

    def test_a_unit_handler_is_refused(self, app_client: TestClient) -> None:
        assert signed_in(app_client, "dep01.handler").get("/console/receptions").status_code == 403

    def test_bad_slots_keep_what_was_typed(self, app_client: TestClient) -> None:
        staff = signed_in(app_client, "s01.staff")
        r = staff.post(
            "/console/receptions",
            data={
                "csrf_token": csrf_of(staff, "/console/receptions"),
                "leader": "secretary",
                "area": "S01",
                "day": DAY,
                "slots": "九点到十点",
                "topic": "保留的主题",
            },
        )
        assert r.status_code == 422 and "格式不对" in r.text and "保留的主题" in r.text
