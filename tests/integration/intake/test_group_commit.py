"""Intake's group commit: what one batch writes, on both backends.

The batch plans the clocks before the case rows are written, writes each table's rows as one
JSON document on PostgreSQL (an INSERT elsewhere), and hands escalation intake's own account of
each case. On PostgreSQL the writer holds its own connection, without a ping per batch.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, literal, select, text
from sqlalchemy.exc import IntegrityError

from conftest import START
from factories import appeal_payload, make_appeal
from minyi.cases.models import Appeal, Case, CaseEvent
from minyi.core.bulk import NotInsidePipeline, insert_rows, pipelined
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.core.ids import IdAllocator
from minyi.escalation.models import CaseEscalation
from minyi.intake.batcher import IntakeBatcher
from minyi.intake.refs import RefCache
from minyi.intake.schemas import AppealIn
from minyi.intake.service import Registered
from minyi.notify.models import OutboxDedupe, OutboxMessage
from minyi.notify.service import enqueue_many
from minyi.sla.models import Clock


def test_a_new_case_is_written_with_its_policy_and_due_time(
    app_client: TestClient, db: Database
) -> None:
    made = make_appeal(app_client)
    with db.reading() as session:
        case = session.get(Case, made["id"])
        assert case is not None
        clocks = list(session.scalars(select(Clock).where(Clock.case_id == case.id)))
        event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).one()
    # hotline_12345 follows 10-30-24: three clocks from registration, the case due with the last.
    assert case.policy_code == "10-30-24"
    assert sorted(c.milestone for c in clocks) == ["contact", "feedback", "first_round"]
    assert case.due_at == max(c.due_at for c in clocks) == case.registered_at + timedelta(hours=24)
    # Defaults an INSERT would have applied, and types that survive the round trip.
    assert case.is_key_case is False and case.key_checklist == {}
    assert case.registered_at.tzinfo is not None
    assert event.action == "register" and event.payload["channel"] == "hotline_12345"


def test_escalation_sees_what_intake_knew(app_client: TestClient, db: Database) -> None:
    """Lifted at registration from intake's own facts (crowd size and money), not a re-read."""
    made = make_appeal(app_client, crowd_size=40, amount="2500000.00")
    with db.reading() as session:
        lifted = session.get(CaseEscalation, made["id"])
        appeal = session.get(Appeal, made["id"])
    assert lifted is not None and lifted.level
    assert appeal is not None and appeal.amount == Decimal("2500000.00")


def test_bulk_insert_stores_what_an_insert_stores(app_client: TestClient, db: Database) -> None:
    made = make_appeal(app_client)
    row = {
        "case_id": made["id"],
        "at": START,
        "action": "note",
        "actor_id": None,
        "actor_label": "测试",
        "from_status": None,
        "to_status": "registered",
        "reason": "换行\n与制表\t和反斜杠\\",
        "payload": {"k": ["v", 1, None]},
    }
    with db.unit_of_work() as session:
        insert_rows(session, CaseEvent, [row | {"action": "bulk"}])
        session.execute(insert(CaseEvent), [row | {"action": "plain"}])
    with db.reading() as session:
        got = {
            e.action: e
            for e in session.scalars(
                select(CaseEvent).where(
                    CaseEvent.case_id == made["id"], CaseEvent.action.in_(["bulk", "plain"])
                )
            )
        }
    columns = ("at", "actor_id", "actor_label", "from_status", "to_status", "reason", "payload")
    assert {c: getattr(got["bulk"], c) for c in columns} == {
        c: getattr(got["plain"], c) for c in columns
    }
    assert got["bulk"].payload == {"k": ["v", 1, None]}


