"""The search index's terms: a text holding the query holds every term the query asks for."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta, timezone

import pytest

from minyi.cases.search_terms import (
    MONTH_MARK,
    doc_terms,
    fts5_query,
    month_term,
    query_terms,
    tsquery_text,
    windowed_tsquery_text,
)


class TestTerms:
    def test_a_text_is_indexed_by_characters_pairs_and_latin_runs(self) -> None:
        terms = set(doc_terms("路灯坏了，WiFi 5G"))
        assert {"路", "灯", "路灯", "灯坏", "坏了", "了w", "wifi", "5g"} <= terms
        assert "，" not in terms and "了，" not in terms

    def test_a_query_asks_for_its_pairs_or_its_one_character(self) -> None:
        assert query_terms("路灯坏") == ["灯坏", "路灯"]
        assert query_terms("灯") == ["灯"]
        assert query_terms("，路 灯！") == ["路灯"]
        assert query_terms("ＷｉＦｉ") == ["fi", "if", "wi"]
        assert query_terms("，！%") == []

    @pytest.mark.parametrize(
        ("text", "q"),
        [
            ("A3区大道西行便道，未管所路口", "道，未"),
            ("A3区大道西行便道", "a3区"),
            ("小区　门口的路灯", "区 门"),
            ("电话 138-0013-8000", "0013"),
            ("全角１２３４号", "1234"),
        ],
    )
    def test_a_substring_holds_every_term_of_the_query(self, text: str, q: str) -> None:
        assert set(query_terms(q)) <= set(doc_terms(text))

    def test_queries_are_quoted_for_each_backend(self) -> None:
        assert tsquery_text(["路灯", "a'b"]) == "'路灯' & 'a''b'"
        assert fts5_query("terms", ["路灯", 'a"b']) == 'terms : ("路灯" AND "a""b")'


class TestMonthTerms:
    def test_the_month_is_utcs(self) -> None:
        beijing = timezone(timedelta(hours=8))
        assert month_term(datetime(2026, 11, 30, 23, 59, tzinfo=UTC)) == "_m202611"
        # 07:00 on 1 December in Beijing is still November in UTC.
        assert month_term(datetime(2026, 12, 1, 7, 0, tzinfo=beijing)) == "_m202611"
        naive = datetime(2026, 12, 1, 0, 0, tzinfo=UTC).replace(tzinfo=None)  # as SQLite gives
        assert month_term(naive) == "_m202612"
        assert windowed_tsquery_text(["路灯"], ["_m202611", "_m202610"]) == (
            "'路灯' & ('_m202611' | '_m202610')"
        )

    @pytest.mark.parametrize(
        "text",
        [
            "_m202611",
            "＿m202611",
            "a_m202611",
            "小区_m202611路灯",
            "__m__",
            "m202611",
            "_" + string.ascii_letters + string.digits,
            "".join(chr(c) for c in range(0x20, 0x250)),
            "\u3000_\u3000m202611",
        ],
    )
    def test_no_text_nor_query_has_a_term_with_the_month_mark(self, text: str) -> None:
        """A month term can only be the month's: no text is indexed under one (so no month's
        read finds a case of another), and no query asks for one."""
        assert not any(t.startswith(MONTH_MARK) for t in doc_terms(text, text))
        assert not any(MONTH_MARK in t for t in query_terms(text))
        assert not any("_" in t for t in doc_terms(text))
