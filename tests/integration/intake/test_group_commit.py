"""Intake's group commit: what one batch writes, on both backends.

The batch plans the clocks before the case rows are written, writes its rows with COPY on
PostgreSQL (an INSERT elsewhere), and hands escalation intake's own account of each case.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from factories import appeal_payload, make_appeal
from sqlalchemy import insert, select

from conftest import START

from minyi.cases.models import Appeal, Case, CaseEvent
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.core.ids import IdAllocator
from minyi.escalation.models import CaseEscalation
from minyi.intake.batcher import IntakeBatcher
from minyi.core.bulk import insert_rows
from minyi.intake.refs import RefCache
from minyi.intake.schemas import AppealIn
from minyi.intake.service import Registered
from minyi.sla.models import Clock


def test_a_new_case_is_written_with_its_policy_and_due_time(app_client: TestClient, db: Database) -> None:
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


def test_copy_stores_what_an_insert_stores(app_client: TestClient, db: Database) -> None:
    made = make_appeal(app_client)
    row = {
        "case_id": made["id"], "at": START, "action": "note", "actor_id": None, "actor_label": "测试",
        "from_status": None, "to_status": "registered", "reason": "换行\n与制表\t和反斜杠\\", "payload": {"k": ["v", 1, None]},
    }
    with db.unit_of_work() as session:
        insert_rows(session, CaseEvent, [row | {"action": "bulk"}])
        session.execute(insert(CaseEvent), [row | {"action": "plain"}])
    with db.reading() as session:
        got = {e.action: e for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == made["id"], CaseEvent.action.in_(["bulk", "plain"])))}
    columns = ("at", "actor_id", "actor_label", "from_status", "to_status", "reason", "payload")
    assert {c: getattr(got["bulk"], c) for c in columns} == {c: getattr(got["plain"], c) for c in columns}
    assert got["bulk"].payload == {"k": ["v", 1, None]}


def test_the_same_external_id_makes_one_appeal_however_it_is_batched(db: Database) -> None:
    """Duplicates inside one batch and across batches all answer with the first appeal."""
    batcher = IntakeBatcher(db, ManualClock(START), IdAllocator(db, "appeals"), RefCache(), ZoneInfo("Asia/Shanghai"), max_batch=8)
    payload = appeal_payload(channel="mailbox_mayor")
    items = [AppealIn(**payload) for _ in range(20)] + [AppealIn(**appeal_payload(channel="mailbox_mayor")) for _ in range(5)]

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
        stored = session.scalars(select(Appeal).where(Appeal.external_id == payload["external_id"])).all()
    assert [a.id for a in stored] == [same[0].id]
