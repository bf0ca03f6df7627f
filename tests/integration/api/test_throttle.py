"""Throttled citizen secrets and sign-in over HTTP, shared by the API and the portal, on both
backends; each test has a demo database (and so throttle counters) of its own."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import private_demo_app
from factories import DEMO_PASSWORD, auth, make_appeal
from minyi.core.settings import LimitSettings
from webclient import browser, post_form

PER_CASE = LimitSettings.model_fields["citizen_secret_failures_per_case"].default
PER_ADDRESS = LimitSettings.model_fields["citizen_secret_failures_per_address"].default
PER_ACCOUNT = LimitSettings.model_fields["sign_in_failures_per_account"].default
SPRAY = LimitSettings.model_fields["sign_in_failures_per_address"].default


@pytest.fixture
def app(backend: str, tmp_path: Path) -> TestClient:
    with private_demo_app(backend, tmp_path) as (client, _, _):
        yield client  # type: ignore[misc]


def _track(app: TestClient, no: str, last4: str) -> int:
    return app.get(f"/api/v1/track/{no}", params={"phone_last4": last4}).status_code


class TestCitizenSecrets:
    def test_wrong_digits_lock_the_case_even_for_the_right_ones(self, app: TestClient) -> None:
        a = make_appeal(app, phone="13900001234")
        assert [_track(app, a["tracking_no"], "0000") for _ in range(PER_CASE)] == [404] * PER_CASE
        r = app.get(f"/api/v1/track/{a['tracking_no']}", params={"phone_last4": "1234"})
        assert r.status_code == 429
        assert "查询失败次数过多" in r.json()["error"]["message"]
        assert int(r.headers["Retry-After"]) > 0
        # Feedback is the same secret on the same case.
        r = app.post(
            f"/api/v1/track/{a['tracking_no']}/feedback",
            json={"phone_last4": "1234", "rating": "satisfied"},
        )
        assert r.status_code == 429
        # Another case is still open to its owner.
        b = make_appeal(app, phone="13900005678")
        assert _track(app, b["tracking_no"], "5678") == 200

    def test_wrong_codes_lock_the_case_even_for_the_right_code(self, app: TestClient) -> None:
        a = make_appeal(app, phone=None, name=None, anonymous=True)
        no, code = a["tracking_no"], a["tracking_code"]

        def track(secret: str) -> int:
            return app.post(f"/api/v1/track/{no}", json={"tracking_code": secret}).status_code

        assert [track(f"0000-0000-000{n}") for n in range(PER_CASE)] == [404] * PER_CASE
        r = app.post(f"/api/v1/track/{no}", json={"tracking_code": code})
        assert r.status_code == 429 and "Retry-After" in r.headers
        feedback = app.post(
            f"/api/v1/track/{no}/feedback", json={"tracking_code": code, "rating": "satisfied"}
        )
        assert feedback.status_code == 429
        upload = app.post(
            f"/api/v1/appeals/{a['id']}/attachments",
            data={"tracking_code": code},
            files={"file": ("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32, "image/png")},
        )
        assert upload.status_code == 429
        portal = post_form(browser(app), "/portal/track", {"tracking_no": no, "secret": code})
        assert portal.status_code == 429 and "查询失败次数过多" in portal.text

    def test_portal_wrong_codes_count_for_the_api(self, app: TestClient) -> None:
        a = make_appeal(app, phone=None, name=None, anonymous=True)
        client = browser(app)
        for n in range(PER_CASE):
            r = post_form(
                client,
                "/portal/track",
                {"tracking_no": a["tracking_no"], "secret": f"0000-0000-000{n}"},
            )
            assert r.status_code == 404
        assert (
            app.post(
                f"/api/v1/track/{a['tracking_no']}", json={"tracking_code": a["tracking_code"]}
            ).status_code
            == 429
        )

    def test_full_width_digits_are_the_same_digits(self, app: TestClient) -> None:
        a = make_appeal(app, phone="13900005678")
        assert _track(app, a["tracking_no"], "５６７８") == 200
        assert _track(app, a["tracking_no"], "５６７９") == 404
        assert _track(app, a["tracking_no"], "٥٦٧٨") == 200  # Arabic-Indic digits: still digits

    def test_one_address_guessing_across_cases_is_limited(self, app: TestClient) -> None:
        cases = [make_appeal(app) for _ in range(PER_ADDRESS // (PER_CASE - 1) + 1)]
        codes = [_track(app, c["tracking_no"], "0000") for c in cases for _ in range(PER_CASE - 1)]
        assert 404 in codes
        assert codes[-1] == 429
        # Unknown numbers count too: probing for numbers is guessing as well.
        assert _track(app, "20991231-999999", "0000") == 429

    def test_the_portal_shares_the_apis_count(self, app: TestClient) -> None:
        a = make_appeal(app, phone="13900004321")
        for _ in range(PER_CASE):
            assert _track(app, a["tracking_no"], "0000") == 404
        r = post_form(
            browser(app), "/portal/track", {"tracking_no": a["tracking_no"], "phone_last4": "4321"}
        )
        assert r.status_code == 429
        assert "查询失败次数过多" in r.text
        assert "Retry-After" in r.headers

    def test_portal_wrong_digits_count_for_the_api(self, app: TestClient) -> None:
        a = make_appeal(app, phone="13900004322")
        client = browser(app)
        for _ in range(PER_CASE):
            assert (
                post_form(
                    client,
                    "/portal/track",
                    {"tracking_no": a["tracking_no"], "phone_last4": "0000"},
                ).status_code
                == 404
            )
        assert _track(app, a["tracking_no"], "4322") == 429

    def test_citizen_attachments_are_throttled_with_the_case(self, app: TestClient) -> None:
        a = make_appeal(app, phone="13900004323")
        png = b"\x89PNG\r\n\x1a\n" + b"0" * 32

        def upload(last4: str) -> int:
            return app.post(
                f"/api/v1/appeals/{a['id']}/attachments",
                data={"phone_last4": last4},
                files={"file": ("a.png", png, "image/png")},
            ).status_code

        assert [upload("0000") for _ in range(PER_CASE)] == [404] * PER_CASE
        assert upload("4323") == 429
        assert _track(app, a["tracking_no"], "4323") == 429


def _token(app: TestClient, username: str, password: str) -> int:
    return app.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    ).status_code


class TestApiSignIn:
    def test_wrong_passwords_lock_the_account_from_that_address(self, app: TestClient) -> None:
        assert [_token(app, "clerk", "wrong-password") for _ in range(PER_ACCOUNT)] == [
            401
        ] * PER_ACCOUNT
        r = app.post("/api/v1/auth/token", data={"username": "clerk", "password": DEMO_PASSWORD})
        assert r.status_code == 429
        assert "登录失败次数过多" in r.json()["error"]["message"]
        assert int(r.headers["Retry-After"]) > 0
        assert _token(app, "dispatcher", DEMO_PASSWORD) == 200

    def test_a_right_password_clears_the_owners_typos(self, app: TestClient) -> None:
        for _ in range(PER_ACCOUNT - 1):
            assert _token(app, "clerk", "wrong-password") == 401
        assert _token(app, "clerk", DEMO_PASSWORD) == 200
        assert [_token(app, "clerk", "wrong-password") for _ in range(PER_ACCOUNT - 1)] == [401] * (
            PER_ACCOUNT - 1
        )
        assert _token(app, "clerk", DEMO_PASSWORD) == 200

    def test_spraying_usernames_from_one_address_is_limited(self, app: TestClient) -> None:
        codes = [_token(app, f"user{i:03d}", "wrong-password") for i in range(SPRAY)]
        assert codes == [401] * SPRAY
        assert _token(app, "clerk", DEMO_PASSWORD) == 429


def test_concurrent_sign_ins_answer_and_leave_the_server_responsive(
    backend: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Wrong and right sign-ins at once, API and web: none is a 500 ("database is locked"),
    and an unrelated request is answered while they are still running (the hashing runs in
    the threadpool, not on the event loop, and holds no write lock)."""
    monkeypatch.setenv("MINYI_SIGN_IN_FAILURES_PER_ADDRESS", "10000")
    monkeypatch.setenv("MINYI_SIGN_IN_FAILURES_PER_USER", "10000")
    monkeypatch.setenv("MINYI_SIGN_IN_FAILURES_PER_ACCOUNT", "10000")
    with private_demo_app(backend, tmp_path) as (app, _, _):
        total = 48
        done = threading.Semaphore(0)
        finished: list[int] = []
        lock = threading.Lock()
        first_started = threading.Event()

        def one(i: int) -> int:
            first_started.set()
            if i % 3 == 2:
                client = browser(app)
                code = post_form(
                    client,
                    "/console/sign-in",
                    {"username": "clerk", "password": DEMO_PASSWORD if i % 2 else "wrong"},
                    page="/console/sign-in",
                ).status_code
            else:
                code = _token(
                    app,
                    "dispatcher" if i % 2 else "clerk",
                    DEMO_PASSWORD if i % 4 == 1 else "wrong-password",
                )
            with lock:
                finished.append(code)
            done.release()
            return code

        with ThreadPoolExecutor(16) as pool:
            futures = [pool.submit(one, i) for i in range(total)]
            first_started.wait()
            health = app.get("/healthz")
            with lock:
                finished_when_answered = len(finished)
            codes = [f.result() for f in futures]
        assert health.status_code == 200
        assert finished_when_answered < total
        assert 500 not in codes
        assert set(codes) <= {200, 303, 401}
        assert 200 in codes and 401 in codes and 303 in codes
        # Tokens were really issued: one of them works.
        assert app.get("/api/v1/auth/me", headers=auth(app, "dispatcher")).status_code == 200
