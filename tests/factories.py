"""Small typed helpers that make test data through the public API."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from fastapi.testclient import TestClient

DEMO_PASSWORD = "minyi-demo-2026"
_phones = itertools.count(10_000_000)
# Keyed by the database, not the client object: a later client may reuse a dead one's id().
_tokens: dict[tuple[str, str], dict[str, str]] = {}


def unique_phone() -> str:
    return f"139{next(_phones) % 100_000_000:08d}"


def auth(client: TestClient, username: str) -> dict[str, str]:
    key = (client.app.state.minyi.db.url, username)  # type: ignore[attr-defined]
    if key not in _tokens:
        r = client.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
        assert r.status_code == 200, r.text
        _tokens[key] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    return _tokens[key]


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
    r = client.post("/api/v1/appeals", json=appeal_payload(**overrides), headers=auth(client, as_user))
    assert r.status_code == 201, r.text
    return dict(r.json())


def act(client: TestClient, case_id: int, action: str, as_user: str, **body: Any) -> Any:
    return client.post(f"/api/v1/appeals/{case_id}/actions/{action}", json=body, headers=auth(client, as_user))


def make_dispatched(client: TestClient, lead: str = "DEP01", co: list[str] | None = None, **overrides: Any) -> dict[str, Any]:
    appeal = make_appeal(client, **overrides)
    assert act(client, appeal["id"], "accept", "clerk").status_code == 200
    r = act(client, appeal["id"], "dispatch", "dispatcher", lead_unit=lead, co_units=co or [])
    assert r.status_code == 200, r.text
    return appeal
