"""Bulk import of historical cases from a spreadsheet, through intake's `register_appeals`.

A YAML mapping names which column holds which field, fills defaults and translates values
(e.g. 已办结 → archived). Every row is checked first; a bad row is reported (row number, field,
reason) and never half imported. By default the good rows are imported and the bad ones listed;
`strict` refuses the whole file when any row is bad. Re-importing is safe: intake finds the case
already made for the row's (channel, external_id) when the row says the same; a row that reuses
an external_id for other content is a bad row. Imported cases keep their registration time
and final status, and tell no one: their SMS receipts and webhook events are dropped in the same
transaction, and the clocks of closed cases are cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import ValidationError
from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from minyi.cases.models import Case, CaseEvent, CaseUnit, UnitDayMark
from minyi.cases.rules import CLOSED, CaseStatus, Rating
from minyi.cases.search import reindex_cases
from minyi.core import safe_yaml
from minyi.core.clock import local_day
from minyi.core.errors import Invalid, MinyiError
from minyi.core.ids import reserve_block
from minyi.intake.refs import RefCache
from minyi.intake.schemas import AppealIn
from minyi.intake.service import Registered, register_appeals
from minyi.integrations.case_export import COLUMNS
from minyi.integrations.models import WebhookDelivery
from minyi.notify.models import OutboxDedupe, OutboxMessage
from minyi.org.models import Unit
from minyi.org.rules import Actor
from minyi.sla.models import Clock
from minyi.sla.service import refresh_next_due

FIELDS = frozenset(COLUMNS)
APPEAL_FIELDS = (
    "channel",
    "external_id",
    "title",
    "body",
    "phone",
    "name",
    "id_card",
    "anonymous",
    "confidential",
    "address",
    "street",
    "community",
    "grid",
    "lat",
    "lng",
    "crowd_size",
    "amount",
    "category",
)
NEEDS_LEAD = frozenset({CaseStatus.DISPATCHED, CaseStatus.SIGNED_FOR, CaseStatus.IN_PROGRESS})
SIGNED = frozenset(
    {
        CaseStatus.SIGNED_FOR,
        CaseStatus.IN_PROGRESS,
        CaseStatus.REPLIED,
        CaseStatus.RATED,
        CaseStatus.ARCHIVED,
    }
)
CHUNK = 500
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
)
_TRUE, _FALSE = {"true", "1", "yes", "y", "是"}, {"false", "0", "no", "n", "否", ""}


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    timezone: str = "Asia/Shanghai"

    def header(self, name: str) -> str:
        return self.columns.get(name, name)


def load_mapping(text: str | None) -> Mapping:
    """The mapping file; None or empty means the export's own column names."""
    try:
        data = safe_yaml.load(text or "") or {}
    except yaml.YAMLError as error:
        raise Invalid(
            "bad_mapping",
            f"the mapping is not valid YAML: {str(error).splitlines()[0]}",
            field="mapping",
        ) from None
    if not isinstance(data, dict) or set(data) - {"columns", "defaults", "values", "timezone"}:
        raise Invalid(
            "bad_mapping",
            "the mapping has the keys columns, defaults, values and timezone only",
            field="mapping",
        )
    parts = {k: data.get(k) or {} for k in ("columns", "defaults", "values")}
    for key, part in parts.items():
        if not isinstance(part, dict):
            raise Invalid(
                "bad_mapping",
                f"mapping {key} must be a table of field: value",
                field=f"mapping.{key}",
            )
        unknown = sorted(set(part) - FIELDS)
        if unknown:
            raise Invalid(
                "bad_mapping",
                f"mapping {key} names unknown fields {', '.join(map(str, unknown))}",
                field=f"mapping.{key}",
            )
    if any(not isinstance(v, dict) for v in parts["values"].values()):
        raise Invalid(
            "bad_mapping",
            "mapping values: each field maps source values to ours",
            field="mapping.values",
        )
    tz = str(data.get("timezone") or "Asia/Shanghai")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid("bad_mapping", f"unknown timezone '{tz}'", field="mapping.timezone") from None
    return Mapping(
        {k: str(v) for k, v in parts["columns"].items()},
        parts["defaults"],
        {k: {str(s): d for s, d in v.items()} for k, v in parts["values"].items()},
        tz,
    )


@dataclass(frozen=True)
class Problem:
    row: int
    field: str
    reason: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    existing: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return len({p.row for p in self.problems})

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "existing": self.existing,
            "bad_rows": self.bad_rows,
            "problems": [
                {"row": p.row, "field": p.field, "reason": p.reason} for p in self.problems
            ],
        }


