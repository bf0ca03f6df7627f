"""The receptions services on a demo district of their own, on both databases: a slot's capacity
and the harmless second booking, the state table's refusals, and the figures the reception feeds:
per leader, per street and community in the assessment, and the daily report's block."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from conftest import START
from minyi.analytics.assessment import assess_units
from minyi.analytics.rules import period_of
from minyi.core.db import Database
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound
from minyi.demo.receptions import load_receptions
from minyi.org.models import Unit
from minyi.org.service import actor_for_username
from minyi.receptions.models import ReceptionSlot
from minyi.receptions.queries import area_receptions, booking_by_ref, leader_figures
from minyi.receptions.rules import Slot
from minyi.receptions.service import (
    add_walk_in,
    book_slot,
    cancel_reception,
    link_area,
    record_reception,
    schedule_reception,
    unlink_area,
)
from minyi.reports.render import render_html
from minyi.reports.rules import ReportKind
from minyi.reports.snapshot import build_snapshot

TZ = ZoneInfo("Asia/Shanghai")
DAY = START + timedelta(days=1)  # Saturday 09:00 in Beijing


def _schedule(session, *, area: str = "S01C02", capacity: int = 2, publish: bool = True):  # type: ignore[no-untyped-def]
    return schedule_reception(
        session,
        actor=actor_for_username(session, "admin"),
        leader="secretary",
        area=area,
        place=None,
        topic=None,
        slots=[Slot(DAY, DAY + timedelta(hours=1), capacity)],
        publish=publish,
        now=START,
        tz=TZ,
    )


def _slot(session, reception_id: int) -> int:  # type: ignore[no-untyped-def]
    return int(
        session.scalar(select(ReceptionSlot.id).where(ReceptionSlot.reception_id == reception_id))
    )


class TestBooking:
    def test_capacity_double_booking_and_the_confirmation(self, fresh_demo_db: Database) -> None:
        with fresh_demo_db.unit_of_work() as session:
            slot = _slot(session, _schedule(session).id)
            a, created = book_slot(
                session, slot_id=slot, name="张三丰", phone="13800001111", matter="噪音", now=START
            )
            again, twice = book_slot(
                session,
                slot_id=slot,
                name="张三丰",
                phone="+86 138-0000-1111",
                matter="噪音",
                now=START,
            )
            assert (created, twice, again.id) == (True, False, a.id)
            book_slot(
                session, slot_id=slot, name="李四", phone="13800002222", matter="x", now=START
            )
            with pytest.raises(Conflict):
                book_slot(
                    session, slot_id=slot, name="王五", phone="13800003333", matter="x", now=START
                )
            with pytest.raises(Invalid):
                book_slot(
                    session, slot_id=slot, name="", phone="13800004444", matter="x", now=START
                )
            seen = booking_by_ref(session, a.ref.lower())
            assert (seen["name"], seen["phone"]) == ("张**", "138****1111")
            assert "噪音" not in str(seen)

    def test_an_unpublished_or_started_slot_takes_no_booking(self, fresh_demo_db: Database) -> None:
        with fresh_demo_db.unit_of_work() as session:
            draft = _slot(session, _schedule(session, publish=False).id)
            with pytest.raises(NotFound):
                book_slot(
                    session, slot_id=draft, name="赵六", phone="13800005555", matter="x", now=START
                )
            slot = _slot(session, _schedule(session).id)
            with pytest.raises(Invalid):
                book_slot(
                    session,
                    slot_id=slot,
                    name="赵六",
                    phone="13800005555",
                    matter="x",
                    now=DAY + timedelta(minutes=1),
                )


class TestSteps:
    def test_a_held_reception_cannot_be_cancelled_nor_a_cancelled_one_recorded(
        self, fresh_demo_db: Database
    ) -> None:
        with fresh_demo_db.unit_of_work() as session:
            admin = actor_for_username(session, "admin")
            held = _schedule(session)
            record_reception(session, held.id, actor=admin, people=3, summary=None, now=DAY)
            with pytest.raises(Conflict):
                cancel_reception(session, held.id, actor=admin, now=DAY)
            gone = _schedule(session)
            cancel_reception(session, gone.id, actor=admin, now=START)
            with pytest.raises(Conflict):
                record_reception(session, gone.id, actor=admin, people=1, summary=None, now=DAY)

    def test_another_streets_staff_may_not_record(self, fresh_demo_db: Database) -> None:
        with fresh_demo_db.unit_of_work() as session:
            r = _schedule(session)
            with pytest.raises(Forbidden):
                record_reception(
                    session,
                    r.id,
                    actor=actor_for_username(session, "s02.staff"),
                    people=1,
                    summary=None,
                    now=DAY,
                )

    def test_linking_areas_is_the_administrators(self, fresh_demo_db: Database) -> None:
        with fresh_demo_db.unit_of_work() as session:
            admin = actor_for_username(session, "admin")
            link_area(session, actor=admin, leader="mayor", area="S01C01")
            link_area(session, actor=admin, leader="mayor", area="S01C01")  # harmless
            assert unlink_area(session, actor=admin, leader="mayor", area="S01C01")
            assert not unlink_area(session, actor=admin, leader="mayor", area="S01C01")
            with pytest.raises(Forbidden):
                link_area(
                    session,
                    actor=actor_for_username(session, "secretary"),
                    leader="mayor",
                    area="S01",
                )


class TestFigures:
    def test_leader_area_assessment_and_daily_report(self, fresh_demo_db: Database) -> None:
        with fresh_demo_db.unit_of_work() as session:
            admin = actor_for_username(session, "admin")
            r = _schedule(session)
            add_walk_in(
                session,
                r.id,
                actor=admin,
                name="陈大爷",
                phone="13900001234",
                matter="门前路灯坏了",
                people=4,
                now=DAY,
            )
            with pytest.raises(Invalid):
                record_reception(session, r.id, actor=admin, people=2, summary=None, now=DAY)
            record_reception(session, r.id, actor=admin, people=None, summary="现场答复", now=DAY)
            assert r.people == 4
            s01, c02 = (
                session.scalar(select(Unit.id).where(Unit.code == code))
                for code in ("S01", "S01C02")
            )
        with fresh_demo_db.reading() as session:
            mine = leader_figures(session)
            assert [(f.title, f.receptions, f.people) for f in mine] == [("区委书记", 1, 4)]
            areas = area_receptions(session, since=START, until=DAY + timedelta(days=1))
            assert areas[s01] == areas[c02] == (1, 4)  # type: ignore[index]
            week = assess_units(session, period_of("week", DAY.astimezone(TZ).date()))
            row = next(x for x in week.rows if x.unit == "S01C02")
            assert (row.receptions, row.people_received) == (1, 4)
            assert [(x.title, x.people_received) for x in week.leaders] == [("区委书记", 4)]
            snap = build_snapshot(
                session,
                kind=ReportKind.DAILY,
                day=DAY.astimezone(TZ).date(),
                tz=TZ,
                now=DAY + timedelta(days=1),
            )
            block = next(s["data"] for s in snap["sections"] if s["key"] == "grassroots")
            assert (block["receptions"]["count"], block["receptions"]["people"]) == (1, 4)
            html = render_html(snap, number=1, issued_at=DAY + timedelta(days=1), tz=TZ)
        text = re.sub(r"<[^>]+>", " ", html)
        assert "领导下沉接访" in text and "接待群众 4 人次" in text
        assert "陈大爷" not in html and "13900001234" not in html


class TestDemo:
    def test_the_demo_receptions(self, fresh_demo_db: Database) -> None:
        done = load_receptions(fresh_demo_db, now=START, tz=TZ)
        assert done == {"receptions": 6, "reception_cases": 6}
        with fresh_demo_db.reading() as session:
            mine = {f.title: f for f in leader_figures(session)}
            assert mine["区委书记"].cases == 2 and mine["区委书记"].held == 1
            assert mine["区委书记"].people == 5  # two who booked and came, a walk-in of three
