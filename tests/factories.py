"""Small typed helpers that make test data: through the public API (`make_appeal`, `act`,
`make_dispatched`), and beside them the same data through the services (`register_appeal`,
`act_on`, `dispatched`) for tests that are not about HTTP: no app, no sign-in, no request. These
run the handlers of the database's registry (the fixtures' databases carry the whole composition,
as a runtime's does)."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from minyi.cases.rules import Action
from minyi.cases.schemas import ActionIn
from minyi.cases.service import act_on_case
from minyi.core.db import Database
from minyi.core.errors import MinyiError
from minyi.core.ids import IdAllocator
from minyi.intake.refs import RefCache
from minyi.intake.schemas import AppealIn
from minyi.intake.service import register_appeals
from minyi.org.service import actor_for_username

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


# --- the same through the services -------------------------------------------------------------
TZ = ZoneInfo("Asia/Shanghai")  # Settings().timezone, the demo district's


def register_appeal(
    db: Database, *, now: datetime, as_user: str | None = "clerk", **overrides: Any
) -> dict[str, Any]:
    """`make_appeal` without HTTP: the same payload through intake's `register_appeals` in a
    transaction of its own (as `minyi cases submit` does), registered at `now`; the same receipt.
    `as_user=None` appeals as a citizen."""
    item = AppealIn.model_validate(appeal_payload(**overrides))
    ids = IdAllocator(db, "appeals", block=1).take(1)
    with db.unit_of_work() as session:
        actor = actor_for_username(session, as_user) if as_user else None
        [result] = register_appeals(
            session, [item], actors=[actor], ids=ids, refs=RefCache(), now=now, tz=TZ
        )
    if isinstance(result, MinyiError):
        raise result
    return result.as_dict()


def act_on(
    db: Database, case_id: int, action: str, as_user: str, *, now: datetime, **body: Any
) -> None:
    """`act` without HTTP: the action's body checked as the API checks it, applied by
    `act_on_case` and committed; a refusal raises the service's error (IllegalTransition,
    Forbidden, Invalid, Conflict...)."""
    payload = ActionIn.model_validate(body)
    with db.unit_of_work() as session:
        act_on_case(
            session,
            case_id,
            Action(action),
            actor=actor_for_username(session, as_user),
            payload=payload.payload(),
            now=now,
            expected_version=payload.expected_version,
        )


def dispatched(
    db: Database,
    *,
    now: datetime,
    lead: str = "DEP01",
    co: list[str] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """`make_dispatched` without HTTP: registered, accepted by the clerk, dispatched."""
    appeal = register_appeal(db, now=now, **overrides)
    act_on(db, appeal["id"], "accept", "clerk", now=now)
    act_on(db, appeal["id"], "dispatch", "dispatcher", now=now, lead_unit=lead, co_units=co or [])
    return appeal


def letters_only(token: str) -> str:
    """A random search marker's digits as letters: three digits in a row could be part of a
    phone, and a reader who sees the complainant masked is (rightly) not let search by one."""
    return token.translate(str.maketrans("0123456789", "ghijklmnop"))
