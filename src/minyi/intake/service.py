"""Register appeals: check, de-duplicate by (channel, external_id), and open a case for each.

`register_appeals` takes a batch so the group-commit path (batcher.py) and a single CLI call
share one code path; per-item problems come back as errors in the result list and do not
spoil the rest of the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from minyi.cases.hooks import RegisteredCase, notify_registered, plan_registered
from minyi.cases.models import Appeal, Case, CaseEvent
from minyi.cases.rules import CaseStatus
from minyi.cases.search import SearchDoc, index_docs
from minyi.core.bulk import insert_rows, pipelined
from minyi.core.errors import Conflict, Forbidden, Invalid, MinyiError
from minyi.core.ids import new_public_id, new_tracking_code, tracking_code_from, tracking_number
from minyi.intake.models import Channel
from minyi.intake.refs import RefCache, Snapshot, UnitRef
from minyi.intake.rules import CHANNEL_KINDS, PUBLIC_KINDS, content_digest
from minyi.intake.schemas import AppealIn
from minyi.org.models import Staff
from minyi.org.rules import Actor, Role
from minyi.taxonomy.rules import DEFAULT_POLICY

# Staff roles that may register appeals on a channel that is not open to the public.
REGISTERING_ROLES = frozenset(
    {
        Role.INTAKE_CLERK,
        Role.DISPATCHER,
        Role.ADMIN,
        Role.GRID_STAFF,
        Role.COMMUNITY_STAFF,
        Role.STREET_STAFF,
    }
)
# Roles that register on one kind of channel only: a leader records the matters raised at their
# own reception (领导接访) as the district's staff would; a department at its market stall.
CHANNEL_ROLES: dict[str, frozenset[Role]] = {
    "reception": frozenset({Role.LEADER}),
    # A department's staff register what people raise at a service-market stall (服务市集): there
    # they are the first to receive it (首办负责制), and the case shows them as its first unit.
    "market": frozenset({Role.UNIT_HANDLER, Role.UNIT_HEAD}),
}


@dataclass(frozen=True)
class Registered:
    id: int
    tracking_no: str
    status: str
    created: bool
    submitted_at: datetime
    # The citizen's tracking code, in clear only in the receipt of the submission that made the
    # appeal (a replay answers None: only its digest is kept).
    tracking_code: str | None = None
    public_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tracking_no": self.tracking_no,
            "status": self.status,
            "created": self.created,
            "submitted_at": self.submitted_at.isoformat(),
            "tracking_code": self.tracking_code,
        }


@dataclass(frozen=True)
class _Resolved:
    item: AppealIn
    channel_id: int
    channel_kind: str
    first_unit_id: int | None
    street: UnitRef | None
    community: UnitRef | None
    grid: UnitRef | None
    leaf_id: int | None
    class_name: str | None
    policy_code: str


def register_appeals(
    session: Session,
    items: list[AppealIn],
    *,
    actors: list[Actor | None],
    ids: list[int],
    refs: RefCache,
    now: datetime,
    tz: ZoneInfo,
    check_existing: bool = True,
    code_seeds: list[bytes | None] | None = None,
) -> list[Registered | MinyiError]:
    """One result per item, in order. `ids` are pre-allocated, one per item (unused ones are gaps).
    A known (channel, external_id) answers its first receipt only to the same sender with the
    same content, and a Conflict (409) otherwise.

    `check_existing=False` skips the look-up of (channel, external_id) pairs registered before:
    the unique index still refuses a second appeal, with an IntegrityError for the whole batch,
    and the caller then registers the batch item by item with the look-up (the group-commit
    writer does; a replay is rare, a query per batch is not).

    `code_seeds`: per item, a secret seed its tracking code is made from (see
    `tracking_code_from`), or None for a random code."""
    snapshot = refs.get(session)
    results: list[Registered | MinyiError | None] = [None] * len(items)
    resolved: dict[int, _Resolved] = {}
    for n, (item, actor) in enumerate(zip(items, actors, strict=True)):
        try:
            resolved[n] = _resolve(session, item, actor, snapshot, refs)
        except MinyiError as error:
            results[n] = error

    with_ids = [r for r in resolved.values() if r.item.external_id]
    known = _already_registered(session, with_ids) if check_existing else {}
    appeal_rows: list[dict[str, Any]] = []
    case_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    cases: list[RegisteredCase] = []
    for n, r in resolved.items():
        actor = actors[n]
        staff_id = actor.staff_id if actor else None
        key = (r.channel_id, r.item.external_id) if r.item.external_id else None
        digest = (
            content_digest(staff_id, {k: v for k, v in r.item if k != "external_id"})
            if key
            else None
        )
        if key and key in known:
            results[n] = known[key].answer(r, digest, staff_id)
            continue
        appeal_id = ids[n]
        try:
            submitted_at = min(r.item.submitted_at or now, now)
            tracking_no = tracking_number(appeal_id, submitted_at, tz)
        except (OverflowError, ValueError):
            results[n] = Invalid(
                "bad_submitted_at", "submitted_at is out of range", field="submitted_at"
            )
            continue
        seed = code_seeds[n] if code_seeds else None
        code, code_hash = tracking_code_from(seed) if seed else new_tracking_code()
        appeal = _appeal_row(r, appeal_id, tracking_no, submitted_at, actor, digest) | {
            "tracking_code_hash": code_hash,
            "public_id": new_public_id(),
        }
        appeal_rows.append(appeal)
        case_rows.append(
            {
                "id": appeal_id,
                "appeal_id": appeal_id,
                "tracking_no": tracking_no,
                "status": CaseStatus.REGISTERED.value,
                "version": 1,
                "channel_id": r.channel_id,
                "category_id": r.leaf_id,
                "class_name": r.class_name,
                "policy_code": r.policy_code,
                "first_unit_id": r.first_unit_id,
                "lead_unit_id": None,
                "street_id": r.street.id if r.street else None,
                "community_id": r.community.id if r.community else None,
                "grid_id": r.grid.id if r.grid else None,
                "registered_at": submitted_at,
                "updated_at": now,
                "due_at": None,
                "closed_at": None,
                "is_overdue": False,
                "bounce_pending": False,
                "bounce_count": 0,
                "reopen_count": 0,
                "rating": None,
                "reply_text": None,
            }
        )
        event_rows.append(
            {
                "case_id": appeal_id,
                "at": now,
                "action": "register",
                "actor_id": staff_id,
                "actor_label": actor.username if actor else "citizen",
                "from_status": None,
                "to_status": CaseStatus.REGISTERED.value,
                "reason": None,
                "payload": {"channel": r.item.channel, "external_id": r.item.external_id},
            }
        )
        cases.append(_registered_case(r, appeal, now))
        results[n] = registered = Registered(
            appeal_id,
            tracking_no,
            CaseStatus.REGISTERED.value,
            True,
            submitted_at,
            code,
            appeal["public_id"],
        )
        if key:
            known[key] = _Known(
                replace(registered, created=False, tracking_code=None),
                digest,
                r.item.body,
                r.item.phone,
                staff_id,
            )
    if appeal_rows:
        # Planners (the clock policy and due time) fill in the case rows before they are written.
        # A planner also names the units the appeal complains about (triage's complaint-target
        # check), so the case is never readable by them in clear, not even for a moment.
        plan = plan_registered(session, cases)
        planned = plan.columns
        for row in case_rows:
            row.update(planned.get(row["id"], ()))
        docs = [
            SearchDoc(
                a["id"],
                a["title"],
                a["body"],
                None,
                a["citizen_name"],
                a["address"],
                a["submitted_at"],
            )
            for a in appeal_rows
        ]
        # Written without waiting for each INSERT's answer (one round trip on PostgreSQL).
        with pipelined(session):
            insert_rows(session, Appeal, appeal_rows)
            insert_rows(session, Case, case_rows)
            insert_rows(session, CaseEvent, event_rows)
            # The search index, in the same transaction: a case is findable once it is
            # registered. A case's id is its appeal's, registered when the appeal was submitted.
            index_docs(session, docs)
            # The planners' own rows (the clocks) refer to the cases: written now, before any
            # handler of the batch runs, so escalation and the rest see the new cases' clocks.
            for model, rows in plan.rows:
                insert_rows(session, model, rows)
        cases = [
            replace(c, identity_hidden_from=tuple(hidden))
            if (hidden := planned.get(c.case_id, {}).get("identity_hidden_from"))
            else c
            for c in cases
        ]
        notify_registered(session, cases)
    return [r for r in results if r is not None]


def check_appeal(
    session: Session,
    item: AppealIn,
    actor: Actor | None,
    *,
    refs: RefCache,
    now: datetime,
    tz: ZoneInfo,
) -> None:
    """Every check `register_appeals` makes of one new item, without writing or numbering it: a
    channel that must refuse before it writes anything (Open311 with media) calls this first,
    so a refusal uses no id and no tracking number."""
    _resolve(session, item, actor, refs.get(session), refs)
    try:
        tracking_number(0, min(item.submitted_at or now, now), tz)
    except (OverflowError, ValueError):
        raise Invalid(
            "bad_submitted_at", "submitted_at is out of range", field="submitted_at"
        ) from None


@dataclass(frozen=True)
class _Known:
    """An appeal already made for a (channel, external_id), and what a replay must match."""

    registered: Registered
    digest: str | None
    body: str
    phone: str | None
    registered_by_id: int | None

    def answer(
        self, r: _Resolved, digest: str | None, staff_id: int | None
    ) -> Registered | MinyiError:
        """The first receipt to the same sender with the same content; 409 to anything else, so
        an external id never hands out another person's appeal."""
        if self.digest is not None:
            same = self.digest == digest
        else:  # registered before digests were kept: the body, phone and sender must agree
            same = (self.body, self.phone, self.registered_by_id) == (
                r.item.body,
                r.item.phone,
                staff_id,
            )
        if same:
            return self.registered
        return Conflict(
            "external_id_conflict",
            f"external_id '{r.item.external_id}' on channel '{r.item.channel}' already belongs to a different "
            "appeal; send a new external_id for new content",
            field="external_id",
        )


