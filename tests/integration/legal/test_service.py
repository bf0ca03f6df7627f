"""Legal help on the demo district, on both databases: s01's resident lawyer writes up a
consultation for a legal appointment booked at a window for a case; what each reader gets of its
question and advice; a referral to legal aid, refused without a reason, granted by 区司法局 with
a lawyer assigned; the case's event log; pre-petition advice on a walk-in with the citizen's
choice; and the figures."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from conftest import START
from factories import register_appeal
from minyi.cases.models import CaseEvent
from minyi.core.db import Database
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound
from minyi.legal.queries import (
    case_advices,
    describe_consultations,
    describe_referrals,
    desk,
    list_consultations,
    service_figures,
)
from minyi.legal.service import (
    decide_aid,
    get_consultation,
    get_referral,
    give_pre_petition_advice,
    record_choice,
    record_consultation,
    refer_to_aid,
)
from minyi.org.models import Staff
from minyi.org.service import actor_for_username
from minyi.privacy.rules import LEGAL_HIDDEN
from minyi.services.models import SiteStaff
from minyi.services.rules import StaffKind
from minyi.services.service import book_appointment

TZ = ZoneInfo("Asia/Shanghai")
TUESDAY_3PM = datetime(2026, 11, 24, 15, 0, tzinfo=TZ)  # s01.lawyer's hours: Tue/Thu afternoons
QUESTION = "公司拖欠王秀英三个月工资共一万八千元，电话13800001111，能否申请仲裁？"


def lawyer_site(session, username: str = "s01.lawyer") -> tuple[int, int]:  # type: ignore[no-untyped-def]
    row = session.execute(
        select(SiteStaff.site_id, Staff.id)
        .join(Staff, Staff.id == SiteStaff.staff_id)
        .where(Staff.username == username, SiteStaff.kind == StaffKind.LAWYER.value)
    ).first()
    assert row is not None
    return row[0], row[1]


def book(session, *, case_id: int | None, starts_at: datetime = TUESDAY_3PM):  # type: ignore[no-untyped-def]
    site_id, lawyer_id = lawyer_site(session)
    return book_appointment(
        session,
        actor_for_username(session, "clerk"),
        site_id=site_id,
        service="legal",
        starts_at=starts_at,
        minutes=60,
        name="王秀英",
        phone="13800001111",
        topic="被拖欠工资，想咨询如何维权",
        staff_id=lawyer_id,
        case_id=case_id,
        now=START,
        tz=TZ,
    )


def consult(session, appointment_id: int, username: str = "s01.lawyer", **over):  # type: ignore[no-untyped-def]
    fields = {
        "area": "labour",
        "question": QUESTION,
        "advice": "可向区劳动人事争议仲裁委员会申请仲裁，准备劳动合同、工资条和考勤记录。",
        "documents": ["劳动仲裁申请书范本", " ", "证据清单"],
        "needs_follow_up": True,
        "follow_up": "一周后电话回访仲裁立案情况",
    }
    fields.update(over)
    return record_consultation(
        session,
        actor_for_username(session, username),
        appointment_id=appointment_id,
        now=TUESDAY_3PM + timedelta(hours=1),
        **fields,
    )


class TestConsultationAndAid:
    def test_write_up_refer_decide_on_the_case_log(self, fresh_demo_db: Database) -> None:
        case = register_appeal(fresh_demo_db, now=START, channel="walk_in")
        with fresh_demo_db.unit_of_work() as session:
            appointment_id = book(session, case_id=case["id"]).id
        with fresh_demo_db.unit_of_work() as session, pytest.raises(Forbidden):
            consult(session, appointment_id, "s02.lawyer")
        with fresh_demo_db.unit_of_work() as session, pytest.raises(Invalid):
            consult(session, appointment_id, area="space_law")
        with fresh_demo_db.unit_of_work() as session, pytest.raises(Invalid):
            consult(session, appointment_id, needs_follow_up=True, follow_up="")
        with fresh_demo_db.unit_of_work() as session:
            c = consult(session, appointment_id)
            assert c.documents == ["劳动仲裁申请书范本", "证据清单"]
            assert c.case_id == case["id"] and c.name == "王秀英"
            consultation_id = c.id
        with fresh_demo_db.unit_of_work() as session, pytest.raises(Conflict):
            consult(session, appointment_id)

        with fresh_demo_db.reading() as session:
            [own] = describe_consultations(
                session,
                actor_for_username(session, "s01.lawyer"),
                list_consultations(session, actor_for_username(session, "s01.lawyer")).rows,
            )
            assert own["question"] == QUESTION and own["phone"] == "13800001111"
            row = own
            for user in ("s02.lawyer", "dep11.head", "clerk", "admin"):
                actor = actor_for_username(session, user)
                [seen] = describe_consultations(
                    session, actor, [get_consultation(session, consultation_id)]
                )
                assert "王秀英" not in str(seen) and "13800001111" not in str(seen), user
                assert LEGAL_HIDDEN in seen["question"], user
            supervisor = actor_for_username(session, "supervisor")
            assert list_consultations(session, supervisor).total.value >= 1
            assert (
                list_consultations(session, actor_for_username(session, "dep11.head")).total.value
                == 0
            )
            assert (
                list_consultations(session, actor_for_username(session, "s02.lawyer")).total.value
                == 0
            )
        assert row["needs_follow_up"]

        with fresh_demo_db.unit_of_work() as session:
            with pytest.raises(Forbidden):
                refer_to_aid(
                    session,
                    actor_for_username(session, "s02.lawyer"),
                    consultation_id=consultation_id,
                    hardship="unpaid_wages",
                    situation="外来务工，无力聘请律师",
                    now=TUESDAY_3PM + timedelta(hours=2),
                )
            with pytest.raises(Invalid):
                refer_to_aid(
                    session,
                    actor_for_username(session, "s01.lawyer"),
                    consultation_id=consultation_id,
                    hardship="unpaid_wages",
                    situation="外来务工",
                    monthly_income="-3",
                    now=TUESDAY_3PM + timedelta(hours=2),
                )
        with fresh_demo_db.unit_of_work() as session:
            r = refer_to_aid(
                session,
                actor_for_username(session, "s01.lawyer"),
                consultation_id=consultation_id,
                hardship="unpaid_wages",
                situation="外来务工，家庭月收入两千元，无力聘请律师",
                monthly_income="2000",
                household_size=3,
                now=TUESDAY_3PM + timedelta(hours=2),
            )
            referral_id = r.id
        with fresh_demo_db.unit_of_work() as session, pytest.raises(Conflict):
            refer_to_aid(
                session,
                actor_for_username(session, "s01.lawyer"),
                consultation_id=consultation_id,
                hardship="unpaid_wages",
                situation="再次申请",
                now=TUESDAY_3PM + timedelta(hours=2),
            )
        with fresh_demo_db.reading() as session:
            head = actor_for_username(session, "dep11.head")
            [c_row] = describe_consultations(session, head, list_consultations(session, head).rows)
            assert c_row["question"] == QUESTION  # referred: 区司法局 reads it
            d = desk(session, head, now=TUESDAY_3PM + timedelta(hours=3), tz=TZ)
            assert [p["id"] for p in d["pending"]] == [referral_id] and d["may_decide"]
            other = actor_for_username(session, "dep01.head")
            [hidden] = describe_referrals(session, other, [get_referral(session, referral_id)])
            assert hidden["situation"] == LEGAL_HIDDEN and hidden["monthly_income"] is None

        decided_at = TUESDAY_3PM + timedelta(days=2)
        with fresh_demo_db.unit_of_work() as session:
            with pytest.raises(Forbidden):
                decide_aid(
                    session,
                    actor_for_username(session, "dep01.head"),
                    referral_id,
                    grant=True,
                    reason=None,
                    now=decided_at,
                )
            with pytest.raises(Invalid):
                decide_aid(
                    session,
                    actor_for_username(session, "dep11.head"),
                    referral_id,
                    grant=False,
                    reason=" ",
                    now=decided_at,
                )
            with pytest.raises(Invalid):
                decide_aid(
                    session,
                    actor_for_username(session, "dep11.head"),
                    referral_id,
                    grant=True,
                    reason=None,
                    lawyer="dep11.handler",
                    now=decided_at,
                )
        with fresh_demo_db.unit_of_work() as session:
            r = decide_aid(
                session,
                actor_for_username(session, "dep11.head"),
                referral_id,
                grant=True,
                reason=None,
                lawyer="s01.lawyer",
                now=decided_at,
            )
            assert r.status == "granted"
        with fresh_demo_db.unit_of_work() as session, pytest.raises(Conflict):
            decide_aid(
                session,
                actor_for_username(session, "admin"),
                referral_id,
                grant=False,
                reason="重复",
                now=decided_at,
            )
        with fresh_demo_db.reading() as session:
            actions = list(
                session.scalars(
                    select(CaseEvent.action)
                    .where(CaseEvent.case_id == case["id"])
                    .order_by(CaseEvent.id)
                )
            )
            assert actions[-3:] == ["legal_consulted", "legal_aid_referred", "legal_aid_granted"]
            payloads = [
                e.payload
                for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case["id"]))
            ]
            assert "13800001111" not in str(payloads) and "王秀英" not in str(payloads)
            figures = service_figures(session, since=START, until=START + timedelta(days=10))
        assert figures["法律咨询"] == 1
        assert figures["按法律领域"]["劳动争议"] == 1
        assert (figures["法律援助转介"], figures["准予援助"], figures["不予援助"]) == (1, 1, 0)
        assert figures["平均审查天数"] == 1.9  # referred at 17:00, decided two days after 15:00


class TestPrePetitionAdvice:
    def test_walk_in_advice_and_choice(self, fresh_demo_db: Database) -> None:
        walk_in = register_appeal(fresh_demo_db, now=START, channel="walk_in")
        hotline = register_appeal(fresh_demo_db, now=START)
        with fresh_demo_db.unit_of_work() as session:
            clerk = actor_for_username(session, "clerk")
            with pytest.raises(Conflict):
                give_pre_petition_advice(
                    session, clerk, hotline["id"], route="court", advice="可起诉", now=START
                )
            with pytest.raises(Forbidden):
                give_pre_petition_advice(
                    session,
                    actor_for_username(session, "dep01.handler"),
                    walk_in["id"],
                    route="court",
                    advice="可起诉",
                    now=START,
                )
            with pytest.raises(Invalid):
                give_pre_petition_advice(
                    session, clerk, walk_in["id"], route="heaven", advice="x", now=START
                )
        with fresh_demo_db.unit_of_work() as session:
            lawyer = actor_for_username(session, "s01.lawyer")
            a = give_pre_petition_advice(
                session,
                lawyer,
                walk_in["id"],
                route="arbitration",
                advice="属劳动争议，应先申请劳动仲裁，仲裁前置。",
                now=START,
            )
            advice_id = a.id
            petition = give_pre_petition_advice(
                session,
                lawyer,
                walk_in["id"],
                route="petition",
                advice="其中对街道工作人员作风的意见属信访事项。",
                now=START,
            )
            with pytest.raises(Invalid):
                record_choice(session, lawyer, petition.id, choice="legal_route", now=START)
        with fresh_demo_db.unit_of_work() as session:
            record_choice(
                session,
                actor_for_username(session, "clerk"),
                advice_id,
                choice="legal_route",
                now=START + timedelta(minutes=20),
            )
        with fresh_demo_db.unit_of_work() as session, pytest.raises(Conflict):
            record_choice(
                session,
                actor_for_username(session, "clerk"),
                advice_id,
                choice="petition",
                now=START,
            )
        with fresh_demo_db.unit_of_work() as session, pytest.raises(NotFound):
            record_choice(
                session, actor_for_username(session, "clerk"), 999_999, choice="petition", now=START
            )
        with fresh_demo_db.reading() as session:
            advices = case_advices(session, walk_in["id"])
            assert [x["choice"] for x in advices] == ["legal_route", "undecided"]
            events = [
                (e.action, e.payload.get("choice"))
                for e in session.scalars(
                    select(CaseEvent)
                    .where(CaseEvent.case_id == walk_in["id"])
                    .order_by(CaseEvent.id)
                )
            ]
            assert events[-3:] == [
                ("legal_advice_given", None),
                ("legal_advice_given", None),
                ("legal_route_chosen", "legal_route"),
            ]
            figures = service_figures(session, since=START, until=START + timedelta(days=1))
        assert (figures["访前法律意见"], figures["引导走法律途径"]) == (2, 1)
