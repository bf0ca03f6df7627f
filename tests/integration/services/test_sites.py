"""Service sites and appointments on the demo district, on both databases: the demo's halls with
their windows, rooms and professionals; a booking inside a lawyer's hours, refusals outside them
and of a taken time, a cancelled time free again; and a case moved from complaint handling to
mediation with the event log saying so and the five services counted side by side."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from conftest import START
from factories import register_appeal
from minyi.cases.models import CaseEvent
from minyi.core.db import Database
from minyi.core.errors import Conflict, Forbidden, Invalid
from minyi.org.models import Staff
from minyi.org.service import actor_for_username
from minyi.services.queries import (
    cases_by_service,
    free_times,
    list_sites,
    providers,
    rooms,
    serves_as,
    supervisor_of,
)
from minyi.services.rules import RoomKind, Service, StaffKind, parse_openings
from minyi.services.service import book_appointment, change_service, step_appointment

TZ = ZoneInfo("Asia/Shanghai")
# START is Friday 2026-11-20 09:00 in Beijing; the demo lawyers sit on Tuesday and Thursday
# afternoons.
TUESDAY_3PM = datetime(2026, 11, 24, 15, 0, tzinfo=TZ)


def _lawyer_site(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    [hall] = [
        s for s in list_sites(session, service=Service.LEGAL) if s.name.startswith("丹枫")
    ] or [list_sites(session, service=Service.LEGAL)[0]]
    [lawyer] = providers(session, hall.id, StaffKind.LAWYER)
    return hall.id, lawyer.staff_id


def _book(
    session,
    site_id: int,
    starts_at: datetime,
    staff_id: int | None = None,
    phone: str = "13800001111",
):  # type: ignore[no-untyped-def]
    return book_appointment(
        session,
        None,
        site_id=site_id,
        service="legal",
        starts_at=starts_at,
        minutes=60,
        name="王秀英",
        phone=phone,
        topic="房屋租赁合同纠纷，想咨询押金能否退回",
        staff_id=staff_id,
        now=START,
        tz=TZ,
    )


class TestDemoSites:
    def test_halls_have_their_windows_rooms_and_people(self, db: Database) -> None:
        with db.reading() as session:
            sites = list_sites(session)
            assert len(sites) == 18  # the centre, ten street halls, seven outside sites
            legal = list_sites(session, service=Service.LEGAL)
            assert len(legal) == 10  # only the street halls have a resident lawyer
            hall = legal[0]
            kinds = {r.kind for r in rooms(session, hall.id)}
            assert {
                RoomKind.APPEAL_WINDOW,
                RoomKind.LEGAL_WINDOW,
                RoomKind.COUNSELLING_ROOM,
            } <= kinds
            [counsellor] = providers(session, hall.id, StaffKind.COUNSELLOR)
            supervisor = session.scalar(select(Staff).where(Staff.username == "centre.counsellor"))
            assert supervisor is not None
            assert supervisor_of(session, counsellor.staff_id) == {supervisor.id}
            assert serves_as(session, counsellor.staff_id, StaffKind.COUNSELLOR, hall.id)
            assert not serves_as(session, counsellor.staff_id, StaffKind.LAWYER)


class TestAppointments:
    def test_inside_hours_taken_time_and_cancellation(self, fresh_demo_db: Database) -> None:
        with fresh_demo_db.unit_of_work() as session:
            site_id, lawyer = _lawyer_site(session)
            free = free_times(session, site_id, lawyer, TUESDAY_3PM.date(), 60, TZ, START)
            assert TUESDAY_3PM in free
            first = _book(session, site_id, TUESDAY_3PM)
            assert first.staff_id == lawyer and first.ref.startswith("FW")
            assert first.ends_at == TUESDAY_3PM + timedelta(hours=1)
            assert TUESDAY_3PM not in free_times(
                session, site_id, lawyer, TUESDAY_3PM.date(), 60, TZ, START
            )
        with fresh_demo_db.unit_of_work() as session, pytest.raises(Conflict) as taken:
            _book(session, site_id, TUESDAY_3PM + timedelta(minutes=30), phone="13900002222")
        assert "已被预约" in taken.value.message
        with fresh_demo_db.unit_of_work() as session, pytest.raises(Conflict) as closed:
            _book(session, site_id, TUESDAY_3PM - timedelta(days=1))  # Monday: no lawyer
        assert "开放时间" in closed.value.message
        with fresh_demo_db.unit_of_work() as session:
            admin = actor_for_username(session, "admin")
            step_appointment(session, admin, first.id, "cancel", now=START)
        with fresh_demo_db.unit_of_work() as session:
            again = _book(session, site_id, TUESDAY_3PM, phone="13900002222")
            assert again.id != first.id
            with pytest.raises(Conflict):
                step_appointment(session, admin, first.id, "attend", now=START)

    def test_bad_input_changes_nothing(self, db: Database) -> None:
        with db.unit_of_work() as session:
            site_id, _ = _lawyer_site(session)
            with pytest.raises(Invalid):
                book_appointment(
                    session,
                    None,
                    site_id=site_id,
                    service="complaint",
                    starts_at=TUESDAY_3PM,
                    minutes=60,
                    name="王",
                    phone="13800001111",
                    topic="x",
                    now=START,
                    tz=TZ,
                )
            with pytest.raises(Invalid):
                _book(session, site_id, TUESDAY_3PM, phone="12345")
            with pytest.raises(Conflict):  # 17 minutes is not a length we book
                book_appointment(
                    session,
                    None,
                    site_id=site_id,
                    service="legal",
                    starts_at=TUESDAY_3PM,
                    minutes=17,
                    name="王",
                    phone="13800001111",
                    topic="x",
                    now=START,
                    tz=TZ,
                )

    def test_opening_hours_text(self) -> None:
        openings = parse_openings("1-5 09:00-12:00 14:00-17:30；6 09:00-12:00")
        assert len(openings) == 11
        with pytest.raises(ValueError, match="星期"):
            parse_openings("8 09:00-12:00")
        with pytest.raises(ValueError, match="结束早于开始"):
            parse_openings("1 12:00-09:00")


class TestChangeService:
    def test_complaint_to_mediation_on_the_event_log(self, fresh_demo_db: Database) -> None:
        appeal = register_appeal(fresh_demo_db, now=START)
        with fresh_demo_db.reading() as session:
            before = cases_by_service(session, START, START + timedelta(days=1))
        with fresh_demo_db.unit_of_work() as session:
            handler = actor_for_username(session, "dep01.handler")
            with pytest.raises(Forbidden):
                change_service(
                    session, handler, appeal["id"], "mediation", reason="邻里纠纷", now=START
                )
            clerk = actor_for_username(session, "clerk")
            with pytest.raises(Invalid):
                change_service(session, clerk, appeal["id"], "mediation", reason=" ", now=START)
            case = change_service(
                session, clerk, appeal["id"], "mediation", reason="实为邻里纠纷，转调解", now=START
            )
            assert case.service == "mediation"
        with fresh_demo_db.reading() as session:
            event = session.scalar(
                select(CaseEvent).where(
                    CaseEvent.case_id == appeal["id"], CaseEvent.action == "service_changed"
                )
            )
            assert event is not None and event.payload["to"] == "mediation"
            after = cases_by_service(session, START, START + timedelta(days=1))
        assert set(after) == set(Service)
        assert after[Service.MEDIATION] == before[Service.MEDIATION] + 1
        assert sum(after.values()) == sum(before.values())
