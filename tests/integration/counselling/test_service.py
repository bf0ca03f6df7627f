"""心理服务 on the demo district, on both databases: a walk-in taken in, a session held with
notes that only the counsellor and the centre's supervisor read (not the dispatcher, a leader,
the administrator, the supervision office, street staff or another counsellor); a case flagged
for self-harm starting at 高 and telling the counsellor; 危急 telling the supervisor; a booked
appointment taken and attended; a 话聊 requested by a leader, planned, held, and on the case's
log without content; refusals that change nothing; the figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conftest import START
from factories import register_appeal, unique_phone
from minyi.cases.models import Case, CaseEvent
from minyi.core.db import Database
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound
from minyi.counselling.models import CounsellingRecord, CounsellingSession
from minyi.counselling.queries import (
    case_counselling,
    describe_talks,
    get_record,
    list_talks,
    record_detail,
    service_figures,
)
from minyi.counselling.service import (
    complete_follow_up,
    hold_session,
    hold_talk,
    open_record,
    plan_follow_up,
    plan_talk,
    request_talk,
    set_risk,
    take_appointment,
)
from minyi.notifications.models import Notification
from minyi.org.models import Staff, Unit
from minyi.org.service import actor_for_username
from minyi.services.models import Appointment, ServiceSite, SiteRoom
from minyi.services.service import book_appointment, change_service
from minyi.triage.models import TriageSuggestion

TZ = ZoneInfo("Asia/Shanghai")
NOTE = "来访者谈到失眠和家庭矛盾，情绪低落，约定每周一次"
OUTSIDERS = ("dispatcher", "secretary", "leader01", "admin", "supervisor", "s01.staff")


def site_of(session: Session, code: str = "S01-SITE") -> int:
    return int(
        session.scalar(
            select(ServiceSite.id)
            .join(Unit, Unit.id == ServiceSite.unit_id)
            .where(Unit.code == code)
        )
    )


def room_of(session: Session, site_id: int) -> int:
    return int(
        session.scalar(
            select(SiteRoom.id).where(SiteRoom.site_id == site_id, SiteRoom.name == "心理咨询室")
        )
    )


def staff_id(session: Session, username: str) -> int:
    return int(session.scalar(select(Staff.id).where(Staff.username == username)))


def flag_self_harm(session: Session, case_id: int, appeal_id: int) -> None:
    session.add(
        TriageSuggestion(
            appeal_id=appeal_id,
            case_id=case_id,
            created_at=START,
            top_k=[],
            place={},
            place_candidates=[],
            co_units=[],
            excluded=[],
            risk_flags=[
                {
                    "category": "self_harm",
                    "label": "轻生倾向",
                    "term": "不想活",
                    "start": 0,
                    "end": 3,
                    "severity": "high",
                    "note": "",
                }
            ],
            signals={},
            qualifies_for_auto=False,
            status="awaiting",
        )
    )
    session.flush()


def counselling_case(db: Database, **overrides: str) -> int:
    """A case the dispatcher handed to 心理服务 (any counsellor may take it)."""
    appeal = register_appeal(db, now=START, **overrides)
    with db.unit_of_work() as session:
        change_service(
            session,
            actor_for_username(session, "dispatcher"),
            appeal["id"],
            "counselling",
            reason="来电人情绪低落，转心理服务",
            now=START,
        )
    return int(appeal["id"])


def walk_in(db: Database, now: datetime = START) -> tuple[int, int]:
    with db.unit_of_work() as session:
        me = actor_for_username(session, "s01.counsellor")
        site = site_of(session)
        record = open_record(
            session, me, site_id=site, name="陈晓梅", phone=unique_phone(), now=now
        )
        row = hold_session(
            session,
            me,
            record.id,
            held_at=now - timedelta(minutes=50),
            minutes=50,
            notes=NOTE,
            room_id=room_of(session, site),
            now=now,
        )
        return record.id, row.id


class TestNotesStayInTheRoom:
    def test_only_the_author_and_the_supervisor_read_notes(self, db: Database) -> None:
        record_id, _ = walk_in(db)
        with db.reading() as session:
            for reader in ("s01.counsellor", "centre.counsellor"):
                detail = record_detail(
                    session,
                    actor_for_username(session, reader),
                    get_record(session, actor_for_username(session, reader), record_id),
                    today=START.date(),
                )
                assert detail["sessions"][0]["notes"] == NOTE
                assert detail["client_name"] == "陈晓梅"
            for reader in ("dispatcher", "secretary", "leader01", "admin", "supervisor"):
                actor = actor_for_username(session, reader)
                detail = record_detail(
                    session, actor, get_record(session, actor, record_id), today=START.date()
                )
                assert detail["sessions_held"] == 1
                assert detail["sessions"][0]["held_at"] is not None
                assert detail["sessions"][0]["notes"] is None
                assert NOTE not in repr(detail)
                assert detail["client_name"] == "陈*梅" or "陈晓梅" not in detail["client_name"]
            for reader in ("s01.staff", "s02.counsellor", "s01.lawyer"):
                with pytest.raises(NotFound):
                    get_record(session, actor_for_username(session, reader), record_id)

    def test_follow_up_notes_are_private_too(self, db: Database) -> None:
        record_id, _ = walk_in(db)
        with db.unit_of_work() as session:
            me = actor_for_username(session, "s01.counsellor")
            fu = plan_follow_up(
                session, me, record_id, due_on=START.date(), today=START.date(), now=START
            )
            complete_follow_up(session, me, fu.id, notes="电话回访，情绪平稳", now=START)
        with db.reading() as session:
            for reader, sees in (("centre.counsellor", True), ("dispatcher", False)):
                actor = actor_for_username(session, reader)
                detail = record_detail(
                    session, actor, get_record(session, actor, record_id), today=START.date()
                )
                assert detail["follow_ups_done"] == 1
                assert (detail["follow_ups"][0]["notes"] == "电话回访，情绪平稳") is sees


class TestRisk:
    def test_self_harm_flag_starts_at_high_and_tells_the_counsellor(self, db: Database) -> None:
        case_id = counselling_case(db, body="工作丢了，家里欠债，真的不想活了。")
        with db.unit_of_work() as session:
            appeal_id = session.scalar(select(Case.appeal_id).where(Case.id == case_id))
            flag_self_harm(session, case_id, int(appeal_id or 0))
            me = actor_for_username(session, "s01.counsellor")
            record = open_record(
                session,
                me,
                site_id=site_of(session),
                name="周建国",
                phone=unique_phone(),
                case_id=case_id,
                now=START,
            )
            assert (record.risk_level, record.risk_from) == ("high", "triage")
            told = session.scalars(
                select(Notification.recipient_id).where(
                    Notification.kind == "counselling_risk",
                    Notification.subject_id == record.id,
                )
            ).all()
            assert told == [me.staff_id]
            set_risk(session, me, record.id, "critical", now=START + timedelta(minutes=5))
            told = session.scalars(
                select(Notification.recipient_id).where(
                    Notification.kind == "counselling_risk",
                    Notification.subject_id == record.id,
                )
            ).all()
            assert sorted(told) == sorted([me.staff_id, staff_id(session, "centre.counsellor")])
            with pytest.raises(Invalid):
                set_risk(session, me, record.id, "extreme", now=START)

    def test_a_case_without_flags_starts_low(self, db: Database) -> None:
        case_id = counselling_case(db)
        with db.unit_of_work() as session:
            record = open_record(
                session,
                actor_for_username(session, "s01.counsellor"),
                site_id=site_of(session),
                name="李华",
                phone=unique_phone(),
                case_id=case_id,
                now=START,
            )
            assert record.risk_level == "low"


class TestAppointments:
    def test_a_booked_counselling_appointment_is_taken_and_attended(self, db: Database) -> None:
        at = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)  # Monday morning
        with db.unit_of_work() as session:
            site = site_of(session, "S03-SITE")
            booked = book_appointment(
                session,
                None,
                site_id=site,
                service="counselling",
                starts_at=at,
                minutes=60,
                name="赵敏",
                phone=unique_phone(),
                topic="最近压力大，想找心理咨询师聊聊",
                now=START,
                tz=TZ,
            )
            me = actor_for_username(session, "s03.counsellor")
            with pytest.raises(Forbidden):
                take_appointment(
                    session, actor_for_username(session, "s01.counsellor"), booked.id, now=START
                )
            record = take_appointment(session, me, booked.id, now=at)
            assert take_appointment(session, me, booked.id, now=at).id == record.id
            hold_session(
                session,
                me,
                record.id,
                held_at=at + timedelta(minutes=55),
                minutes=55,
                notes=None,
                now=at + timedelta(hours=1),
            )
            assert session.get(Appointment, booked.id).status == "attended"  # type: ignore[union-attr]


class TestTalk:
    def test_requested_planned_held_and_logged_without_content(self, db: Database) -> None:
        appeal = register_appeal(db, now=START, body="多次信访，问题一直没有解决，情绪很激动。")
        case_id = appeal["id"]
        with db.unit_of_work() as session:
            leader = actor_for_username(session, "secretary")
            talk = request_talk(session, leader, case_id, now=START)
            with pytest.raises(Conflict):
                request_talk(session, leader, case_id, now=START)
            with pytest.raises(Forbidden):
                request_talk(session, actor_for_username(session, "s01.staff"), case_id, now=START)
            me = actor_for_username(session, "s01.counsellor")
            site = site_of(session)
            with pytest.raises(Invalid):
                plan_talk(
                    session,
                    me,
                    talk.id,
                    site_id=site,
                    starts_at=START + timedelta(days=1),
                    lawyer="s01.mediator",
                    mediator="s01.mediator",
                    now=START,
                )
            with pytest.raises(Conflict):
                hold_talk(session, me, talk.id, minutes=60, summary="x", notes=None, now=START)
            plan_talk(
                session,
                me,
                talk.id,
                site_id=site,
                starts_at=START + timedelta(days=1),
                lawyer="s01.lawyer",
                mediator="s01.mediator",
                room_id=room_of(session, site),
                now=START,
            )
            hold_talk(
                session,
                me,
                talk.id,
                minutes=90,
                summary="街道三日内约见相关部门，律师出具法律意见，调解员跟进协商",
                notes="当事人有明显焦虑，提到夜不能寐",
                now=START + timedelta(days=1, hours=2),
            )
            events = session.execute(
                select(CaseEvent.action, CaseEvent.reason, CaseEvent.payload)
                .where(CaseEvent.case_id == case_id, CaseEvent.action.like("talk_%"))
                .order_by(CaseEvent.id)
            ).all()
            assert [e.action for e in events] == ["talk_requested", "talk_held"]
            assert all(e.reason is None and set(e.payload) == {"talk_id"} for e in events)
        with db.reading() as session:
            for reader, sees in (
                ("s01.counsellor", True),
                ("centre.counsellor", True),
                ("dispatcher", False),
                ("secretary", False),
                ("s01.lawyer", False),
            ):
                actor = actor_for_username(session, reader)
                [out] = describe_talks(session, actor, list_talks(session, actor, case_id=case_id))
                assert out["status"] == "held"
                assert "律师出具法律意见" in (out["summary"] or "")
                assert (out["notes"] == "当事人有明显焦虑，提到夜不能寐") is sees


class TestCasePanelAndFigures:
    def test_the_case_shows_counts_and_the_figures_count(self, db: Database) -> None:
        since, until = START - timedelta(days=1), START + timedelta(days=1)
        with db.reading() as session:
            before = service_figures(session, since=since, until=until)
        case_id = counselling_case(db)
        with db.unit_of_work() as session:
            me = actor_for_username(session, "s01.counsellor")
            record = open_record(
                session,
                me,
                site_id=site_of(session),
                name="孙丽",
                phone=unique_phone(),
                case_id=case_id,
                now=START,
            )
            hold_session(session, me, record.id, held_at=START, minutes=45, notes=NOTE, now=START)
            plan_follow_up(
                session, me, record.id, due_on=START.date(), today=START.date(), now=START
            )
        with db.reading() as session:
            after = service_figures(session, since=since, until=until + timedelta(days=1))
            panel = case_counselling(session, actor_for_username(session, "dispatcher"), case_id)
            assert panel["sessions_held"] == 1 and len(panel["held_dates"]) == 1
            assert NOTE not in repr(panel)
            again = service_figures(session, since=since, until=until)
        assert again["咨询次数"] == before["咨询次数"] + 1
        with db.reading() as session:
            # With a record on the case, the reader's own is listed to open.
            mine = case_counselling(session, actor_for_username(session, "s01.counsellor"), case_id)
        assert mine["record_ids"] == [record.id]
        assert mine["follow_ups_done"] == 0 and mine["risk_level"] == panel["risk_level"]
        assert again["新建档案"] == before["新建档案"] + 1
        assert after["回访已逾期"] >= 1
        assert sum(again["按风险等级"].values()) >= 1
        assert set(again) >= {"服务对象", "咨询次数", "话聊次数", "回访已完成", "回访已逾期"}


class TestRefusals:
    def test_bad_input_changes_nothing(self, db: Database) -> None:
        with db.reading() as session:
            count = session.scalar(select(func.count()).select_from(CounsellingRecord))
        record_id, _ = walk_in(db)
        with db.unit_of_work() as session:
            me = actor_for_username(session, "s01.counsellor")
            site = site_of(session)
            with pytest.raises(Forbidden):
                open_record(
                    session,
                    actor_for_username(session, "dispatcher"),
                    site_id=site,
                    name="甲",
                    phone=unique_phone(),
                    now=START,
                )
            with pytest.raises(Forbidden):
                open_record(
                    session,
                    me,
                    site_id=site_of(session, "S02-SITE"),
                    name="甲",
                    phone=unique_phone(),
                    now=START,
                )
            with pytest.raises(Invalid):
                open_record(session, me, site_id=site, name="甲", phone="12", now=START)
            with pytest.raises(Invalid):
                hold_session(
                    session, me, record_id, held_at=START, minutes=0, notes=None, now=START
                )
            with pytest.raises(Invalid):
                hold_session(
                    session,
                    me,
                    record_id,
                    held_at=START + timedelta(hours=1),
                    minutes=30,
                    notes=None,
                    now=START,
                )
            with pytest.raises(Invalid):
                hold_session(
                    session,
                    me,
                    record_id,
                    held_at=START,
                    minutes=30,
                    notes=None,
                    room_id=room_of(session, site_of(session, "S02-SITE")),
                    now=START,
                )
            with pytest.raises(Forbidden):
                hold_session(
                    session,
                    actor_for_username(session, "centre.counsellor"),
                    record_id,
                    held_at=START,
                    minutes=30,
                    notes=None,
                    now=START,
                )
            with pytest.raises(Invalid):
                plan_follow_up(
                    session, me, record_id, due_on=date(2026, 11, 1), today=START.date(), now=START
                )
        with db.reading() as session:
            assert session.scalar(select(func.count()).select_from(CounsellingRecord)) == count + 1
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(CounsellingSession)
                    .where(CounsellingSession.record_id == record_id)
                )
                == 1
            )


def test_a_case_without_counselling_shows_an_empty_summary(db: Database) -> None:
    """The summary of a case nobody counselled (the case page asks on every view)."""
    case_id = counselling_case(db)
    with db.reading() as session:
        for reader in ("dispatcher", "s01.counsellor"):
            panel = case_counselling(session, actor_for_username(session, reader), case_id)
            assert panel == {
                "records": 0,
                "record_ids": [],
                "sessions_held": 0,
                "held_dates": [],
                "follow_ups_done": 0,
                "risk_level": None,
                "risk_label": None,
                "talks": [],
            }
