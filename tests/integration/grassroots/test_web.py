"""The coverage pages and the patrol phone page, as their users use them, on both databases."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from webclient import csrf_of, signed_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class TestCoveragePages:
    def test_street_staff_see_their_street_with_map_and_gaps(self, app_client: TestClient) -> None:
        client = signed_in(app_client, "s01.staff")
        page = client.get("/console/grassroots")
        assert page.status_code == 200
        for word in (
            "网格覆盖情况",
            "覆盖率",
            "处置率",
            "无人包联",
            "下级区域",
            "双报到响应率",
        ):
            assert word in page.text
        # The map is drawn into the page: each community on it links to its own page.
        map_part = page.text.split('id="coverage-map"', 1)[1].split("</svg>", 1)[0]
        assert 'role="group"' in map_part
        assert re.search(
            r'<a href="/console/grassroots\?area=S01C01" aria-label="[^"]*覆盖率', map_part
        )
        svg = client.get("/console/grassroots/map.svg?area=S01")
        assert svg.headers["content-type"].startswith("image/svg+xml")
        assert "按期走访" in svg.text and "<rect" in svg.text
        assert client.get("/console/grassroots?area=S02").status_code == 404

    def test_a_unit_handler_is_refused(self, app_client: TestClient) -> None:
        assert signed_in(app_client, "dep01.handler").get("/console/grassroots").status_code == 403

    def test_a_cadre_with_an_assignment_has_the_patrol_link(self, app_client: TestClient) -> None:
        """dep01.handler covers a road of S01C01 (demo); dep02.handler covers nothing."""
        link = 'href="/console/grassroots/patrol"'
        cadre = signed_in(app_client, "dep01.handler").get("/console/tasks")
        assert cadre.status_code == 200 and link in cadre.text
        patrol = signed_in(app_client, "dep01.handler").get("/console/grassroots/patrol")
        assert patrol.status_code == 200 and "路" in patrol.text
        assert link not in signed_in(app_client, "dep02.handler").get("/console/tasks").text

    def test_people_and_places_pages(self, app_client: TestClient) -> None:
        client = signed_in(app_client, "s01c02.staff")
        people = client.get("/console/grassroots/people")
        assert "第一党支部" in people.text and "网格员" in people.text
        places = client.get("/console/grassroots/places?area=S01C02G01")
        assert "花园1栋" in places.text

    def test_import_reports_bad_rows_on_the_page(self, app_client: TestClient) -> None:
        client = signed_in(app_client, "s01c02.staff")
        data = "类型,编码,名称,网格编码\n楼栋,WEB-OK-1,网页导入楼,S01C02G04\n楼栋,WEB-BAD-1,,S01C02G04\n".encode()
        r = client.post(
            "/console/grassroots/places/import",
            data={"csrf_token": csrf_of(client, "/console/grassroots/places"), "area": "S01C02G04"},
            files={"file": ("p.csv", data, "text/csv")},
        )
        assert r.status_code == 200, r.text
        assert "第3行：名称不能为空" in r.text
        assert re.search(r"新增 [01] 条", r.text)


class TestPatrolPhonePage:
    def test_a_grid_worker_records_a_finding_with_a_photo_and_it_becomes_a_case(
        self, app_client: TestClient
    ) -> None:
        client = signed_in(app_client, "s01c03g01.staff")
        page = client.get("/console/grassroots/patrol")
        assert page.status_code == 200
        building = re.search(r'name="building_id" value="(\d+)"', page.text)
        assert building
        r = client.post(
            "/console/grassroots/patrol",
            data={
                "csrf_token": csrf_of(client, "/console/grassroots/patrol"),
                "building_id": building.group(1),
                "finding": "2单元门口井盖破损，有老人差点绊倒",
                "raise_event": "1",
            },
            files={"photos": ("well.png", PNG, "image/png")},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        done = client.get(r.headers["location"])
        assert "已上报为网格事件" in done.text
        case_id = re.search(r'id="patrol-done".*?/console/cases/(\d+)', done.text, re.S)
        assert case_id
        case = client.get(f"/console/cases/{case_id.group(1)}")
        assert "井盖破损" in case.text and "well.png" in case.text

    def test_the_worker_chooses_how_the_event_is_handled_on_the_phone_page(
        self, app_client: TestClient
    ) -> None:
        client = signed_in(app_client, "s01c09g01.staff")
        page = client.get("/console/grassroots/patrol")
        for word in ("小事一格解决", "网格吹哨、部门报到", "交分拨中心分拨", "吹哨召集的部门"):
            assert word in page.text
        building = re.search(r'name="building_id" value="(\d+)"', page.text)
        assert building
        r = client.post(
            "/console/grassroots/patrol",
            data={
                "csrf_token": csrf_of(client, "/console/grassroots/patrol"),
                "building_id": building.group(1),
                "finding": "单元门禁损坏",
                "raise_event": "1",
                "handling": "grid",
                "solved": "已当场修好门禁",
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        done = client.get(r.headers["location"])
        assert re.search(r'id="done-handling">小事一格解决<', done.text)
        # Raised without a choice, it is chosen afterwards from the list; a refusal says why.
        r = client.post(
            "/console/grassroots/patrol",
            data={
                "csrf_token": csrf_of(client, "/console/grassroots/patrol"),
                "building_id": building.group(1),
                "finding": "路灯不亮",
                "raise_event": "1",
            },
            follow_redirects=False,
        )
        patrol_id = r.headers["location"].rsplit("=", 1)[1]
        url = f"/console/grassroots/patrols/{patrol_id}/handling"
        token = csrf_of(client, "/console/grassroots/patrol")
        refused = client.post(url, data={"csrf_token": token, "handling": "whistle"})
        assert refused.status_code == 422 and "请选择要吹哨召集的部门" in refused.text
        r = client.post(
            url,
            data={"csrf_token": token, "handling": "whistle", "units": ["DEP31"]},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        assert "网格吹哨、部门报到" in client.get(r.headers["location"]).text

    def test_a_visit_without_a_building_is_refused_with_the_form_again(
        self, app_client: TestClient
    ) -> None:
        client = signed_in(app_client, "s01c03g01.staff")
        r = client.post(
            "/console/grassroots/patrol",
            data={
                "csrf_token": csrf_of(client, "/console/grassroots/patrol"),
                "finding": "保留的文字",
            },
        )
        assert r.status_code == 422
        assert "请选择走访的楼栋" in r.text and "保留的文字" in r.text
