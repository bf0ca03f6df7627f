"""The dispatcher's board (sla.queries.dispatch_board) on both backends: the new cases, the
accepted ones to dispatch, and the bounces waiting for the dispatcher oldest first, read through
the partial index on pending bounces (migration boards0001). Bounced in another order than they
were registered, so an order by anything but registration fails; one bounce approved (off the
bounces, back among the cases to dispatch) and one case never bounced must not be listed."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from factories import act_on, dispatched, register_appeal
from minyi.cases.models import Case
from minyi.core.db import Database
from minyi.org.service import actor_for_username
from minyi.sla.queries import dispatch_board

TZ = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 20, 9, tzinfo=TZ)


def test_the_dispatch_board_lists_its_three_blocks(fresh_demo_db: Database) -> None:
    db = fresh_demo_db
    made = [
        dispatched(db, now=AT + timedelta(hours=h), lead="DEP05")["id"] for h in (3, 1, 2, 4, 5)
    ]
    third, first, second, approved, untouched = made
    for case_id in (second, third, first, approved):  # not in registration order
        act_on(
            db,
            case_id,
            "bounce",
            "dep05.handler",
            now=AT + timedelta(hours=6),
            reason="非本单位职责",
        )
    act_on(db, approved, "approve_bounce", "dispatcher", now=AT + timedelta(hours=7))
    new = register_appeal(db, now=AT + timedelta(hours=8))["id"]

    with db.reading() as session:
        board = dispatch_board(session, actor_for_username(session, "dispatcher"))
        pending = list(
            session.scalars(
                select(Case.id).where(Case.bounce_pending.is_(True)).order_by(Case.registered_at)
            )
        )
    bounced = [case.id for case, _appeal in board.bounces]
    assert bounced == pending  # the demo's own pending bounces too, if any, in the same order
    mine = [i for i in bounced if i in made]
    assert mine == [first, second, third]
    assert approved not in bounced and untouched not in bounced
    assert [c.registered_at for c, _ in board.bounces] == sorted(
        c.registered_at for c, _ in board.bounces
    )
    assert new in {case.id for case, _ in board.new.rows}
    assert all(case.status == "registered" for case, _ in board.new.rows)
    assert approved in {case.id for case, _ in board.to_dispatch.rows}
    assert all(case.status == "accepted" for case, _ in board.to_dispatch.rows)
    assert board.new.total.value == len(board.new.rows)
    assert board.to_dispatch.total.value == len(board.to_dispatch.rows)
