"""Helpers for the web tests: a browser-like client per user, with the CSRF token of a page."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from factories import DEMO_PASSWORD

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client: TestClient, path: str = "/portal/track") -> str:
    r = client.get(path)
    assert r.status_code == 200, r.text
    found = CSRF_INPUT.search(r.text)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


def browser(app_client: TestClient) -> TestClient:
    """A client with its own cookie jar on the same running app (the shared one keeps its own)."""
    return TestClient(app_client.app)


def signed_in(app_client: TestClient, username: str) -> TestClient:
    client = browser(app_client)
    r = client.post(
        "/console/sign-in",
        data={
            "csrf_token": csrf_of(client, "/console/sign-in"),
            "username": username,
            "password": DEMO_PASSWORD,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


def post_form(
    client: TestClient,
    path: str,
    data: dict[str, Any],
    *,
    page: str = "/portal/track",
    **kwargs: Any,
) -> Any:
    return client.post(
        path, data={"csrf_token": csrf_of(client, page), **data}, follow_redirects=False, **kwargs
    )
