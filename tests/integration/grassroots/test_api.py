"""Grid coverage through the API on both databases: places imported with row errors, coverers,
coverage gaps (list and map), patrols and the grid event a finding becomes."""

from __future__ import annotations

import io
import uuid

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from factories import auth
from minyi.core.errors import Invalid
from minyi.grassroots.service import read_place_file

COMMUNITY = "S01C02"
GRID = "S01C02G05"


def _code(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def _csv(rows: list[list[str]]) -> bytes:
    lines = ["类型,编码,名称,网格编码,道路编码,地址,户数", *(",".join(r) for r in rows)]
    return "\n".join(lines).encode("utf-8-sig")


def _import(client: TestClient, user: str, data: bytes, name: str = "places.csv") -> dict:
    r = client.post(
        "/api/v1/grassroots/places/import", files={"file": (name, data)}, headers=auth(client, user)
    )
    assert r.status_code == 200, r.text
    return r.json()


class TestPlaces:
    def test_good_rows_are_kept_and_bad_rows_reported_by_line(self, app_client: TestClient) -> None:
        road, b1, b2 = _code("R"), _code("B"), _code("B")
        out = _import(
            app_client,
            "s01.staff",
            _csv(
                [
                    ["道路", road, "试验路", GRID, "", "", ""],
                    ["楼栋", b1, "试验1栋", GRID, road, "试验路1号", "40"],
                    ["楼栋", b2, "试验2栋", "NOPE", "", "", ""],
                    ["楼栋", _code("B"), "", GRID, "", "", ""],
                    ["楼栋", _code("B"), "户数错", GRID, "", "", "很多"],
                    ["楼栋", _code("B"), "别街道的", "S02C01G01", "", "", ""],
                ]
            ),
        )
        assert out["created"] == 2
        assert {e["line"]: e["message"] for e in out["errors"]} == {
            4: "网格编码“NOPE”不存在",
            5: "名称不能为空，且不超过100个字符",
            6: "户数须为整数",
            7: f"网格“{self._grid_name(app_client, 'S02C01G01')}”不在您的辖区内",
        }
        again = _import(
            app_client, "s01.staff", _csv([["楼栋", b1, "试验1栋（改）", GRID, road, "", "41"]])
        )
        assert (again["created"], again["updated"], again["errors"]) == (0, 1, [])

    def _grid_name(self, client: TestClient, code: str) -> str:
        units = client.get("/api/v1/units", headers=auth(client, "admin")).json()
        items = units["items"] if isinstance(units, dict) else units
        return next(u["name"] for u in items if u["code"] == code)

    def test_xlsx_imports_like_csv(self, app_client: TestClient) -> None:
        wb = Workbook()
        ws = wb.active
        code = _code("B")
        ws.append(["类型", "编码", "名称", "网格编码", "户数"])
        ws.append(["楼栋", code, "表格1栋", GRID, 12])
        buf = io.BytesIO()
        wb.save(buf)
        out = _import(app_client, "admin", buf.getvalue(), "places.xlsx")
        assert (out["created"], out["errors"]) == (1, [])

    def test_a_file_without_the_columns_is_refused_whole(self, app_client: TestClient) -> None:
        r = app_client.post(
            "/api/v1/grassroots/places/import",
            files={"file": ("x.csv", b"a,b\n1,2\n")},
            headers=auth(app_client, "admin"),
        )
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "bad_header"

    def test_a_unit_handler_may_not_import(self, app_client: TestClient) -> None:
        r = app_client.post(
            "/api/v1/grassroots/places/import",
            files={"file": ("x.csv", _csv([]))},
            headers=auth(app_client, "dep01.handler"),
        )
        assert r.status_code == 403


class TestCoverage:
    def test_a_new_building_is_a_gap_until_assigned_and_visited(
        self, app_client: TestClient
    ) -> None:
        code = _code("B")
        _import(app_client, "admin", _csv([["楼栋", code, "缺口楼", GRID, "", "", "10"]]))
        h = auth(app_client, "s01c02.staff")

        def state() -> str:
            rows = app_client.get(
                "/api/v1/grassroots/coverage", params={"area": GRID, "page_size": 500}, headers=h
            ).json()
            return next(b["state"] for b in rows["items"] if b["code"] == code)

        assert state() == "unassigned"
        r = app_client.post(
            "/api/v1/grassroots/assignments",
            json={
                "username": "s01c02.staff",
                "kind": "party_member",
                "building": code,
                "visit_days": 7,
            },
            headers=h,
        )
        assert r.status_code == 201, r.text
        assert (r.json()["kind_label"], r.json()["place"], r.json()["visit_days"]) == (
            "党员",
            "缺口楼",
            7,
        )
        assert state() == "overdue"  # assigned but never visited
        building_id = next(
            b["id"]
            for b in app_client.get(
                "/api/v1/grassroots/coverage", params={"area": GRID, "page_size": 500}, headers=h
            ).json()["items"]
            if b["code"] == code
        )
        r = app_client.post(
            "/api/v1/grassroots/patrols", json={"building_id": building_id}, headers=h
        )
        assert r.status_code == 201, r.text
        assert state() == "covered"
        end = app_client.post(
            f"/api/v1/grassroots/assignments/{self._assignment(app_client, h)}/end", headers=h
        )
        assert end.status_code == 200
        assert state() == "unassigned"

    def _assignment(self, client: TestClient, h: dict[str, str]) -> int:
        rows = client.get("/api/v1/grassroots/assignments", params={"area": GRID}, headers=h).json()
        return next(a["id"] for a in rows if a["place"] == "缺口楼")

    def test_counts_and_children_add_up(self, app_client: TestClient) -> None:
        out = app_client.get(
            "/api/v1/grassroots/coverage",
            params={"area": "S01"},
            headers=auth(app_client, "s01.staff"),
        ).json()
        c = out["area"]["counts"]
        assert c["total"] == c["unassigned"] + c["overdue"] + c["covered"] > 0
        assert sum(ch["counts"]["total"] for ch in out["children"]) == c["total"]
        assert all(ch["kind"] == "community" for ch in out["children"])

    def test_an_area_outside_the_readers_is_not_found(self, app_client: TestClient) -> None:
        r = app_client.get(
            "/api/v1/grassroots/coverage",
            params={"area": "S02"},
            headers=auth(app_client, "s01.staff"),
        )
        assert r.status_code == 404

    def test_the_map_is_svg_with_a_chinese_legend(self, app_client: TestClient) -> None:
        r = app_client.get("/api/v1/grassroots/coverage.svg", headers=auth(app_client, "secretary"))
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("image/svg+xml")
        for word in ("按期走访", "超期未走访", "无人包联", "覆盖率"):
            assert word in r.text

    def test_branches_show_their_members(self, app_client: TestClient) -> None:
        rows = app_client.get(
            "/api/v1/grassroots/branches",
            params={"area": COMMUNITY},
            headers=auth(app_client, "s01c02.staff"),
        ).json()
        assert rows and rows[0]["name"].endswith("第一党支部")
        assert rows[0]["members"] >= 1


class TestPatrols:
    def _building(self, client: TestClient, user: str, grid: str) -> int:
        rows = client.get(
            "/api/v1/grassroots/coverage",
            params={"area": grid, "page_size": 500},
            headers=auth(client, user),
        ).json()
        return rows["items"][0]["id"]

    def test_a_finding_becomes_a_grid_case_once(self, app_client: TestClient) -> None:
        h = auth(app_client, "s01c02g01.staff")
        bid = self._building(app_client, "s01c02g01.staff", "S01C02G01")
        r = app_client.post(
            "/api/v1/grassroots/patrols",
            json={
                "building_id": bid,
                "finding": "3单元楼道堆放杂物，消防通道堵塞",
                "raise_event": True,
            },
            headers=h,
        )
        assert r.status_code == 201, r.text
        patrol = r.json()
        assert patrol["case_id"] and patrol["tracking_no"]
        case = app_client.get(f"/api/v1/appeals/{patrol['case_id']}", headers=h).json()
        assert case["channel"] == "grid" or "grid" in str(case.get("channel"))
        again = app_client.post(f"/api/v1/grassroots/patrols/{patrol['id']}/event", headers=h)
        assert again.status_code == 200
        assert again.json()["case_id"] == patrol["case_id"]
        figures = app_client.get(
            "/api/v1/grassroots/figures", params={"area": "S01C02G01"}, headers=h
        ).json()
        assert figures["events"] >= 1 and figures["findings"] >= 1

    def test_a_visit_without_finding_cannot_be_raised(self, app_client: TestClient) -> None:
        h = auth(app_client, "s01c02g01.staff")
        bid = self._building(app_client, "s01c02g01.staff", "S01C02G01")
        patrol = app_client.post(
            "/api/v1/grassroots/patrols", json={"building_id": bid}, headers=h
        ).json()
        r = app_client.post(f"/api/v1/grassroots/patrols/{patrol['id']}/event", headers=h)
        assert (r.status_code, r.json()["error"]["code"]) == (422, "no_finding")

    def test_a_worker_may_not_patrol_another_grid(self, app_client: TestClient) -> None:
        bid = self._building(app_client, "s02.staff", "S02C01G02")
        r = app_client.post(
            "/api/v1/grassroots/patrols",
            json={"building_id": bid},
            headers=auth(app_client, "s01c02g01.staff"),
        )
        assert r.status_code == 404

    def test_a_finding_is_hidden_from_oversight_and_clear_for_the_area(
        self, app_client: TestClient
    ) -> None:
        h = auth(app_client, "s01c02g01.staff")
        bid = self._building(app_client, "s01c02g01.staff", "S01C02G01")
        app_client.post(
            "/api/v1/grassroots/patrols",
            json={"building_id": bid, "finding": "住户王建国反映电话13812345678漏水"},
            headers=h,
        )
        area = app_client.get(
            "/api/v1/grassroots/patrols",
            params={"area": "S01C02"},
            headers=auth(app_client, "s01c02.staff"),
        ).json()
        leader = app_client.get(
            "/api/v1/grassroots/patrols",
            params={"area": "S01C02"},
            headers=auth(app_client, "secretary"),
        ).json()
        assert any("13812345678" in (p["finding"] or "") for p in area)
        assert not any("13812345678" in (p["finding"] or "") for p in leader)
        assert any(
            "仅本网格所在街道、社区、网格工作人员可见" in (p["finding"] or "") for p in leader
        )


def test_a_csv_the_reader_cannot_split_is_refused_not_a_server_error() -> None:
    # A field past the csv module's limit (the schema fuzzer found it as a 500).
    with pytest.raises(Invalid) as refused:
        read_place_file("places.csv", b"kind,code,name,grid\n" + b"x" * 200_000)
    assert refused.value.code == "bad_file"
