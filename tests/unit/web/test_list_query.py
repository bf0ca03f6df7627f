"""The list's choices survive in the query string: page links change only the page."""

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
        assert (q.status, q.sort, q.page) == ("open", "urgency", 1)
        assert q.href("/console/inbox") == "/console/inbox?status=open&sort=urgency"

    def test_a_page_link_keeps_every_filter(self) -> None:
        q = read_query(
            request(
                "status=handling&channel=letter&unit=DEP01&date_from=2026-11-01&q=%E8%B7%AF%E7%81%AF&overdue=1&sort=oldest&page=3"
            )
        )
        link = q.href("/console/inbox", page=4)
        assert parse_qs(urlsplit(link).query) == {
            "status": ["handling"],
            "channel": ["letter"],
            "unit": ["DEP01"],
            "date_from": ["2026-11-01"],
            "q": ["路灯"],
            "overdue": ["1"],
            "sort": ["oldest"],
            "page": ["4"],
        }

    def test_all_statuses_survive_the_round_trip(self) -> None:
        q = read_query(request("status="))
        assert q.status == ""
        assert read_query(request(urlsplit(q.href("/console/inbox", page=2)).query)).status == ""

    def test_nonsense_page_and_sort_fall_back(self) -> None:
        q = read_query(request("page=-1&sort=drop%20table"))
        assert (q.page, q.sort) == (1, "urgency")
        assert read_query(request("page=99999999999")).page == 1
        assert ListQuery().href("/x", page=1) == "/x?status=open&sort=urgency"