def test_bulk_insert_keeps_exact_amounts_coordinates_and_quotes(
    app_client: TestClient, db: Database
) -> None:
    made = make_appeal(app_client)
    with db.reading() as session:
        source = session.get(Appeal, made["id"])
        assert source is not None
        row = {c.name: getattr(source, c.name) for c in Appeal.__table__.columns}
    row |= {
        "id": made["id"] + 10_000_000,
        "tracking_no": f"T{made['id']}",
        "external_id": f"bulk-{made['id']}",
        "public_id": f"bulk-{made['id']}",  # unique, like the tracking number
        "title": '引号"与\\反斜杠',
        "amount": Decimal("12345678901234.56"),
        "lat": 39.904211,
        "lng": 116.407394,
        "citizen_name": None,
    }
    with db.unit_of_work() as session:
        insert_rows(session, Appeal, [row])
    with db.reading() as session:
        stored = session.get(Appeal, row["id"])
    assert stored is not None
    assert (stored.title, stored.amount, stored.lat, stored.lng, stored.citizen_name) == (
        row["title"],
        Decimal("12345678901234.56"),
        39.904211,
        116.407394,
        None,
    )
    assert stored.submitted_at == source.submitted_at


def test_the_outbox_batch_writes_a_key_once(app_client: TestClient, db: Database) -> None:
    """The outbox's dedupe in the group commit's batch path: a key already committed, or twice in
    the same rows, is written once (the keys are claimed in outbox_dedupe, ADR 0008)."""
    made = make_appeal(app_client)
    key = f"receipt-test-{made['id']}"

    def row(body: str, dedupe_key: str) -> dict[str, object]:
        return {
            "channel": "sms",
            "recipient": "13800000000",
            "subject": None,
            "body": body,
            "case_id": made["id"],
            "dedupe_key": dedupe_key,
        }

    with db.unit_of_work() as session:
        enqueue_many(session, [row("first", key)], now=START)
    with db.unit_of_work() as session:
        enqueue_many(
            session,
            [row("again", key), row("new", key + "b"), row("new twice", key + "b")],
            now=START,
        )
    with db.reading() as session:
        bodies = dict(
            session.execute(
                select(OutboxMessage.dedupe_key, OutboxMessage.body).where(
                    OutboxMessage.dedupe_key.in_([key, key + "b"])
                )
            ).all()
        )
    assert bodies == {key: "first", key + "b": "new"}


def dedupe_keys_from(db: Database, prefix: str) -> list[str]:
    with db.reading() as session:
        return sorted(
            session.scalars(
                select(OutboxDedupe.dedupe_key).where(OutboxDedupe.dedupe_key.startswith(prefix))
            )
        )


def test_bulk_insert_can_skip_rows_whose_key_is_taken(db: Database) -> None:
    """core/bulk's ON CONFLICT DO NOTHING: a key already committed, or twice in the same rows,
    is written once."""
    key = f"bulk-test-{uuid.uuid4().hex}"
    with db.unit_of_work() as session:
        insert_rows(session, OutboxDedupe, [{"dedupe_key": key}], skip_conflicts_on=("dedupe_key",))
    with db.unit_of_work() as session:
        insert_rows(
            session,
            OutboxDedupe,
            [{"dedupe_key": key}, {"dedupe_key": key + "b"}, {"dedupe_key": key + "b"}],
            skip_conflicts_on=("dedupe_key",),
        )
    assert dedupe_keys_from(db, key) == [key, key + "b"]


def test_pipelined_inserts_land_and_a_conflict_fails_the_whole_block(db: Database) -> None:
    """core/bulk's pipelined block (PostgreSQL's pipeline mode: no wait for each INSERT's answer):
    what it writes commits with the transaction; a duplicate key anywhere in it fails the block
    as the IntegrityError an INSERT raises (the group commit then goes item by item), and the
    rows before the duplicate are not kept."""
    key = f"pipe-test-{uuid.uuid4().hex}"
    with db.unit_of_work() as session, pipelined(session):
        insert_rows(session, OutboxDedupe, [{"dedupe_key": key}])
        insert_rows(session, OutboxDedupe, [{"dedupe_key": key + "b"}])

    def a_block_with_a_duplicate() -> None:
        with db.unit_of_work() as session, pipelined(session):
            for suffix in ("c", "", "d"):
                insert_rows(session, OutboxDedupe, [{"dedupe_key": key + suffix}])

    with pytest.raises(IntegrityError):
        a_block_with_a_duplicate()
    assert dedupe_keys_from(db, key) == [key, key + "b"]


