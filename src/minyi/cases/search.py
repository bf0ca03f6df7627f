"""The case search index: terms of each case's text (title, body, reply) and, apart, of its
complainant's name and address, kept in the same transaction as the case writes, so staff search
reads the index instead of every row.

Storage differs by backend, behind one interface: on PostgreSQL a side table `case_search` with
two `tsvector` columns under GIN indexes, queried with a tsquery of the query's terms; on SQLite
an FTS5 table of the same name (rowid = case id, the ascii tokenizer: the terms are written
space-separated, already normalised). The table is the migration's (`ftsearch0001`), not a
model: neither backend's form is a plain table the ORM could describe for both.

The index only narrows: `cases.queries` re-checks the exact substring on the candidates, so
search answers exactly what the LIKE scan answered.

On PostgreSQL each row also holds its case's registration month as a term (`search_terms.
month_term`, migration searchmonth0001), so a word's candidates can be read a few months at a
time (`window_ids`), newest first, rather than all of them (docs/scaling.md §3p).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    TextClause,
    any_,
    bindparam,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.visitors import InternalTraversal

from minyi.cases.models import Appeal, Case
from minyi.cases.search_terms import (
    MONTH_TERM_SQL,
    doc_terms,
    fts5_query,
    month_term,
    query_terms,
    tsquery_text,
    windowed_tsquery_text,
)
from minyi.core.bulk import send

TABLE = "case_search"


@dataclass(frozen=True)
class SearchDoc:
    case_id: int
    title: str | None
    body: str | None
    reply_text: str | None
    citizen_name: str | None
    address: str | None
    registered_at: datetime

    def terms(self) -> list[str]:
        return doc_terms(self.title, self.body, self.reply_text)

    def private_terms(self) -> list[str]:
        """The name and address: only readers who see them in clear may search by them."""
        return doc_terms(self.citizen_name, self.address)

    def month(self) -> str:
        """The registration month's term, in both columns on PostgreSQL (`window_ids`)."""
        return month_term(self.registered_at)


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# The GIN indexes of the PostgreSQL search table (migration case_search0001).
GIN_INDEXES = ("ix_case_search_terms", "ix_case_search_private_terms")


def merge_pending_terms(session: Session) -> int:
    """Merge the search indexes' pending lists into the indexes; returns the pages merged (0 on
    SQLite, whose FTS5 index has no such list). A GIN index takes new rows into a pending list
    and merges it when it passes `gin_pending_list_limit`, inside the INSERT that passed it: in
    a burst of appeals about one group commit in a hundred did, 30-45 ms longer than the others,
    and its 30 waiting requests made the p99 (ADR 0005). Merged here, by the worker,
    no appeal waits for it: an INSERT that finds a merge under way leaves the list to it
    (PostgreSQL's `ginInsertCleanup` only tries the lock), and the intake writer's limit is set
    high (`core.db.WRITER_GIN_PENDING_LIMIT_KB`). Every search reads the pending list through, so it is
    kept short."""
    if not _is_postgres(session):
        return 0
    merged = 0
    for index in GIN_INDEXES:
        merged += int(
            session.scalar(
                text("SELECT gin_clean_pending_list(CAST(:index AS regclass))"), {"index": index}
            )
            or 0
        )
    return merged


def index_docs(session: Session, docs: Sequence[SearchDoc]) -> None:
    """Index new cases (intake's batch, an import): in the caller's transaction."""
    if not docs:
        return
    if _is_postgres(session):
        # One JSON document (orjson, in C) rather than two text[] parameters a row: psycopg
        # dumps arrays in Python: a quarter of the intake writer's CPU went there.
        rows = [
            [d.case_id, [*d.terms(), month := d.month()], [*d.private_terms(), month]] for d in docs
        ]
        send(session, _INSERT_PG, (orjson.dumps(rows).decode(),))
        return
    session.execute(
        text(f"INSERT INTO {TABLE} (rowid, terms, private_terms) VALUES (:id, :terms, :private)"),  # noqa: S608 - a constant
        [
            {"id": d.case_id, "terms": " ".join(d.terms()), "private": " ".join(d.private_terms())}
            for d in docs
        ],
    )


_INSERT_PG = (
    f"INSERT INTO {TABLE} (case_id, terms, private_terms)"  # noqa: S608 - a constant
    " SELECT (d->>0)::bigint, array_to_tsvector(ARRAY(SELECT json_array_elements_text(d->1))),"
    " array_to_tsvector(ARRAY(SELECT json_array_elements_text(d->2)))"
    " FROM json_array_elements(%s::json) AS d"
)


