"""The tracking code: given once on the receipt (API and portal), stored only as a digest, and
accepted wherever the phone's last four digits are, so an anonymous citizen can follow, rate and
add to their appeal. On both databases."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import act, auth, make_appeal, make_dispatched, unique_phone
from minyi.cases.models import Appeal
from minyi.core.db import Database
from minyi.core.ids import CODE_ALPHABET, tracking_code_digest
from minyi.intake.models import Attachment
from webclient import csrf_of

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32
CODE = re.compile(r'id="tracking-code">([^<]+)<')


@pytest.fixture
def citizen(app_client: TestClient) -> TestClient:
    """A client at an address of its own: the per-address count is shared by the whole app."""
    return TestClient(app_client.app, client=(f"citizen-{uuid.uuid4().hex[:8]}", 50000))


def anonymous_appeal(client: TestClient, **overrides: object) -> dict[str, object]:
    return make_appeal(client, phone=None, name=None, anonymous=True, **overrides)


class TestReceipt:
    def test_a_new_appeal_gets_a_code_kept_only_as_a_digest(
        self, app_client: TestClient, db: Database
    ) -> None:
        made = anonymous_appeal(app_client)
        code = str(made["tracking_code"])
        assert re.fullmatch(
            rf"[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}", code
        )
        with db.reading() as session:
            row = session.scalar(select(Appeal).where(Appeal.id == made["id"]))
        assert row is not None and row.tracking_code_hash == tracking_code_digest(code)
        assert code.replace("-", "") not in (row.tracking_code_hash or "")

    def test_a_replay_answers_the_receipt_without_the_code(self, app_client: TestClient) -> None:
        payload = {
            "channel": "hotline_12345",
            "external_id": uuid.uuid4().hex,
            "body": "路口红绿灯坏了",
            "anonymous": True,
        }
        first = app_client.post("/api/v1/appeals", json=payload, headers=auth(app_client, "clerk"))
        again = app_client.post("/api/v1/appeals", json=payload, headers=auth(app_client, "clerk"))
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["tracking_code"] and again.json()["tracking_code"] is None
        assert again.json()["tracking_no"] == first.json()["tracking_no"]

    def test_codes_differ_between_appeals(self, app_client: TestClient) -> None:
        codes = {anonymous_appeal(app_client)["tracking_code"] for _ in range(5)}
        assert len(codes) == 5


class TestTrackingWithTheCode:
    def test_an_anonymous_citizen_follows_the_appeal(
        self, citizen: TestClient, app_client: TestClient
    ) -> None:
        made = anonymous_appeal(app_client)
        no, code = made["tracking_no"], str(made["tracking_code"])
        for typed in (
            code,
            code.lower(),
            code.replace("-", ""),
            f" {code.replace('-', ' ')} ",
            code.translate(
                str.maketrans(
                    "0123456789ABCDEFGHJKMNPQRSTVWXYZ",
                    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＭＮＰＱＲＳＴＶＷＸＹＺ",
                )
            ),
        ):
            r = citizen.post(f"/api/v1/track/{no}", json={"tracking_code": typed})
            assert r.status_code == 200, (typed, r.text)
            assert r.json()["tracking_no"] == no and r.json()["status"] == "registered"

    def test_a_wrong_code_and_an_unknown_number_answer_alike(
        self, citizen: TestClient, app_client: TestClient
    ) -> None:
        made = anonymous_appeal(app_client)
        wrong = citizen.post(
            f"/api/v1/track/{made['tracking_no']}", json={"tracking_code": "0000-0000-0000"}
        )
        unknown = citizen.post(
            "/api/v1/track/20991231-999999", json={"tracking_code": str(made["tracking_code"])}
        )
        assert wrong.status_code == unknown.status_code == 404
        assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]

    def test_an_anonymous_appeal_has_no_four_digits_to_guess(
        self, citizen: TestClient, app_client: TestClient
    ) -> None:
        made = anonymous_appeal(app_client)
        assert (
            citizen.post(
                f"/api/v1/track/{made['tracking_no']}", json={"phone_last4": "0000"}
            ).status_code
            == 404
        )

    def test_the_code_of_one_appeal_opens_no_other(
        self, citizen: TestClient, app_client: TestClient
    ) -> None:
        a, b = anonymous_appeal(app_client), anonymous_appeal(app_client)
        assert (
            citizen.post(
                f"/api/v1/track/{b['tracking_no']}", json={"tracking_code": a["tracking_code"]}
            ).status_code
            == 404
        )

    def test_digits_still_work_in_the_body_and_the_query(
        self, citizen: TestClient, app_client: TestClient
    ) -> None:
        phone = unique_phone()
        made = make_appeal(app_client, phone=phone)
        assert (
            citizen.post(
                f"/api/v1/track/{made['tracking_no']}", json={"phone_last4": phone[-4:]}
            ).status_code
            == 200
        )
        assert (
            citizen.get(
                f"/api/v1/track/{made['tracking_no']}", params={"phone_last4": phone[-4:]}
            ).status_code
            == 200
        )
        # A citizen who left a phone may use the code as well.
        assert (
            citizen.post(
                f"/api/v1/track/{made['tracking_no']}",
                json={"tracking_code": made["tracking_code"]},
            ).status_code
            == 200
        )

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"phone_last4": "1234", "tracking_code": "0000-0000-0000"},
            {"phone_last4": "12a4"},
            {"tracking_code": ""},
        ],
    )
    def test_exactly_one_secret_is_required(
        self, citizen: TestClient, body: dict[str, str]
    ) -> None:
        r = citizen.post("/api/v1/track/20261204-000001", json=body)
        assert r.status_code == 422, r.text

    def test_the_code_rates_the_reply(self, citizen: TestClient, app_client: TestClient) -> None:
        made = make_dispatched(app_client, lead="DEP09", phone=None, name=None, anonymous=True)
        act(app_client, int(made["id"]), "sign_for", "dep09.handler")
        assert (
            act(app_client, int(made["id"]), "reply", "dep09.handler", text="已答复").status_code
            == 200
        )
        r = citizen.post(
            f"/api/v1/track/{made['tracking_no']}/feedback",
            json={"tracking_code": made["tracking_code"], "rating": "satisfied"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "rated" and r.json()["rating"] == "satisfied"

    def test_the_code_adds_an_attachment(
        self, citizen: TestClient, app_client: TestClient, db: Database
    ) -> None:
        made = anonymous_appeal(app_client)

        def upload(**secret: object) -> int:
            files = {"file": ("photo.png", PNG, "image/png")}
            return citizen.post(
                f"/api/v1/appeals/{made['id']}/attachments", data=secret, files=files
            ).status_code

        assert upload(tracking_code="0000-0000-0000") == 404
        assert upload(tracking_code=made["tracking_code"]) == 201
        with db.reading() as session:
            names = session.scalars(
                select(Attachment.filename).where(Attachment.appeal_id == made["id"])
            ).all()
        assert names == ["photo.png"]


def portal_form(client: TestClient, **fields: str) -> dict[str, str]:
    page = client.get("/portal/submit").text
    token = re.search(r'name="form_token" value="([0-9a-f]{32})"', page)
    assert token
    return {
        "csrf_token": csrf_of(client, "/portal/submit"),
        "form_token": token.group(1),
        "channel": "miniprogram",
        **fields,
    }


class TestPortal:
    def test_the_receipt_shows_the_code_once(self, citizen: TestClient) -> None:
        r = citizen.post(
            "/portal/submit",
            data=portal_form(citizen, body="楼道灯不亮，晚上看不清", anonymous="on"),
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        assert (
            "查询码" not in r.headers["location"] and "-" in r.headers["location"]
        )  # the code is not in the URL
        first = citizen.get(r.headers["location"])
        found = CODE.search(first.text)
        assert first.status_code == 200 and found, first.text
        assert "只在此处显示一次" in first.text
        second = citizen.get(r.headers["location"])
        assert second.status_code == 200 and CODE.search(second.text) is None
        assert found.group(1) not in second.text
        # Another browser opening the same receipt never sees it either.
        assert CODE.search(TestClient(citizen.app).get(r.headers["location"]).text) is None
        no = r.headers["location"].rsplit("/", 1)[1]
        tracked = citizen.post(
            "/portal/track",
            data={"csrf_token": csrf_of(citizen), "tracking_no": no, "secret": found.group(1)},
        )
        assert tracked.status_code == 200 and "楼道灯不亮" in tracked.text

    def test_an_anonymous_citizen_attaches_files_with_the_form(
        self, citizen: TestClient, db: Database
    ) -> None:
        files = {"files": ("lamp.png", PNG, "image/png")}
        r = citizen.post(
            "/portal/submit",
            data=portal_form(citizen, body="路灯坏了", anonymous="on"),
            files=files,
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        no = r.headers["location"].rsplit("/", 1)[1]
        with db.reading() as session:
            appeal_id = session.scalar(select(Appeal.id).where(Appeal.tracking_no == no))
            names = session.scalars(
                select(Attachment.filename).where(Attachment.appeal_id == appeal_id)
            ).all()
        assert names == ["lamp.png"]

    @pytest.mark.parametrize("secret", ["12", "not-a-code", "ABCD-EFGH-IJK!"])
    def test_a_secret_that_is_neither_is_refused_before_any_look_up(
        self, citizen: TestClient, secret: str
    ) -> None:
        r = citizen.post(
            "/portal/track",
            data={
                "csrf_token": csrf_of(citizen),
                "tracking_no": "20261204-000001",
                "secret": secret,
            },
        )
        assert r.status_code == 422 and "查询码" in r.text

    def test_the_track_form_asks_for_digits_or_code(self, citizen: TestClient) -> None:
        page = citizen.get("/portal/track").text
        assert "手机号后四位或查询码" in page and 'name="secret"' in page