def _already_registered(
    session: Session, resolved: list[_Resolved]
) -> dict[tuple[int, str], _Known]:
    """Idempotency: the same (channel, external_id) answers with the appeal it already made.
    One `channel_id = ? AND external_id IN (...)` per channel, which the unique index answers."""
    by_channel: dict[int, set[str]] = {}
    for r in resolved:
        by_channel.setdefault(r.channel_id, set()).add(r.item.external_id or "")
    if not by_channel:
        return {}
    rows = session.execute(
        select(
            Appeal.channel_id,
            Appeal.external_id,
            Appeal.id,
            Appeal.tracking_no,
            Appeal.submitted_at,
            Case.status,
            Appeal.content_digest,
            Appeal.body,
            Appeal.phone,
            Appeal.registered_by_id,
            Appeal.public_id,
        )
        .join(Case, Case.appeal_id == Appeal.id)
        .where(
            or_(
                *(
                    and_(Appeal.channel_id == cid, Appeal.external_id.in_(ext))
                    for cid, ext in by_channel.items()
                )
            )
        )
    )
    return {
        (channel_id, external_id): _Known(
            Registered(appeal_id, tracking_no, status, False, submitted_at, None, public_id),
            digest,
            body,
            phone,
            staff_id,
        )
        for channel_id, external_id, appeal_id, tracking_no, submitted_at, status, digest, body, phone, staff_id, public_id in rows
        if external_id is not None  # always, by the IN above: says so to the type checker
    }


