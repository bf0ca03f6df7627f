"""Small typed helpers that make test data through the public API."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

DEMO_PASSWORD = "minyi-demo-2026"
_phones = itertools.count(10_000_000)
# Keyed by the database, not the client object: a later client may reuse a dead one's id().
_tokens: dict[tuple[str, str], tuple[dict[str, str], datetime, datetime]] = {}


def unique_phone() -> str:
    return f"139{next(_phones) % 100_000_000:08d}"


def auth(client: TestClient, username: str) -> dict[str, str]:
    """A bearer header for the user, reused until the app's (manual) clock reaches the token's
    expiry: tokens are checked on every request, and tests move time by days."""
    state = client.app.state.minyi  # type: ignore[attr-defined]
    key = (state.db.url, username)
    now = state.clock.now()
    hit = _tokens.get(key)
    if hit is None or not (hit[1] <= now < hit[2]):
        r = client.post(
            "/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD}
        )
        assert r.status_code == 200, r.text
        expires = now + timedelta(hours=state.settings.token_ttl_hours) - timedelta(minutes=1)
        hit = ({"Authorization": f"Bearer {r.json()['access_token']}"}, now, expires)
        _tokens[key] = hit
    return hit[0]


def appeal_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "channel": "hotline_12345",
        "external_id": uuid.uuid4().hex,
        "title": "小区垃圾中转站臭味扰民",
        "body": "城市绿洲花园小区门口的垃圾中转站臭味很大，夏天尤其严重，希望尽快处理。",
        "phone": unique_phone(),
        "name": "程先生",
        "street": "S01",
    }
    payload.update(overrides)
    return payload


def make_appeal(client: TestClient, *, as_user: str = "clerk", **overrides: Any) -> dict[str, Any]:
    r = client.post(
        "/api/v1/appeals", json=appeal_payload(**overrides), headers=auth(client, as_user)
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def act(client: TestClient, case_id: int, action: str, as_user: str, **body: Any) -> Any:
    return client.post(
        f"/api/v1/appeals/{case_id}/actions/{action}", json=body, headers=auth(client, as_user)
    )


def reply(
    client: TestClient, case_id: int, handler: str, text: str = "已答复", *, head: str | None = None
) -> Any:
    """The handler's reply as the case takes it: given directly, or, where 答复审核 applies (the
    statutory policy), submitted and approved by the lead unit's head (`<unit>.head` by default)."""
    r = act(client, case_id, "reply", handler, text=text)
    if r.status_code == 409 and r.json()["error"]["code"] == "reply_needs_approval":
        submitted = act(client, case_id, "submit_reply", handler, text=text)
        assert submitted.status_code == 200, submitted.text
        r = act(client, case_id, "approve_reply", head or f"{handler.split('.')[0]}.head")
    return r


def make_dispatched(
    client: TestClient, lead: str = "DEP01", co: list[str] | None = None, **overrides: Any
) -> dict[str, Any]:
    appeal = make_appeal(client, **overrides)
    assert act(client, appeal["id"], "accept", "clerk").status_code == 200
    r = act(client, appeal["id"], "dispatch", "dispatcher", lead_unit=lead, co_units=co or [])
    assert r.status_code == 200, r.text
    return appeal
