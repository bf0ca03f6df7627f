"""The Open311 server's use cases: api-key clients, services from the event dictionary, reading
service requests (cases) and the queue behind GeoReport tokens. Registration itself goes
through intake (the API's group commit, or `register_appeals` for the queue).

A request's public face: its service_request_id is the appeal's random public id, never its
tracking number (with a tracking number, four digits find the case on the citizen's pages, so a
public list of them would invite guessing). What GET shows is what anyone may read: status,
service, responsible unit, dates and place names for every case; the title and coordinates only
for requests that arrived through a platform (a channel of kind api) and are not confidential,
since a hotline caller or letter writer never agreed to publish their words. Never the body, the
address, names or phones. The client that submitted a request (its api_key given) also reads its
tracking number, an extension field `tracking_no`, to pass on to the citizen.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from minyi.cases.models import Appeal, Case
from minyi.cases.rules import CLOSED, is_closed, public_status
from minyi.core.errors import Conflict, Invalid, NotFound
from minyi.core.i18n import STATUS_ZH
from minyi.core.listing import Listing, list_page
from minyi.core.paging import desc
from minyi.intake.models import Channel
from minyi.integrations.georeport import (
    MAX_RANGE_DAYS,
    Leaf,
    Open311Error,
    open_or_closed,
    w3,
)
from minyi.integrations.models import Open311Client, Open311Queued
from minyi.org.models import Unit
from minyi.org.rules import Actor, Role
from minyi.privacy.rules import public_view
from minyi.taxonomy.models import DictionaryEntry, DictionaryVersion

KEY_BYTES = 24
TOKEN_BYTES = 16


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


# --- clients ---------------------------------------------------------------------------------


def create_client(
    session: Session, *, name: str, queued: bool, channel: str | None, now: datetime
) -> tuple[Open311Client, str]:
    """A new client and its api_key, shown this once. Without `channel` the client gets a channel
    of its own (kind api, anonymous allowed: Open311 makes the phone optional)."""
    if not name or len(name) > 40 or not name.replace("_", "").replace("-", "").isalnum():
        raise Invalid("bad_client_name", "client name: 1-40 letters, digits, - or _", field="name")
    if session.scalar(select(Open311Client.id).where(Open311Client.name == name)) is not None:
        raise Conflict("client_exists", f"an Open311 client '{name}' already exists")
    if channel:
        row = session.scalar(select(Channel).where(Channel.code == channel))
        if row is None:
            raise Invalid("unknown_channel", f"no channel '{channel}'", field="channel")
    else:
        code = f"open311_{name}"[:40]
        row = session.scalar(select(Channel).where(Channel.code == code))
        if row is None:
            row = Channel(
                code=code,
                kind="api",
                name=f"Open311: {name}",
                allows_anonymous=True,
                is_active=True,
            )
            session.add(row)
            session.flush()
    key = secrets.token_urlsafe(KEY_BYTES)
    client = Open311Client(
        name=name,
        key_hash=key_hash(key),
        key_prefix=key[:8],
        channel_id=row.id,
        is_queued=queued,
        created_at=now,
        revoked_at=None,
    )
    session.add(client)
    session.flush()
    return client, key


def revoke_client(session: Session, *, name: str, now: datetime) -> None:
    client = session.scalar(select(Open311Client).where(Open311Client.name == name))
    if client is None:
        raise NotFound("client_not_found", f"no Open311 client '{name}'")
    client.revoked_at = client.revoked_at or now


def list_clients(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Open311Client, Channel.code)
        .join(Channel, Channel.id == Open311Client.channel_id)
        .order_by(Open311Client.name)
    )
    return [
        {
            "name": c.name,
            "key_prefix": c.key_prefix,
            "channel": code,
            "queued": c.is_queued,
            "created_at": c.created_at.isoformat(),
            "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
        }
        for c, code in rows
    ]


@dataclass(frozen=True)
class ClientRef:
    id: int
    name: str
    channel: str
    is_queued: bool
    channel_id: int = 0

    def actor(self) -> Actor:
        """Who registers the client's appeals: an intake clerk of no unit, named after it, so the
        case's first unit is the dispatch centre (首办) and its timeline says who sent it."""
        return Actor(
            staff_id=None,
            username=f"open311:{self.name}"[:60],
            name=self.name,
            role=Role.INTAKE_CLERK,
            unit_id=None,
            unit_code=None,
            unit_kind=None,
            unit_path=None,
        )


