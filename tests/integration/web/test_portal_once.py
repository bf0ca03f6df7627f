"""One portal form registers one appeal, on both backends: the form's one-time token is the
appeal's external_id on the portal channel, so a double tap replays the first receipt."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from factories import unique_phone
from minyi.cases.models import Appeal, Case
from minyi.cases.tracking import track_case
from minyi.core.db import Database
from minyi.web.portal import CODE_COOKIE

TOKEN = re.compile(r'name="form_token" value="([0-9a-f]{32})"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CODE = re.compile(r"\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b")


def own_browser(app_client: TestClient) -> TestClient:
    """A browser at an address of its own: the portal's per-address limit is shared by the app."""
    return TestClient(app_client.app, client=(f"portal-once-{unique_phone()}", 50000))


def fresh_form(client: TestClient) -> dict[str, str]:
    page = client.get("/portal/submit").text
    token, csrf = TOKEN.search(page), CSRF.search(page)
    assert token and csrf
    return {"csrf_token": csrf.group(1), "form_token": token.group(1), "channel": "miniprogram"}


def appeals_by(db: Database, phone: str) -> int:
    with db.reading() as session:
        return (
            session.scalar(select(func.count()).select_from(Appeal).where(Appeal.phone == phone))
            or 0
        )


class TestDoubleTap:
    def test_two_submissions_of_one_form_register_one_appeal(
        self, app_client: TestClient, db: Database
    ) -> None:
        client, phone = own_browser(app_client), unique_phone()
        form = fresh_form(client) | {"body": "小区门口路灯不亮", "phone": phone, "street": "S02"}
        first = client.post("/portal/submit", data=form, follow_redirects=False)
        second = client.post("/portal/submit", data=form, follow_redirects=False)
        assert (first.status_code, second.status_code) == (303, 303), second.text
        assert first.headers["location"] == second.headers["location"]
        assert appeals_by(db, phone) == 1
        no = first.headers["location"].rsplit("/", 1)[1]
        with db.reading() as session:
            assert (
                session.scalar(select(func.count()).select_from(Case).where(Case.tracking_no == no))
                == 1
            )

    def test_a_double_tap_whose_first_answer_was_lost_still_shows_the_code(
        self, app_client: TestClient, db: Database
    ) -> None:
        client = own_browser(app_client)
        form = fresh_form(client) | {"body": "楼下夜市噪音很大", "phone": unique_phone()}
        client.post("/portal/submit", data=form, follow_redirects=False)
        client.cookies.delete(CODE_COOKIE)  # the first answer never arrived, nor its cookie
        where = client.post("/portal/submit", data=form, follow_redirects=False).headers["location"]
        page = client.get(where, follow_redirects=False)
        assert page.status_code == 200
        code = CODE.search(page.text)
        assert code, page.text
        with db.reading() as session:
            assert (
                track_case(session, where.rsplit("/", 1)[1], code.group(1))["tracking_no"]
                == where.rsplit("/", 1)[1]
            )

    def test_a_new_form_is_a_new_appeal(self, app_client: TestClient, db: Database) -> None:
        client, phone = own_browser(app_client), unique_phone()
        for _ in range(2):
            r = client.post(
                "/portal/submit",
                data=fresh_form(client) | {"body": "楼道灯坏了", "phone": phone},
                follow_redirects=False,
            )
            assert r.status_code == 303
        assert appeals_by(db, phone) == 2

    def test_the_same_form_with_other_words_asks_to_check_and_send_again(
        self, app_client: TestClient, db: Database
    ) -> None:
        client, phone = own_browser(app_client), unique_phone()
        form = fresh_form(client) | {"body": "噪音扰民", "phone": phone}
        assert client.post("/portal/submit", data=form, follow_redirects=False).status_code == 303
        r = client.post(
            "/portal/submit",
            data=form | {"body": "噪音扰民，晚上十一点后仍在施工"},
            follow_redirects=False,
        )
        assert r.status_code == 409 and "已经提交过" in r.text
        again = TOKEN.search(r.text)
        assert again and again.group(1) != form["form_token"]  # the re-shown form is a new one
        assert "晚上十一点后仍在施工" in r.text
        assert appeals_by(db, phone) == 1


class TestReceiptPage:
    def test_the_submitting_browser_sees_its_receipt_and_code_once(
        self, app_client: TestClient
    ) -> None:
        client = own_browser(app_client)
        form = fresh_form(client) | {"body": "小区门口路灯不亮", "phone": unique_phone()}
        where = client.post("/portal/submit", data=form, follow_redirects=False).headers["location"]
        first = client.get(where, follow_redirects=False)
        assert first.status_code == 200 and "查询码" in first.text
        again = client.get(
            where, follow_redirects=False
        )  # the code was shown once: now the tracking form
        assert again.status_code == 303 and again.headers["location"].startswith(
            "/portal/track?no="
        )

    def test_a_stranger_learns_nothing_about_which_numbers_exist(
        self, app_client: TestClient
    ) -> None:
        owner, stranger = own_browser(app_client), own_browser(app_client)
        form = fresh_form(owner) | {"body": "楼道灯坏了", "phone": unique_phone()}
        real = owner.post("/portal/submit", data=form, follow_redirects=False).headers["location"]
        made_up = real[:-4] + ("0000" if not real.endswith("0000") else "0001")
        answers = [stranger.get(path, follow_redirects=False) for path in (real, made_up)]
        assert [a.status_code for a in answers] == [303, 303]
        assert [a.headers["location"].split("?no=")[0] for a in answers] == ["/portal/track"] * 2
