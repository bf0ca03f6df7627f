"""The list's choices survive in the query string: page links change only the cursor."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request

from minyi.web.console_lists import ListQuery, read_query


def request(query: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/console/inbox",
            "query_string": query.encode(),
            "headers": [],
        }
    )


class TestListQuery:
    def test_defaults_are_open_cases_most_urgent_first(self) -> None:
        q = read_query(request(""))
        assert (q.status, q.sort, q.cursor) == ("open", "urgency", "")
        assert q.href("/console/inbox") == "/console/inbox?status=open&sort=urgency"

    def test_a_page_link_keeps_every_filter(self) -> None:
        q = read_query(
            request(
                "status=handling&channel=letter&unit=DEP01&date_from=2026-11-01&q=%E8%B7%AF%E7%81%AF&overdue=1&sort=oldest&cursor=abc"
            )
        )
        link = q.href("/console/inbox", cursor="def")
        assert parse_qs(urlsplit(link).query) == {
            "status": ["handling"],
            "channel": ["letter"],
            "unit": ["DEP01"],
            "date_from": ["2026-11-01"],
            "q": ["路灯"],
            "overdue": ["1"],
            "sort": ["oldest"],
            "cursor": ["def"],
        }

    def test_all_statuses_survive_the_round_trip(self) -> None:
        q = read_query(request("status="))
        assert q.status == ""
        assert (
            read_query(request(urlsplit(q.href("/console/inbox", cursor="x")).query)).status == ""
        )

    def test_nonsense_sort_falls_back_and_the_first_page_has_no_cursor(self) -> None:
        q = read_query(request("page=3&sort=drop%20table"))
        assert (q.cursor, q.sort) == ("", "urgency")
        assert ListQuery().href("/x", cursor="") == "/x?status=open&sort=urgency"
        assert len(read_query(request("cursor=" + "a" * 5000)).cursor) < 5000
