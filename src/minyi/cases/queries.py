"""Read side: who may see which cases, lists with filters, search, timelines."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    column,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    table,
    true,
    union,
    union_all,
)
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.util import find_tables

from minyi.cases.models import (
    UNIT_URGENCY_KEY,
    URGENCY_KEY,
    Appeal,
    Bounce,
    Case,
    CaseEvent,
    CaseUnit,
    StatusIn,
)
from minyi.cases.rules import UNSETTLED, CaseStatus
from minyi.cases.schemas import view_of
from minyi.cases.search import (
    candidate_ids,
    candidates,
    count_candidates,
    ids_in,
    is_common,
    relevance,
    window_ids,
)
from minyi.cases.search_terms import MONTH_MARK, month_term, query_terms
from minyi.core.errors import Invalid, NotFound
from minyi.core.paging import (
    COUNT_CAP,
    KeysetPage,
    SortKey,
    Total,
    after_cursor,
    asc,
    count_capped,
    cursor_values,
    desc,
    estimated_total,
    keyset_page,
    merged_page,
)
from minyi.core.text import fold_width
from minyi.org.models import Staff, Unit
from minyi.org.rules import AREA_ROLES, DISTRICT_WIDE, Actor, Role
from minyi.org.service import unit_by_code
from minyi.privacy.rules import (
    CONTACT_ROLES,
    UNLINKED_VIEW,
    CaseView,
    looks_personal,
    oversight_view,
)


def visible_to(actor: Actor, statuses: Sequence[CaseStatus] | None = None) -> ColumnElement[bool]:
    """The cases an actor may see. Out of scope reads as 'not found', never as 'forbidden'.

    `statuses`: the caller also filters `cases.status` to these (a list's status filter). A
    unit's scope then reads only the matching entries of its indexes (`unit_scope`): the same
    cases, however long the unit's history."""
    if actor.role in DISTRICT_WIDE:
        return true()
    if actor.role is None:
        return Case.id == actor.citizen_case_id if actor.citizen_case_id is not None else false()
    if actor.unit_id is None:
        return false()
    area = AREA_COLUMNS.get(actor.unit_kind or "") if actor.role in AREA_ROLES else None
    # The union of index ranges for units and grids, whose ranges are small; a street's or a
    # community's lists walk their own urgency indexes (nextdue0001) under the OR form and stop
    # at the page, where the union would gather the area's every open case first (measured at
    # 10M: a street's board 30 ms → 2.5 s; a grid's empty page 0.9 s → 5 ms).
    if statuses and area in (None, "grid_id"):
        return unit_scope(actor.unit_id, statuses, area=area)
    handles = exists().where(
        CaseUnit.case_id == Case.id, CaseUnit.unit_id == actor.unit_id, CaseUnit.is_active.is_(True)
    )
    clauses: list[ColumnElement[bool]] = [handles, Case.first_unit_id == actor.unit_id]
    if area is not None:
        clauses.append(getattr(Case, area) == actor.unit_id)
    return or_(*clauses)


# An area role's unit also sees every case in its area: the column that names the area.
AREA_COLUMNS = {"street": "street_id", "community": "community_id", "grid": "grid_id"}


def unit_scope(
    unit_id: int, statuses: Sequence[CaseStatus], *, area: str | None = None
) -> ColumnElement[bool]:
    """The cases in `statuses` a unit handles (active case_units row) or first received: the
    scope of `visible_to` under a status filter, as one semi-join over two index ranges,
    `case_units (unit_id, case_status, case_id) WHERE is_active` and `cases (first_unit_id,
    status)`. It reads the matching entries only; an `EXISTS(case_units …) OR first_unit_id`
    is a filter the planner applies to every case in the statuses (docs/scaling.md §3d). Exact
    because `case_units.case_status` is `cases.status` (kept by cases.service._record).

    `area` (an area role's: `street_id`, `community_id` or `grid_id`) adds the cases of the
    unit's area as a third range (the area's indexes). Under the OR form a grid worker's empty
    list walked the whole `registered_at` index (10M rows, 1–2 s: docs/scaling.md §3f)."""
    values = [s.value for s in statuses]
    first = aliased(Case)
    branches = [
        select(CaseUnit.case_id).where(
            CaseUnit.unit_id == unit_id,
            CaseUnit.is_active.is_(True),
            CaseUnit.case_status.in_(values),
        ),
        select(first.id).where(first.first_unit_id == unit_id, first.status.in_(values)),
    ]
    if area is not None:
        in_area = aliased(Case)
        branches.append(
            select(in_area.id).where(getattr(in_area, area) == unit_id, in_area.status.in_(values))
        )
    return Case.id.in_(union_all(*branches))


def _unit_of_scope(actor: Actor) -> int | None:
    """The unit whose cases make up the actor's scope under a status filter (`unit_scope`
    without an area), or None: district-wide readers, citizens, area roles of an area."""
    if actor.role is None or actor.role in DISTRICT_WIDE or actor.unit_id is None:
        return None
    if actor.role in AREA_ROLES and AREA_COLUMNS.get(actor.unit_kind or "") is not None:
        return None
    return actor.unit_id


def unit_walk(
    actor: Actor, f: CaseFilter, keys: Sequence[SortKey]
) -> list[tuple[Any, list[SortKey]]] | None:
    """A unit's list in urgency order (URGENCY) or newest first (NEWEST) as walks of its urgency
    indexes (`core.paging.merged_page` merges them), or None where it does not apply: one leg per
    status, each selecting the case's id in the list's order through its own index, with every
    filter of the list.

    The legs: `case_units (unit_id, case_status, key…) WHERE is_active AND unsettled` per
    status, and for a unit's own scope the cases it first received and has no row for, `cases
    (first_unit_id, status, key…)`. Each stops at the page, so PostgreSQL reads about a page
    of index entries per status however many open cases the unit has, where `Case.id IN
    (unit_scope)` sorted all of them (1.4-2.8 s at 10M, docs/scaling.md §3f). The key on
    case_units is the case's, copied (kept by sla.service.refresh_next_due), so the order and
    the rows are those of URGENCY, and so is the cursor.

    Newest first, a leg sorts its range by the rows' copy of `registered_at` (and `case_id`),
    both in the urgency index: an index-only scan of the unit's entries in the status and a
    top-N sort, no case read but the page's, where `Case.id IN (unit_scope)` probed every case
    of the unit in the statuses to sort them (17,300 for dep01's open cases at 10M: 150-600 ms;
    docs/scaling.md §3k "Unit lists by index"). Its rows and cursor are NEWEST's.

    Applies to those two orders, a status filter within the unsettled statuses (the partial indexes hold only
    those), no search (its own plans), and either `f.unit` (the board's filter: that unit's
    rows) or a reader whose scope is a unit's (`_unit_of_scope`)."""
    newest = _is(keys, NEWEST)
    if not (newest or _is(keys, URGENCY)):
        return None
    if not f.status or f.q or not set(f.status) <= set(UNSETTLED):
        return None
    own = _unit_of_scope(actor)
    unit_id = f.unit if f.unit is not None else own
    if unit_id is None:
        return None
    rest = replace(f, unit=None)
    # A reader filtering another unit's rows still sees only their own scope. As a semi-join of
    # its own: an area scope's EXISTS over case_units would correlate to the leg's case_units
    # row and lose its FROM (a rare path: street staff reading a department's board).
    visible = (
        [Case.id.in_(select(Case.id).where(visible_to(actor, f.status)).correlate(None))]
        if unit_id != own
        else []
    )
    # The statuses as constants: PostgreSQL proves each range lies in its partial index from
    # the value itself, whatever plan a prepared statement is given.
    values: list[Any] = [bindparam(None, s.value, literal_execute=True) for s in f.status]
    by_row = [desc(CaseUnit.registered_at), desc(CaseUnit.case_id)]
    if not newest:
        by_row.insert(0, asc(UNIT_URGENCY_KEY))
    # A row's leg filters by its copy of the status (`case_status` is `cases.status`), so with
    # no other filter it reads the index alone, and the case only for the page's rows.
    others = replace(rest, status=None)
    legs: list[tuple[Any, list[SortKey]]] = []
    for status, v in zip(f.status, values, strict=True):
        leg = select(CaseUnit.case_id).where(
            CaseUnit.unit_id == unit_id,
            CaseUnit.is_active.is_(True),
            StatusIn(CaseUnit.case_status, [status], default=CaseUnit.case_status == v),
        )
        if visible or others != CaseFilter():
            leg = filtered(
                leg.join(Case, Case.id == CaseUnit.case_id).where(*visible), others, actor
            )
        legs.append((leg, by_row))
    if f.unit is None:
        # The first-received cases, but for those the unit has a row for (their leg above);
        # `f.unit` keeps the unit's rows alone (filtered()).
        has_row = exists().where(
            CaseUnit.case_id == Case.id,
            CaseUnit.unit_id == unit_id,
            CaseUnit.is_active.is_(True),
        )
        legs += [
            (
                filtered(
                    select(Case.id.label("case_id")).where(
                        Case.first_unit_id == unit_id,
                        StatusIn(Case.status, [status], default=Case.status == v),
                        ~has_row,
                    ),
                    rest,
                    actor,
                ),
                list(NEWEST if newest else URGENCY),
            )
            for status, v in zip(f.status, values, strict=True)
        ]
    return legs


def _scope_of(legs: list[tuple[Any, list[SortKey]]]) -> Any:
    """The legs' ids as one statement, to count: each leg reads its index range only as far as
    the count goes (capped, it stops at the cap; the legs name each case once)."""
    return select(union_all(*(stmt for stmt, _ in legs)).subquery("scope").c.case_id)


def _walked_rows(page: Any) -> Any:
    """The page's cases with their appeals, for `merged_page`."""
    return (
        select(Case, Appeal)
        .join(page, page.c.case_id == Case.id)
        .join(Appeal, Appeal.id == Case.appeal_id)
    )


def get_visible_case(
    session: Session, case_id: int, actor: Actor, *, for_update: bool = False
) -> Case:
    stmt = select(Case).where(Case.id == case_id, visible_to(actor))
    if for_update:
        stmt = stmt.with_for_update()
    case = session.scalar(stmt)
    if case is None:
        raise NotFound("case_not_found", f"no case {case_id}")
    return case


@dataclass(frozen=True)
class CaseFilter:
    status: list[CaseStatus] | None = None
    unit: int | None = None
    street: int | None = None
    community: int | None = None
    class_name: str | None = None
    channel: int | None = None
    registered_from: datetime | None = None
    registered_to: datetime | None = None
    overdue: bool | None = None
    q: str | None = None
    # False: `q` by the old scan of every row (benches and tests compare the two).
    search_index: bool = True
    # How `page_cases` finds a page of `q`'s matches: "index" (the index's candidates, sorted) or
    # "walk" (the cases in the list's order, each re-checked, stopping at the page); None: by how
    # common the terms are (`cases.search.is_common`). Tests force each to compare them.
    search_plan: str | None = None
    # The search index's candidates for `q`, read beforehand (`with_candidates`): `q` is then
    # re-checked on these ids alone, a plan that starts from them however long the history.
    candidates: tuple[int, ...] | None = None


# The channels table belongs to intake, above cases in the layers; the case list filters by a
# channel's code, so cases names the two columns it reads, as its models' foreign key does.
_channels = table("channels", column("id"), column("code"))


def channel_by_code(session: Session, code: str) -> int | None:
    """The id of the channel with this code, or None."""
    return session.scalar(select(_channels.c.id).where(_channels.c.code == code))


def case_filter(
    session: Session,
    *,
    status: list[CaseStatus] | None = None,
    unit: str | None = None,
    street: str | None = None,
    community: str | None = None,
    class_name: str | None = None,
    channel: str | None = None,
    registered_from: datetime | None = None,
    registered_to: datetime | None = None,
    overdue: bool | None = None,
    q: str | None = None,
) -> CaseFilter:
    """The case-list filter from codes as people type them: GET /api/v1/appeals, `minyi export
    cases` and the exports use it."""
    channel_id = None
    if channel:
        channel_id = channel_by_code(session, channel)
        if channel_id is None:
            raise Invalid("unknown_channel", f"no channel '{channel}'", field="channel")
    return CaseFilter(
        status=status or None,
        class_name=class_name,
        overdue=overdue,
        q=q or None,
        unit=unit_by_code(session, unit).id if unit else None,
        street=unit_by_code(session, street).id if street else None,
        community=unit_by_code(session, community).id if community else None,
        channel=channel_id,
        registered_from=registered_from,
        registered_to=registered_to,
    )


def _not_accused(actor: Actor) -> ColumnElement[bool]:
    """SQL twin of `privacy.rules.identity_hidden`: the case hides the complainant from none of
    the units on the reader's chain. The list is JSON, compared as its text ('["S01C03"]')."""
    codes = {c for c in (actor.unit_path or "").split("/") if c} | (
        {actor.unit_code} if actor.unit_code else set()
    )
    text = func.coalesce(cast(Case.identity_hidden_from, Text), "")
    # An unchecked case (the complaint-target check has not run) counts as accusing every unit.
    checked = true() if actor.role in DISTRICT_WIDE else Case.accused_checked_at.is_not(None)
    return and_(
        checked,
        *(~text.like('%"' + _like_escape(code) + '"%', escape="\\") for code in sorted(codes)),
    )


def reads_clear(actor: Actor) -> ColumnElement[bool]:
    """SQL twin of the policy's contact reader (`privacy.rules.reader_of`): the cases whose
    complainant this reader reads in clear."""
    if actor.role is None:
        return false()
    if actor.role in CONTACT_ROLES:
        return _not_accused(actor)
    if actor.unit_id is None:
        return false()
    handles = or_(
        exists().where(
            CaseUnit.case_id == Case.id,
            CaseUnit.unit_id == actor.unit_id,
            CaseUnit.is_active.is_(True),
        ),
        and_(Case.lead_unit_id.is_(None), Case.first_unit_id == actor.unit_id),
    )
    return and_(handles, _not_accused(actor))


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_PHONE_SEPARATORS = re.compile(r"[\s\-()]+")


def _phone_digits(q: str) -> str | None:
    """The digits of a query that may be a phone or its ending (4 to 20 digits, however
    spaced), or None."""
    digits = _PHONE_SEPARATORS.sub("", fold_width(q))
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits if digits.isascii() and digits.isdigit() and 4 <= len(digits) <= 20 else None


def _exact_matches(q: str) -> list[Select[Any]]:
    """The cases `q` names exactly, by other indexes than the search index's: the full tracking
    number, and the phones ending in `q`'s digits when `q` may be a phone or its ending (by the
    index of their last four, then the whole ending: a tracking number's digits end as some
    200 phones do at 10M, which the re-check would otherwise read, 800 buffers, for nothing)."""
    tracking_no = q.strip().upper()
    found = [select(Case.id).where(Case.tracking_no == tracking_no)]
    phone = _phone_digits(q)
    if phone is not None:
        found.append(
            select(Case.id)
            .join(Appeal, Appeal.id == Case.appeal_id)
            .where(Appeal.phone_last4 == phone[-4:], Appeal.phone.like("%" + phone))
        )
    return found


def _search(
    q: str, actor: Actor, *, use_index: bool = True, ids: Sequence[int] | None = None
) -> ColumnElement[bool]:
    """`q` as a search that is not an oracle: a reader who sees a case's complainant masked must
    not find the case by the hidden phone, ID number, name or address. Title, body and reply
    match only where the reader reads the case in clear; elsewhere they match only a `q` that
    holds nothing the masker would hide (no digit run a phone or ID could hide in) and that is
    not part of the complainant's name. The name and address match only in clear, the phone
    (in full or its ending, four digits or more) only in clear; the full tracking number
    matches for everyone.

    The text is matched as a substring (LIKE), as staff expect of Chinese, which has no spaces
    to split on; with `use_index` the search index (`cases.search`) first narrows the cases to
    those holding every term of `q`, so the substring test reads the candidates, not the table.
    The two answer the same cases; `use_index=False` is the scan, kept for tests and benches.
    `ids`: the candidates read beforehand (`with_candidates`), in place of the index's subquery."""
    pattern = "%" + _like_escape(q) + "%"
    clear = reads_clear(actor)
    text = or_(
        Appeal.title.like(pattern, escape="\\"),
        Appeal.body.like(pattern, escape="\\"),
        Case.reply_text.like(pattern, escape="\\"),
    )
    private = or_(
        Appeal.citizen_name.like(pattern, escape="\\"),
        Appeal.address.like(pattern, escape="\\"),
    )
    tracking_no = q.strip().upper()
    exact: list[ColumnElement[bool]] = [Case.tracking_no == tracking_no]
    phone = _phone_digits(q)
    if phone is not None:
        # A phone matches by its whole number or its ending, through the index of its last four.
        exact.append(and_(Appeal.phone.like("%" + phone), clear))
    in_clear = and_(clear, or_(text, private))
    if looks_personal(q):
        matched = in_clear
    else:
        not_the_name = (
            or_(
                Appeal.citizen_name.is_(None),
                and_(
                    ~Appeal.citizen_name.like(pattern, escape="\\"),
                    ~literal(q).contains(Appeal.citizen_name),
                ),
            )
            if len(q) >= 2
            else true()
        )
        matched = or_(in_clear, and_(text, not_the_name))
    condition = or_(*exact, matched)
    if not use_index:
        return condition
    if ids is not None:
        return and_(ids_in(Case.id, ids), condition)
    index = candidates(q, private=True, also=_exact_matches(q))
    # The index and the exact paths name the candidates; the condition re-checks each exactly.
    return condition if index is None else and_(index, condition)


# A search's candidates are read into a list up to this many (`with_candidates`). More, and the
# words are common enough that walking the list newest first finds a page sooner (`page_cases`):
# at 10M cases and pages of 20 the walk wins from about 14,000 (`search.is_common`).
CANDIDATE_LIMIT = 20_000


def with_candidates(session: Session, f: CaseFilter) -> CaseFilter | None:
    """`f` with its search's candidates read (the search index's and the exact paths': the
    tracking number, the phone's last four), so the list's statement starts from those ids and
    costs what they cost, not the history; None when the index names more than
    CANDIDATE_LIMIT. `f` as it is when it has no search through the index."""
    if not f.q or not f.search_index or f.candidates is not None or not query_terms(f.q):
        return f
    found = candidate_ids(session, f.q, private=True, limit=CANDIDATE_LIMIT)
    if found is None:
        return None
    exact = session.scalars(union(*_exact_matches(f.q)))
    return replace(f, candidates=tuple(sorted({*found, *exact})))


def filtered(stmt: Any, f: CaseFilter, actor: Actor) -> Any:
    conditions: list[ColumnElement[bool]] = []
    if f.status:
        values = [s.value for s in f.status]
        # With the overdue flag (the supervisor's board) SQLite keeps reading the statuses'
        # cases through `(status, registered_at)` and sorting them: a cost bounded by the open
        # cases, where the urgency index's walk reads every unsettled case when few are
        # overdue (the flag stays on closed cases: its own index grows with the history).
        conditions.append(Case.status.in_(values) if f.overdue else StatusIn(Case.status, f.status))
    if f.unit is not None:
        handles = [CaseUnit.unit_id == f.unit, CaseUnit.is_active.is_(True)]
        if f.status:
            # Only the unit's index entries in those statuses (CaseUnit.case_status).
            handles.append(StatusIn(CaseUnit.case_status, f.status))
        conditions.append(Case.id.in_(select(CaseUnit.case_id).where(*handles)))
    if f.street is not None:
        conditions.append(Case.street_id == f.street)
    if f.community is not None:
        conditions.append(Case.community_id == f.community)
    if f.class_name:
        conditions.append(Case.class_name == f.class_name)
    if f.channel is not None:
        conditions.append(Case.channel_id == f.channel)
    if f.registered_from is not None:
        conditions.append(Case.registered_at >= f.registered_from)
    if f.registered_to is not None:
        conditions.append(Case.registered_at < f.registered_to)
    if f.overdue is not None:
        conditions.append(Case.is_overdue.is_(f.overdue))
    if f.q:
        conditions.append(_search(f.q, actor, use_index=f.search_index, ids=f.candidates))
    return stmt.where(and_(true(), *conditions))


# The default order of every case list: newest first, the id breaking ties (a total order, as
# keyset pages need; `registered_at` is never NULL).
NEWEST: tuple[SortKey, ...] = (desc(Case.registered_at), desc(Case.id))
OLDEST: tuple[SortKey, ...] = (asc(Case.registered_at), asc(Case.id))
# Most urgent first (sla.queries.urgency_order, which explains it): a unit's list walks its
# units' copy of the key in this order (`unit_walk`).
URGENCY: tuple[SortKey, ...] = (asc(URGENCY_KEY), desc(Case.registered_at), desc(Case.id))


def relevance_order(q: str | None) -> list[SortKey]:
    """`sort=relevance`: the cases that hold `q` in their title first, then in their body, then
    in the reply alone; among equals the index's rank (the query is a larger share of a shorter
    text), then the newest. Newest first alone without a query."""
    if not q:
        return list(NEWEST)
    pattern = "%" + _like_escape(q) + "%"

    def hit(column: Any, weight: int) -> Any:
        return sql_case((column.like(pattern, escape="\\"), weight), else_=0)

    fields = hit(Appeal.title, 4) + hit(Appeal.body, 2) + hit(Case.reply_text, 1)
    rank = relevance(q)
    # A case with no index row has no rank: 0, so that no sort key is NULL (a cursor needs them).
    ranked = [desc(func.coalesce(rank, 0.0))] if rank is not None else []
    return [desc(fields), *ranked, *NEWEST]


def order_by(keys: Sequence[SortKey]) -> list[Any]:
    """Sort keys as ORDER BY terms, for a read that streams rather than pages (the export)."""
    return [k.expr.desc() if k.descending else k.expr.asc() for k in keys]


def _listed(actor: Actor, f: CaseFilter) -> Any:
    base = (
        select(Case, Appeal)
        .join(Appeal, Appeal.id == Case.appeal_id)
        .where(visible_to(actor, f.status))
    )
    return filtered(base, f, actor)


def _counted(actor: Actor, f: CaseFilter) -> Any:
    """The list's rows as its count reads them: `cases` alone when nothing filters by the appeal
    (no search). Every case has its one appeal, so the join changes no count, but PostgreSQL
    keeps an inner join and probed `appeals` once per counted row: 2,851 of the 3,962 buffers of
    a community's area board at 1M (docs/scaling.md §3q)."""
    if f.q:
        return _listed(actor, f)
    return filtered(select(Case.id).where(visible_to(actor, f.status)), f, actor)


# The deepest row a numbered page (`list_cases`) may start at: page 500 of 20, page 51 of 200.
# OFFSET reads and throws away every row before the page, so the cost grows with the page
# number; deeper than this, the cursor (`page_cases`) reads the same rows at page 1's cost.
MAX_OFFSET = 10_000


class PageTooDeep(Invalid):
    """A numbered page past MAX_OFFSET rows: refused (400 `page_too_deep`), pointing to the
    cursor, which reads any depth at the first page's cost."""

    kind = "bad_request"


def list_cases(
    session: Session,
    actor: Actor,
    f: CaseFilter,
    *,
    page: int,
    page_size: int,
    order: Sequence[SortKey] | None = None,
    cap: int = COUNT_CAP,
) -> tuple[Total, list[tuple[Case, Appeal]]]:
    """A page by its number (OFFSET), for the API's old clients (`page=N`) and the benches and
    tests that compare it with `page_cases`, and the total as `page_cases` counts it: exact up
    to `cap`, past it estimated (PostgreSQL) or capped (core.paging.count_capped), not every row
    counted. A page starting past MAX_OFFSET rows is refused (`PageTooDeep`). `order`: sort keys
    (e.g. sla's urgency order); newest first by default.

    The page's ids are found first, by the list's own statement reduced to `cases.id`, and only
    those 20 rows are then read whole: the OFFSET's skipped rows cost an index entry and a
    `cases` row each, not their appeal and their text too (docs/scaling.md §3i)."""
    if page < 1 or page_size < 1:
        raise Invalid("bad_page", "page and page_size must be at least 1", field="page")
    skipped = (page - 1) * page_size
    if skipped > MAX_OFFSET:
        raise PageTooDeep(
            "page_too_deep",
            f"page {page} starts after {skipped:,} cases; numbered pages reach {MAX_OFFSET:,}"
            " cases deep: page on with `cursor` (each page answers `next_cursor`)",
            field="page",
        )
    f = with_candidates(session, f) or f
    keys = order or NEWEST
    legs = unit_walk(actor, f, keys)
    if legs is not None:
        # A unit's list: its index legs merged, as page_cases reads it (the legs read
        # offset + size + 1 entries each, test_unit_urgency.py).
        walked = merged_page(
            session, legs, _walked_rows, keys, cursor=None, size=page_size, offset=skipped
        )
        unit_rows = [(c, a) for c, a in walked.rows]
        if 0 < len(unit_rows) < page_size or (page == 1 and not unit_rows):
            return Total(skipped + len(unit_rows)), unit_rows
        return count_capped(session, _scope_of(legs), cap=cap), unit_rows
    base = _listed(actor, f)
    if f.q or any(Appeal.__table__ in find_tables(k.expr, check_columns=True) for k in keys):
        listed = base.with_only_columns(Case.id, maintain_column_froms=True)
    else:
        # Nothing reads the appeal: the skipped rows are index entries and `cases` rows only
        # (its join probed `appeals` once per skipped row: 35,000 of the 47,000 buffers at 1M).
        listed = filtered(select(Case.id).where(visible_to(actor, f.status)), f, actor)
    ids = listed.order_by(*order_by(keys)).limit(page_size).offset(skipped)
    found = list(session.scalars(ids))
    rows: list[tuple[Case, Appeal]] = []
    if found:
        read = session.execute(
            select(Case, Appeal).join(Appeal, Appeal.id == Case.appeal_id).where(Case.id.in_(found))
        ).all()
        by_id = {c.id: (c, a) for c, a in read}
        rows = [by_id[i] for i in found]
    if 0 < len(rows) < page_size or (page == 1 and not rows):
        # The last page: the rows before it and its own are the whole list, no count needed.
        return Total(skipped + len(rows)), rows
    return count_capped(session, _counted(actor, f), cap=cap), rows


def page_cases(
    session: Session,
    actor: Actor,
    f: CaseFilter,
    *,
    cursor: str | None,
    size: int,
    order: Sequence[SortKey] | None = None,
    count: bool = True,
    cap: int = COUNT_CAP,
    batch: int | None = None,
) -> KeysetPage:
    """The cases after `cursor` (the first page without one) in `order` (newest first by
    default), `size` of them, the next page's cursor and, with `count`, the total: exact up to
    `cap`, past it estimated or capped (core.paging). Its rows are (Case, Appeal) pairs. A cursor
    made for another order, or tampered with, is refused as `bad_cursor`. The API's list, the
    console's inbox and the CLI all read their pages here.

    A search (`f.q`) costs a page, however many cases match. A word so common that the index
    would name thousands of candidates (`search.is_common`) is found by walking the cases in the
    list's own order (an index on `registered_at`) and re-checking each, stopping at the page: a
    word in one case of twelve is found in the newest ~250. Its total is not counted: PostgreSQL
    estimates it from the index's statistics ("约 8,600 条"); SQLite, without them, counts up to
    COMMON_COUNT_CAP ("100+ 条"). A rare word (or one no case holds) reads the index's candidates
    first (`with_candidates`), sorts them newest first from `cases` alone and re-checks them in
    that order, `batch` at a time (by default the page and one more), each batch twice the last
    (candidates that mostly miss, terms apart in the text, cost a few statements, not one per
    batch), stopping at the page: its text is read for the page, not for every candidate
    (`_recheck_candidates`). Its total is exact while the candidates in scope are no more than
    `cap` (the rest re-checked too), past it the matches' share of those re-checked times the
    candidates, estimated. On PostgreSQL a word whose index names more than WINDOWS_FROM cases
    reads them a few months at a time from the page's end of the list (`_windowed_page`), so its
    page costs the candidates of the months it reaches, not of the history; the same rows and
    cursors. If the index names more than CANDIDATE_LIMIT, the walk. An order that
    cannot be walked (relevance, urgency) ranks only the newest RANKED_MATCHES matches: a bounded
    sort, not one of every match; past them the list ends, and the total still counts all."""
    keys = list(order or NEWEST)
    legs = unit_walk(actor, f, keys)
    if legs is not None:
        # A unit's list (no search): the same rows and cursors as keyset_page's over the list's
        # statement (test_unit_urgency.py), which is not even built (a UNION of the unit's
        # ranges, a few ms of Python a block on a board).
        found = merged_page(session, legs, _walked_rows, keys, cursor=cursor, size=size)
        if not count:
            return found
        if cursor is None and found.next_cursor is None:
            return replace(found, total=Total(len(found.rows)))
        return replace(found, total=count_capped(session, _scope_of(legs), cap=cap))
    plan = f.search_plan
    if f.q and f.search_index and plan is None:
        plan = "walk" if is_common(session, f.q, page_size=size) else "index"
    if f.q and f.search_index and plan == "index":
        windowed = _windowed_page(
            session, actor, f, keys, cursor=cursor, size=size, count=count, cap=cap, batch=batch
        )
        if windowed is not None:
            return windowed
        read = with_candidates(session, f)
        if read is not None and read.candidates == () and cursor is None:
            # Nothing holds the words, nor is named by them: no page to read, nothing to count.
            return KeysetPage(rows=[], next_cursor=None, total=Total(0) if count else None)
        if read is not None and read.candidates is not None:
            return _candidates_page(
                session,
                actor,
                read,
                keys,
                cursor=cursor,
                size=size,
                count=count,
                cap=cap,
                batch=batch,
            )
        if read is not None:
            f = read
        elif f.search_plan is None:
            # More candidates than the statistics promised: walking finds a page sooner.
            plan = "walk"
    walk = bool(f.q) and f.search_index and plan == "walk"
    stmt = _listed(actor, replace(f, search_index=False) if walk else f)
    if f.q and not _walkable(keys):
        newest = (
            stmt.with_only_columns(Case.id, maintain_column_froms=True)
            .order_by(*order_by(NEWEST))
            .limit(RANKED_MATCHES)
            .correlate(None)
        )
        stmt = stmt.where(Case.id.in_(newest))
    found = keyset_page(session, stmt, keys, cursor=cursor, size=size)
    if not count:
        return found
    if cursor is None and found.next_cursor is None:
        # The whole list is on this page: its length is the total, no count needed.
        return replace(found, total=Total(len(found.rows)))
    if f.q is None:
        return replace(found, total=count_capped(session, _counted(actor, f), cap=cap))
    if not walk:
        return replace(found, total=count_capped(session, stmt, cap=cap))
    if session.get_bind().dialect.name != "postgresql":
        # No statistics to estimate from: counted, a little way (the walk reads cap / frequency).
        return replace(found, total=count_capped(session, stmt, cap=min(cap, COMMON_COUNT_CAP)))
    # Not counted at all: the planner cannot estimate a LIKE '%…%', but it can the index's terms,
    # so the estimate asks for the filters and the terms, without the substring re-check.
    listed = _listed(actor, replace(f, q=None))
    terms = candidates(f.q, private=True)
    if terms is None:
        return replace(found, total=count_capped(session, stmt, cap=cap))
    total = estimated_total(session, listed.where(terms), at_least=len(found.rows) + 1)
    return replace(found, total=total)


@dataclass(frozen=True)
class _Rechecked:
    """What re-checking a search's candidates in the list's order found."""

    matched: list[int]  # the matches, in the order, at most the number wanted
    found: int  # the matches among the candidates re-checked (may pass the number wanted)
    checked: int  # the candidates re-checked
    unchecked: list[int]  # the scope's candidates not re-checked: before the cursor, past the stop
    scope: int  # the candidates read in the reader's scope and under the list's other filters
    read: int = 0  # the candidates read (month windows: in the windows read)
    complete: bool = True  # every candidate was read (month windows: every month)
    unread: int = 0  # if not, the candidates not read (the index's count less those read)


def _in_order(
    session: Session,
    actor: Actor,
    f: CaseFilter,
    order: Sequence[SortKey],
    ids: Sequence[int],
    *,
    cursor: str | None,
) -> tuple[list[int], int]:
    """`ids` in the reader's scope and under the list's other filters, sorted in `order` from
    `cases` alone (their keys by `pk_cases`, no appeal), and where the rows after `cursor`
    start among them."""
    scoped = filtered(
        select(Case.id).where(visible_to(actor, f.status)), replace(f, q=None), actor
    ).where(ids_in(Case.id, ids))
    if cursor is not None:
        # Whether each is after the cursor, as a column: the count still needs those before it.
        scoped = scoped.add_columns(after_cursor(session, order, cursor).label("after"))
    rows = session.execute(scoped.order_by(*order_by(order))).all()
    # The order's keys decide the cursor's test, so the rows after it are the list's tail.
    start = next((n for n, row in enumerate(rows) if row[1]), len(rows)) if cursor else 0
    return [row[0] for row in rows], start


def _recheck(
    session: Session, actor: Actor, q: str, ids: list[int], *, at: int, want: int, step: int
) -> tuple[list[int], int, int]:
    """Re-check `ids` from `at` on, `step` and then twice as many at a time, until `want` of
    them match or none is left: the matches, where the re-check stopped, the next step."""
    matched: list[int] = []
    while at < len(ids) and len(matched) < want:
        chunk = ids[at : at + step]
        matched += _matches(session, actor, q, chunk)
        at += len(chunk)
        step *= 2
    return matched, at, step


def _matches(session: Session, actor: Actor, q: str, chunk: list[int]) -> list[int]:
    """The candidates of `chunk` that match `q` for `actor`, in `chunk`'s order."""
    hits = set(
        session.scalars(
            select(Case.id)
            .join(Appeal, Appeal.id == Case.appeal_id)
            .where(_search(q, actor, ids=chunk))
        )
    )
    return [i for i in chunk if i in hits]


def _recheck_candidates(
    session: Session,
    actor: Actor,
    f: CaseFilter,
    order: Sequence[SortKey],
    *,
    cursor: str | None,
    want: int,
    batch: int,
) -> _Rechecked:
    """The first `want` matches of `f`'s search among its candidates (`f.candidates`) in `order`
    (newest or oldest first), after `cursor`.

    The candidates are sorted first from `cases` alone (their keys by `pk_cases`, with the
    list's other filters and the reader's scope, none of them reading the appeal), then
    re-checked in that order, `batch` and then twice as many at a time, until `want` match: the
    appeals' text is read for about a page, where sorting the matches read it for every
    candidate (1,720 for 桂花 at 1M, docs/scaling.md §3i)."""
    assert f.q is not None and f.candidates is not None
    ids, start = _in_order(session, actor, f, order, f.candidates, cursor=cursor)
    matched, at, _ = _recheck(session, actor, f.q, ids, at=start, want=want, step=batch)
    return _Rechecked(
        matched=matched[:want],
        found=len(matched),
        checked=at - start,
        unchecked=ids[:start] + ids[at:],
        scope=len(ids),
        read=len(f.candidates),
    )


# A rare word whose index names more cases than this is read by month windows (PostgreSQL,
# `_windowed_page`); fewer are read at once (`with_candidates`), which keeps the total exact up
# to the count's cap. Either way the same rows and cursors.
WINDOWS_FROM = COUNT_CAP


def _nullable(value: datetime | None) -> datetime | None:
    """A min() or max() over no row is NULL, whatever the column's type says."""
    return value


def _months(first: datetime, last: datetime) -> list[str]:
    """The month terms from `first`'s month to `last`'s, in that direction (backwards when
    `last` is the earlier)."""
    a, b = month_term(first)[len(MONTH_MARK) :], month_term(last)[len(MONTH_MARK) :]
    y, m = int(a[:4]), int(a[4:])
    end = (int(b[:4]), int(b[4:]))
    back = (y, m) > end
    out: list[str] = []
    while True:
        out.append(f"{MONTH_MARK}{y:04d}{m:02d}")
        if (y, m) == end:
            return out
        y, m = (y - (m == 1), 12 if m == 1 else m - 1) if back else (y + (m == 12), m % 12 + 1)


def _recheck_windows(
    session: Session,
    actor: Actor,
    f: CaseFilter,
    order: Sequence[SortKey],
    *,
    cursor: str | None,
    want: int,
    batch: int,
    candidates: int,
    few: int | None = None,
) -> _Rechecked | None:
    """`_recheck_candidates` for a word with many candidates, read a window of months at a time
    (`search.window_ids`: the index reads only those months' candidates) from the newest month
    (oldest first: the oldest; after a cursor: its month) on, each window's candidates sorted,
    re-checked and paged as `_recheck_candidates` does, the windows one month, then two, four...
    (an empty month costs an index probe, and the history's years a few probes), stopping once
    `want` match. Months partition the order's first key, so the windows' orders, one after
    the other, are the list's. `candidates`: the index's count, for the total's estimate."""
    assert f.q is not None
    bounds = session.execute(
        select(func.min(Case.registered_at), func.max(Case.registered_at))
    ).one()
    first, last = _nullable(bounds[0]), _nullable(bounds[1])
    if first is None or last is None:
        return _Rechecked(matched=[], found=0, checked=0, unchecked=[], scope=0)
    newest = _is(order, NEWEST)
    start_at = last if newest else first
    if cursor is not None:
        start_at = min(max(cursor_values(session, order, cursor)[0], first), last)
    months = _months(start_at, first if newest else last)
    # Months skipped before the cursor's, or not reached: the total is then an estimate.
    skipped = month_term(start_at) != month_term(last if newest else first)
    # The exact paths' few cases (a tracking number, the phones ending so), by their month.
    exact: dict[str, set[int]] = {}
    named = select(Case.id, Case.registered_at).where(Case.id.in_(union(*_exact_matches(f.q))))
    for case_id, registered_at in session.execute(named):
        exact.setdefault(month_term(registered_at), set()).add(case_id)
    matched: list[int] = []
    before: list[int] = []  # in scope, before the cursor
    pending: list[int] = []  # in scope, after the cursor, in order, not re-checked yet
    checked = 0
    scope = read = 0
    at_month, span, step = 0, 1, batch
    while len(matched) < want:
        # Windows read until they hold a batch to re-check (or none is left): the re-check's
        # statement costs more to plan than to run, so not one per window.
        while len(pending) < step and at_month < len(months):
            window = months[at_month : at_month + span]
            at_month += span
            span *= 2
            found = set(window_ids(session, f.q, window))
            for month in window:
                found |= exact.get(month, set())
            read += len(found)
            if found:
                ids, start = _in_order(session, actor, f, order, sorted(found), cursor=cursor)
                before += ids[:start]
                pending += ids[start:]
                scope += len(ids)
                if few is not None and scope * candidates <= few * read:
                    # The reader's candidates, in the share of those read so far, are few
                    # enough to be counted exactly: all read at once (None), as the total
                    # would read them all anyway.
                    return None
        if not pending:
            break
        chunk, pending = pending[:step], pending[step:]
        matched += _matches(session, actor, f.q, chunk)
        checked += len(chunk)
        step *= 2
    unchecked = before + pending
    return _Rechecked(
        matched=matched[:want],
        found=len(matched),
        checked=checked,
        unchecked=unchecked,
        scope=scope,
        read=read,
        complete=not skipped and at_month >= len(months),
        unread=max(candidates - read, 0),
    )


def _candidates_total(
    session: Session, actor: Actor, f: CaseFilter, walked: _Rechecked, *, cap: int
) -> Total:
    """The number of `f`'s matches, from the re-check so far: exact when every candidate in
    scope has been re-checked or the rest are no more than `cap` (re-checked now, at most `cap`
    more); past the cap, the matches' share of the candidates re-checked times the candidates,
    an estimate (never below the matches seen)."""
    assert f.q is not None
    if not walked.complete:
        # Month windows not read (`_recheck_windows`, which reads every candidate at once when
        # the reader's look few enough to count): their candidates are the index's count less
        # those read, in the scope in the share of those read; the matches' share of the
        # candidates re-checked, times those not re-checked, as past the cap below.
        in_scope = walked.scope / walked.read if walked.read else 1.0
        share = walked.found / walked.checked if walked.checked else 0.0
        guess = walked.found + round(share * (len(walked.unchecked) + walked.unread * in_scope))
        return Total(max(guess, walked.found), exact=False, estimated=True)
    rest = walked.unchecked
    if not rest:
        return Total(walked.found)
    matching = (
        select(Case.id)
        .join(Appeal, Appeal.id == Case.appeal_id)
        .where(_search(f.q, actor, ids=rest))
    )
    if walked.scope <= cap:
        counted = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
        return Total(walked.found + counted)
    if not walked.checked:
        # No share to go by (a cursor past every candidate): counted as any list, to the cap.
        return count_capped(session, matching, cap=cap)
    share = walked.found / walked.checked
    guess = walked.found + round(share * len(rest))
    return Total(max(guess, walked.found), exact=False, estimated=True)


def _candidates_page(
    session: Session,
    actor: Actor,
    f: CaseFilter,
    keys: list[SortKey],
    *,
    cursor: str | None,
    size: int,
    count: bool,
    cap: int,
    batch: int | None,
) -> KeysetPage:
    """`page_cases` for a search whose candidates were read (`f.candidates`): the matches found
    by re-checking the candidates in the list's order (`_recheck_candidates`), then the page of
    those alone, read and cut by `keyset_page` as any list's, so its rows and cursors are the
    scan's. In relevance or urgency order the newest RANKED_MATCHES matches are ranked."""
    walkable = _walkable(keys)
    want = size + 1 if walkable else RANKED_MATCHES
    walked = _recheck_candidates(
        session,
        actor,
        f,
        keys if walkable else NEWEST,
        cursor=cursor if walkable else None,
        want=want,
        # A page's worth first: a rare word's candidates nearly all hold it (桂花: all).
        batch=batch or want,
    )
    return _page_of_matches(
        session, actor, f, keys, walked, cursor=cursor, size=size, count=count, cap=cap
    )


def _windowed_page(
    session: Session,
    actor: Actor,
    f: CaseFilter,
    keys: list[SortKey],
    *,
    cursor: str | None,
    size: int,
    count: bool,
    cap: int,
    batch: int | None,
) -> KeysetPage | None:
    """`page_cases` for a rare word whose index names more than WINDOWS_FROM cases (and no more
    than CANDIDATE_LIMIT), on PostgreSQL: its candidates read by month windows from the page's
    end of the list (`_recheck_windows`), so the page costs the candidates of the months it
    reaches, not of the whole history (桂花: 17,200 heap pages at 10M, docs/scaling.md §3p);
    the same rows and cursors as `_candidates_page`. None when the word is not such a word (or
    on SQLite, which counts no candidates from its index), or when the reader's candidates in
    the months read, scaled to the count, are within the count's cap (a unit's handler): the
    caller reads them all, and counts them exactly as before."""
    assert f.q is not None
    if f.candidates is not None:
        return None
    found = count_candidates(session, f.q)
    if found is None or found <= WINDOWS_FROM or found > CANDIDATE_LIMIT:
        return None
    walkable = _walkable(keys)
    want = size + 1 if walkable else RANKED_MATCHES
    walked = _recheck_windows(
        session,
        actor,
        f,
        keys if walkable else NEWEST,
        cursor=cursor if walkable else None,
        want=want,
        batch=batch or want,
        candidates=found,
        few=cap if count else None,
    )
    if walked is None:
        return None
    return _page_of_matches(
        session, actor, f, keys, walked, cursor=cursor, size=size, count=count, cap=cap
    )


def _page_of_matches(
    session: Session,
    actor: Actor,
    f: CaseFilter,
    keys: list[SortKey],
    walked: _Rechecked,
    *,
    cursor: str | None,
    size: int,
    count: bool,
    cap: int,
) -> KeysetPage:
    """The page of the matches `walked` found, and its total (`_candidates_total`)."""
    if walked.matched or cursor is not None:
        # The matches were re-checked: the page reads them by key, in the list's scope, without
        # the search's condition again (a dozen LIKEs, whose planning cost more than the rows).
        # With none, still read: keyset_page refuses a cursor made for another order.
        stmt = _listed(actor, replace(f, q=None)).where(ids_in(Case.id, walked.matched))
        found = keyset_page(session, stmt, keys, cursor=cursor, size=size)
    else:
        found = KeysetPage(rows=[], next_cursor=None)
    if not count:
        return found
    if cursor is None and found.next_cursor is None:
        return replace(found, total=Total(len(found.rows)))
    return replace(found, total=_candidates_total(session, actor, f, walked, cap=cap))


# A list in relevance or urgency order of a search ranks at most this many of its newest matches
# (the rank of each is a subquery: ranking every match of a common word is linear in the hits).
RANKED_MATCHES = 200
# On SQLite, a common word's matches are counted exactly up to this many (its walk reads
# cap / frequency cases: 1,200 for a word in one case of twelve); PostgreSQL estimates them.
COMMON_COUNT_CAP = 100


def _walkable(keys: Sequence[SortKey]) -> bool:
    """Whether `keys` is newest or oldest first: an order an index walks (the same key objects)."""
    return _is(keys, NEWEST) or _is(keys, OLDEST)


def _is(keys: Sequence[SortKey], order: Sequence[SortKey]) -> bool:
    return len(keys) == len(order) and all(a is b for a, b in zip(keys, order, strict=True))


def case_units(session: Session, case_ids: list[int]) -> dict[int, list[tuple[CaseUnit, Unit]]]:
    out: dict[int, list[tuple[CaseUnit, Unit]]] = {}
    if not case_ids:
        return out
    for cu, unit in session.execute(
        select(CaseUnit, Unit)
        .join(Unit, Unit.id == CaseUnit.unit_id)
        .where(CaseUnit.case_id.in_(case_ids))
        .order_by(CaseUnit.id)
    ):
        out.setdefault(cu.case_id, []).append((cu, unit))
    return out


def reader_view(session: Session, case: Case, actor: Actor) -> CaseView:
    """The privacy view of one case for one reader, loaded (its appeal and active units)."""
    appeal = session.get(Appeal, case.appeal_id)
    assert appeal is not None
    active = set(
        session.scalars(
            select(CaseUnit.unit_id).where(
                CaseUnit.case_id == case.id, CaseUnit.is_active.is_(True)
            )
        )
    )
    return view_of(actor, case, appeal, active)


def _views(
    session: Session, actor: Actor | None, case_ids: Iterable[int]
) -> list[tuple[Case, Appeal, CaseView]]:
    ids = sorted(set(case_ids))
    if not ids:
        return []
    rows = session.execute(
        select(Case, Appeal).join(Appeal, Appeal.id == Case.appeal_id).where(Case.id.in_(ids))
    ).all()
    return _viewed(session, actor, [(c, a) for c, a in rows])


def _viewed(
    session: Session, actor: Actor | None, rows: Sequence[tuple[Case, Appeal]]
) -> list[tuple[Case, Appeal, CaseView]]:
    """Loaded (Case, Appeal) pairs with this reader's view of each (its units read for all)."""
    if actor is None:
        return [
            (c, a, oversight_view(a.citizen_name, is_confidential=a.is_confidential))
            for c, a in rows
        ]
    ids = [c.id for c, _ in rows]
    if not ids:
        return []
    active: dict[int, set[int]] = {}
    for case_id, unit_id in session.execute(
        select(CaseUnit.case_id, CaseUnit.unit_id).where(
            CaseUnit.case_id.in_(ids), CaseUnit.is_active.is_(True)
        )
    ):
        active.setdefault(case_id, set()).add(unit_id)
    return [(c, a, view_of(actor, c, a, active.get(c.id, set()))) for c, a in rows]


def reader_views(
    session: Session, actor: Actor | None, case_ids: Iterable[int]
) -> dict[int, CaseView]:
    """Case id -> the privacy view this reader has of it, in one query for the lot: every outlet
    that shows staff-written text about a case (holdings, instructions, orders, letters, whistles)
    formats it through this view. `actor=None` is a reader signed in as no one (a report, a
    message to leaders): the oversight view."""
    return {c.id: view for c, _, view in _views(session, actor, case_ids)}


def text_view(views: dict[int, CaseView], case_id: int | None) -> CaseView:
    """The view for a text about `case_id` (from `reader_views`); text on no case is masked."""
    if case_id is None:
        return UNLINKED_VIEW
    return views.get(case_id, UNLINKED_VIEW)


def shown_titles(session: Session, actor: Actor | None, case_ids: Iterable[int]) -> dict[int, str]:
    """Case id -> its title as this reader may read it, for any list that names cases (escalations,
    holdings, boards, similar cases): one query for the lot, the same view as the case detail."""
    return {c.id: view.show_text(a.title) or "" for c, a, view in _views(session, actor, case_ids)}


def titles_of_rows(
    session: Session, actor: Actor | None, rows: Sequence[tuple[Case, Appeal]]
) -> dict[int, str]:
    """`shown_titles` for (Case, Appeal) pairs already loaded (a `page_cases` page): the same
    titles without reading the cases and appeals again (200 of them on the whistles page)."""
    return {c.id: view.show_text(a.title) or "" for c, a, view in _viewed(session, actor, rows)}


def _events_of(session: Session, case_id: int) -> ColumnElement[bool] | None:
    """Where one case's events are: never before its registration (registered_at is the earlier
    of the submission and the intake's now; every event is written at a later now). The time
    bound lets PostgreSQL open only the monthly partitions since (ADR 0008), as a constant, so
    the unneeded months are pruned when the query is planned. None: no such case."""
    case = session.get(Case, case_id)
    if case is None:
        return None
    return (CaseEvent.case_id == case_id) & (CaseEvent.at >= case.registered_at)


def timeline(session: Session, case_id: int) -> list[tuple[CaseEvent, Staff | None]]:
    events = _events_of(session, case_id)
    if events is None:
        return []
    staff = aliased(Staff)
    return list(
        session.execute(
            select(CaseEvent, staff)
            .outerjoin(staff, staff.id == CaseEvent.actor_id)
            .where(events)
            .order_by(CaseEvent.id)
        )
    )


def unit_names(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    ids.discard(0)
    if not ids:
        return {}
    return {
        uid: (code, name)
        for uid, code, name in session.execute(
            select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(ids))
        )
    }


def bounce_counts_by_unit(session: Session) -> list[tuple[str, str, int, int]]:
    """Per unit: bounces requested and bounces approved (the 1% rule makes both worth watching)."""
    rows = session.execute(
        select(
            Unit.code,
            Unit.name,
            func.count(Bounce.id),
            func.sum(sql_case((Bounce.status == "approved", 1), else_=0)),
        )
        .join(Bounce, Bounce.unit_id == Unit.id)
        .group_by(Unit.code, Unit.name)
        .order_by(func.count(Bounce.id).desc())
    )
    return [(code, name, int(n), int(approved or 0)) for code, name, n, approved in rows]


def replies_awaiting_approval(session: Session, actor: Actor) -> list[tuple[Case, Appeal]]:
    """答复审核: the replies waiting for this unit head, the oldest first. Only the head of the
    lead unit approves, so only the cases that unit leads."""
    if actor.role is not Role.UNIT_HEAD or actor.unit_id is None:
        return []
    return [
        (c, a)
        for c, a in session.execute(
            select(Case, Appeal)
            .join(Appeal, Appeal.id == Case.appeal_id)
            .where(
                Case.lead_unit_id == actor.unit_id,
                Case.status == CaseStatus.REPLY_PENDING,
                visible_to(actor),
            )
            .order_by(Case.updated_at)
        )
    ]


def last_reply_return(session: Session, case_id: int) -> CaseEvent | None:
    """The head's latest return of this case's reply, if the reply has not been resubmitted since."""
    events = _events_of(session, case_id)
    if events is None:
        return None
    last = session.scalar(
        select(CaseEvent)
        .where(events, CaseEvent.action.in_(("submit_reply", "return_reply", "approve_reply")))
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )
    return last if last is not None and last.action == "return_reply" else None


def describe_replies_awaiting(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The head's queue as the API and the board show it: the title and the submitted reply
    through the reader's privacy view, who submitted it and when."""
    rows = replies_awaiting_approval(session, actor)
    views = reader_views(session, actor, [c.id for c, _ in rows])
    submitted: dict[int, tuple[str, datetime]] = {}
    if rows:
        for case_id, name, at in session.execute(
            select(CaseEvent.case_id, Staff.name, CaseEvent.at)
            .join(Staff, Staff.id == CaseEvent.actor_id, isouter=True)
            .where(
                CaseEvent.case_id.in_([c.id for c, _ in rows]),
                CaseEvent.action == "submit_reply",
                # The partitions since the oldest of these cases (ADR 0008).
                CaseEvent.at >= min(c.registered_at for c, _ in rows),
            )
            .order_by(CaseEvent.id)
        ):
            submitted[case_id] = (name or "", at)
    return [
        {
            "case_id": c.id,
            "tracking_no": c.tracking_no,
            "version": c.version,
            "title": views[c.id].show_text(a.title),
            "draft": views[c.id].show_text(c.reply_draft),
            "submitted_by": submitted.get(c.id, ("", None))[0],
            "submitted_at": submitted.get(c.id, ("", None))[1],
        }
        for c, a in rows
    ]