def test_a_read_inside_a_pipelined_block_is_refused(db: Database) -> None:
    """SQLAlchemy would read a pipelined SELECT's answer as no rows (None, silently): inside
    the block only core/bulk's own statements may run, on PostgreSQL; elsewhere it is a no-op."""
    with db.unit_of_work() as session, pipelined(session):
        if db.engine.dialect.name == "postgresql":
            with pytest.raises(NotInsidePipeline):
                session.execute(select(OutboxDedupe.dedupe_key).limit(1))
        else:
            session.execute(select(OutboxDedupe.dedupe_key).limit(1))
    with db.reading() as session:  # the same connection afterwards: reads work again
        assert session.execute(select(literal(5))).scalar() == 5


def test_the_writer_goes_on_after_its_connection_is_dropped(db: Database) -> None:
    """No ping before a batch (PostgreSQL): a connection killed under the writer fails one batch,
    which is registered again item by item on a new connection; nobody gets an error."""
    writer_db = db.for_one_writer()
    batcher = IntakeBatcher(
        writer_db,
        ManualClock(START),
        IdAllocator(db, "appeals"),
        RefCache(),
        ZoneInfo("Asia/Shanghai"),
        max_batch=8,
    )

    def register(n: int) -> list[Registered]:
        async def submit_all() -> list[Registered]:
            return list(
                await asyncio.gather(
                    *(
                        batcher.submit(AppealIn(**appeal_payload(channel="mailbox_mayor")), None)
                        for _ in range(n)
                    )
                )
            )

        return asyncio.run(submit_all())

    batcher.start()
    try:
        first = register(3)
        if writer_db.engine.dialect.name == "postgresql":
            with writer_db.engine.connect() as held:  # the writer's one idle connection
                pid = held.execute(text("SELECT pg_backend_pid()")).scalar()
            with db.engine.connect() as admin:
                assert admin.execute(
                    text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}
                ).scalar()
        second = register(3)
    finally:
        batcher.stop()
        if writer_db is not db:
            writer_db.dispose()
    assert all(r.created for r in first + second)
    with db.reading() as session:
        stored = session.scalars(
            select(Appeal.id).where(Appeal.id.in_([r.id for r in first + second]))
        ).all()
    assert len(stored) == 6


def test_the_same_external_id_makes_one_appeal_however_it_is_batched(db: Database) -> None:
    """Duplicates inside one batch and across batches all answer with the first appeal."""
    batcher = IntakeBatcher(
        db,
        ManualClock(START),
        IdAllocator(db, "appeals"),
        RefCache(),
        ZoneInfo("Asia/Shanghai"),
        max_batch=8,
    )
    payload = appeal_payload(channel="mailbox_mayor")
    items = [AppealIn(**payload) for _ in range(20)] + [
        AppealIn(**appeal_payload(channel="mailbox_mayor")) for _ in range(5)
    ]

    async def submit_all() -> list[Registered]:
        return list(await asyncio.gather(*(batcher.submit(item, None) for item in items)))

    batcher.start()
    try:
        results = asyncio.run(submit_all())
    finally:
        batcher.stop()
    same = results[:20]
    assert sum(r.created for r in same) == 1
    assert len({r.id for r in same}) == 1
    assert all(r.created for r in results[20:])
    with db.reading() as session:
        stored = session.scalars(
            select(Appeal).where(Appeal.external_id == payload["external_id"])
        ).all()
    assert [a.id for a in stored] == [same[0].id]
