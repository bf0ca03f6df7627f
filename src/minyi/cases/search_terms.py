"""The terms of the case search index, as pure code: what a text is indexed under and what a
query asks the index for.

Chinese has no spaces to split words on, so a text is indexed under every character (unigram)
and every pair of neighbouring characters (bigram) of its normalised form (`core.text`: folded,
lower-cased, without whitespace and punctuation), plus each run of Latin letters and digits as a
whole word. A query of two or more characters asks for all its bigrams (AND), one character for
its unigram. Normalising only folds or deletes characters, so a text that holds the query as a
substring holds all the query's terms: the index finds a superset of the substring matches, and
the caller re-checks the substring on those candidates alone.
"""

from __future__ import annotations

import re

from minyi.core.text import fold_width, normalise

_RUN = re.compile(r"[0-9a-z]+")
# A run longer than this (a pasted link, a hash) is indexed by its bigrams only: PostgreSQL
# refuses lexemes over 2 KB, and nobody types such a run to search.
MAX_RUN = 40


def text_terms(text: str | None) -> set[str]:
    """The terms one text is indexed under."""
    if not text:
        return set()
    norm = normalise(text, drop="punctuation")
    terms = set(norm)
    terms.update(norm[i : i + 2] for i in range(len(norm) - 1))
    terms.update(run for run in _RUN.findall(fold_width(text).lower()) if 2 < len(run) <= MAX_RUN)
    return terms


def doc_terms(*texts: str | None) -> list[str]:
    """The terms of several fields of one document, sorted (bigrams never span two fields)."""
    out: set[str] = set()
    for text in texts:
        out |= text_terms(text)
    return sorted(out)


def query_terms(q: str) -> list[str]:
    """The terms a query asks the index for (all of them), or [] when the query has no letter or
    digit to look up (punctuation only): the caller then falls back to reading every row."""
    norm = normalise(q, drop="punctuation")
    if len(norm) == 1:
        return [norm]
    return sorted({norm[i : i + 2] for i in range(len(norm) - 1)})


def tsquery_text(terms: list[str]) -> str:
    """The terms as a PostgreSQL tsquery literal, every term quoted, all required."""
    return " & ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in terms)


def fts5_query(column: str, terms: list[str]) -> str:
    """The terms as an SQLite FTS5 query on one column, every term a quoted string, all required."""
    return column + " : (" + " AND ".join('"' + t.replace('"', '""') + '"' for t in terms) + ")"
