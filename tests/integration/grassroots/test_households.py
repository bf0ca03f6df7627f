"""Households (户) under buildings on both databases: imported with the place file (bad rows
reported by line), added and edited, visited on a patrol; the head's name and phone through the
privacy policy."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import auth
from minyi.core.db import Database
from minyi.grassroots.models import Building, Household
from webclient import csrf_of, signed_in

GRID = "S01C02G05"


def _code(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def _csv(header: str, rows: list[str]) -> bytes:
    return "\n".join([header, *rows]).encode("utf-8-sig")


def _import(client: TestClient, user: str, data: bytes) -> dict[str, Any]:
    r = client.post(
        "/api/v1/grassroots/places/import",
        files={"file": ("places.csv", data)},
        headers=auth(client, user),
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def households(client: TestClient, user: str, building: int) -> list[dict[str, Any]]:
    r = client.get(
        f"/api/v1/grassroots/buildings/{building}/households", headers=auth(client, user)
    )
    assert r.status_code == 200, r.text
    return list(r.json())


class TestImport:
    def test_households_come_with_their_building_in_one_file(
        self, app_client: TestClient, db: Database
    ) -> None:
        b, h1, h2 = _code("B"), _code("H"), _code("H")
        header = "类型,编码,名称,网格编码,楼栋编码,户主姓名,联系电话,人口"
        out = _import(
            app_client,
            "s01.staff",
            _csv(
                header,
                [
                    f"住户,{h1},1单元101,,{b},王建国,13912345678,3",
                    f"楼栋,{b},导入户测试楼,{GRID},,,,",
                    f"住户,{h2},1单元102,,{b},,,",
                    f"住户,{_code('H')},1单元103,,NOPE,,,",
                    f"住户,{_code('H')},1单元104,,{b},李四,电话坏了,2",
                    f"住户,{_code('H')},,,{b},,,",
                    f"住户,{_code('H')},1单元105,S02C01G01,{b},,,",
                ],
            ),
        )
        assert out["created"] == 3
        assert {e["line"]: e["message"] for e in out["errors"]} == {
            5: "楼栋编码“NOPE”不存在",
            6: "联系电话格式不正确",
            7: "住户名称（门牌）不能为空，且不超过60个字符",
            8: "楼栋“导入户测试楼”不在网格“S02C01G01”内",
        }
        with db.reading() as session:
            rows = session.scalars(
                select(Household)
                .join(Building, Building.id == Household.building_id)
                .where(Building.code == b)
                .order_by(Household.room)
            ).all()
            assert [(h.room, h.head_name, h.members) for h in rows] == [
                ("1单元101", "王建国", 3),
                ("1单元102", None, 0),
            ]
        again = _import(
            app_client, "s01.staff", _csv(header, [f"住户,{h1},1单元101,,{b},王建国,,4"])
        )
        assert (again["created"], again["updated"], again["errors"]) == (0, 1, [])

    def test_another_streets_building_is_out_of_reach(self, app_client: TestClient) -> None:
        out = _import(
            app_client,
            "s02.staff",
            _csv("类型,编码,名称,楼栋编码", [f"住户,{_code('H')},1单元101,{GRID}-B1"]),
        )
        assert out["created"] == 0
        assert out["errors"][0]["line"] == 2 and "不在您的辖区内" in out["errors"][0]["message"]


class TestEditAndPrivacy:
    def test_the_area_reads_heads_in_clear_coverers_masked_others_not_at_all(
        self, app_client: TestClient, db: Database
    ) -> None:
        with db.reading() as session:
            # Grid 3's road of S01C01 is covered by a cadre sent down from a department (demo).
            building = session.scalar(select(Building.id).where(Building.code == "S01C01G03-B1"))
        assert building is not None
        r = app_client.post(
            f"/api/v1/grassroots/buildings/{building}/households",
            json={"room": _code("3单元"), "head_name": "欧阳娜娜", "head_phone": "13800138000"},
            headers=auth(app_client, "s01c01.staff"),
        )
        assert r.status_code == 201, r.text
        made = r.json()
        assert (made["head_name"], made["head_phone"]) == ("欧阳娜娜", "13800138000")
        mine = next(
            h for h in households(app_client, "s01.staff", building) if h["id"] == made["id"]
        )
        assert mine["head_name"] == "欧阳娜娜"
        cadre = next(
            h for h in households(app_client, "dep01.handler", building) if h["id"] == made["id"]
        )
        assert cadre["head_name"] == "欧阳**" and cadre["head_phone"] != "13800138000"
        assert cadre["head_phone"].endswith("8000")
        for user in ("secretary", "admin"):
            row = next(h for h in households(app_client, user, building) if h["id"] == made["id"])
            assert (row["head_name"], row["head_phone"]) == (None, None), user
        edited = app_client.put(
            f"/api/v1/grassroots/buildings/{building}/households/{made['id']}",
            json={"room": made["room"], "head_name": "欧阳娜娜", "members": 4, "is_active": False},
            headers=auth(app_client, "s01c01.staff"),
        )
        assert edited.status_code == 200, edited.text
        assert (edited.json()["members"], edited.json()["is_active"]) == (4, False)
        assert edited.json()["head_phone"] is None

    def test_bad_input_changes_nothing(self, app_client: TestClient, db: Database) -> None:
        with db.reading() as session:
            building = session.scalar(select(Building.id).where(Building.code == "S01C01G02-B1"))
        h = auth(app_client, "s01c01.staff")
        url = f"/api/v1/grassroots/buildings/{building}/households"
        before = len(households(app_client, "s01c01.staff", int(building or 0)))
        bad = app_client.post(url, json={"room": "1-1", "head_phone": "abc"}, headers=h)
        assert bad.status_code == 422 and bad.json()["error"]["message"] == "联系电话格式不正确"
        assert (
            app_client.post(
                url, json={"room": "1-1"}, headers=auth(app_client, "dep01.handler")
            ).status_code
            == 403
        )
        room = _code("2单元")
        assert app_client.post(url, json={"room": room}, headers=h).status_code == 201
        twice = app_client.post(url, json={"room": room}, headers=h)
        assert twice.status_code == 409
        assert len(households(app_client, "s01c01.staff", int(building or 0))) == before + 1


class TestVisit:
    def test_a_patrol_records_the_household_visited(
        self, app_client: TestClient, db: Database
    ) -> None:
        with db.reading() as session:
            building, other = (
                session.scalar(select(Building.id).where(Building.code == code))
                for code in ("S01C03G01-B1", "S01C03G01-B2")
            )
        rows = households(app_client, "s01c03g01.staff", int(building or 0))
        assert rows, "the demo registers households in each community's first building"
        worker = auth(app_client, "s01c03g01.staff")
        r = app_client.post(
            "/api/v1/grassroots/patrols",
            json={"building_id": building, "household_id": rows[0]["id"]},
            headers=worker,
        )
        assert r.status_code == 201, r.text
        assert r.json()["household"] == rows[0]["room"]
        after = households(app_client, "s01c03g01.staff", int(building or 0))
        assert next(h for h in after if h["id"] == rows[0]["id"])["last_visited_at"]
        wrong = app_client.post(
            "/api/v1/grassroots/patrols",
            json={"building_id": other, "household_id": rows[0]["id"]},
            headers=worker,
        )
        assert wrong.status_code == 422

    def test_the_phone_page_offers_the_households_of_the_building_chosen(
        self, app_client: TestClient, db: Database
    ) -> None:
        with db.reading() as session:
            building = session.scalar(select(Building.id).where(Building.code == "S01C04G01-B1"))
            room = session.scalar(
                select(Household.room)
                .where(Household.building_id == building)
                .order_by(Household.room)
            )
        client = signed_in(app_client, "s01c04g01.staff")
        page = client.get(f"/console/grassroots/patrol?building={building}")
        assert (
            page.status_code == 200
            and 'name="household_id"' in page.text
            and str(room) in page.text
        )
        staff = signed_in(app_client, "s01c04.staff")
        building_page = staff.get(f"/console/grassroots/buildings/{building}")
        assert "新增住户" in building_page.text and str(room) in building_page.text
        r = staff.post(
            f"/console/grassroots/buildings/{building}/households",
            data={
                "csrf_token": csrf_of(staff, f"/console/grassroots/buildings/{building}"),
                "room": "9单元901",
                "head_name": "赵六",
                "head_phone": "13700001111",
                "members": "2",
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        assert "9单元901" in staff.get(f"/console/grassroots/buildings/{building}").text
        bad = staff.post(
            f"/console/grassroots/buildings/{building}/households",
            data={
                "csrf_token": csrf_of(staff, f"/console/grassroots/buildings/{building}"),
                "room": "",
            },
        )
        assert bad.status_code == 200 and "不能为空" in bad.text