def _docs_of(session: Session, case_ids: Iterable[int]) -> list[SearchDoc]:
    rows = session.execute(
        select(
            Case.id,
            Appeal.title,
            Appeal.body,
            Case.reply_text,
            Appeal.citizen_name,
            Appeal.address,
            Case.registered_at,
        )
        .join(Appeal, Appeal.id == Case.appeal_id)
        .where(Case.id.in_(list(case_ids)))
    ).all()
    return [SearchDoc(*row) for row in rows]


def _delete(session: Session, case_ids: list[int]) -> None:
    key = "case_id" if _is_postgres(session) else "rowid"
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start : start + 500]
        session.execute(
            text(f"DELETE FROM {TABLE} WHERE {key} IN ({','.join(str(int(i)) for i in chunk)})")  # noqa: S608 - ints
        )


def reindex_cases(session: Session, case_ids: Iterable[int]) -> None:
    """Index these cases again from what the database holds now (a reply changed the text)."""
    ids = sorted(set(case_ids))
    if not ids:
        return
    session.flush()
    _delete(session, ids)
    for start in range(0, len(ids), 500):
        index_docs(session, _docs_of(session, ids[start : start + 500]))


def reindex_case(session: Session, case: Case) -> None:
    """Index one case again from its loaded row (its reply changed), without flushing it: the
    case is written once, with the rest of the action's changes."""
    with session.no_autoflush:
        row = session.execute(
            select(Appeal.title, Appeal.body, Appeal.citizen_name, Appeal.address).where(
                Appeal.id == case.appeal_id
            )
        ).one()
        _delete(session, [case.id])
        index_docs(
            session,
            [
                SearchDoc(
                    case.id,
                    row.title,
                    row.body,
                    case.reply_text,
                    row.citizen_name,
                    row.address,
                    case.registered_at,
                )
            ],
        )


def backfill(
    session_factory: Callable[[], Any], *, batch: int = 5000, step: Callable[[int], None]
) -> int:
    """Index every case not yet in the index, `batch` cases per transaction, in id order (a
    migration or a bench; safe to stop and run again). `session_factory()` is a context manager
    giving a session that commits on exit. Returns the number of cases indexed."""
    done = 0
    after = -1
    while True:
        with session_factory() as session:
            ids = list(
                session.scalars(
                    select(Case.id).where(Case.id > after).order_by(Case.id).limit(batch)
                )
            )
            if not ids:
                return done
            reindex_cases(session, ids)
        after = ids[-1]
        done += len(ids)
        step(len(ids))


class _Candidates(ColumnElement[bool]):
    """`case_id IN (the ids of the cases whose index holds every term)`, in the backend's
    dialect; with `private`, the name and address terms count too; `also`: more id sets (the
    exact paths), in the same IN. The query texts are bound parameters, traversed, so the
    statement's compiled form is cached like any other and each use binds its own query."""

    type = Boolean()
    inherit_cache = True
    # A predicate, not a value: no "= 1" after it on backends without a boolean type (SQLite),
    # which would hide the IN from the planner.
    _is_implicitly_boolean = True
    _traverse_internals = [  # noqa: RUF012 - SQLAlchemy reads it as a class attribute
        ("case_id", InternalTraversal.dp_clauseelement),
        ("tsquery", InternalTraversal.dp_clauseelement),
        ("fts_terms", InternalTraversal.dp_clauseelement),
        ("fts_all", InternalTraversal.dp_clauseelement),
        ("private", InternalTraversal.dp_boolean),
        ("also", InternalTraversal.dp_clauseelement_list),
    ]

    def __init__(
        self, case_id: Any, terms: list[str], *, private: bool, also: list[Select[Any]]
    ) -> None:
        self.case_id = case_id
        self.tsquery = literal(tsquery_text(terms))
        self.fts_terms = literal(fts5_query("terms", terms))
        both = f"({fts5_query('terms', terms)}) OR ({fts5_query('private_terms', terms)})"
        self.fts_all = literal(both)
        self.private = private
        self.also = [one.correlate(None) for one in also]


def _union(element: _Candidates, compiler: SQLCompiler, **kw: Any) -> str:
    return "".join(" UNION " + compiler.process(one, asfrom=False, **kw) for one in element.also)


