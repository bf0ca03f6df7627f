"""A browser never sees raw JSON: unknown addresses, refusals and bugs are pages in the reader's
language; /api and callers that do not ask for HTML keep the JSON error shape."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from conftest import demo_database_url, make_settings
from minyi.app import create_app
from minyi.core.errors import Conflict
from minyi.mailboxes.rules import addressee, qr_target
from webclient import browser, signed_in

HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class TestNotFound:
    def test_a_browser_gets_a_chinese_page(self, app_client: TestClient) -> None:
        r = browser(app_client).get("/no/such/page", headers=HTML)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
        assert "没有找到该页面" in r.text and "Not Found" not in r.text and '"detail"' not in r.text

    def test_english_on_the_english_switch(self, app_client: TestClient) -> None:
        r = browser(app_client).get("/no/such/page?lang=en", headers=HTML)
        assert r.status_code == 404 and "Page not found" in r.text

    def test_the_api_stays_json(self, app_client: TestClient) -> None:
        for path, headers in (
            ("/api/v1/no-such", HTML),
            ("/no/such/page", {"accept": "application/json"}),
        ):
            r = app_client.get(path, headers=headers)
            assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
            assert r.json()["error"]["code"] == "not_found"

    def test_a_wrong_method_on_a_form_route_is_a_page(self, app_client: TestClient) -> None:
        r = browser(app_client).put("/portal/submit", headers=HTML)
        assert (
            r.status_code == 405
            and r.headers["content-type"].startswith("text/html")
            and "出错了" in r.text
        )

    def test_a_case_out_of_reach_is_a_chinese_refusal(self, app_client: TestClient) -> None:
        r = signed_in(app_client, "dep01.handler").get("/console/cases/99999999", headers=HTML)
        assert r.status_code == 404 and "没有找到该案件" in r.text and "no case" not in r.text

    def test_a_role_refusal_has_no_english_on_the_chinese_page(
        self, app_client: TestClient
    ) -> None:
        r = signed_in(app_client, "dep01.handler").get("/console/admin", headers=HTML)
        assert (
            r.status_code == 403
            and "您的岗位无权访问此页面" in r.text
            and "your role" not in r.text
        )
        r = signed_in(app_client, "dep01.handler").get("/console/admin?lang=en", headers=HTML)
        assert (
            r.status_code == 403
            and "your role may not open this page" in r.text
            and "您的岗位" not in r.text
        )


@pytest.fixture(scope="module")
def broken_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app with one page and one API route that fail like a bug would."""
    tmp = tmp_path_factory.mktemp("broken")
    app: FastAPI = create_app(make_settings(f"sqlite:///{tmp / 'unused.db'}", tmp))

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/portal/boom", boom)
    app.add_api_route("/api/v1/boom", boom)
    return TestClient(app, raise_server_exceptions=False)


class TestServerError:
    def test_a_browser_gets_a_page_with_the_request_id(self, broken_app: TestClient) -> None:
        r = broken_app.get("/portal/boom", headers=HTML)
        assert r.status_code == 500 and r.headers["content-type"].startswith("text/html")
        assert (
            "系统暂时出现问题" in r.text
            and r.headers["x-request-id"] in r.text
            and "a bug" not in r.text
        )

    def test_the_api_gets_json(self, broken_app: TestClient) -> None:
        r = broken_app.get("/api/v1/boom", headers=HTML)
        assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"


class TestQrInProduction:
    @pytest.mark.parametrize(
        "base",
        [
            "http://127.0.0.1:8000",
            "http://localhost",
            "https://LOCALHOST:8443/",
            "http://127.0.1.1",
        ],
    )
    def test_a_local_address_is_refused(self, base: str) -> None:
        with pytest.raises(Conflict) as refused:
            qr_target(base, "mailbox_secretary", production=True)
        assert refused.value.code == "qr_local_address"

    def test_a_public_address_and_a_dev_machine_are_fine(self) -> None:
        assert qr_target(
            "https://minyi.example.gov.cn", "mailbox_secretary", production=True
        ).startswith("https://minyi.example.gov.cn/portal/submit?channel=")
        assert qr_target("http://127.0.0.1:8000", "mailbox_secretary", production=False).startswith(
            "http://127.0.0.1:8000/"
        )

    def test_the_portal_and_the_api_refuse_to_draw_it(self, tmp_path: Path) -> None:
        url = demo_database_url("sqlite", tmp_path)
        settings = make_settings(url, tmp_path).model_copy(
            update={"environment": "prod", "secret_key": "a-real-secret-for-this-test-0123456789"}
        )
        with TestClient(create_app(settings)) as client:
            page = client.get("/portal/mailboxes/mailbox_secretary/qr.svg", headers=HTML)
            assert page.status_code == 409 and "二维码不能指向本机地址" in page.text
            api = client.get("/api/v1/mailboxes/mailbox_secretary/qr.svg")
            assert api.status_code == 409 and api.json()["error"]["code"] == "qr_local_address"


@pytest.mark.parametrize(
    ("name", "title", "to"),
    [
        ("书记在线", "区委书记", "区委书记"),
        ("区长信箱", "区长", "区长"),
        ("区住房和建设局局长信箱", "单位负责人", "区住房和建设局局长"),
    ],
)
def test_mailbox_buttons_name_whom_the_citizen_writes_to(name: str, title: str, to: str) -> None:
    assert addressee(name, title) == to
