"""Every list pages by cursor (core/listing): walking the cursor pages gives the rows the old
numbered pages gave, in the same order, on both backends; a cursor the list did not make is a
400 (`bad_cursor`) for the API and a page in Chinese for the console."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from factories import auth, make_appeal
from minyi.core.db import Database
from minyi.notify.queries import unsent_messages
from minyi.org.queries import staff_list
from webclient import signed_in

STALE = "bm90IGEgY3Vyc29y"  # base64 of "not a cursor"


def _get(client: TestClient, path: str, user: str, **params: Any) -> dict[str, Any]:
    r = client.get(path, params=params, headers=auth(client, user))
    assert r.status_code == 200, r.text
    return dict(r.json())


def by_numbers(client: TestClient, path: str, user: str, size: int, **params: Any) -> list[int]:
    """The old way: page 1, 2, 3 … until the total is read."""
    first = _get(client, path, user, page=1, page_size=size, **params)
    assert first["total_exact"]
    ids = [i["id"] for i in first["items"]]
    page = 1
    while len(ids) < first["total"]:
        page += 1
        items = _get(client, path, user, page=page, page_size=size, **params)["items"]
        assert items, f"page {page} of {path} is empty before the total"
        ids += [i["id"] for i in items]
    return ids


def by_cursor(client: TestClient, path: str, user: str, size: int, **params: Any) -> list[int]:
    body = _get(client, path, user, page_size=size, **params)
    ids = [i["id"] for i in body["items"]]
    while body["next_cursor"]:
        body = _get(client, path, user, page_size=size, cursor=body["next_cursor"], **params)
        assert len(body["items"]) <= size
        ids += [i["id"] for i in body["items"]]
    return ids


def same_walk(client: TestClient, path: str, user: str, size: int, **params: Any) -> list[int]:
    numbered = by_numbers(client, path, user, size, **params)
    assert by_cursor(client, path, user, size, **params) == numbered
    assert len(set(numbered)) == len(numbered)
    return numbered


def refused(client: TestClient, path: str, user: str, cursor: str) -> None:
    r = client.get(path, params={"cursor": cursor}, headers=auth(client, user))
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "bad_cursor"


def instruct(client: TestClient, units: list[str], n: int) -> None:
    for i in range(n):
        r = client.post(
            "/api/v1/instructions",
            json={
                "text": f"请尽快处理并回复群众（第{i}件）。",
                "units": units,
                "within_days": 3,
                "subject_ref": f"daily_report:2026-11-20#{i}",
            },
            headers=auth(client, "secretary"),
        )
        assert r.status_code == 201, r.text


def test_backlog_pages_by_cursor_as_by_number(app_client: TestClient) -> None:
    for _ in range(5):
        make_appeal(app_client)
    ids = same_walk(app_client, "/api/v1/backlog", "secretary", 2, min_age_days=0)
    assert len(ids) >= 5
    refused(app_client, "/api/v1/backlog", "secretary", STALE)


def test_instructions_and_notifications_page_by_cursor(app_client: TestClient) -> None:
    # Written at one instant (the test clock stands still): the id breaks the ties.
    instruct(app_client, ["DEP09"], 5)
    assert len(same_walk(app_client, "/api/v1/instructions", "secretary", 2, mine=True)) >= 5
    assert len(same_walk(app_client, "/api/v1/notifications", "dep09.handler", 2)) >= 5
    assert len(same_walk(app_client, "/api/v1/instruction-tasks", "dep09.handler", 2)) >= 5
    # A cursor made for one list is refused by another, however well formed.
    cursor = _get(app_client, "/api/v1/instructions", "secretary", page_size=1)["next_cursor"]
    refused(app_client, "/api/v1/notifications", "dep09.handler", cursor)
    refused(app_client, "/api/v1/instructions", "secretary", cursor[:-4])


def test_whistles_page_by_cursor(app_client: TestClient) -> None:
    for i in range(4):
        r = app_client.post(
            "/api/v1/whistles",
            json={"description": f"消防通道被占用（{i}）", "units": ["DEP31"], "place": "S01C02"},
            headers=auth(app_client, "s01c02.staff"),
        )
        assert r.status_code == 201, r.text
    assert len(same_walk(app_client, "/api/v1/whistles", "supervisor", 3)) >= 4
    refused(app_client, "/api/v1/whistles", "supervisor", "%%%")


def test_outbox_and_staff_lists_walk_alike(app_client: TestClient, db: Database) -> None:
    # Each receipt is an SMS waiting in the outbox: enough of them for two pages of 7 whatever
    # ran before in this process (alone, the file's other tests add none: 3 made it fail).
    for _ in range(8):
        make_appeal(app_client)
    with db.reading() as session:
        for listing in (
            lambda **k: unsent_messages(session, **k),
            lambda **k: staff_list(session, "", **k),
        ):
            numbered: list[Any] = []
            first = listing(page=1, page_size=7)
            page = 1
            numbered += first.rows
            while len(numbered) < first.total.value:
                page += 1
                numbered += listing(page=page, page_size=7).rows
            walked, found = list(first.rows), first
            while found.next_cursor:
                found = listing(page_size=7, cursor=found.next_cursor)
                walked += found.rows
            assert walked == numbered
            assert len(walked) > 7


def test_console_lists_show_the_total_and_a_next_link(app_client: TestClient) -> None:
    web = signed_in(app_client, "admin")
    page = web.get("/console/admin/people")
    assert page.status_code == 200
    assert re.search(r"共 [\d,]+ 条", page.text)
    link = re.search(r'href="(/console/admin/people\?cursor=[^"]+)" rel="next">下一页', page.text)
    assert link, "the staff list has more than one page"
    second = web.get(link.group(1).replace("&amp;", "&"))
    assert second.status_code == 200 and "首页" in second.text
    for path in ("/console/admin/people", "/console/admin/outbox", "/console/notifications"):
        bad = web.get(path, params={"cursor": STALE})
        assert bad.status_code == 400, path
        assert "翻页链接已失效" in bad.text and "cursor" not in bad.text.split("<main")[-1]


def test_open311_names_the_next_page_in_a_link_header(app_client: TestClient) -> None:
    """The GeoReport list stays a bare array; the next page is in `Link: <…>; rel="next"`."""
    for _ in range(3):
        make_appeal(app_client)
    path = "/open311/v2/requests.json"
    numbered: list[str] = []
    page = 1
    while True:
        rows = app_client.get(path, params={"page": page, "page_size": 2}).json()
        numbered += [r["service_request_id"] for r in rows]
        if len(rows) < 2:
            break
        page += 1
    walked: list[str] = []
    r = app_client.get(path, params={"page_size": 2})
    while True:
        assert r.status_code == 200, r.text
        walked += [row["service_request_id"] for row in r.json()]
        link = r.headers.get("link")
        if not link:
            break
        found = re.fullmatch(r'<([^>]+)>; rel="next"', link)
        assert found, link
        r = app_client.get(found.group(1))
    assert walked == numbered and len(walked) >= 3
    bad = app_client.get(path, params={"cursor": STALE})
    assert bad.status_code == 400
    assert isinstance(bad.json(), list) and bad.json()[0]["code"] == 400