def client_for_key(session: Session, key: str | None) -> ClientRef:
    if not key:
        raise Open311Error(403, "api_key is required to create a service request")
    row = session.execute(
        select(Open311Client, Channel.code)
        .join(Channel, Channel.id == Open311Client.channel_id)
        .where(Open311Client.key_hash == key_hash(key), Open311Client.revoked_at.is_(None))
    ).first()
    if row is None:
        raise Open311Error(403, "Invalid api_key received -- can't proceed with create_request")
    client, channel = row
    return ClientRef(client.id, client.name, channel, client.is_queued, client.channel_id)


# --- services --------------------------------------------------------------------------------


def _current_leaves() -> Any:
    return (
        select(DictionaryEntry)
        .join(DictionaryVersion, DictionaryVersion.id == DictionaryEntry.version_id)
        .where(DictionaryVersion.is_current.is_(True))
    )


def services(session: Session) -> list[Leaf]:
    return [
        Leaf(e.code, e.class_name, e.level2, e.level3, e.level4)
        for e in session.scalars(_current_leaves().order_by(DictionaryEntry.code))
    ]


def service(session: Session, code: str) -> Leaf:
    entry = session.scalar(_current_leaves().where(DictionaryEntry.code == code))
    if entry is None:
        raise Open311Error(404, f"no service with service_code '{code}'")
    return Leaf(entry.code, entry.class_name, entry.level2, entry.level3, entry.level4)


def streets(session: Session) -> list[tuple[str, str]]:
    return [
        (c, n)
        for c, n in session.execute(
            select(Unit.code, Unit.name).where(Unit.kind == "street").order_by(Unit.code)
        )
    ]


# --- reading requests ------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestQuery:
    ids: list[str]
    service_codes: list[str]
    statuses: list[str]
    start: datetime | None
    end: datetime | None
    page: int
    page_size: int
    # Extension: the `next_cursor` of the page before (sent back in a Link header, rel="next"),
    # so a client reading a whole 90 days pages as fast at the end as at the start.
    cursor: str | None = None


