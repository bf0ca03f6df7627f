"""Export any filtered case list (cases.queries.case_filter: the filters of GET /api/v1/appeals, the reader's scope and
masking) as rows whose columns are exactly what `minyi import cases` reads back: an export
imported into another database gives the same cases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, false, select
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case, CaseUnit
from minyi.cases.queries import CaseFilter, filtered, visible_to
from minyi.cases.schemas import point_for
from minyi.intake.models import Channel
from minyi.org.models import Unit
from minyi.org.rules import Actor
from minyi.privacy.rules import CaseView, case_view
from minyi.taxonomy.models import DictionaryEntry

# The interchange columns, in order; import reads the same names (a mapping file renames them).
COLUMNS = [
    "tracking_no",
    "channel",
    "external_id",
    "registered_at",
    "status",
    "closed_at",
    "category",
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
    "lead_unit",
    "reply_text",
    "rating",
]
CHUNK = 1000


def export_rows(
    session: Session, actor: Actor, f: CaseFilter, *, tz: ZoneInfo
) -> Iterator[list[Any]]:
    """One list per case, oldest first, streamed (a server-side cursor on PostgreSQL) as plain
    rows, so a large export neither sits in memory nor fills the session. An appeal without an
    external id exports its tracking number in its place, so importing the file twice still
    finds the cases it made the first time."""
    units = {u: c for u, c in session.execute(select(Unit.id, Unit.code))}
    channels = {i: c for i, c in session.execute(select(Channel.id, Channel.code))}
    leaves = {i: c for i, c in session.execute(select(DictionaryEntry.id, DictionaryEntry.code))}
    for row, view in export_records(session, actor, f):
        yield _row(row, view, units, channels, leaves, tz)


def export_records(
    session: Session, actor: Actor, f: CaseFilter, *, order: list[Any] | None = None
) -> Iterator[tuple[Any, CaseView]]:
    """The filtered cases as plain column mappings, each with the privacy view this reader has of
    it: every export (this interchange file, the console's spreadsheet for people) formats its
    personal fields through that view. Streamed; oldest first unless `order` says otherwise."""
    # Whether the reader's unit is an active unit of the case: the one fact the privacy view
    # needs beyond the row, asked in the same query.
    handles = (
        exists().where(
            CaseUnit.case_id == Case.id,
            CaseUnit.unit_id == actor.unit_id,
            CaseUnit.is_active.is_(True),
        )
        if actor.unit_id is not None
        else false()
    ).label("reader_handles")
    stmt = filtered(
        select(*_CASE_COLUMNS, *_APPEAL_COLUMNS, handles)
        .select_from(Case)
        .join(Appeal, Appeal.id == Case.appeal_id)
        .where(visible_to(actor)),
        f,
        actor,
    ).order_by(*(order or [Case.registered_at, Case.id]))
    for row in session.execute(stmt.execution_options(yield_per=CHUNK)):
        yield row._mapping, _view(row._mapping, actor)


_CASE_COLUMNS = [
    Case.tracking_no,
    Case.channel_id,
    Case.registered_at,
    Case.status,
    Case.closed_at,
    Case.category_id,
    Case.street_id,
    Case.community_id,
    Case.grid_id,
    Case.lead_unit_id,
    Case.first_unit_id,
    Case.reply_text,
    Case.rating,
    Case.identity_hidden_from,
    Case.accused_checked_at,
    Case.id,
    Case.due_at,
    Case.is_overdue,
]
_APPEAL_COLUMNS = [
    Appeal.external_id,
    Appeal.title,
    Appeal.body,
    Appeal.phone,
    Appeal.citizen_name,
    Appeal.id_card,
    Appeal.is_anonymous,
    Appeal.is_confidential,
    Appeal.address,
    Appeal.lat,
    Appeal.lng,
    Appeal.crowd_size,
    Appeal.amount,
]


def _iso(value: Any, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat() if value is not None else None


def _view(r: Any, actor: Actor) -> CaseView:
    # The same view the API's case detail gives this reader (cases.schemas.view_of).
    handling = {actor.unit_id} if r["reader_handles"] and actor.unit_id is not None else set()
    if r["lead_unit_id"] is None and r["first_unit_id"] is not None:
        handling.add(r["first_unit_id"])
    return case_view(
        actor,
        hidden_from=r["identity_hidden_from"],
        handling_unit_ids=handling,
        is_confidential=r["is_confidential"],
        citizen_name=r["citizen_name"],
        checked=r["accused_checked_at"] is not None,
    )


def _row(
    r: Any,
    view: CaseView,
    units: dict[int, str],
    channels: dict[int, str],
    leaves: dict[int, str],
    tz: ZoneInfo,
) -> list[Any]:

    def unit(uid: int | None) -> str | None:
        return units.get(uid) if uid else None

    values = {
        "tracking_no": r["tracking_no"],
        "channel": channels.get(r["channel_id"]),
        "external_id": r["external_id"] or r["tracking_no"],
        "registered_at": _iso(r["registered_at"], tz),
        "status": r["status"],
        "closed_at": _iso(r["closed_at"], tz),
        "category": leaves.get(r["category_id"]) if r["category_id"] else None,
        "title": view.show_text(r["title"]),
        "body": view.show_text(r["body"]),
        "phone": view.show_phone(r["phone"]),
        "name": view.show_name(r["citizen_name"]),
        "id_card": view.show_id_card(r["id_card"]),
        "anonymous": "true" if r["is_anonymous"] else "false",
        "confidential": "true" if r["is_confidential"] else "false",
        "address": view.show_address(r["address"]),
        "street": unit(r["street_id"]),
        "community": unit(r["community_id"]),
        "grid": unit(r["grid_id"]),
        "lat": point_for(view, r["lat"]),
        "lng": point_for(view, r["lng"]),
        "crowd_size": r["crowd_size"],
        "amount": str(r["amount"]) if r["amount"] is not None else None,
        "lead_unit": unit(r["lead_unit_id"]),
        "reply_text": view.show_text(r["reply_text"]),
        "rating": r["rating"],
    }
    return [values[c] for c in COLUMNS]
