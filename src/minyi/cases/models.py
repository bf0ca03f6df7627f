from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    event,
    func,
    inspect,
    literal_column,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from minyi.cases.rules import OPEN, UNSETTLED
from minyi.core.clock import local_day
from minyi.core.db import Base, UTCDateTime, flush_changes
from minyi.core.partitions import monthly

# The open cases (cases.rules.OPEN) as SQL, for the partial index of the lists that show them; a
# list's `status IN (...)` of some of them is proved to imply it, so the planner uses the index.
OPEN_PREDICATE = "status IN (" + ", ".join(f"'{s.value}'" for s in OPEN) + ")"
# The unsettled cases (open, or replied and waiting for the rating): the inbox's default "open"
# list and the boards read them in urgency order (migration nextdue0001).
UNSETTLED_PREDICATE = "status IN (" + ", ".join(f"'{s.value}'" for s in UNSETTLED) + ")"


class Appeal(Base):
    """One submission by a citizen, as it arrived. Never edited after registration."""

    __tablename__ = "appeals"
    __table_args__ = (
        UniqueConstraint("channel_id", "external_id"),
        Index("ix_appeals_phone", "phone"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    tracking_no: Mapped[str] = mapped_column(String(32), unique=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"))
    external_id: Mapped[str | None] = mapped_column(String(100))
    # What a replay of (channel, external_id) must match to get this appeal's receipt: a digest
    # of the submitter and the content (intake/rules.py `content_digest`). NULL on older rows.
    content_digest: Mapped[str | None] = mapped_column(String(64))
    # The citizen's tracking code (core/ids.py), as a digest only: the code is shown once, on the
    # receipt. NULL on appeals registered before codes existed.
    tracking_code_hash: Mapped[str | None] = mapped_column(String(64))
    # What public lists (Open311) call the case: random, so a public list hands out no tracking
    # number for someone to try four digits against.
    public_id: Mapped[str | None] = mapped_column(String(24), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(20))
    # The phone's last four digits: staff search finds a caller by the ending of their number
    # through this index (a LIKE '%1234' would read every appeal).
    phone_last4: Mapped[str | None] = mapped_column(String(4), index=True)
    citizen_name: Mapped[str | None] = mapped_column(String(60))
    id_card: Mapped[str | None] = mapped_column(String(18))
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    is_confidential: Mapped[bool] = mapped_column(default=False)
    address: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None]
    lng: Mapped[float | None]
    crowd_size: Mapped[int | None]
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    category_hint_id: Mapped[int | None] = mapped_column(ForeignKey("dictionary_entries.id"))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    submitted_at: Mapped[datetime]


class Case(Base):
    """The handling of one appeal. Location and channel are copied from the appeal so that the
    lists every role opens all day are one indexed table scan, not a join."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_registered_at", "status", "registered_at"),
        Index("ix_cases_lead_unit_status", "lead_unit_id", "status"),
        Index("ix_cases_street_status", "street_id", "status"),
        Index("ix_cases_community_status", "community_id", "status"),
        Index("ix_cases_due_at", "due_at"),
        # The worker's sweep for cases the complaint-target check has not seen: almost none, so
        # a partial index keeps the sweep from walking every case on each tick.
        # Keyset lists by scope (migration keyset0001): a unit's first-received cases and an
        # area's cases in registration order, the open cases (the inbox's default, the backlog)
        # and the overdue ones in a small partial index each, so a scoped list reads its rows.
        Index("ix_cases_first_unit_registered", "first_unit_id", "registered_at"),
        # The first-received branch of a unit's scope under a status filter (migration
        # unitstatus0001), the twin of ix_case_units_unit_status_case.
        Index("ix_cases_first_unit_status", "first_unit_id", "status"),
        Index("ix_cases_street_registered", "street_id", "registered_at"),
        Index("ix_cases_community_registered", "community_id", "registered_at"),
        Index("ix_cases_grid_registered", "grid_id", "registered_at"),
        Index(
            "ix_cases_open_registered",
            "registered_at",
            "id",
            postgresql_where=text(OPEN_PREDICATE),
            sqlite_where=text(OPEN_PREDICATE),
        ),
        # Written `IS TRUE`, as the list's filter is: a partial index on `WHERE is_overdue` is
        # not used for `is_overdue IS true` (measured, PostgreSQL 15).
        Index(
            "ix_cases_overdue_registered",
            "registered_at",
            postgresql_where=text("is_overdue IS TRUE"),
            sqlite_where=text("is_overdue IS 1"),
        ),
        # The dispatch board's bounces waiting for the dispatcher, oldest first (migration
        # boards0001): a handful at any time, found without scanning every case.
        Index(
            "ix_cases_bounce_pending_registered",
            "registered_at",
            postgresql_where=text("bounce_pending IS TRUE"),
            sqlite_where=text("bounce_pending IS 1"),
        ),
        Index(
            "ix_cases_accused_unchecked",
            "id",
            postgresql_where=text("accused_checked_at IS NULL"),
            sqlite_where=text("accused_checked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), unique=True)
    tracking_no: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(default=1)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("dictionary_entries.id"), index=True)
    class_name: Mapped[str | None] = mapped_column(String(20), index=True)
    # The service the case is handled by when staff chose one other than its class's
    # (minyi.services.rules.service_of); empty: its class decides.
    service: Mapped[str | None] = mapped_column(String(20))
    policy_code: Mapped[str] = mapped_column(String(20))
    # 首办负责制: the unit that first received the appeal answers for it until a lead is named.
    first_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    registered_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    # The nearest deadline among the case's running and breached clocks (NULL: none), the key
    # of the urgency order; kept by sla.service.refresh_next_due in the transaction that changes
    # the clocks, so a list reads it from an index instead of a min() over clocks per case.
    next_due_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    is_overdue: Mapped[bool] = mapped_column(default=False)
    bounce_pending: Mapped[bool] = mapped_column(default=False)
    bounce_count: Mapped[int] = mapped_column(default=0)
    reopen_count: Mapped[int] = mapped_column(default=0)
    rating: Mapped[str | None] = mapped_column(String(30))
    is_key_case: Mapped[bool] = mapped_column(default=False)
    # Checklist item -> when it was done (ISO time), for 重点件.
    key_checklist: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reply_text: Mapped[str | None] = mapped_column(Text)
    # 答复审核: the reply a handler submitted, waiting for the head (or returned for revision);
    # it becomes `reply_text` only when approved, so no public view can show it before.
    reply_draft: Mapped[str | None] = mapped_column(Text)
    # Unit codes the appeal complains about (信访工作条例): they may not handle it, and their
    # staff (and those of units under them) see the complainant's identity masked. NULL: none.
    identity_hidden_from: Mapped[list[Any] | None]
    # When the complaint-target check ran (at registration, normally). NULL: not yet, and until
    # it has the case counts as hidden from every unit-level reader (cases/schemas.py).
    accused_checked_at: Mapped[datetime | None]

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it as a class attribute


class CaseUnit(Base):
    """A unit on a case: its lead (主办) or a co-unit (协办). Inactive once a bounce is approved."""

    __tablename__ = "case_units"
    __table_args__ = (
        UniqueConstraint("case_id", "unit_id"),
        # The scope of a unit's staff, read from the index alone (migration keyset0001).
        Index("ix_case_units_unit_active_case", "unit_id", "is_active", "case_id"),
        # A unit's cases in some statuses (its open inbox, its board's "replied" block) read
        # only the matching entries, however long the unit's history (migration
        # unitstatus0001). `IS TRUE` as the scope's filter writes it (see ix_cases_overdue_…).
        Index(
            "ix_case_units_unit_status_case",
            "unit_id",
            "case_status",
            "case_id",
            postgresql_where=text("is_active IS TRUE"),
            sqlite_where=text("is_active IS 1"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(10))  # lead | co
    assigned_at: Mapped[datetime]
    signed_at: Mapped[datetime | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    # The case's status, copied: `cases.status` as it is, kept by the one place it changes
    # (cases.service._record updates the case's rows in the same transaction; a new row copies
    # it), so a unit's scope filtered by status reads only its matching index entries.
    case_status: Mapped[str] = mapped_column(String(20))
    # The case's urgency key, copied (migration unitdue0001): `cases.next_due_at` as
    # sla.service.refresh_next_due keeps it (it updates the case's rows in the same statement's
    # transaction; a new row copies it) and `cases.registered_at`, which never changes. A unit's
    # lists in urgency order then walk this table's index per status and stop at the page,
    # instead of sorting all of the unit's open cases (docs/scaling.md §3f).
    next_due_at: Mapped[datetime | None]
    registered_at: Mapped[datetime]


class Bounce(Base):
    """退回: a unit's request to hand a case back, decided by the dispatcher; counted per unit."""

    __tablename__ = "bounces"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    reason: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)


class CaseEvent(Base):
    """Append-only: a database trigger refuses UPDATE and DELETE (see the first migration).
    Partitioned by month of `at` on PostgreSQL (ADR 0008): a read of one case's timeline names
    the case's registration time (`queries.timeline`), so it opens only the months since."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_id_id", "case_id", "id"), monthly("at"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    actor_label: Mapped[str] = mapped_column(String(60))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


# --- Changed registration days (read by analytics/rollups.py) ----------------------------------
_MARKED = "minyi.cases.marked_days"


class CaseDayMark(Base):
    """A registration day (district time) some case of which was added, changed or removed since
    the area roll-up last folded that day in: the roll-up reads such a day from `cases` until its
    job recomputes the day and deletes the marks it saw. Written in the same transaction as the
    change (the listener below), so a committed change is always either folded in or marked."""

    __tablename__ = "case_day_marks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)


class UnitDayMark(Base):
    """A day (district time) whose assessment figures may have changed since the unit roll-up's
    job last recomputed it: the assessment counts such a day live until the job deletes the marks
    it saw (analytics/unit_rollup.py). Written by a listener in analytics/models.py, and here
    beside the area marks so that core writers below analytics (integrations.case_import) can
    mark too. Plain inserts, no unique key: concurrent writers never wait on each other."""

    __tablename__ = "unit_day_marks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)


def _mark_changed_days(session: Session, _context: Any, _instances: Any) -> None:
    """Before every flush of every session: a mark per registration day of the cases added,
    changed or removed, once per day and transaction. Attached to the Session class, not to a
    wiring step, because the roll-up's exactness depends on it in every process (a script or a
    test that never installs the analytics domain writes cases too); core UPDATE/INSERT
    statements bypass it and must mark or rebuild themselves (analytics/rollups.py says which)."""
    days: set[date] = set()
    with session.no_autoflush:
        for obj, _gone in flush_changes(session, (Case,)):
            history = inspect(obj).attrs.registered_at.history
            days.update(local_day(at) for at in history.deleted if at is not None)
            if obj.registered_at is not None:  # loads it when expired
                days.add(local_day(obj.registered_at))
    mark_days(session, days, CaseDayMark, key=_MARKED)


def mark_days(
    session: Session, days: set[date], mark: type[CaseDayMark | UnitDayMark], *, key: str
) -> None:
    """Add a `mark` row for each of `days` not yet marked in this transaction (the day-mark
    listeners' last step; `key` names the set of days already marked in `session.info`).

    Keyed by the innermost transaction: a mark added in a SAVEPOINT that rolls back is gone, so
    the set starts again there (a second mark of a day is harmless, a missing one is not)."""
    if not days:
        return
    transaction = session.get_nested_transaction() or session.get_transaction()
    seen: tuple[Any, set[date]] | None = session.info.get(key)
    if seen is None or seen[0] is not transaction:
        seen = (transaction, set())
        session.info[key] = seen
    for day in sorted(days - seen[1]):
        session.add(mark(day=day))
    seen[1].update(days)


event.listen(Session, "before_flush", _mark_changed_days)


class NoDeadline(ColumnElement[datetime]):
    """Where a case with no deadline sorts: after every real one. A constant written into the
    SQL, not a bound parameter, so that the urgency key is the very expression of its index
    (PostgreSQL matches an expression index only against an equal expression, and a prepared
    statement's parameter is not one); in each backend's stored form, so a cursor's bound value
    compares equal to it (SQLite compares the text)."""

    type = UTCDateTime()
    # No state, so a cache key of its class alone: without `_traverse_internals` a ColumnElement
    # has none, and every statement that holds the urgency key was compiled anew each time
    # ("[no key]": 2-10 ms of Python a list, the unit head's board three of them).
    _traverse_internals: list[Any] = []  # noqa: RUF012 (SQLAlchemy declares it per instance)
    inherit_cache = True


@compiles(NoDeadline)
def _no_deadline_text(_element: NoDeadline, _compiler: SQLCompiler, **_kw: Any) -> str:
    return "'9999-12-31 00:00:00.000000'"


@compiles(NoDeadline, "postgresql")
def _no_deadline_pg(_element: NoDeadline, _compiler: SQLCompiler, **_kw: Any) -> str:
    return "'9999-12-31 00:00:00+00'::timestamptz"


class StatusIn(ColumnElement[bool]):
    """`column IN (statuses)` (a case's status or a unit row's copy of it), written for each
    backend's planner. PostgreSQL gets the plain IN of bound values. SQLite, which has no
    statistics unless someone runs ANALYZE (nothing in the app does), takes an equality on an
    index's first column for a few rows, so `status IN (six of them)` made it read a third of a
    1M history through `(status, registered_at)` and sort it, past the partial indexes that hold
    those rows in the list's order (docs/scaling.md §3o). So on SQLite the statuses are
    constants, a term of several is wrapped in `likely()` (the planner's hint that it keeps most
    rows: no index lookup worth it), and the open and unsettled sets that contain the statuses
    are added as terms of their own, also `likely()`, in the very text of the partial indexes'
    predicates, which SQLite proves a query implies only from an equal term.

    `lookup=False`: the rows are reached another way (the escalations, from their own small
    table) and the statuses only filter them; SQLite gets `likely(+column IN (...))`, which no
    index serves, so it does not enter the cases by status either (0.0 ms instead of 58 ms at
    1M for an empty list: it read every open case to find their escalations)."""

    # No type: a Boolean one made SQLAlchemy write `... = 1` after it on SQLite.
    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy declares it per instance)
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_plain_obj),
        ("default", InternalTraversal.dp_clauseelement),
        ("lookup", InternalTraversal.dp_plain_obj),
    ]

    def __init__(
        self,
        column: Any,  # a column or a mapped attribute (Case.status)
        statuses: Iterable[Any],
        default: ColumnElement[bool] | None = None,
        *,
        lookup: bool = True,
    ) -> None:
        self.column: ColumnElement[Any] = column.expression
        self.lookup = lookup
        self.values = tuple(str(getattr(s, "value", s)) for s in statuses)
        # What other backends get: the plain IN, unless the caller wrote its own form.
        self.default = default if default is not None else column.in_(list(self.values))


def _sqlite_in(column: ColumnElement[Any], values: Sequence[str]) -> ColumnElement[bool]:
    return column.in_([literal_column(f"'{v}'") for v in values])


@compiles(StatusIn)
def _status_in(element: StatusIn, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.default, **kw)


@compiles(StatusIn, "sqlite")
def _status_in_sqlite(element: StatusIn, compiler: SQLCompiler, **kw: Any) -> str:
    values, column = element.values, element.column
    assert all(v.isidentifier() for v in values)  # the enum's values, written as constants
    if not element.lookup:
        unindexed = _sqlite_in(literal_column("+" + compiler.process(column, **kw)), values)
        return compiler.process(func.likely(unindexed), **kw)
    terms: list[ColumnElement[bool]] = [
        func.likely(_sqlite_in(column, values))
        if len(values) > 1
        else column == literal_column(f"'{values[0]}'")
    ]
    for group in (OPEN, UNSETTLED):
        wider = [s.value for s in group]
        if set(values) < set(wider):
            terms.append(func.likely(_sqlite_in(column, wider)))
    # Parenthesised, so that a NOT or an OR around it takes the whole (SQLite still reads the
    # terms one by one: it flattens a parenthesised AND).
    return "(" + compiler.process(and_(*terms), **kw) + ")"


# The urgency order's first key (sla.queries.urgency_order): never NULL, as a cursor needs.
URGENCY_KEY = func.coalesce(Case.next_due_at, NoDeadline(), type_=UTCDateTime())

# The unsettled cases most urgent first (migration nextdue0001): the district-wide inbox and
# boards walk the first index, an area's staff their street's or community's; a unit's lists
# walk the first and check their scope on each row (they hold a share of the cases, so the
# first page comes after a few hundred rows, whatever the history).
for _name, _scope in (
    ("ix_cases_unsettled_urgency", ()),
    ("ix_cases_street_unsettled_urgency", (Case.street_id,)),
    ("ix_cases_community_unsettled_urgency", (Case.community_id,)),
):
    Index(
        _name,
        *_scope,
        URGENCY_KEY,
        Case.registered_at.desc(),
        Case.id.desc(),
        postgresql_where=text(UNSETTLED_PREDICATE),
        sqlite_where=text(UNSETTLED_PREDICATE),
    )

# The same key on a unit's rows (CaseUnit.next_due_at, a copy of the case's).
UNIT_URGENCY_KEY = func.coalesce(CaseUnit.next_due_at, NoDeadline(), type_=UTCDateTime())
# A unit's unsettled cases most urgent first, per status (migration unitdue0001): a unit's list
# in urgency order is one ordered range per (unit, status), merged and cut at the page
# (cases.queries.unit_walk). The first-received cases (首办) the unit has no row for
# are the second index's range; few cases have a first unit, hence its `IS NOT NULL`.
UNIT_UNSETTLED_PREDICATE = UNSETTLED_PREDICATE.replace("status IN", "case_status IN")
Index(
    "ix_case_units_unit_unsettled_urgency",
    CaseUnit.unit_id,
    CaseUnit.case_status,
    UNIT_URGENCY_KEY,
    CaseUnit.registered_at.desc(),
    CaseUnit.case_id.desc(),
    postgresql_where=text(f"is_active IS TRUE AND {UNIT_UNSETTLED_PREDICATE}"),
    sqlite_where=text(f"is_active IS 1 AND {UNIT_UNSETTLED_PREDICATE}"),
)
FIRST_UNIT_PREDICATE = f"first_unit_id IS NOT NULL AND {UNSETTLED_PREDICATE}"
Index(
    "ix_cases_first_unit_unsettled_urgency",
    Case.first_unit_id,
    Case.status,
    URGENCY_KEY,
    Case.registered_at.desc(),
    Case.id.desc(),
    postgresql_where=text(FIRST_UNIT_PREDICATE),
    sqlite_where=text(FIRST_UNIT_PREDICATE),
)
