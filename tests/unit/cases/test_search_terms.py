"""The search index's terms: a text holding the query holds every term the query asks for."""

from __future__ import annotations

import pytest

from minyi.cases.search_terms import doc_terms, fts5_query, query_terms, tsquery_text


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