def _registered_case(r: _Resolved, appeal: dict[str, Any], now: datetime) -> RegisteredCase:
    return RegisteredCase(
        case_id=appeal["id"],
        tracking_no=appeal["tracking_no"],
        phone=appeal["phone"],
        channel=r.item.channel,
        registered_at=appeal["submitted_at"],
        leaf_policy=r.policy_code if r.leaf_id else None,
        leaf_code=r.item.category if r.leaf_id else None,
        class_name=r.class_name,
        first_unit_id=r.first_unit_id,
        street_id=r.street.id if r.street else None,
        community_id=r.community.id if r.community else None,
        crowd_size=r.item.crowd_size,
        amount=r.item.amount,
        text=f"{appeal['title']}\n{appeal['body']}",
        address=appeal["address"],
        grid_id=r.grid.id if r.grid else None,
        planned_at=now,
    )


def _resolve(
    session: Session, item: AppealIn, actor: Actor | None, snap: Snapshot, refs: RefCache
) -> _Resolved:
    channel = snap.channels.get(item.channel) or refs.get(
        session, must_have=("channels", item.channel)
    ).channels.get(item.channel)
    if channel is None or not channel.is_active:
        raise Invalid("unknown_channel", f"no active channel '{item.channel}'", field="channel")
    if actor is None and channel.kind not in PUBLIC_KINDS:
        raise Forbidden(
            "staff_channel", f"channel '{item.channel}' takes appeals from signed-in staff only"
        )
    if (
        actor is not None
        and actor.role not in REGISTERING_ROLES
        and actor.role not in CHANNEL_ROLES.get(channel.kind, frozenset())
    ):
        raise Forbidden("role_not_allowed", f"role '{actor.role}' may not register appeals")
    if item.anonymous and not channel.allows_anonymous:
        raise Invalid(
            "anonymous_not_allowed",
            f"channel '{item.channel}' does not take anonymous appeals",
            field="anonymous",
        )
    street, community, grid = _location(session, item, snap, refs)
    leaf_id = class_name = None
    policy = DEFAULT_POLICY
    if item.category:
        leaf = snap.leaves.get(item.category) or refs.get(
            session, must_have=("leaves", item.category)
        ).leaves.get(item.category)
        if leaf is None:
            raise Invalid(
                "unknown_category", f"no event-dictionary leaf '{item.category}'", field="category"
            )
        leaf_id, class_name, policy = leaf.id, leaf.class_name, leaf.policy_code
    # 首办负责制: the registering staff member's unit, else the mailbox owner's, else the centre.
    first_unit = (
        (actor.unit_id if actor else None) or channel.owner_unit_id or snap.dispatch_centre_id
    )
    return _Resolved(
        item,
        channel.id,
        channel.kind,
        first_unit,
        street,
        community,
        grid,
        leaf_id,
        class_name,
        policy,
    )


