"""Put messages in the outbox. Never commits: the row commits or rolls back with the caller's
change, so a rolled-back action sends nothing and a committed one is never forgotten."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import insert, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from minyi.core.bulk import insert_rows
from minyi.core.errors import Invalid
from minyi.notify.models import OutboxDedupe, OutboxMessage
from minyi.notify.rules import Status, check_message


def _claim(session: Session, keys: list[str]) -> set[str]:
    """The dedupe keys among `keys` claimed now: INSERT … ON CONFLICT DO NOTHING RETURNING into
    outbox_dedupe, which both our backends speak (SQLite ≥ 3.35). Unlike check-then-insert it is
    race-free: on PostgreSQL a concurrent claim of the same key waits for the other transaction
    and is then skipped instead of failing the caller's work. A key claimed here is released if
    the caller's transaction rolls back, with the message it was claimed for."""
    if not keys:
        return set()
    dialect = session.get_bind().dialect.name
    unique = list(dict.fromkeys(keys))
    if dialect == "postgresql":
        # One JSON parameter, one prepared statement whatever the number of keys: a VALUES list
        # of N rows is compiled anew for every N (a tenth of the intake writer's CPU).
        return set(session.scalars(_CLAIM_PG, {"keys": orjson.dumps(unique).decode()}))
    rows = [{"dedupe_key": key} for key in unique]
    stmt: Any
    if dialect == "sqlite":
        stmt = sqlite.insert(OutboxDedupe).on_conflict_do_nothing()
    else:
        raise NotImplementedError(f"outbox inserts are not written for the {dialect} dialect")
    return set(session.scalars(stmt.values(rows).returning(OutboxDedupe.dedupe_key)))


_CLAIM_PG = text(
    "INSERT INTO outbox_dedupe (dedupe_key)"
    " SELECT json_array_elements_text(CAST(:keys AS json))"
    " ON CONFLICT DO NOTHING RETURNING dedupe_key"
)


def _row(
    *,
    channel: str,
    recipient: str,
    subject: str | None,
    body: str,
    now: datetime,
    payload: dict[str, Any] | None,
    case_id: int | None,
    dedupe_key: str | None,
) -> dict[str, Any]:
    kind = check_message(channel, recipient, subject)
    if not isinstance(body, str):
        raise Invalid("bad_body", "message body must be text", field="body")
    return {
        "channel": kind.value,
        "recipient": recipient,
        "subject": subject,
        "body": body,
        "payload": payload or {},
        "case_id": case_id,
        "dedupe_key": dedupe_key,
        "status": Status.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
        "created_at": now,
        "sent_at": None,
    }


def enqueue(
    session: Session,
    *,
    channel: str,
    recipient: str,
    subject: str | None,
    body: str,
    now: datetime,
    payload: dict[str, Any] | None = None,
    case_id: int | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """The new message, due at once; None if a message with `dedupe_key` already exists
    (committed, or written earlier in this transaction). Raises Invalid for a bad channel,
    recipient or subject."""
    row = _row(
        channel=channel,
        recipient=recipient,
        subject=subject,
        body=body,
        now=now,
        payload=payload,
        case_id=case_id,
        dedupe_key=dedupe_key,
    )
    if dedupe_key is not None and not _claim(session, [dedupe_key]):
        return None
    return session.scalars(insert(OutboxMessage).values(**row).returning(OutboxMessage)).one()


def enqueue_many(session: Session, rows: Iterable[dict[str, Any]], now: datetime) -> int:
    """The batch path (one registration group commit): each row takes enqueue's keyword arguments
    except `now`. Multi-row INSERTs; rows whose dedupe_key exists are skipped. Returns how many
    rows were offered (a skipped duplicate is not reported: SQLite gives no reliable count)."""
    values = [
        _row(
            channel=r["channel"],
            recipient=r["recipient"],
            subject=r.get("subject"),
            body=r["body"],
            now=now,
            payload=r.get("payload"),
            case_id=r.get("case_id"),
            dedupe_key=r.get("dedupe_key"),
        )
        for r in rows
    ]
    claimed = _claim(session, [v["dedupe_key"] for v in values if v["dedupe_key"] is not None])
    fresh = []
    for v in values:
        key = v["dedupe_key"]
        if key is None:
            fresh.append(v)
        elif key in claimed:
            fresh.append(v)
            # The first row with a key takes it: a second in the same batch is a duplicate.
            claimed.discard(key)
    # One statement for the whole batch (core/bulk.py): through the ORM's executemany this was a
    # fifth of the intake writer's Python time.
    insert_rows(session, OutboxMessage, fresh)
    return len(values)
