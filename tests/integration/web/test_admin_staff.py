"""工作人员管理 in the browser: add, edit, disable, reset; bad input and a concurrent edit are
refused on the form with the typed input kept and nothing written. On both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import private_demo_app
from minyi.core.db import Database
from minyi.org.models import Staff
from webclient import csrf_of, post_form, signed_in

STAMP = re.compile(r'name="stamp" value="([^"]+)"')


@pytest.fixture(scope="module")
def world(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Database]]:
    with private_demo_app(backend, tmp_path_factory.mktemp("adminstaff")) as (client, db, _):
        yield client, db


def person(db: Database, username: str) -> Staff:
    with db.reading() as session:
        found = session.scalar(select(Staff).where(Staff.username == username))
        assert found is not None
        session.expunge(found)
        return found


class TestAccess:
    def test_a_non_admin_is_refused(self, world: tuple[TestClient, Database]) -> None:
        client, db = world
        dispatcher = signed_in(client, "dispatcher")
        for path in (
            "/console/admin/people",
            "/console/admin/people/new",
            f"/console/admin/people/{person(db, 'clerk').id}",
        ):
            r = dispatcher.get(path)
            assert r.status_code == 403 and "无权访问" in r.text, path
        r = dispatcher.post(
            f"/console/admin/people/{person(db, 'clerk').id}/reset",
            data={"csrf_token": csrf_of(dispatcher, "/console/inbox")},
            follow_redirects=False,
        )
        assert r.status_code == 403
        assert person(db, "clerk").must_change_password is False


class TestAddStaff:
    def test_a_new_person_is_added_with_their_unit_picked_by_name(
        self, world: tuple[TestClient, Database]
    ) -> None:
        client, db = world
        admin = signed_in(client, "admin")
        page = admin.get("/console/admin/people/new")
        assert page.status_code == 200 and "区住房和建设局" in page.text
        r = post_form(
            admin,
            "/console/admin/people/new",
            {
                "username": "dep01.new",
                "name": "柯新员",
                "role": "unit_handler",
                "unit": "区住房和建设局",
                "phone": "13900001111",
            },
            page="/console/admin/people/new",
        )
        assert r.status_code == 303, r.text
        added = person(db, "dep01.new")
        assert (added.name, added.role, added.phone, added.password_hash) == (
            "柯新员",
            "unit_handler",
            "13900001111",
            None,
        )
        shown = admin.get(r.headers["location"])
        assert "已新增" in shown.text and "柯新员" in shown.text

    def test_bad_input_is_shown_on_the_form_and_nothing_is_added(
        self, world: tuple[TestClient, Database]
    ) -> None:
        client, db = world
        admin = signed_in(client, "admin")
        typed = {
            "username": "dep01.bad",
            "name": "错号员",
            "role": "unit_handler",
            "unit": "区住房和建设局",
            "phone": "12345",
        }
        r = post_form(admin, "/console/admin/people/new", typed, page="/console/admin/people/new")
        assert r.status_code == 422
        assert (
            "电话应为11位手机号" in r.text
            and 'value="错号员"' in r.text
            and 'value="12345"' in r.text
        )
        r = post_form(
            admin,
            "/console/admin/people/new",
            {**typed, "phone": "", "unit": "没有这个单位"},
            page="/console/admin/people/new",
        )
        assert (
            r.status_code == 422
            and "请从列表中选择所在单位" in r.text
            and 'value="没有这个单位"' in r.text
        )
        r = post_form(
            admin,
            "/console/admin/people/new",
            {**typed, "phone": "", "email": "not-an-address"},
            page="/console/admin/people/new",
        )
        assert (
            r.status_code == 422
            and "电子邮箱格式不正确" in r.text
            and 'value="not-an-address"' in r.text
        )
        r = post_form(
            admin,
            "/console/admin/people/new",
            {**typed, "phone": "", "username": "clerk"},
            page="/console/admin/people/new",
        )
        assert r.status_code == 422 and "该用户名已被使用" in r.text
        with db.reading() as session:
            assert session.scalar(select(Staff).where(Staff.username == "dep01.bad")) is None


class TestEditStaff:
    def test_an_edit_is_saved_and_a_stale_form_is_refused(
        self, world: tuple[TestClient, Database]
    ) -> None:
        client, db = world
        target = person(db, "dep07.handler")
        path = f"/console/admin/people/{target.id}"
        first, second = signed_in(client, "admin"), signed_in(client, "admin")
        page1, page2 = first.get(path).text, second.get(path).text
        stamp1, stamp2 = STAMP.search(page1).group(1), STAMP.search(page2).group(1)  # type: ignore[union-attr]
        unit = re.search(r'name="unit" type="text" value="([^"]+)"', page1).group(1)  # type: ignore[union-attr]
        r = first.post(
            path,
            data={
                "csrf_token": csrf_of(first, path),
                "stamp": stamp1,
                "name": "改名员",
                "role": "unit_head",
                "unit": unit,
                "phone": "13800002222",
                "title": "科长",
                "email": "gai@tinglan.gov.cn",
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        saved = person(db, "dep07.handler")
        assert (saved.name, saved.role, saved.phone, saved.title, saved.email) == (
            "改名员",
            "unit_head",
            "13800002222",
            "科长",
            "gai@tinglan.gov.cn",
        )
        r = second.post(
            path,
            data={
                "csrf_token": csrf_of(second, path),
                "stamp": stamp2,
                "name": "另一个名字",
                "role": "unit_handler",
                "unit": unit,
            },
            follow_redirects=False,
        )
        assert r.status_code == 409 and "刚被他人修改" in r.text and 'value="另一个名字"' in r.text
        assert person(db, "dep07.handler").name == "改名员"

    def test_an_invalid_edit_changes_nothing(self, world: tuple[TestClient, Database]) -> None:
        client, db = world
        target = person(db, "dep08.handler")
        path = f"/console/admin/people/{target.id}"
        admin = signed_in(client, "admin")
        page = admin.get(path).text
        r = admin.post(
            path,
            data={
                "csrf_token": csrf_of(admin, path),
                "stamp": STAMP.search(page).group(1),  # type: ignore[union-attr]
                "name": "",
                "role": "unit_handler",
                "unit": "区教育局",
            },
            follow_redirects=False,
        )
        assert r.status_code == 422 and "请填写姓名" in r.text
        assert person(db, "dep08.handler").name == target.name


class TestAccount:
    def test_disable_enable_and_reset(self, world: tuple[TestClient, Database]) -> None:
        client, db = world
        target = person(db, "dep09.handler")
        path = f"/console/admin/people/{target.id}"
        victim = signed_in(client, "dep09.handler")
        admin = signed_in(client, "admin")
        r = post_form(admin, f"{path}/active", {"active": "0"}, page=path)
        assert r.status_code == 303 and person(db, "dep09.handler").is_active is False
        assert (
            victim.get("/console/inbox", follow_redirects=False).status_code == 303
        )  # signed out at once
        r = post_form(admin, f"{path}/active", {"active": "1"}, page=path)
        assert r.status_code == 303 and person(db, "dep09.handler").is_active is True
        r = post_form(admin, f"{path}/reset", {}, page=path)
        assert r.status_code == 200 and "临时密码" in r.text and "dep09.handler" not in r.text
        assert person(db, "dep09.handler").must_change_password is True

    def test_the_admin_cannot_disable_themselves(self, world: tuple[TestClient, Database]) -> None:
        client, db = world
        me = person(db, "admin")
        admin = signed_in(client, "admin")
        path = f"/console/admin/people/{me.id}"
        r = post_form(admin, f"{path}/active", {"active": "0"}, page=path)
        assert r.status_code == 422 and "不能停用自己" in r.text
        assert person(db, "admin").is_active is True

    def test_the_list_shows_names_not_login_names(self, world: tuple[TestClient, Database]) -> None:
        client, _ = world
        text = signed_in(client, "admin").get("/console/admin/people?q=dep07").text
        assert "改名员" in text and "dep07.handler" not in text.replace('value="dep07"', "")