class ImportRefused(Invalid):
    """Strict mode found bad rows: the caller's transaction must roll back; the report says why."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("import_refused", f"{report.bad_rows} bad rows; nothing imported (strict)")
        self.report = report


@dataclass(frozen=True)
class _Row:
    number: int
    appeal: AppealIn
    status: CaseStatus
    registered_at: datetime
    closed_at: datetime | None
    lead_unit_id: int | None
    reply_text: str | None
    rating: str | None


def _datetime(value: Any, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip().replace("Z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            for fmt in _DATE_FORMATS:
                try:
                    parsed = datetime.strptime(text, fmt)  # noqa: DTZ007 - local time, zone attached below
                    break
                except ValueError:
                    continue
            else:
                raise ValueError(f"'{value}' is not a date and time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _flag(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"'{value}' is not yes or no")


class _Checker:
    def __init__(self, session: Session, mapping: Mapping, now: datetime) -> None:
        self.mapping, self.now, self.tz = mapping, now, ZoneInfo(mapping.timezone)
        self.units = {code: uid for uid, code in session.execute(select(Unit.id, Unit.code))}

    def value(self, row: dict[str, Any], name: str) -> Any:
        value = row.get(self.mapping.header(name))
        if isinstance(value, str):
            value = value.strip() or None
        if value is None:
            value = self.mapping.defaults.get(name)
        table = self.mapping.values.get(name)
        if value is not None and table is not None:
            value = table.get(str(value), value)
        return value

    def check(self, number: int, row: dict[str, Any]) -> _Row | list[Problem]:
        problems: list[Problem] = []

        def bad(name: str, reason: str) -> None:
            problems.append(Problem(number, self.mapping.header(name), reason))

        fields: dict[str, Any] = {n: self.value(row, n) for n in APPEAL_FIELDS}
        fields = {k: v for k, v in fields.items() if v is not None}
        fields["external_id"] = fields.get("external_id") or self.value(row, "tracking_no")
        if not fields.get("external_id"):
            bad("external_id", "required: re-importing the file must find the case this row made")
        for name in ("anonymous", "confidential"):
            try:
                fields[name] = _flag(fields.get(name, "false"))
            except ValueError as error:
                bad(name, str(error))
        registered_at = closed_at = None
        raw = self.value(row, "registered_at")
        try:
            registered_at = _datetime(raw, self.tz) if raw is not None else None
            if registered_at is None:
                bad("registered_at", "required")
            elif registered_at > self.now:
                bad("registered_at", "is in the future")
        except ValueError as error:
            bad("registered_at", str(error))
        raw = self.value(row, "closed_at")
        try:
            closed_at = _datetime(raw, self.tz) if raw is not None else None
        except ValueError as error:
            bad("closed_at", str(error))
        try:
            status = CaseStatus(str(self.value(row, "status") or "registered"))
        except ValueError:
            bad(
                "status",
                f"'{self.value(row, 'status')}' is not one of {', '.join(s.value for s in CaseStatus)}",
            )
            status = CaseStatus.REGISTERED
        if closed_at and registered_at and closed_at < registered_at:
            bad("closed_at", "is before registered_at")
        lead_code = self.value(row, "lead_unit")
        lead_unit_id = self.units.get(str(lead_code)) if lead_code else None
        if lead_code and lead_unit_id is None:
            bad("lead_unit", f"no unit with code '{lead_code}'")
        elif status in NEEDS_LEAD and lead_unit_id is None:
            bad("lead_unit", f"required for status {status.value}")
        rating = self.value(row, "rating")
        if rating is not None and rating not in {r.value for r in Rating}:
            bad("rating", f"'{rating}' is not one of {', '.join(r.value for r in Rating)}")
        appeal = None
        try:
            appeal = AppealIn.model_validate(fields | {"submitted_at": registered_at or self.now})
        except ValidationError as error:
            for e in error.errors():
                message = str(e["msg"]).removeprefix("Value error, ")
                # Whole-appeal checks (phone unless anonymous, lat with lng) carry no location.
                name = (
                    str(e["loc"][0])
                    if e["loc"]
                    else next((f for f in ("phone", "lat") if f in message), "body")
                )
                bad(name if name in FIELDS else "body", message)
        if problems or appeal is None or registered_at is None:
            return problems
        if status in CLOSED and closed_at is None:
            closed_at = registered_at
        reply = self.value(row, "reply_text")
        return _Row(
            number,
            appeal,
            status,
            registered_at,
            closed_at if status in CLOSED else None,
            lead_unit_id,
            str(reply) if reply is not None else None,
            rating,
        )


def import_cases(
    session: Session,
    rows: list[tuple[int, dict[str, Any]]],
    *,
    mapping: Mapping,
    actor: Actor,
    source: str,
    now: datetime,
    tz: ZoneInfo,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import the rows in the caller's transaction; `progress(n)` after each chunk of n rows."""
    report = ImportReport(rows=len(rows))
    checker = _Checker(session, mapping, now)
    refs = RefCache()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        good: list[_Row] = []
        for number, raw in chunk:
            checked = checker.check(number, raw)
            if isinstance(checked, list):
                report.problems.extend(checked)
            else:
                good.append(checked)
        if good:
            first = reserve_block(session, "appeals", len(good))
            results = register_appeals(
                session,
                [g.appeal for g in good],
                actors=[actor] * len(good),
                ids=list(range(first, first + len(good))),
                refs=refs,
                now=now,
                tz=tz,
            )
            made: list[tuple[_Row, Registered]] = []
            for g, result in zip(good, results, strict=True):
                if isinstance(result, MinyiError):
                    # A repeated external_id with other content is a clash (a bad row), not "already there".
                    fields = [e.get("field") for e in result.details.get("errors", [])] or [
                        result.details.get("field") or "row"
                    ]
                    report.problems.append(
                        Problem(g.number, mapping.header(str(fields[0])), result.message)
                    )
                elif result.created:
                    made.append((g, result))
                else:
                    report.existing += 1
            _apply_history(session, made, actor=actor, source=source, now=now)
            report.created += len(made)
        if progress:
            progress(len(chunk))
    report.problems.sort(key=lambda p: p.row)
    if strict and report.problems:
        raise ImportRefused(report)
    return report


