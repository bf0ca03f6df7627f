"""Lists, filters, Chinese search, timelines, and the citizen's tracking page."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from factories import act, auth, letters_only, make_appeal, make_dispatched
from minyi.cases.models import Case
from minyi.cases.service import hide_identity
from minyi.core.db import Database


def listing(client: TestClient, user: str = "dispatcher", **params: object) -> dict[str, object]:
    r = client.get("/api/v1/appeals", params=params, headers=auth(client, user))
    assert r.status_code == 200, r.text
    return dict(r.json())


class TestSearchAndFilter:
    def test_chinese_substring_search_over_title_and_body(self, app_client: TestClient) -> None:
        marker = "梧桐" + letters_only(uuid.uuid4().hex[:6])
        a = make_appeal(
            app_client, title=f"{marker}路段夜间施工噪音", body="晚上十一点以后还在施工"
        )
        b = make_appeal(app_client, title="路灯不亮", body=f"{marker}小区门口的路灯坏了两周")
        make_appeal(app_client, title="无关", body="别的事情")
        found = listing(app_client, q=marker, page_size=50)
        assert {c["id"] for c in found["items"]} == {a["id"], b["id"]}  # type: ignore[index]

    def test_search_by_phone_and_tracking_number(self, app_client: TestClient) -> None:
        a = make_appeal(app_client, phone="13987654321")
        assert a["id"] in {
            c["id"] for c in listing(app_client, q="87654321", page_size=200)["items"]
        }  # type: ignore[index]
        assert [c["id"] for c in listing(app_client, q=a["tracking_no"])["items"]] == [a["id"]]  # type: ignore[index]

    def test_phone_digits_find_cases_only_for_who_sees_the_number(
        self, app_client: TestClient, db: Database
    ) -> None:
        # Typing digits into the search box must not probe a number the reader sees masked.
        phone = f"139{uuid.uuid4().int % 10**8:08d}"
        a = make_dispatched(app_client, lead="DEP21", phone=phone)

        def finds(user: str) -> bool:
            return a["id"] in {
                c["id"] for c in listing(app_client, user, q=phone[3:], page_size=200)["items"]
            }  # type: ignore[index]

        assert finds("dispatcher") and finds("dep21.handler")
        assert not finds("supervisor") and not finds("leader01")  # they see 139****NNNN
        with db.unit_of_work() as session:
            case = session.get(Case, a["id"])
            assert case is not None
            hide_identity(
                session,
                case,
                ["DEP21"],
                actor_label="test",
                now=case.registered_at,
                reason="诉求反映的对象为该单位",
            )
        assert finds("dispatcher")
        assert not finds("dep21.handler")  # the accused unit cannot find its complainant by number
        assert a["id"] in {
            c["id"] for c in listing(app_client, "dep21.handler", q=a["tracking_no"])["items"]
        }  # type: ignore[index]

    def test_like_wildcards_are_literal(self, app_client: TestClient) -> None:
        assert listing(app_client, q="%_%")["total"] == 0

    def test_filter_by_status_unit_street_channel_and_time(self, app_client: TestClient) -> None:
        a = make_dispatched(app_client, lead="DEP20", street="S07", channel="walk_in")
        page = listing(
            app_client,
            status="dispatched",
            unit="DEP20",
            street="S07",
            channel="walk_in",
            registered_from="2026-11-19T00:00:00+08:00",
            page_size=200,
        )
        assert a["id"] in {c["id"] for c in page["items"]}  # type: ignore[index]
        assert all(c["status"] == "dispatched" and c["street"] == "S07" for c in page["items"])  # type: ignore[index]
        assert (
            listing(app_client, unit="DEP20", registered_to="2026-01-01T00:00:00+08:00")["total"]
            == 0
        )

    def test_pagination(self, app_client: TestClient) -> None:
        marker = "分页" + letters_only(uuid.uuid4().hex[:6])
        ids = [make_appeal(app_client, title=marker)["id"] for _ in range(5)]
        p1 = listing(app_client, q=marker, page_size=2, page=1)
        p3 = listing(app_client, q=marker, page_size=2, page=3)
        assert p1["total"] == 5
        assert [c["id"] for c in p1["items"]] == sorted(ids, reverse=True)[:2]  # type: ignore[index]
        assert len(p3["items"]) == 1  # type: ignore[arg-type]

    def test_pages_by_cursor(self, app_client: TestClient) -> None:
        marker = "游标" + letters_only(uuid.uuid4().hex[:6])
        ids = [make_appeal(app_client, title=marker)["id"] for _ in range(5)]
        seen: list[int] = []
        cursor = None
        for _ in range(5):
            page = listing(
                app_client, q=marker, page_size=2, **({"cursor": cursor} if cursor else {})
            )
            assert (page["total"], page["total_exact"], page["page"]) == (5, True, 1)
            seen += [c["id"] for c in page["items"]]  # type: ignore[attr-defined]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == sorted(ids, reverse=True)
        # The same walk by relevance: its own cursors, the same cases.
        best = listing(app_client, q=marker, page_size=3, sort="relevance")
        rest = listing(
            app_client, q=marker, page_size=3, sort="relevance", cursor=best["next_cursor"]
        )
        assert sorted(c["id"] for c in [*best["items"], *rest["items"]]) == sorted(ids)  # type: ignore[misc]

    def test_a_bad_cursor_is_400_bad_cursor(self, app_client: TestClient) -> None:
        h = auth(app_client, "dispatcher")
        newest = listing(app_client, page_size=1)
        assert newest["next_cursor"]
        for params in (
            {"cursor": "not-a-cursor"},
            {"cursor": "%%%"},
            {"cursor": "W10"},
            # Made for newest first, refused by relevance order.
            {"cursor": newest["next_cursor"], "sort": "relevance", "q": "路灯"},
        ):
            r = app_client.get("/api/v1/appeals", params=params, headers=h)
            assert r.status_code == 400, (params, r.text)
            assert r.json()["error"]["code"] == "bad_cursor"

    def test_bad_filter_values_are_422(self, app_client: TestClient) -> None:
        h = auth(app_client, "dispatcher")
        assert (
            app_client.get("/api/v1/appeals", params={"status": "lost"}, headers=h).status_code
            == 422
        )
        assert (
            app_client.get("/api/v1/appeals", params={"page_size": 1000}, headers=h).status_code
            == 422
        )
        assert (
            app_client.get(
                "/api/v1/appeals", params={"registered_from": "2026-11-19T00:00:00"}, headers=h
            ).status_code
            == 422
        )
        assert (
            app_client.get("/api/v1/appeals", params={"unit": "NOPE"}, headers=h).status_code == 404
        )


class TestTracking:
    def test_citizen_sees_status_and_timeline_without_personal_data(
        self, app_client: TestClient
    ) -> None:
        a = make_dispatched(app_client, lead="DEP21", phone="13955556666", name="赵先生")
        act(app_client, a["id"], "sign_for", "dep21.handler")
        r = app_client.get(f"/api/v1/track/{a['tracking_no']}", params={"phone_last4": "6666"})
        assert r.status_code == 200
        body = r.json()
        assert body["status"] == "signed_for" and body["status_label"] == "已签收"
        assert [e["action"] for e in body["timeline"]] == [
            "register",
            "accept",
            "dispatch",
            "sign_for",
        ]
        text = r.text
        for secret in ("13955556666", "赵先生", "dep21.handler", "dispatcher", "clerk"):
            assert secret not in text

    def test_wrong_digits_look_like_no_such_case(self, app_client: TestClient) -> None:
        a = make_appeal(app_client, phone="13955557777")
        wrong = app_client.get(f"/api/v1/track/{a['tracking_no']}", params={"phone_last4": "0000"})
        missing = app_client.get("/api/v1/track/19990101-000000", params={"phone_last4": "7777"})
        assert wrong.status_code == missing.status_code == 404
        assert wrong.json() == missing.json()

    def test_rating_before_reply_is_409(self, app_client: TestClient) -> None:
        a = make_appeal(app_client, phone="13955558888")
        r = app_client.post(
            f"/api/v1/track/{a['tracking_no']}/feedback",
            json={"phone_last4": "8888", "rating": "satisfied"},
        )
        assert r.status_code == 409
