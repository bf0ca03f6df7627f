"""Values a schema admits but the database or the calendar cannot hold, oversized and
malformed bodies: each is a 4xx with a clear message, never a 500; a 500 that still happens
carries its request id in the body and the log line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import make_settings
from factories import auth, make_appeal, unique_phone
from minyi.api.logs import JsonFormatter
from minyi.app import create_app
from minyi.core.clock import ManualClock


def to_fullwidth(digits: str) -> str:
    return "".join(chr(ord(c) - ord("0") + ord("０")) for c in digits)


class TestBodyLimit:
    def test_a_declared_oversized_json_body_is_refused_unread(self, app_client: TestClient) -> None:
        body = b'{"body": "' + b"x" * (2 * 1024 * 1024) + b'"}'
        r = app_client.post(
            "/api/v1/appeals", content=body, headers={"content-type": "application/json"}
        )
        assert r.status_code == 413, r.text
        assert r.json()["error"]["code"] == "body_too_large"
        assert r.headers["x-request-id"]

    def test_a_chunked_body_is_counted_while_it_streams(self, app_client: TestClient) -> None:
        def chunks() -> Iterator[bytes]:
            yield b'{"channel": "hotline_12345", "body": "'
            for _ in range(40):
                yield b"y" * 65536
            yield b'"}'

        r = app_client.post(
            "/api/v1/appeals",
            content=chunks(),
            headers={"content-type": "application/json", **auth(app_client, "clerk")},
        )
        assert r.status_code == 413, r.text
        assert "1 MB" in r.json()["error"]["message"]

    def test_a_form_on_the_portal_is_limited_too(self, app_client: TestClient) -> None:
        r = app_client.post(
            "/api/v1/auth/token",
            content=b"username=" + b"a" * (1024 * 1024 + 10),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert r.status_code == 413


class TestValuesBeyondTheDatabase:
    @pytest.mark.parametrize("case_id", [2**31, 2**63, 10**30])
    def test_huge_ids_in_the_path_are_not_found_or_refused(
        self, app_client: TestClient, case_id: int
    ) -> None:
        headers = auth(app_client, "admin")
        for r in (
            app_client.get(f"/api/v1/appeals/{case_id}", headers=headers),
            app_client.get(f"/api/v1/appeals/{case_id}/timeline", headers=headers),
            app_client.post(f"/api/v1/appeals/{case_id}/actions/accept", headers=headers, json={}),
        ):
            assert r.status_code in (404, 422), r.text

    def test_nul_in_a_query_or_path_is_a_4xx(self, app_client: TestClient) -> None:
        headers = auth(app_client, "admin")
        assert app_client.get(
            "/api/v1/appeals", params={"q": "a\x00b"}, headers=headers
        ).status_code in (200, 422)
        assert app_client.get(
            "/api/v1/track/2026%00", params={"phone_last4": "1234"}
        ).status_code in (404, 422)

    def test_nul_in_an_appeal_is_refused_before_it_is_written(self, app_client: TestClient) -> None:
        r = app_client.post(
            "/api/v1/appeals",
            json={"channel": "hotline_12345", "body": "路灯\x00坏了", "phone": unique_phone()},
            headers=auth(app_client, "clerk"),
        )
        assert r.status_code == 422 and "NUL" in r.json()["error"]["message"]

    @pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
    def test_dates_at_the_ends_of_the_calendar_are_refused(
        self, app_client: TestClient, when: str
    ) -> None:
        headers = auth(app_client, "clerk")
        r = app_client.post(
            "/api/v1/appeals",
            json={
                "channel": "hotline_12345",
                "body": "路灯坏了",
                "phone": unique_phone(),
                "submitted_at": when,
            },
            headers=headers,
        )
        assert r.status_code == 422, r.text
        r = app_client.get("/open311/v2/requests.json", params={"start_date": when})
        assert r.status_code in (200, 400, 422), r.text

    def test_invalid_utf8_json_is_a_422(self, app_client: TestClient) -> None:
        r = app_client.post(
            "/api/v1/appeals",
            content=b'{"channel": "\xff\xfe"}',
            headers={"content-type": "application/json", **auth(app_client, "clerk")},
        )
        assert r.status_code == 422


class TestDigitsAsTyped:
    def test_a_full_width_phone_is_stored_in_ascii_and_tracks_with_either(
        self, app_client: TestClient
    ) -> None:
        phone = unique_phone()
        receipt = make_appeal(app_client, phone=to_fullwidth(phone))
        for last4 in (phone[-4:], to_fullwidth(phone[-4:])):
            r = app_client.get(
                f"/api/v1/track/{receipt['tracking_no']}", params={"phone_last4": last4}
            )
            assert r.status_code == 200, r.text

    def test_wrong_non_ascii_digits_are_a_404_not_a_500(self, app_client: TestClient) -> None:
        receipt = make_appeal(app_client)
        r = app_client.get(
            f"/api/v1/track/{receipt['tracking_no']}", params={"phone_last4": "٠٠٠٠"}
        )
        assert r.status_code in (404, 422), r.text


class TestServerErrors:
    def test_a_500_carries_its_request_id_in_body_and_log(
        self, demo_url: str, tmp_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture
    ) -> None:
        app = create_app(make_settings(demo_url, tmp_path), clock=clock)

        @app.get("/boom")
        def boom() -> None:
            raise RuntimeError("a bug")

        with TestClient(app) as client, caplog.at_level(logging.ERROR, logger="minyi.errors"):
            r = client.get("/boom", headers={"X-Request-ID": "rid-42"})
        assert r.status_code == 500
        assert (
            r.json()["error"]["request_id"] == "rid-42" and "rid-42" in r.json()["error"]["message"]
        )
        [record] = [rec for rec in caplog.records if rec.name == "minyi.errors"]
        assert record.exc_info and "/boom" in record.getMessage()
        assert '"request_id": "rid-42"' in JsonFormatter().format(record)
