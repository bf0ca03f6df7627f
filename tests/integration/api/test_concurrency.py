"""Two people acting on one case at the same moment: exactly one wins, the other gets 409."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from factories import act, auth, make_dispatched
from minyi.cases.models import CaseEvent
from minyi.core.db import Database


def race(client: TestClient, calls: list[tuple[int, str, str, dict[str, object]]]) -> list[int]:
    barrier = threading.Barrier(len(calls))
    codes: list[int] = [0] * len(calls)

    def run(n: int) -> None:
        case_id, action, user, body = calls[n]
        barrier.wait()
        codes[n] = act(client, case_id, action, user, **body).status_code

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


def event_count(db: Database, case_id: int, action: str) -> int:
    with db.reading() as session:
        return int(
            session.scalar(
                select(func.count()).where(CaseEvent.case_id == case_id, CaseEvent.action == action)
            )
            or 0
        )


class TestConcurrentActions:
    def test_two_signs_one_wins(self, app_client: TestClient, db: Database) -> None:
        for _ in range(5):
            a = make_dispatched(app_client, lead="DEP22")
            auth(app_client, "dep22.head")
            codes = race(
                app_client,
                [
                    (a["id"], "sign_for", "dep22.handler", {}),
                    (a["id"], "sign_for", "dep22.head", {}),
                ],
            )
            assert sorted(codes) == [200, 409]
            assert event_count(db, a["id"], "sign_for") == 1

    def test_reply_against_bounce_one_wins(self, app_client: TestClient, db: Database) -> None:
        a = make_dispatched(app_client, lead="DEP23")
        act(app_client, a["id"], "sign_for", "dep23.handler")
        # Both saw version v; whichever commits second acted on a stale view.
        version = app_client.get(
            f"/api/v1/appeals/{a['id']}", headers=auth(app_client, "dep23.handler")
        ).json()["version"]
        auth(app_client, "dep23.head")
        codes = race(
            app_client,
            [
                (
                    a["id"],
                    "reply",
                    "dep23.handler",
                    {"text": "已办结", "expected_version": version},
                ),
                (
                    a["id"],
                    "bounce",
                    "dep23.head",
                    {"reason": "非本单位职责", "expected_version": version},
                ),
            ],
        )
        assert sorted(codes) == [200, 409]
        assert event_count(db, a["id"], "reply") + event_count(db, a["id"], "bounce") == 1

    def test_stale_version_is_refused(self, app_client: TestClient) -> None:
        a = make_dispatched(app_client, lead="DEP24")
        r = act(app_client, a["id"], "sign_for", "dep24.handler", expected_version=1)
        assert r.status_code == 409 and r.json()["error"]["code"] == "version_conflict"
