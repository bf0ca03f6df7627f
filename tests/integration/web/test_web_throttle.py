"""Sign-in throttling on the web pages (the shared throttle, on both backends) and the portal's rate limit."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from conftest import private_demo_app
from factories import DEMO_PASSWORD, unique_phone
from minyi.core.settings import LimitSettings
from webclient import browser, csrf_of

THROTTLE_FAILURES = LimitSettings.model_fields["sign_in_failures_per_account"].default


def _sign_in(client: TestClient, username: str, password: str) -> int:
    r = client.post(
        "/console/sign-in",
        data={
            "csrf_token": csrf_of(client, "/console/sign-in"),
            "username": username,
            "password": password,
        },
        follow_redirects=False,
    )
    return r.status_code


def test_sign_in_page_throttles_after_five_wrong_passwords(app_client: TestClient) -> None:
    client = browser(app_client)
    for _ in range(THROTTLE_FAILURES):
        assert _sign_in(client, "leader07", "wrong-password") == 401
    # Now even the right password is refused from this address until the window passes.
    assert _sign_in(client, "leader07", DEMO_PASSWORD) == 429
    assert _sign_in(client, "leader06", DEMO_PASSWORD) == 303


def test_the_api_and_the_web_share_one_count(backend: str, tmp_path: Path) -> None:
    with private_demo_app(backend, tmp_path) as (app, _, _):
        for _ in range(THROTTLE_FAILURES):
            assert (
                app.post(
                    "/api/v1/auth/token", data={"username": "clerk", "password": "wrong-password"}
                ).status_code
                == 401
            )
        client = browser(app)
        r = client.post(
            "/console/sign-in",
            data={
                "csrf_token": csrf_of(client, "/console/sign-in"),
                "username": "clerk",
                "password": DEMO_PASSWORD,
            },
            follow_redirects=False,
        )
        assert r.status_code == 429
        assert "登录失败次数过多" in r.text
        assert int(r.headers["Retry-After"]) > 0


def test_portal_submissions_are_rate_limited_per_address(tmp_path: Path) -> None:
    with private_demo_app("sqlite", tmp_path) as (app, _, _):
        client = browser(app)
        token = csrf_of(client, "/portal/submit")
        codes = [
            client.post(
                "/portal/submit",
                data={
                    "csrf_token": token,
                    "channel": "miniprogram",
                    "body": f"第{i}条",
                    "phone": unique_phone(),
                },
                follow_redirects=False,
            ).status_code
            for i in range(11)
        ]
        assert codes == [303] * 10 + [429]
