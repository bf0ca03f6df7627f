"""Sign-in throttling (a web-only table, on both backends) and the portal's rate limit."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conftest import START, private_demo_app
from factories import DEMO_PASSWORD, unique_phone
from minyi.core.db import Database
from minyi.web.models import SignInFailure
from minyi.web.security import (
    THROTTLE_FAILURES, THROTTLE_WINDOW, TooManyRequests, check_throttle, clear_failures, record_failure,
)
from webclient import browser, csrf_of


def test_failures_lock_one_username_and_address_pair_for_the_window(fresh_db: Database) -> None:
    now = START
    with fresh_db.unit_of_work() as session:
        for i in range(THROTTLE_FAILURES):
            check_throttle(session, username="clerk", client="10.0.0.1", now=now + timedelta(seconds=i))
            record_failure(session, username="clerk", client="10.0.0.1", now=now + timedelta(seconds=i))
    later = now + timedelta(minutes=1)
    with fresh_db.unit_of_work() as session:
        with pytest.raises(TooManyRequests):
            check_throttle(session, username="clerk", client="10.0.0.1", now=later)
        # The same user from elsewhere, and another user from here, are not locked out.
        check_throttle(session, username="clerk", client="10.0.0.2", now=later)
        check_throttle(session, username="dispatcher", client="10.0.0.1", now=later)
    with fresh_db.unit_of_work() as session:
        check_throttle(session, username="clerk", client="10.0.0.1", now=now + THROTTLE_WINDOW + timedelta(seconds=THROTTLE_FAILURES))
        record_failure(session, username="clerk", client="10.0.0.1", now=now + THROTTLE_WINDOW + timedelta(minutes=1))
        clear_failures(session, username="clerk", client="10.0.0.2")
    with fresh_db.unit_of_work() as session:
        # Recording a failure dropped the expired ones: the table does not grow without end.
        assert session.scalar(select(func.count()).select_from(SignInFailure)) == 1
        clear_failures(session, username="clerk", client="10.0.0.1")
        assert session.scalar(select(func.count()).select_from(SignInFailure)) == 0


def _sign_in(client: TestClient, username: str, password: str) -> int:
    r = client.post(
        "/console/sign-in",
        data={"csrf_token": csrf_of(client, "/console/sign-in"), "username": username, "password": password},
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


def test_portal_submissions_are_rate_limited_per_address(tmp_path: Path) -> None:
    with private_demo_app("sqlite", tmp_path) as (app, _, _):
        client = browser(app)
        token = csrf_of(client, "/portal/submit")
        codes = [
            client.post("/portal/submit", data={"csrf_token": token, "channel": "miniprogram", "body": f"第{i}条", "phone": unique_phone()},
                        follow_redirects=False).status_code
            for i in range(11)
        ]
        assert codes == [303] * 10 + [429]