def _location(
    session: Session, item: AppealIn, snap: Snapshot, refs: RefCache
) -> tuple[UnitRef | None, UnitRef | None, UnitRef | None]:
    def unit(code: str | None, kind: str) -> UnitRef | None:
        if not code:
            return None
        found = snap.units.get(code) or refs.get(session, must_have=("units", code)).units.get(code)
        if found is None or found.kind != kind:
            raise Invalid("unknown_place", f"no {kind} with code '{code}'", field=kind)
        return found

    street, community, grid = (
        unit(item.street, "street"),
        unit(item.community, "community"),
        unit(item.grid, "grid"),
    )
    if grid is not None:
        parent = snap.units_by_id.get(grid.parent_id or 0)
        if community is not None and community.id != grid.parent_id:
            raise Invalid(
                "place_mismatch",
                f"grid {grid.code} is not in community {community.code}",
                field="grid",
            )
        community = parent
    if community is not None:
        parent = snap.units_by_id.get(community.parent_id or 0)
        if street is not None and street.id != community.parent_id:
            raise Invalid(
                "place_mismatch",
                f"community {community.code} is not in street {street.code}",
                field="community",
            )
        street = parent
    return street, community, grid


def _appeal_row(
    r: _Resolved,
    appeal_id: int,
    tracking_no: str,
    submitted_at: datetime,
    actor: Actor | None,
    digest: str | None,
) -> dict[str, Any]:
    item = r.item
    return {
        "id": appeal_id,
        "tracking_no": tracking_no,
        "channel_id": r.channel_id,
        "external_id": item.external_id,
        "content_digest": digest,
        "title": item.display_title(),
        "body": item.body,
        "phone": item.phone,
        "phone_last4": item.phone[-4:] if item.phone else None,
        "citizen_name": item.name,
        "id_card": item.id_card,
        "is_anonymous": item.anonymous,
        "is_confidential": item.confidential,
        "address": item.address,
        "lat": item.lat,
        "lng": item.lng,
        "crowd_size": item.crowd_size,
        "amount": item.amount,
        "category_hint_id": r.leaf_id,
        "registered_by_id": actor.staff_id if actor else None,
        "submitted_at": submitted_at,
    }


def import_channels(session: Session, rows: list[dict[str, Any]]) -> int:
    owners = dict(session.execute(select(Staff.username, Staff.id)).all())
    existing = {c.code: c for c in session.scalars(select(Channel))}
    for n, row in enumerate(rows, start=1):
        if row.get("kind") not in CHANNEL_KINDS:
            raise Invalid(
                "bad_channel",
                f"channel row {n}: kind must be one of {', '.join(CHANNEL_KINDS)}",
                field=f"channels[{n}].kind",
            )
        if row.get("owner") and row["owner"] not in owners:
            raise Invalid(
                "bad_channel",
                f"channel row {n}: unknown owner {row['owner']}",
                field=f"channels[{n}].owner",
            )
    for row in rows:
        channel = existing.get(row["code"]) or Channel(code=row["code"])
        channel.kind, channel.name = row["kind"], row["name"]
        channel.owner_staff_id = owners.get(row.get("owner") or "")
        channel.allows_anonymous = bool(row.get("allows_anonymous"))
        session.add(channel)
    session.flush()
    return len(rows)
