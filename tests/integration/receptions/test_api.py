"""Leaders' receptions through the API on both databases: a reception scheduled and published,
citizens booking its slots on the public side (capacity kept, a second booking harmless, others'
data never shown), the record with a walk-in, each matter raised as a case held by the leader,
a home visit on the case's timeline, the per-leader figures and who reads which citizen."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import START
from factories import auth, unique_phone

DAY = START + timedelta(days=3)  # a Monday, 09:00 in Beijing


def _schedule(client: TestClient, user: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "leader": "secretary",
        "area": "S01",
        "topic": "老旧小区改造",
        "slots": [
            {
                "starts_at": DAY.isoformat(),
                "ends_at": (DAY + timedelta(hours=1)).isoformat(),
                "capacity": 1,
            },
            {
                "starts_at": (DAY + timedelta(hours=1)).isoformat(),
                "ends_at": (DAY + timedelta(hours=2)).isoformat(),
                "capacity": 3,
            },
        ],
    } | overrides
    r = client.post("/api/v1/receptions", json=body, headers=auth(client, user))
    assert r.status_code == 201, r.text
    return r.json()


def _book(client: TestClient, slot_id: int, phone: str, name: str = "李秀英") -> Any:
    return client.post(
        "/api/v1/public/receptions/bookings",
        json={
            "slot_id": slot_id,
            "name": name,
            "phone": phone,
            "matter": f"小区电梯停运两个月，联系电话{phone}，请领导协调。",
        },
    )


@pytest.fixture(scope="module")
def reception(app_client: TestClient) -> dict[str, Any]:
    return _schedule(app_client, "s01.staff")


class TestSchedule:
    def test_published_on_the_portal_without_citizens(
        self, app_client: TestClient, reception: dict[str, Any]
    ) -> None:
        assert reception["status"] == "published"
        assert reception["place"] == f"{reception['area']}党群服务中心"
        listed = app_client.get("/api/v1/public/receptions").json()
        mine = next(r for r in listed if r["id"] == reception["id"])
        assert mine["leader"] and [s["left"] for s in mine["slots"]] == [1, 3]
        assert "booked" not in mine and "cases" not in mine

    def test_a_unit_handler_may_not_schedule(self, app_client: TestClient) -> None:
        r = app_client.post(
            "/api/v1/receptions",
            json={"leader": "secretary", "area": "S01", "slots": []},
            headers=auth(app_client, "dep01.handler"),
        )
        assert r.status_code == 422  # no slot: refused before anything else
        r = app_client.post(
            "/api/v1/receptions",
            json={
                "leader": "secretary",
                "area": "S01",
                "slots": [
                    {
                        "starts_at": DAY.isoformat(),
                        "ends_at": (DAY + timedelta(hours=1)).isoformat(),
                    }
                ],
            },
            headers=auth(app_client, "dep01.handler"),
        )
        assert r.status_code == 403

    def test_street_staff_schedule_only_in_their_street(self, app_client: TestClient) -> None:
        r = app_client.post(
            "/api/v1/receptions",
            json={
                "leader": "secretary",
                "area": "S02",
                "slots": [
                    {
                        "starts_at": DAY.isoformat(),
                        "ends_at": (DAY + timedelta(hours=1)).isoformat(),
                    }
                ],
            },
            headers=auth(app_client, "s01.staff"),
        )
        assert r.status_code == 403

    def test_overlapping_slots_are_refused(self, app_client: TestClient) -> None:
        r = app_client.post(
            "/api/v1/receptions",
            json={
                "leader": "mayor",
                "area": "S02",
                "slots": [
                    {
                        "starts_at": DAY.isoformat(),
                        "ends_at": (DAY + timedelta(hours=2)).isoformat(),
                    },
                    {
                        "starts_at": (DAY + timedelta(hours=1)).isoformat(),
                        "ends_at": (DAY + timedelta(hours=3)).isoformat(),
                    },
                ],
            },
            headers=auth(app_client, "mayor"),
        )
        assert r.status_code == 422
        assert r.json()["error"]["message"] == "接访时段不能重叠"

    def test_a_leader_schedules_only_their_own(self, app_client: TestClient) -> None:
        own = _schedule(app_client, "mayor", leader="mayor", area="S02", publish=False)
        assert own["status"] == "scheduled"
        r = app_client.post(
            "/api/v1/receptions",
            json={
                "leader": "secretary",
                "area": "S02",
                "slots": [
                    {
                        "starts_at": DAY.isoformat(),
                        "ends_at": (DAY + timedelta(hours=1)).isoformat(),
                    }
                ],
            },
            headers=auth(app_client, "mayor"),
        )
        assert r.status_code == 403
        published = app_client.post(
            f"/api/v1/receptions/{own['id']}/publish", headers=auth(app_client, "mayor")
        )
        assert published.json()["status"] == "published"


class TestBooking:
    def test_capacity_is_kept_and_a_second_booking_is_harmless(
        self, app_client: TestClient, reception: dict[str, Any]
    ) -> None:
        first_slot = reception["slots"][0]["id"]
        phone = unique_phone()
        made = _book(app_client, first_slot, phone)
        assert made.status_code == 201, made.text
        again = _book(app_client, first_slot, phone)
        assert again.json()["ref"] == made.json()["ref"]
        assert (made.json()["created"], again.json()["created"]) == (True, False)
        full = _book(app_client, first_slot, unique_phone(), name="王五")
        assert full.status_code == 409
        assert full.json()["error"]["code"] == "slot_full"
        bad = _book(app_client, first_slot, "12345")
        assert bad.status_code == 422

    def test_the_confirmation_shows_only_the_booker_masked(
        self, app_client: TestClient, reception: dict[str, Any]
    ) -> None:
        phone = unique_phone()
        made = _book(app_client, reception["slots"][1]["id"], phone, name="赵建国").json()
        seen = app_client.get(f"/api/v1/public/receptions/bookings/{made['ref']}").json()
        assert seen["name"] == "赵**"
        assert seen["phone"] == f"{phone[:3]}****{phone[-4:]}"
        assert phone not in str(seen) and "电梯" not in str(seen)
        assert app_client.get("/api/v1/public/receptions/bookings/JFNOPE").status_code == 404

    def test_the_citizen_cancels_and_the_place_goes_back(self, app_client: TestClient) -> None:
        own = _schedule(
            app_client,
            "s01.staff",
            slots=[
                {
                    "starts_at": (DAY + timedelta(hours=3)).isoformat(),
                    "ends_at": (DAY + timedelta(hours=4)).isoformat(),
                    "capacity": 1,
                }
            ],
        )
        app_client.post(
            f"/api/v1/receptions/{own['id']}/publish", headers=auth(app_client, "s01.staff")
        )
        slot = own["slots"][0]["id"]
        phone = unique_phone()
        ref = _book(app_client, slot, phone).json()["ref"]
        assert _book(app_client, slot, unique_phone()).status_code == 409
        cancel = f"/api/v1/public/receptions/bookings/{ref}/cancel"
        wrong = "0000" if phone[-4:] != "0000" else "1111"
        refused = app_client.post(cancel, json={"phone_last4": wrong})
        assert refused.status_code == 404
        assert (
            app_client.get(f"/api/v1/public/receptions/bookings/{ref}").json()["status"] == "booked"
        )
        done = app_client.post(cancel, json={"phone_last4": phone[-4:]})
        assert (done.status_code, done.json()["status"]) == (200, "cancelled"), done.text
        assert app_client.post(cancel, json={"phone_last4": phone[-4:]}).status_code == 200
        assert _book(app_client, slot, unique_phone()).status_code == 201


class TestRecord:
    def test_record_walk_in_raise_held_case_and_home_visit(
        self, app_client: TestClient, reception: dict[str, Any]
    ) -> None:
        staff = auth(app_client, "s01.staff")
        phone = unique_phone()
        booked = _book(app_client, reception["slots"][1]["id"], phone, name="孙丽").json()
        detail = app_client.get(f"/api/v1/receptions/{reception['id']}", headers=staff).json()
        booking = next(c for c in detail["citizens"] if c["phone"] == phone)
        assert booking["name"] == "孙丽" and booked["ref"]
        walk = app_client.post(
            f"/api/v1/receptions/{reception['id']}/walk-ins",
            json={
                "name": "周大海",
                "phone": unique_phone(),
                "matter": "菜市场噪音扰民",
                "people": 3,
            },
            headers=staff,
        )
        assert walk.status_code == 201, walk.text
        assert walk.json()["kind"] == "walk_in"
        too_few = app_client.post(
            f"/api/v1/receptions/{reception['id']}/record",
            json={"came": [booking["id"]], "people": 2},
            headers=staff,
        )
        assert too_few.status_code == 422  # four came: the walk-in's three and the booker
        recorded = app_client.post(
            f"/api/v1/receptions/{reception['id']}/record",
            json={"came": [booking["id"]], "people": 5, "summary": "现场答复两件"},
            headers=staff,
        ).json()
        assert (recorded["status"], recorded["people"]) == ("held", 5)
        raised = app_client.post(
            f"/api/v1/receptions/bookings/{booking['id']}/case", json={"hold": True}, headers=staff
        )
        assert raised.status_code == 200, raised.text
        out = raised.json()
        assert out["is_held"] is True
        twice = app_client.post(
            f"/api/v1/receptions/bookings/{booking['id']}/case", json={"hold": True}, headers=staff
        ).json()
        assert twice["case_id"] == out["case_id"]
        case = app_client.get(f"/api/v1/appeals/{out['case_id']}", headers=staff).json()
        assert case["channel"] == "reception"
        held = app_client.get(
            "/api/v1/holdings", params={"leader": "secretary"}, headers=auth(app_client, "admin")
        ).json()
        assert any(h["case_id"] == out["case_id"] for h in held["items"]), held
        # The leader records a matter themself: followed, not held.
        followed = app_client.post(
            f"/api/v1/receptions/bookings/{walk.json()['id']}/case",
            json={"hold": False},
            headers=auth(app_client, "secretary"),
        )
        assert followed.status_code == 200, followed.text
        assert followed.json()["is_held"] is False
        visit = app_client.post(
            f"/api/v1/receptions/{reception['id']}/home-visits",
            json={
                "booking_id": booking["id"],
                "visited_at": (START - timedelta(minutes=5)).isoformat(),
                "place": "锦绣小区3栋",
                "people": 2,
                "notes": "上门了解电梯维修进度",
            },
            headers=staff,
        )
        assert visit.status_code == 201, visit.text
        timeline = app_client.get(
            f"/api/v1/appeals/{out['case_id']}/timeline", headers=auth(app_client, "admin")
        ).json()
        actions = [e["action"] for e in timeline]
        assert "holding_take" in actions and "reception_visit" in actions

        figures = app_client.get(
            "/api/v1/receptions/figures", headers=auth(app_client, "mayor")
        ).json()
        mine = next(f for f in figures if f["title"] == "区委书记")
        assert mine["receptions"] >= 1 and mine["people"] >= 5 and mine["cases"] >= 1
        assert mine["held"] >= 1 and mine["home_visits"] >= 1

    def test_who_reads_which_citizen(self, app_client: TestClient) -> None:
        reception = _schedule(app_client, "admin", area="S01C01")
        phone = unique_phone()
        assert _book(app_client, reception["slots"][1]["id"], phone, name="钱多多").is_success

        def seen(user: str) -> Any:
            return app_client.get(
                f"/api/v1/receptions/{reception['id']}", headers=auth(app_client, user)
            )

        leader = next(c for c in seen("secretary").json()["citizens"] if c["phone"] == phone)
        assert leader["name"] == "钱多多"
        other = seen("mayor").json()["citizens"]
        assert phone not in str(other) and "钱多多" not in str(other)
        assert any(c["name"] == "钱**" for c in other)
        assert seen("s01c01.staff").json()["citizens"][0]["name"] == "钱多多"
        assert seen("s02.staff").status_code == 404
        assert seen("dep01.handler").status_code == 404
