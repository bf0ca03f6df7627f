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
from datetime import UTC, datetime

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


# A case's registration month, as a term of its own in the PostgreSQL index (`month_term`): it
# starts with "_", which normalising deletes and no run of [0-9a-z] holds, so no text is indexed
# under it and no query asks for it by accident.
MONTH_MARK = "_m"


def month_term(registered_at: datetime) -> str:
    """The term of the month (UTC) a case was registered in: `_m202611`. A rare word's index
    read asks for its terms and a few of these (`search.window_ids`), so it reads the newest
    months' candidates first instead of every candidate of the history. The migration
    searchmonth0001 and `search._rank_pg` compute the same text in SQL (`MONTH_TERM_SQL`)."""
    if registered_at.tzinfo is None:
        registered_at = registered_at.replace(tzinfo=UTC)  # SQLite gives naive UTC values
    return MONTH_MARK + registered_at.astimezone(UTC).strftime("%Y%m")


# month_term in PostgreSQL's SQL, of a timestamptz expression `{at}`.
MONTH_TERM_SQL = "'" + MONTH_MARK + "' || to_char(({at}) AT TIME ZONE 'UTC', 'YYYYMM')"


def tsquery_text(terms: list[str]) -> str:
    """The terms as a PostgreSQL tsquery literal, every term quoted, all required."""
    return " & ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in terms)


def windowed_tsquery_text(terms: list[str], months: list[str]) -> str:
    """The terms, all required, and one of the `months` (`month_term`s), as a tsquery literal."""
    return tsquery_text(terms) + " & (" + " | ".join(f"'{m}'" for m in months) + ")"


def fts5_query(column: str, terms: list[str]) -> str:
    """The terms as an SQLite FTS5 query on one column, every term a quoted string, all required."""
    return column + " : (" + " AND ".join('"' + t.replace('"', '""') + '"' for t in terms) + ")"
