"""The desk pages on both backends: the clerk's registration form (热线/来访/来信, accept or
decline right there, the caller's earlier appeals) and the grid worker's report (网格上报)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from factories import act, make_appeal, unique_phone
from minyi.cases.models import Appeal, Case, CaseEvent
from minyi.core.db import Database
from minyi.intake.models import Attachment, Channel
from minyi.org.models import Unit
from webclient import signed_in

TOKEN = re.compile(r'name="form_token" value="([0-9a-f]{32})"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64
CODE = re.compile(r"\b(S\d\d(C\d\d)?(G\d\d)?|DEP\d\d|DISPATCH|hotline_12345|walk_in)\b")


def fresh_form(client: TestClient, path: str = "/console/intake") -> dict[str, str]:
    page = client.get(path)
    assert page.status_code == 200, page.text
    token, csrf = TOKEN.search(page.text), CSRF.search(page.text)
    assert token and csrf
    return {"csrf_token": csrf.group(1), "form_token": token.group(1)}


def cases_of(db: Database, phone: str) -> list[Case]:
    with db.reading() as session:
        return list(
            session.scalars(
                select(Case).join(Appeal, Appeal.id == Case.appeal_id).where(Appeal.phone == phone)
            )
        )


def appeal_of(db: Database, case_id: int) -> tuple[Appeal, str, list[Attachment]]:
    with db.reading() as session:
        appeal = session.scalars(
            select(Appeal).join(Case, Case.appeal_id == Appeal.id).where(Case.id == case_id)
        ).one()
        kind = session.scalar(select(Channel.kind).where(Channel.id == appeal.channel_id))
        files = list(session.scalars(select(Attachment).where(Attachment.appeal_id == appeal.id)))
        return appeal, str(kind), files


def done_id(r: object) -> int:
    location = r.headers["location"]  # type: ignore[attr-defined]
    found = re.search(r"done=(\d+)$", location)
    assert found, location
    return int(found.group(1))


@pytest.fixture
def clerk(app_client: TestClient) -> TestClient:
    return signed_in(app_client, "clerk")


class TestClerkRegisters:
    def test_a_hotline_call_is_registered_and_accepted(
        self, clerk: TestClient, db: Database
    ) -> None:
        phone = unique_phone()
        r = clerk.post(
            "/console/intake",
            data=fresh_form(clerk)
            | {
                "kind": "hotline",
                "phone": phone,
                "name": "李先生",
                "body": "小区电梯停运三天",
                "street": "S01",
                "community": "S01C02",
                "address": "滨江路1号",
                "decision": "accept",
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        case_id = done_id(r)
        [case] = cases_of(db, phone)
        assert (case.id, case.status) == (case_id, "accepted")
        appeal, kind, _ = appeal_of(db, case_id)
        assert kind == "hotline" and appeal.citizen_name == "李先生"
        page = clerk.get(r.headers["location"])
        assert case.tracking_no in page.text and "已受理" in page.text

    def test_a_walk_in_keeps_the_number_of_visitors(self, clerk: TestClient, db: Database) -> None:
        phone = unique_phone()
        r = clerk.post(
            "/console/intake",
            data=fresh_form(clerk)
            | {
                "kind": "walk_in",
                "phone": phone,
                "body": "拖欠工资，六人一同来访",
                "visitors": "6",
                "decision": "register",
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        appeal, kind, _ = appeal_of(db, done_id(r))
        assert (kind, appeal.crowd_size) == ("walk_in", 6)
        assert cases_of(db, phone)[0].status == "registered"

    def test_a_letter_carries_its_scan(self, clerk: TestClient, db: Database) -> None:
        phone = unique_phone()
        data = fresh_form(clerk) | {
            "kind": "letter",
            "phone": phone,
            "body": "来信反映道路破损",
            "decision": "accept",
        }
        r = clerk.post(
            "/console/intake",
            data=data,
            files=[("files", ("来信.pdf", PDF, "application/pdf"))],
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        _, kind, files = appeal_of(db, done_id(r))
        assert kind == "letter" and [f.filename for f in files] == ["来信.pdf"]

    def test_a_letter_without_its_scan_is_refused_with_the_input_kept(
        self, clerk: TestClient, db: Database
    ) -> None:
        phone = unique_phone()
        r = clerk.post(
            "/console/intake",
            data=fresh_form(clerk)
            | {
                "kind": "letter",
                "phone": phone,
                "body": "来信内容：路灯不亮",
                "decision": "accept",
            },
            follow_redirects=False,
        )
        assert r.status_code == 422
        assert "来信扫描件" in r.text and "来信内容：路灯不亮" in r.text and phone in r.text
        assert cases_of(db, phone) == []

    def test_a_decline_needs_a_reason_and_registers_nothing_without_one(
        self, clerk: TestClient, db: Database
    ) -> None:
        phone = unique_phone()
        form = fresh_form(clerk) | {
            "kind": "hotline",
            "phone": phone,
            "body": "咨询个人所得税政策",
            "decision": "decline",
        }
        r = clerk.post("/console/intake", data=form, follow_redirects=False)
        assert (
            r.status_code == 422
            and "不予受理须填写理由" in r.text
            and "咨询个人所得税政策" in r.text
        )
        assert cases_of(db, phone) == []
        again = TOKEN.search(r.text)
        assert (
            again and again.group(1) == form["form_token"]
        )  # nothing was filed with it: the same form goes on
        r = clerk.post(
            "/console/intake",
            data=form | {"reason": "属税务咨询，已告知拨打12366"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        [case] = cases_of(db, phone)
        assert case.status == "declined" and case.reply_text == "属税务咨询，已告知拨打12366"

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("phone", "12345", "不是有效的手机号"),
            ("id_card", "110101199003071234", "身份证号码校验位不正确"),
            ("visitors", "六", "来访人数"),
            ("body", "", "诉求内容：请填写"),
            ("kind", "fax", "请选择登记方式"),
            ("community", "S02C01", "所选社区不属于所选街道"),
        ],
    )
    def test_bad_input_shows_on_the_form_in_chinese(
        self, clerk: TestClient, db: Database, field: str, value: str, message: str
    ) -> None:
        phone = unique_phone()
        data = {
            "kind": "walk_in",
            "phone": phone,
            "body": "楼上漏水",
            "street": "S01",
            "address": "青年路9号",
            "decision": "accept",
        }
        r = clerk.post(
            "/console/intake",
            data=fresh_form(clerk) | data | {field: value},
            follow_redirects=False,
        )
        assert r.status_code == 422, r.text
        assert message in r.text
        assert "青年路9号" in r.text  # the typed input is kept
        assert cases_of(db, phone) == []

    def test_a_double_submit_files_one_appeal_and_decides_once(
        self, clerk: TestClient, db: Database
    ) -> None:
        phone = unique_phone()
        form = fresh_form(clerk) | {
            "kind": "hotline",
            "phone": phone,
            "body": "噪音扰民",
            "decision": "accept",
        }
        first = clerk.post(
            "/console/intake",
            data=form,
            files=[("files", ("a.png", PNG, "image/png"))],
            follow_redirects=False,
        )
        second = clerk.post(
            "/console/intake",
            data=form,
            files=[("files", ("a.png", PNG, "image/png"))],
            follow_redirects=False,
        )
        assert (first.status_code, second.status_code) == (303, 303), second.text
        assert first.headers["location"] == second.headers["location"]
        [case] = cases_of(db, phone)
        _, _, files = appeal_of(db, case.id)
        assert len(files) == 1
        with db.reading() as session:
            accepts = session.scalar(
                select(func.count())
                .select_from(CaseEvent)
                .where(CaseEvent.case_id == case.id, CaseEvent.action == "accept")
            )
        assert accepts == 1

    def test_the_same_form_with_other_words_is_not_a_second_appeal(
        self, clerk: TestClient, db: Database
    ) -> None:
        phone = unique_phone()
        form = fresh_form(clerk) | {
            "kind": "hotline",
            "phone": phone,
            "body": "噪音扰民",
            "decision": "register",
        }
        assert clerk.post("/console/intake", data=form, follow_redirects=False).status_code == 303
        r = clerk.post(
            "/console/intake", data=form | {"body": "噪音扰民，夜间施工"}, follow_redirects=False
        )
        assert r.status_code == 409 and "已经提交过" in r.text and "夜间施工" in r.text
        again = TOKEN.search(r.text)
        assert again and again.group(1) != form["form_token"]
        assert len(cases_of(db, phone)) == 1

    def test_roles_outside_the_desk_may_not_register(self, app_client: TestClient) -> None:
        for user in ("secretary", "dep01.handler", "s01c01g01.staff"):
            client = signed_in(app_client, user)
            assert client.get("/console/intake").status_code == 403, user

    def test_the_page_names_places_not_codes(self, clerk: TestClient) -> None:
        page = clerk.get("/console/intake").text
        visible = re.sub(
            r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", page, flags=re.S)
        )
        assert "12345热线" in visible and "来访" in visible and "来信" in visible
        assert CODE.findall(visible) == []


class TestEarlierAppeals:
    def lookup(self, client: TestClient, phone: str) -> object:
        return client.post(
            "/console/intake/earlier",
            data={"csrf_token": fresh_form(client)["csrf_token"], "phone": phone},
        )

    def test_the_callers_earlier_appeals_show_with_links(
        self, app_client: TestClient, clerk: TestClient
    ) -> None:
        phone = unique_phone()
        old = make_appeal(
            app_client, phone=phone, title="楼道堆放杂物", body="楼道堆放杂物无人清理"
        )
        assert act(app_client, old["id"], "accept", "clerk").status_code == 200
        r = self.lookup(clerk, f"{phone[:3]} {phone[3:7]} {phone[7:]}")
        assert r.status_code == 200  # type: ignore[attr-defined]
        text = r.text  # type: ignore[attr-defined]
        assert f'href="/console/cases/{old["id"]}"' in text and old["tracking_no"] in text
        assert "楼道堆放杂物" in text and "重复件" in text and "<html" not in text

    def test_a_new_number_is_a_first_appeal(self, clerk: TestClient) -> None:
        r = self.lookup(clerk, unique_phone())
        assert r.status_code == 200 and "初信初访" in r.text  # type: ignore[attr-defined]

    def test_an_incomplete_number_is_refused_without_a_search(self, clerk: TestClient) -> None:
        r = self.lookup(clerk, "1390000")
        assert r.status_code == 422 and "完整" in r.text  # type: ignore[attr-defined]

    def test_a_reader_who_sees_numbers_masked_finds_nothing_by_one(
        self, app_client: TestClient
    ) -> None:
        phone = unique_phone()
        old = make_appeal(app_client, phone=phone, body="噪音扰民")
        admin = signed_in(app_client, "admin")  # oversight: reads complainants masked
        r = self.lookup(admin, phone)
        assert r.status_code == 200 and old["tracking_no"] not in r.text and "仅限受理员" in r.text  # type: ignore[attr-defined]

    def test_a_case_hiding_the_complainant_from_the_clerks_unit_is_not_listed(
        self, app_client: TestClient, clerk: TestClient, db: Database
    ) -> None:
        phone = unique_phone()
        old = make_appeal(app_client, phone=phone, body="投诉受理窗口态度差")
        with db.unit_of_work() as session:
            session.scalars(select(Case).where(Case.id == old["id"])).one().identity_hidden_from = [
                "DISPATCH"
            ]
        r = self.lookup(clerk, phone)
        assert old["tracking_no"] not in r.text  # type: ignore[attr-defined]

    def test_other_roles_may_not_look_up(self, app_client: TestClient) -> None:
        client = signed_in(app_client, "s01c01g01.staff")
        csrf = fresh_form(client, "/console/grid")["csrf_token"]
        r = client.post(
            "/console/intake/earlier", data={"csrf_token": csrf, "phone": unique_phone()}
        )
        assert r.status_code == 403

    def test_a_lookup_without_the_csrf_token_is_refused(self, clerk: TestClient) -> None:
        r = clerk.post("/console/intake/earlier", data={"phone": unique_phone()})
        assert r.status_code == 403


class TestGridReport:
    @pytest.fixture
    def worker(self, app_client: TestClient) -> TestClient:
        return signed_in(app_client, "s01c01g01.staff")

    def test_a_report_with_photos_and_position_lands_in_the_grid(
        self, worker: TestClient, db: Database
    ) -> None:
        form = fresh_form(worker, "/console/grid") | {
            "body": "井盖缺失，有行人绊倒风险",
            "address": "滨江路18号",
            "lat": "22.543100",
            "lng": "114.057900",
        }
        photos = [
            ("photos", ("1.png", PNG, "image/png")),
            ("photos", ("2.jpg", b"\xff\xd8\xff" + b"\x00" * 32, "image/jpeg")),
        ]
        r = worker.post("/console/grid/report", data=form, files=photos, follow_redirects=False)
        assert r.status_code == 303, r.text
        case_id = done_id(r)
        appeal, kind, files = appeal_of(db, case_id)
        assert kind == "grid" and (appeal.lat, appeal.lng) == (22.5431, 114.0579)
        assert sorted(f.filename for f in files) == ["1.png", "2.jpg"]
        with db.reading() as session:
            case = session.get(Case, case_id)
            grid = session.scalar(select(Unit).where(Unit.code == "S01C01G01"))
            assert case is not None and grid is not None
            assert (case.grid_id, case.community_id, case.first_unit_id) == (
                grid.id,
                grid.parent_id,
                grid.id,
            )
            assert appeal.phone  # the worker reports as themselves
        page = worker.get(r.headers["location"]).text
        assert case.tracking_no in page and f'href="/console/cases/{case_id}"' in page
        assert worker.get(f"/console/cases/{case_id}").status_code == 200

    def test_a_residents_report_carries_the_residents_contact(
        self, worker: TestClient, db: Database
    ) -> None:
        phone = unique_phone()
        r = worker.post(
            "/console/grid/report",
            data=fresh_form(worker, "/console/grid")
            | {"body": "居民反映路灯不亮", "phone": phone, "name": "陈阿姨"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        [case] = cases_of(db, phone)
        assert appeal_of(db, case.id)[0].citizen_name == "陈阿姨"

    @pytest.mark.parametrize(
        ("files", "message"),
        [
            (
                [("photos", ("x.exe", b"MZ" + b"\x00" * 32, "application/x-msdownload"))],
                "文件类型不受理",
            ),
            (
                [("photos", ("fake.png", b"GIF89a" + b"\x00" * 32, "image/png"))],
                "不是有效的PNG图片",
            ),
            ([("photos", (f"{n}.png", PNG, "image/png")) for n in range(6)], "最多上传5个"),
        ],
    )
    def test_bad_photos_are_refused_with_the_input_kept(
        self, worker: TestClient, db: Database, files: list[object], message: str
    ) -> None:
        body = f"违章搭建{unique_phone()}"
        r = worker.post(
            "/console/grid/report",
            data=fresh_form(worker, "/console/grid") | {"body": body},
            files=files,
            follow_redirects=False,
        )
        assert r.status_code == 422 and message in r.text and body in r.text
        with db.reading() as session:
            assert (
                session.scalar(select(func.count()).select_from(Appeal).where(Appeal.body == body))
                == 0
            )

    def test_a_position_that_is_no_position_is_refused(self, worker: TestClient) -> None:
        r = worker.post(
            "/console/grid/report",
            data=fresh_form(worker, "/console/grid")
            | {"body": "占道经营", "lat": "91", "lng": "114"},
            follow_redirects=False,
        )
        assert r.status_code == 422 and "位置" in r.text and "占道经营" in r.text

    def test_a_double_submit_files_one_report(self, worker: TestClient, db: Database) -> None:
        body = f"垃圾满溢{unique_phone()}"
        form = fresh_form(worker, "/console/grid") | {"body": body}
        first = worker.post("/console/grid/report", data=form, follow_redirects=False)
        second = worker.post("/console/grid/report", data=form, follow_redirects=False)
        assert (first.status_code, second.status_code) == (303, 303)
        assert first.headers["location"] == second.headers["location"]
        with db.reading() as session:
            assert (
                session.scalar(select(func.count()).select_from(Appeal).where(Appeal.body == body))
                == 1
            )

    def test_the_grid_sees_its_open_cases_and_no_other_grids(
        self, app_client: TestClient, worker: TestClient
    ) -> None:
        mine = make_appeal(
            app_client, body="网格内路面塌陷", street="S01", community="S01C01", grid="S01C01G01"
        )
        other = make_appeal(
            app_client, body="别处路面塌陷", street="S02", community="S02C01", grid="S02C01G01"
        )
        page = worker.get("/console/grid").text
        assert mine["tracking_no"] in page and other["tracking_no"] not in page

    def test_the_page_names_no_codes(self, app_client: TestClient, worker: TestClient) -> None:
        make_appeal(
            app_client,
            title="网格内占道经营",
            body="网格内占道经营",
            street="S01",
            community="S01C01",
            grid="S01C01G01",
        )
        page = worker.get("/console/grid").text
        visible = re.sub(
            r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", page, flags=re.S)
        )
        assert "网格上报" in visible and "占道经营" in visible
        assert CODE.findall(visible) == [] and "s01c01g01" not in visible

    def test_only_grid_staff_report(self, app_client: TestClient) -> None:
        for user in ("clerk", "s01c01.staff", "dep01.handler"):
            assert signed_in(app_client, user).get("/console/grid").status_code == 403, user