def date_range(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """The spec: no dates means the last 90 days; a range may not span more than 90 days."""
    span = timedelta(days=MAX_RANGE_DAYS)
    if start and end:
        if end < start:
            raise Open311Error(400, "end_date is before start_date")
        if end - start > span:
            raise Open311Error(
                400, f"start_date and end_date may not span more than {MAX_RANGE_DAYS} days"
            )
        return start, end
    if start:
        return start, start + span
    if end:
        return end - span, end
    return now - span, now


def find_requests(
    session: Session, query: RequestQuery, *, now: datetime
) -> list[tuple[Case, Appeal, DictionaryEntry | None]]:
    return find_request_page(session, query, now=now).rows


def find_request_page(
    session: Session, query: RequestQuery, *, now: datetime
) -> Listing[tuple[Case, Appeal, DictionaryEntry | None]]:
    """One page of service requests, newest first, and the cursor of the next (no total: the
    GeoReport list carries none)."""
    leaf = aliased(DictionaryEntry)
    stmt = (
        select(Case, Appeal, leaf)
        .join(Appeal, Appeal.id == Case.appeal_id)
        .outerjoin(leaf, leaf.id == Case.category_id)
    )
    if query.ids:
        # The spec: a list of ids overrides every other argument. Public ids only: a tracking
        # number finds nothing here, so this is no oracle for which numbers exist.
        stmt = stmt.where(Appeal.public_id.in_(query.ids))
    else:
        start, end = date_range(query.start, query.end, now)
        stmt = stmt.where(Case.registered_at >= start, Case.registered_at <= end)
        if query.service_codes:
            stmt = stmt.where(leaf.code.in_(query.service_codes))
        wanted = set(query.statuses)
        if wanted - {"open", "closed"}:
            raise Open311Error(400, "status must be open, closed or both (comma delimited)")
        if wanted == {"open"}:
            stmt = stmt.where(Case.status.not_in(CLOSED))
        elif wanted == {"closed"}:
            stmt = stmt.where(Case.status.in_(CLOSED))
    order = [desc(Case.registered_at), desc(Case.id)]
    found = list_page(
        session,
        stmt,
        order,
        page=query.page,
        page_size=query.page_size,
        cursor=query.cursor,
        count=False,
    )
    return found.map(lambda r: (r[0], r[1], r[2]))


def request_rows(
    session: Session,
    found: list[tuple[Case, Appeal, DictionaryEntry | None]],
    tz: ZoneInfo,
    *,
    client: ClientRef | None = None,
) -> list[dict[str, Any]]:
    """The public rows; `client`, when the caller gave its api_key, adds `tracking_no` to the
    rows of the requests that came in through that client's channel."""
    unit_ids = {
        u
        for c, _, _ in found
        for u in (c.lead_unit_id, c.street_id, c.community_id, c.grid_id)
        if u
    }
    names: dict[int, str] = {}
    codes: dict[int, str] = {}
    if unit_ids:
        for uid, ucode, uname in session.execute(
            select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(unit_ids))
        ):
            names[uid], codes[uid] = uname, ucode
    channel_ids = {c.channel_id for c, _, _ in found}
    kinds = (
        {
            i: k
            for i, k in session.execute(
                select(Channel.id, Channel.kind).where(Channel.id.in_(channel_ids))
            )
        }
        if found
        else {}
    )
    rows = []
    for case, appeal, leaf in found:
        private = appeal.is_confidential or kinds.get(case.channel_id) != "api"
        place = "".join(names.get(u, "") for u in (case.street_id, case.community_id) if u) or None
        row = {
            "service_request_id": appeal.public_id,
            "status": open_or_closed(case.status),
            "status_notes": STATUS_ZH.get(public_status(case.status), case.status),
            "service_name": leaf.level4 if leaf else None,
            "service_code": leaf.code if leaf else None,
            "description": None
            if private
            else public_view(appeal.citizen_name).show_text(appeal.title),
            "agency_responsible": names.get(case.lead_unit_id or 0),
            "service_notice": None,
            "requested_datetime": w3(case.registered_at, tz),
            "updated_datetime": w3(case.updated_at, tz),
            "expected_datetime": w3(case.due_at, tz) if not is_closed(case.status) else None,
            "address": place,
            "address_id": codes.get(case.grid_id or 0),
            "zipcode": None,
            "lat": None if private else appeal.lat,
            "long": None if private else appeal.lng,
            "media_url": None,
        }
        if client is not None and client.channel_id == case.channel_id:
            row["tracking_no"] = case.tracking_no
        rows.append(row)
    return rows


def tracking_no_of(session: Session, case_id: int) -> str:
    return session.scalar(select(Case.tracking_no).where(Case.id == case_id)) or ""


# --- the queue behind tokens -----------------------------------------------------------------


def queue_request(
    session: Session, *, client: ClientRef, appeal: dict[str, Any], tz: ZoneInfo, now: datetime
) -> str:
    token = secrets.token_hex(TOKEN_BYTES)
    session.add(
        Open311Queued(
            token=token,
            client_id=client.id,
            appeal=appeal,
            timezone=tz.key,
            received_at=now,
            case_id=None,
            registered_at=None,
            error=None,
        )
    )
    session.flush()
    return token


def token_status(session: Session, token: str) -> dict[str, Any]:
    """The token is the queued client's own secret (128 random bits), so its holder, the
    submitter, also reads the tracking number once the request is registered, and its tracking
    code once: the first read after registration hands it over and erases it (the session
    must be a writing one)."""
    row = session.execute(
        select(Open311Queued, Appeal.public_id, Appeal.tracking_no)
        .outerjoin(Appeal, and_(Appeal.id == Open311Queued.case_id))
        .where(Open311Queued.token == token)
        .with_for_update(of=Open311Queued)
    ).first()
    if row is None:
        raise Open311Error(404, f"no token '{token}'")
    queued, public_id, tracking_no = row
    if queued.error:
        raise Open311Error(400, f"the queued request was refused: {queued.error}")
    answer: dict[str, Any] = {"service_request_id": public_id, "token": token}
    if tracking_no:
        answer["tracking_no"] = tracking_no
    if queued.tracking_code:
        answer["tracking_code"], queued.tracking_code = queued.tracking_code, None
    return answer