def _apply_history(
    session: Session,
    made: list[tuple[_Row, Registered]],
    *,
    actor: Actor,
    source: str,
    now: datetime,
) -> None:
    """Give the new cases their historical state, and drop what registration sent."""
    if not made:
        return
    ids = [r.id for _, r in made]
    table = cast(Table, Case.__table__)
    session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            status=bindparam("b_status"),
            closed_at=bindparam("b_closed"),
            lead_unit_id=bindparam("b_lead"),
            reply_text=bindparam("b_reply"),
            rating=bindparam("b_rating"),
        ),
        [
            {
                "b_id": r.id,
                "b_status": g.status.value,
                "b_closed": g.closed_at,
                "b_lead": g.lead_unit_id,
                "b_reply": g.reply_text,
                "b_rating": g.rating,
            }
            for g, r in made
        ],
    )
    # The imported replies are searchable as the replies written here are.
    reindex_cases(session, [r.id for g, r in made if g.reply_text])
    # The urgency key as registration wrote it on the case (CaseUnit.next_due_at): the clocks
    # cancelled below refresh it, and their copies with it (sla.service.refresh_next_due).
    urgency = {
        case_id: (registered_at, next_due_at)
        for case_id, registered_at, next_due_at in session.execute(
            select(Case.id, Case.registered_at, Case.next_due_at).where(Case.id.in_(ids))
        )
    }
    units = [
        {
            "case_id": r.id,
            "unit_id": g.lead_unit_id,
            "role": "lead",
            "assigned_at": g.registered_at,
            "signed_at": g.registered_at if g.status in SIGNED else None,
            "is_active": True,
            # cases.status as _apply_history has just set it (CaseUnit.case_status).
            "case_status": g.status.value,
            "registered_at": urgency[r.id][0],
            "next_due_at": urgency[r.id][1],
        }
        for g, r in made
        if g.lead_unit_id is not None
    ]
    if units:
        session.execute(insert(cast(Table, CaseUnit.__table__)), units)
    # The lead assignments and closures above went in by core statements, past the unit
    # roll-up's listener: their days are marked here (analytics/unit_rollup.py).
    touched = {local_day(g.registered_at) for g, r in made if g.lead_unit_id is not None}
    touched |= {local_day(g.closed_at) for g, r in made if g.closed_at is not None}
    session.add_all(UnitDayMark(day=day) for day in sorted(touched))
    session.execute(
        insert(cast(Table, CaseEvent.__table__)),
        [
            {
                "case_id": r.id,
                "at": now,
                "action": "import",
                "actor_id": actor.staff_id,
                "actor_label": actor.username,
                "from_status": CaseStatus.REGISTERED.value,
                "to_status": g.status.value,
                "reason": None,
                "payload": {
                    "source": source,
                    "row": g.number,
                    "closed_at": g.closed_at.isoformat() if g.closed_at else None,
                },
            }
            for g, r in made
        ],
    )
    closed = [r.id for g, r in made if g.status in CLOSED]
    for start in range(0, len(closed), CHUNK):
        part = closed[start : start + CHUNK]
        session.execute(
            update(Clock)
            .where(Clock.case_id.in_(part), Clock.state.in_(("running", "paused")))
            .values(state="cancelled", next_fire_at=None, completed_at=now)
        )
        refresh_next_due(session, "case", part)
        session.execute(update(table).where(table.c.id.in_(part)).values(due_at=None))
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.case_id.in_(part)))
        freed = session.scalars(
            delete(OutboxMessage)
            .where(OutboxMessage.case_id.in_(part), OutboxMessage.status == "pending")
            .returning(OutboxMessage.dedupe_key)
        )
        # Their dedupe keys go with them, as when the key was the message's own unique column.
        keys = [k for k in freed if k is not None]
        if keys:
            session.execute(delete(OutboxDedupe).where(OutboxDedupe.dedupe_key.in_(keys)))
    session.flush()