@compiles(_Candidates, "postgresql")
def _candidates_pg(element: _Candidates, compiler: SQLCompiler, **kw: Any) -> str:
    key = compiler.process(element.case_id, **kw)
    q = compiler.process(element.tsquery, **kw)
    where = f"s.terms @@ CAST({q} AS tsquery)"
    if element.private:
        where += f" OR s.private_terms @@ CAST({q} AS tsquery)"
    also = _union(element, compiler, **kw)
    # Every value in the fragment is a bound parameter; the names are constants.
    return f"{key} IN (SELECT s.case_id FROM {TABLE} AS s WHERE {where}{also})"  # noqa: S608


@compiles(_Candidates, "sqlite")
def _candidates_sqlite(element: _Candidates, compiler: SQLCompiler, **kw: Any) -> str:
    key = compiler.process(element.case_id, **kw)
    m = compiler.process(element.fts_all if element.private else element.fts_terms, **kw)
    also = _union(element, compiler, **kw)
    return f"{key} IN (SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH {m}{also})"  # noqa: S608


class _Rank(ColumnElement[float]):
    """How well a case's text answers the query (higher is better), for `sort=relevance`."""

    type = Float()
    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 - SQLAlchemy reads it as a class attribute
        ("case_id", InternalTraversal.dp_clauseelement),
        ("registered_at", InternalTraversal.dp_clauseelement),
        ("tsquery", InternalTraversal.dp_clauseelement),
        ("fts_terms", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, case_id: Any, registered_at: Any, terms: list[str]) -> None:
        self.case_id = case_id
        self.registered_at = registered_at
        self.tsquery = literal(tsquery_text(terms))
        self.fts_terms = literal(fts5_query("terms", terms))


@compiles(_Rank, "postgresql")
def _rank_pg(element: _Rank, compiler: SQLCompiler, **kw: Any) -> str:
    key = compiler.process(element.case_id, **kw)
    q = compiler.process(element.tsquery, **kw)
    # Without the month's term: ts_rank's normalisation 1 divides by the log of the number of
    # terms, which the month term would raise by one, and the ranks and their order with it.
    month = MONTH_TERM_SQL.format(at=compiler.process(element.registered_at, **kw))
    rank = f"ts_rank(ts_delete(s.terms, {month}), CAST({q} AS tsquery), 1)"
    return f"(SELECT {rank} FROM {TABLE} AS s WHERE s.case_id = {key})"  # noqa: S608


@compiles(_Rank, "sqlite")
def _rank_sqlite(element: _Rank, compiler: SQLCompiler, **kw: Any) -> str:
    key = compiler.process(element.case_id, **kw)
    m = compiler.process(element.fts_terms, **kw)
    # bm25 is lower for a better match.
    return f"(SELECT -bm25({TABLE}) FROM {TABLE} WHERE {TABLE} MATCH {m} AND rowid = {key})"  # noqa: S608


def candidates(
    q: str, *, private: bool, also: Sequence[Select[Any]] = ()
) -> ColumnElement[bool] | None:
    """Cases whose index holds every term of `q` (a superset of the substring matches), and
    those `also` selects (case ids found by other indexes), or None when `q` has no term to look
    up. One IN over one set: the planner then starts from the index, not from the cases."""
    terms = query_terms(q)
    if not terms:
        return None
    return _Candidates(Case.id, terms, private=private, also=list(also))


class _IdsIn(ColumnElement[bool]):
    """`case_id` among `ids` (candidates read beforehand): on PostgreSQL one array parameter,
    `= ANY(:ids)`, where an IN list binds, plans and estimates one parameter per id (a search's
    candidates run to thousands); elsewhere an IN list."""

    type = Boolean()
    inherit_cache = True
    _is_implicitly_boolean = True
    _traverse_internals = [  # noqa: RUF012 - SQLAlchemy reads it as a class attribute
        ("as_array", InternalTraversal.dp_clauseelement),
        ("as_list", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, case_id: Any, ids: Sequence[int]) -> None:
        self.as_array = case_id == any_(literal(list(ids), ARRAY(BigInteger())))
        self.as_list = case_id.in_(list(ids))


@compiles(_IdsIn, "postgresql")
def _ids_in_pg(element: _IdsIn, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.as_array, **kw))


@compiles(_IdsIn)
def _ids_in(element: _IdsIn, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.as_list, **kw))


