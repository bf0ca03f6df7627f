"""Export any filtered case list (the filters of GET /api/v1/appeals, the reader's scope and
masking) as rows whose columns are exactly what `minyi import cases` reads back: an export
imported into another database gives the same cases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case
from minyi.cases.queries import CaseFilter, filtered, visible_to
from minyi.cases.rules import CaseStatus
from minyi.cases.schemas import sees_contact
from minyi.core.errors import Invalid
from minyi.intake.models import Channel
from minyi.org.models import Unit
from minyi.org.rules import Actor, mask_id_card, mask_phone
from minyi.org.service import unit_by_code
from minyi.taxonomy.models import DictionaryEntry

# The interchange columns, in order; import reads the same names (a mapping file renames them).
COLUMNS = [
    "tracking_no", "channel", "external_id", "registered_at", "status", "closed_at", "category", "title", "body",
    "phone", "name", "id_card", "anonymous", "confidential", "address", "street", "community", "grid", "lat", "lng",
    "crowd_size", "amount", "lead_unit", "reply_text", "rating",
]
CHUNK = 1000


def export_rows(session: Session, actor: Actor, f: CaseFilter, *, tz: ZoneInfo) -> Iterator[list[Any]]:
    """One list per case, oldest first, read in chunks so a large export does not sit in memory.
    An appeal without an external id exports its tracking number in its place, so importing
    the file twice still finds the cases it made the first time."""
    units = {u: c for u, c in session.execute(select(Unit.id, Unit.code))}
    channels = {i: c for i, c in session.execute(select(Channel.id, Channel.code))}
    leaves = {i: c for i, c in session.execute(select(DictionaryEntry.id, DictionaryEntry.code))}
    stmt = filtered(select(Case, Appeal).join(Appeal, Appeal.id == Case.appeal_id).where(visible_to(actor)), f)
    last: tuple[Any, int] | None = None
    while True:
        page = stmt.order_by(Case.registered_at, Case.id).limit(CHUNK)
        if last is not None:
            page = page.where((Case.registered_at > last[0]) | ((Case.registered_at == last[0]) & (Case.id > last[1])))
        rows = session.execute(page).all()
        if not rows:
            return
        for case, appeal in rows:
            yield _row(case, appeal, actor, units, channels, leaves, tz)
        last = (rows[-1][0].registered_at, rows[-1][0].id)
        session.expunge_all()


def _iso(value: Any, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat() if value is not None else None


def _row(
    case: Case, appeal: Appeal, actor: Actor, units: dict[int, str], channels: dict[int, str], leaves: dict[int, str], tz: ZoneInfo,
) -> list[Any]:
    clear = sees_contact(actor, {u for u in (case.lead_unit_id, case.first_unit_id) if u})
    unit = lambda uid: units.get(uid) if uid else None  # noqa: E731 - a one-line lookup
    values = {
        "tracking_no": case.tracking_no,
        "channel": channels.get(case.channel_id),
        "external_id": appeal.external_id or case.tracking_no,
        "registered_at": _iso(case.registered_at, tz),
        "status": case.status,
        "closed_at": _iso(case.closed_at, tz),
        "category": leaves.get(case.category_id) if case.category_id else None,
        "title": appeal.title,
        "body": appeal.body,
        "phone": appeal.phone if clear else mask_phone(appeal.phone),
        "name": None if appeal.is_confidential and not clear else appeal.citizen_name,
        "id_card": appeal.id_card if clear else mask_id_card(appeal.id_card),
        "anonymous": "true" if appeal.is_anonymous else "false",
        "confidential": "true" if appeal.is_confidential else "false",
        "address": appeal.address,
        "street": unit(case.street_id),
        "community": unit(case.community_id),
        "grid": unit(case.grid_id),
        "lat": appeal.lat,
        "lng": appeal.lng,
        "crowd_size": appeal.crowd_size,
        "amount": str(appeal.amount) if appeal.amount is not None else None,
        "lead_unit": unit(case.lead_unit_id),
        "reply_text": case.reply_text,
        "rating": case.rating,
    }
    return [values[c] for c in COLUMNS]


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
    """The filters of GET /api/v1/appeals, from codes as people type them."""
    channel_id = None
    if channel:
        channel_id = session.scalar(select(Channel.id).where(Channel.code == channel))
        if channel_id is None:
            raise Invalid("unknown_channel", f"no channel '{channel}'", field="channel")
    return CaseFilter(
        status=status or None, class_name=class_name, overdue=overdue, q=q or None,
        unit=unit_by_code(session, unit).id if unit else None,
        street=unit_by_code(session, street).id if street else None,
        community=unit_by_code(session, community).id if community else None,
        channel=channel_id, registered_from=registered_from, registered_to=registered_to,
    )