def ids_in(case_id: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """`case_id` is one of `ids`, the candidates `candidate_ids` read."""
    return _IdsIn(case_id, ids)


def _planned_each_time(stmt: TextClause) -> TextClause:
    """An index read of the search's terms (`:q`, and `:n` where it has one) with its values
    written into the statement's text when it runs, so PostgreSQL plans it for the words asked.
    As bound parameters, psycopg prepares the statement after its fifth run and PostgreSQL may
    then keep a generic plan, which knows no word and so expects a share of the table (99,813
    candidates at 10M): a two-worker parallel scan whose start alone took 20 ms, on every search
    of the process from then on, where the word's own plan reads three index pages (a tracking
    number's read 6 → 27 ms and a no-hit search's 3 → 25 ms in a long run of the reads bench,
    docs/scaling.md §3s). The values go in quoted by SQLAlchemy's literal rendering."""
    params: list[BindParameter[Any]] = [bindparam("q", type_=String(), literal_execute=True)]
    if ":n" in stmt.text:
        params.append(bindparam("n", type_=Integer(), literal_execute=True))
    return stmt.bindparams(*params)


def candidate_ids(session: Session, q: str, *, private: bool, limit: int) -> list[int] | None:
    """The ids of the cases whose index holds every term of `q` (what `candidates` names), read
    from the index alone, at most `limit` of them; None when there are more, or `q` has no term.

    Read apart from the list's statement so that the list's plan starts from the ids it is
    given: inside it, PostgreSQL estimates a term it keeps no statistics for (a rare one, or
    one no case holds) at a fixed share of the table, 6,000 of 1M cases, and hashes them
    against a sequential scan of every case (docs/scaling.md §3f)."""
    terms = query_terms(q)
    if not terms:
        return None
    if _is_postgres(session):
        where = "s.terms @@ CAST(:q AS tsquery)"
        if private:
            where += " OR s.private_terms @@ CAST(:q AS tsquery)"
        stmt = _planned_each_time(
            text(f"SELECT s.case_id FROM {TABLE} AS s WHERE {where} LIMIT :n")  # noqa: S608 - constants
        )
        params: dict[str, Any] = {"q": tsquery_text(terms), "n": limit + 1}
    else:
        both = f"({fts5_query('terms', terms)}) OR ({fts5_query('private_terms', terms)})"
        stmt = text(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH :m LIMIT :n")  # noqa: S608 - a constant
        params = {"m": both if private else fts5_query("terms", terms), "n": limit + 1}
    found = [int(i) for i in session.scalars(stmt, params)]
    return None if len(found) > limit else found


def count_candidates(session: Session, q: str) -> int | None:
    """How many cases the index names for `q` (its text or its name and address hold every
    term), counted from the index alone, on PostgreSQL; None elsewhere, or when `q` has no term,
    or the plan is not the index's bitmap.

    `count(*)` would read a heap page of `case_search` per candidate (PostgreSQL 15 reads them
    even where the visibility map says it need not: 17,200 pages for 桂花 at 10M), which is what
    a rare word's windowed read avoids. The bitmap the index builds holds the count, so its size
    is read from the plan of a statement that builds it and fetches one row: a few index pages.
    The name and address are counted apart from the text (a case found by both counts twice):
    an upper bound, for a total that is an estimate past the first page."""
    terms = query_terms(q)
    if not terms or not _is_postgres(session):
        return None
    where = "s.terms @@ CAST(:q AS tsquery) OR s.private_terms @@ CAST(:q AS tsquery)"
    found = f"SELECT s.case_id FROM {TABLE} AS s WHERE {where}"  # noqa: S608 - constants
    plan = session.scalar(
        text(
            "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF, FORMAT JSON)"  # noqa: S608 - constants
            f" WITH c AS MATERIALIZED ({found}) SELECT 1 FROM c LIMIT 1"
        ),
        {"q": tsquery_text(terms)},
    )
    return _bitmap_rows((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])


def _bitmap_rows(node: dict[str, Any]) -> int | None:
    """The rows the plan's bitmap index scans found, summed; None without one."""
    if node.get("Node Type") == "Bitmap Index Scan":
        return int(node["Actual Rows"])
    counts = [_bitmap_rows(child) for child in node.get("Plans", ())]
    found = [c for c in counts if c is not None]
    return sum(found) if found else None


def repair_month_terms(session: Session, low: int, high: int) -> int:
    """The month term (`search_terms.month_term`) added to the index rows of the cases with
    low < id <= high that lack it; returns the rows repaired. An app from before searchmonth0001,
    still serving while it ran, indexes new cases without one, and a rare word's windowed read
    (`window_ids`) would miss them: `minyi db reconcile` and the worker's job run this
    (sla/reconcile.py). PostgreSQL only: SQLite's index has no month terms."""
    if not _is_postgres(session):
        return 0
    month = MONTH_TERM_SQL.format(at="c.registered_at")
    repaired = session.execute(
        text(
            f"UPDATE {TABLE} AS s"  # noqa: S608 - constants
            f" SET terms = s.terms || array_to_tsvector(ARRAY[{month}]),"
            f" private_terms = s.private_terms || array_to_tsvector(ARRAY[{month}])"
            " FROM cases AS c WHERE c.id = s.case_id AND s.case_id > :low AND s.case_id <= :high"
            f" AND NOT s.terms @@ CAST(quote_literal({month}) AS tsquery)"
        ),
        {"low": low, "high": high},
    )
    return int(getattr(repaired, "rowcount", 0) or 0)


def window_ids(session: Session, q: str, months: Sequence[str]) -> list[int]:
    """The ids of the cases the index names for `q` (as `candidate_ids` with `private`) that were
    registered in one of `months` (`search_terms.month_term`s), on PostgreSQL: the index
    intersects the word's entries with the months' (it skips through the months' long lists by
    the word's short one), so the read costs a heap page per candidate of those months, not of
    the history (docs/scaling.md §3p)."""
    query = windowed_tsquery_text(query_terms(q), list(months))
    stmt = _planned_each_time(
        text(
            f"SELECT s.case_id FROM {TABLE} AS s"  # noqa: S608 - a constant
            " WHERE s.terms @@ CAST(:q AS tsquery) OR s.private_terms @@ CAST(:q AS tsquery)"
        )
    )
    return [int(i) for i in session.scalars(stmt, {"q": query})]


def relevance(q: str) -> ColumnElement[float] | None:
    terms = query_terms(q)
    if not terms:
        return None
    return _Rank(Case.id, Case.registered_at, terms)


def is_common(session: Session, q: str, *, page_size: int) -> bool:
    """Whether `q`'s terms are common enough that walking the cases newest first and re-checking
    each row finds a page sooner than reading every candidate the index names.

    A page of `page_size` by the walk reads about page_size × N / C cases (N cases indexed, C of
    them candidates); the index plan reads all C. The walk wins once C ≥ √(page_size × N): at
    100,000 cases and pages of 20, from about 1,400 candidates (1.4 %); at 10 million, 14,000.
    PostgreSQL answers C and N from its statistics (the tsvector's most common elements, the
    table's row count), so the choice costs one catalog read, not a count; SQLite, which keeps no such
    statistics, counts the candidates up to the threshold (FTS5 stops there)."""
    terms = query_terms(q)
    if not terms:
        return False
    if _is_postgres(session):
        # Each term's share of the cases from the column's most common elements (what ANALYZE
        # keeps of a tsvector); a term not among them is rare, and so is the query. Not the
        # planner's estimate of the tsquery: for a term it keeps no figure for, that is a fixed
        # share of the table (0.5 %), which grows with it and would walk for a word no case holds.
        row = session.execute(
            text(
                "SELECT c.reltuples, count(f.freq), exp(sum(ln(f.freq)))"
                " FROM pg_class AS c"
                " JOIN pg_stats AS st ON st.tablename = c.relname AND st.attname = 'terms'"
                " AND st.schemaname = current_schema()"
                " CROSS JOIN LATERAL unnest("
                "  CAST(CAST(st.most_common_elems AS text) AS text[]), st.most_common_elem_freqs"
                " ) AS f(term, freq)"
                " WHERE c.oid = CAST(:t AS regclass) AND f.term = ANY(:terms)"
                " GROUP BY c.reltuples"
            ),
            {"t": TABLE, "terms": terms},
        ).first()
        if row is None or row[1] < len(terms) or not row[0] or row[0] <= 0:
            return False
        n, share = float(row[0]), float(row[2])
        found = n * share
        return found * found >= page_size * n
    # The highest case id stands in for the count (ids come in blocks, close to it), read off
    # the primary key's end where counting would read every row.
    n = session.scalar(select(func.max(Case.id))) or 0
    threshold = math.isqrt(page_size * n) + 1
    both = f"({fts5_query('terms', terms)}) OR ({fts5_query('private_terms', terms)})"
    found = (
        session.scalar(
            text(
                f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE {TABLE} MATCH :m LIMIT :n)"  # noqa: S608
            ),
            {"m": both, "n": threshold},
        )
        or 0
    )
    return found >= threshold
