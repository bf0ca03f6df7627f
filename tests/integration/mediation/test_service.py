"""Mediation on a case, on both databases: a neighbours' dispute opened by the street hall's
mediator, a session planned and held, an agreement with numbered terms, performance of a term,
judicial confirmation filed and confirmed, each step on the case's timeline in Chinese; a
refused confirmation sending the dispute back; failure referred to court or back to complaint
handling; refusals that change nothing; who reads the parties' contacts; the figures; and the
list page's mediators of every site, read in one statement."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from conftest import START
from factories import register_appeal, unique_phone
from minyi.cases.models import Case, CaseEvent
from minyi.core.db import Database
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound
from minyi.core.i18n import ACTION_ZH
from minyi.mediation.models import Dispute
from minyi.mediation.queries import (
    describe,
    list_disputes,
    mediators_by_site,
    readable_dispute,
    service_figures,
)
from minyi.mediation.schemas import PartyIn, TermIn
from minyi.mediation.service import (
    cancel_session,
    file_confirmation,
    hold_session,
    open_dispute,
    plan_session,
    record_outcome,
    record_performance,
    record_ruling,
    refer_dispute,
)
from minyi.org.models import Staff, Unit
from minyi.org.service import actor_for_username
from minyi.services.models import ServiceSite, SiteStaff
from minyi.services.queries import list_sites, providers
from minyi.services.rules import Service, StaffKind

TZ = ZoneInfo("Asia/Shanghai")
LATER = START + timedelta(days=2)


def site_id(session, code: str = "S01-SITE") -> int:  # type: ignore[no-untyped-def]
    return int(
        session.scalar(
            select(ServiceSite.id)
            .join(Unit, Unit.id == ServiceSite.unit_id)
            .where(Unit.code == code)
        )
    )


def neighbours() -> list[PartyIn]:
    return [
        PartyIn(
            side="applicant", name="王秀英", phone=unique_phone(), address="城市绿洲花园3栋502"
        ),
        PartyIn(
            side="respondent",
            name="李建国",
            phone=unique_phone(),
            id_number="110101199003077571",
            address="城市绿洲花园3栋602",
        ),
    ]


def open_one(db: Database, *, as_user: str = "s01.mediator") -> tuple[int, int]:
    appeal = register_appeal(
        db,
        now=START,
        category="JF-01-01-02",
        title="楼上漏水导致邻里纠纷",
        body="楼上602卫生间漏水，楼下502天花板发霉，双方协商不成。",
    )
    with db.unit_of_work() as session:
        dispute = open_dispute(
            session,
            actor_for_username(session, as_user),
            case_id=appeal["id"],
            site_id=site_id(session),
            facts="602卫生间防水层老化漏水，致502天花板及墙面发霉。",
            matters="维修责任及502装修损失赔偿",
            parties=neighbours(),
            mediators=[],
            reason=None,
            now=START,
        )
        return appeal["id"], dispute.id


def held(db: Database, dispute_id: int) -> int:
    with db.unit_of_work() as session:
        me = actor_for_username(session, "s01.mediator")
        s = plan_session(
            session,
            me,
            dispute_id,
            starts_at=START + timedelta(days=1),
            place=None,
            room_id=None,
            is_online=False,
            now=START,
            tz=TZ,
        )
        party_ids = [
            p["id"]
            for p in describe(session, me, session.get(Dispute, dispute_id), tz=TZ)["parties"]
        ]  # type: ignore[arg-type]
        hold_session(
            session,
            me,
            s.id,
            minutes="双方到场，602同意维修防水并赔偿。",
            party_ids=party_ids,
            others=None,
            now=LATER,
        )
        return s.id


def actions(db: Database, case_id: int) -> list[str]:
    with db.reading() as session:
        return list(
            session.scalars(
                select(CaseEvent.action).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
        )


class TestAgreementJourney:
    def test_dispute_to_confirmed_agreement(self, fresh_demo_db: Database) -> None:
        db = fresh_demo_db
        case_id, dispute_id = open_one(db)
        held(db, dispute_id)
        with db.unit_of_work() as session:
            me = actor_for_username(session, "s01.mediator")
            d = record_outcome(
                session,
                me,
                dispute_id,
                outcome="agreement",
                note=None,
                terms=[
                    TermIn(
                        text="李建国于2026年11月30日前修复卫生间防水层", due_on=date(2026, 11, 30)
                    ),
                    TermIn(
                        text="李建国赔偿王秀英装修损失人民币3000元",
                        due_on=date(2026, 12, 5),
                        amount=Decimal("3000.00"),
                    ),
                ],
                performance="第一条由李建国自行维修；第二条以银行转账方式一次付清。",
                signed_on=None,
                now=LATER,
                tz=TZ,
            )
            assert d.status == "agreed"
            view = describe(session, me, d, tz=TZ)
            [agreement] = view["agreements"]
            assert agreement["number"].endswith("调〔2026〕1号")
            assert [t["position"] for t in agreement["terms"]] == [1, 2]
            record_performance(
                session, me, agreement["terms"][1]["id"], done=True, note="已转账", now=LATER
            )
            file_confirmation(
                session,
                me,
                agreement["id"],
                court="罗湖区人民法院",
                filed_on=LATER.date(),
                now=LATER,
                tz=TZ,
            )
            a = record_ruling(
                session,
                me,
                agreement["id"],
                ruling="confirmed",
                ruled_on=LATER.date(),
                ruling_number="（2026）粤0303民特1号",
                reason=None,
                now=LATER,
                tz=TZ,
            )
            assert a.status == "confirmed"
            view = describe(session, me, session.get(Dispute, dispute_id), tz=TZ)  # type: ignore[arg-type]
            assert view["agreements"][0]["is_enforceable"] is True
            assert view["agreements"][0]["terms"][1]["is_done"] is True
            labels = [e["action_label"] for e in view["timeline"]]
        log = actions(db, case_id)
        steps = [
            "mediation_opened",
            "mediation_session_planned",
            "mediation_session_held",
            "mediation_agreement",
            "mediation_performed",
            "mediation_confirmation_filed",
            "mediation_confirmed",
        ]
        assert [a for a in log if a.startswith("mediation_")] == steps
        assert all(ACTION_ZH[s] in labels for s in steps)

    def test_refused_ruling_sends_it_back(self, fresh_demo_db: Database) -> None:
        db = fresh_demo_db
        _case_id, dispute_id = open_one(db)
        held(db, dispute_id)
        with db.unit_of_work() as session:
            me = actor_for_username(session, "s01.mediator")
            record_outcome(
                session,
                me,
                dispute_id,
                outcome="partial",
                note="赔偿金额未达成一致",
                terms=[TermIn(text="李建国修复防水层")],
                performance="自行维修，11月30日前完成",
                signed_on=None,
                now=LATER,
                tz=TZ,
            )
            [a] = describe(session, me, session.get(Dispute, dispute_id), tz=TZ)["agreements"]  # type: ignore[arg-type]
            with pytest.raises(Conflict):  # a ruling before the filing
                record_ruling(
                    session,
                    me,
                    a["id"],
                    ruling="refused",
                    ruled_on=LATER.date(),
                    ruling_number="x",
                    reason=None,
                    now=LATER,
                    tz=TZ,
                )
            file_confirmation(
                session,
                me,
                a["id"],
                court="罗湖区人民法院",
                filed_on=LATER.date(),
                now=LATER,
                tz=TZ,
            )
            record_ruling(
                session,
                me,
                a["id"],
                ruling="refused",
                ruled_on=LATER.date(),
                ruling_number="（2026）粤0303民特2号",
                reason="协议内容不明确",
                now=LATER,
                tz=TZ,
            )
            d = session.get(Dispute, dispute_id)
            assert d is not None and d.status == "open" and d.outcome is None


class TestFailure:
    def test_referred_to_court_and_back_to_complaint(self, fresh_demo_db: Database) -> None:
        db = fresh_demo_db
        case_id, dispute_id = open_one(db)
        with db.unit_of_work() as session:
            me = actor_for_username(session, "s01.mediator")
            with pytest.raises(Conflict):  # no session held yet
                record_outcome(
                    session,
                    me,
                    dispute_id,
                    outcome="failure",
                    note="拒绝调解",
                    terms=[],
                    performance=None,
                    signed_on=None,
                    now=LATER,
                    tz=TZ,
                )
        held(db, dispute_id)
        with db.unit_of_work() as session:
            me = actor_for_username(session, "s01.mediator")
            with pytest.raises(Invalid):
                record_outcome(
                    session,
                    me,
                    dispute_id,
                    outcome="failure",
                    note=" ",
                    terms=[],
                    performance=None,
                    signed_on=None,
                    now=LATER,
                    tz=TZ,
                )
            record_outcome(
                session,
                me,
                dispute_id,
                outcome="failure",
                note="被申请人拒绝赔偿",
                terms=[],
                performance=None,
                signed_on=None,
                now=LATER,
                tz=TZ,
            )
            refer_dispute(
                session,
                me,
                dispute_id,
                referral="litigation",
                reason="双方同意由法院诉调对接处理",
                now=LATER,
            )
            with pytest.raises(Conflict):
                refer_dispute(
                    session, me, dispute_id, referral="complaint", reason="再转", now=LATER
                )
        assert actions(db, case_id)[-2:] == ["mediation_failed", "mediation_referred"]
        # A second dispute goes back to complaint handling: the case's service changes on its log.
        case2, dispute2 = open_one(db)
        held(db, dispute2)
        with db.unit_of_work() as session:
            me = actor_for_username(session, "s01.mediator")
            record_outcome(
                session,
                me,
                dispute2,
                outcome="failure",
                note="涉及物业责任",
                terms=[],
                performance=None,
                signed_on=None,
                now=LATER,
                tz=TZ,
            )
            refer_dispute(
                session,
                me,
                dispute2,
                referral="complaint",
                reason="公共管道问题须由物业和住建部门处理",
                now=LATER,
            )
            case = session.get(Case, case2)
            assert case is not None and case.service == "complaint"
        assert actions(db, case2)[-2:] == ["mediation_referred", "service_changed"]


class TestRefusals:
    def test_bad_input_changes_nothing(self, fresh_demo_db: Database) -> None:
        db = fresh_demo_db
        appeal = register_appeal(
            db, now=START, category="JF-01-01-02", title="噪声纠纷", body="楼上夜间噪声"
        )
        with db.unit_of_work() as session:
            sid = site_id(session)
            me = actor_for_username(session, "s01.mediator")
            base = {
                "case_id": appeal["id"],
                "site_id": sid,
                "facts": "夜间噪声",
                "matters": "噪声",
                "mediators": [],
                "reason": None,
                "now": START,
            }
            with pytest.raises(Invalid):  # one side only
                open_dispute(session, me, parties=neighbours()[:1] * 2, **base)  # type: ignore[arg-type]
            with pytest.raises(Invalid):  # a bad phone
                open_dispute(
                    session,
                    me,
                    parties=[PartyIn(side="applicant", name="甲", phone="123"), neighbours()[1]],
                    **base,
                )  # type: ignore[arg-type]
            with pytest.raises(Invalid):  # not a mediator of this site
                open_dispute(
                    session, me, parties=neighbours(), **{**base, "mediators": ["s02.mediator"]}
                )  # type: ignore[arg-type]
            other = actor_for_username(session, "s02.mediator")
            with pytest.raises((Forbidden, NotFound)):  # another street's mediator
                open_dispute(session, other, parties=neighbours(), **base)  # type: ignore[arg-type]
        # A complaint is moved by the centre, not by a mediator.
        complaint = register_appeal(db, now=START)
        with db.unit_of_work() as session:
            me = actor_for_username(session, "s01.mediator")
            with pytest.raises(Forbidden):
                open_dispute(
                    session, me, parties=neighbours(), **{**base, "case_id": complaint["id"]}
                )  # type: ignore[arg-type]
        with db.reading() as session:
            assert session.scalar(select(Dispute.id)) is None
        assert "service_changed" not in actions(db, complaint["id"])

    def test_centre_opens_a_dispute_on_a_complaint(self, fresh_demo_db: Database) -> None:
        db = fresh_demo_db
        complaint = register_appeal(db, now=START)
        with db.unit_of_work() as session:
            open_dispute(
                session,
                actor_for_username(session, "dispatcher"),
                case_id=complaint["id"],
                site_id=site_id(session),
                facts="物业与业主就垃圾站位置争执",
                matters="垃圾站迁移",
                parties=neighbours(),
                mediators=["s01.mediator"],
                reason="属物业纠纷，转调解",
                now=START,
            )
            assert session.get(Case, complaint["id"]).service == "mediation"  # type: ignore[union-attr]
        assert actions(db, complaint["id"])[-2:] == ["service_changed", "mediation_opened"]

    def test_cancelled_session(self, fresh_demo_db: Database) -> None:
        db = fresh_demo_db
        _case, dispute_id = open_one(db)
        with db.unit_of_work() as session:
            me = actor_for_username(session, "s01.mediator")
            s = plan_session(
                session,
                me,
                dispute_id,
                starts_at=LATER,
                place="纠纷解决室",
                room_id=None,
                is_online=True,
                now=START,
                tz=TZ,
            )
            cancel_session(session, me, s.id, reason="被申请人出差", now=START)
            with pytest.raises(Conflict):
                hold_session(session, me, s.id, minutes="x", party_ids=[], others=None, now=LATER)


class TestPrivacyAndFigures:
    def test_who_reads_the_parties(self, fresh_demo_db: Database) -> None:
        db = fresh_demo_db
        _case, dispute_id = open_one(db)
        with db.reading() as session:
            d = session.get(Dispute, dispute_id)
            assert d is not None

            def party(user: str) -> dict[str, str | None]:
                return describe(session, actor_for_username(session, user), d, tz=TZ)["parties"][1]  # type: ignore[no-any-return]

            clear = party("s01.mediator")
            assert clear["id_number"] == "110101199003077571" and clear["name"] == "李建国"
            assert party("s01.staff")["phone"] == clear["phone"]  # the street's staff
            masked = party("dispatcher")
            assert masked["phone"] != clear["phone"] and masked["id_number"] != clear["id_number"]
            assert masked["name"] != "李建国"
            with pytest.raises(NotFound):
                readable_dispute(session, actor_for_username(session, "s02.mediator"), dispute_id)
            assert list_disputes(session, actor_for_username(session, "s02.mediator")) == []
            assert list_disputes(session, actor_for_username(session, "s02.staff")) == []
            street = list_disputes(session, actor_for_username(session, "s01.staff"))
            assert [r["id"] for r in street] == [dispute_id]
            assert [
                r["id"] for r in list_disputes(session, actor_for_username(session, "s01.mediator"))
            ] == [dispute_id]

    def test_figures(self, fresh_demo_db: Database) -> None:
        db = fresh_demo_db
        _c1, d1 = open_one(db)
        _c2, d2 = open_one(db)
        held(db, d1)
        held(db, d2)
        with db.unit_of_work() as session:
            me = actor_for_username(session, "s01.mediator")
            record_outcome(
                session,
                me,
                d1,
                outcome="agreement",
                note=None,
                terms=[TermIn(text="修复防水层")],
                performance="自行维修",
                signed_on=None,
                now=LATER,
                tz=TZ,
            )
            record_outcome(
                session,
                me,
                d2,
                outcome="failure",
                note="拒绝调解",
                terms=[],
                performance=None,
                signed_on=None,
                now=LATER,
                tz=TZ,
            )
        with db.reading() as session:
            f = service_figures(session, since=START, until=START + timedelta(days=7))
        assert f["受理纠纷"] == 2 and f["开展调解"] == 2 and f["调解会议"] == 2
        assert f["调解成功率"] == 0.5 and f["司法确认率"] == 0.0 and f["平均办结天数"] == 2.0
        [site] = f["按站点"]
        assert site["受理纠纷"] == 2
        [mediator] = f["按调解员"]
        assert mediator["达成协议"] == 1


def mediators_one_site(session, site: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The list page's read before it was grouped (two statements a site), the reference."""
    ids = [p.staff_id for p in providers(session, site, StaffKind.MEDIATOR)]
    if not ids:
        return []
    return [
        (u, n)
        for u, n in session.execute(
            select(Staff.username, Staff.name).where(Staff.id.in_(ids)).order_by(Staff.name)
        )
    ]


class TestMediatorsBySite:
    def test_each_sites_mediators_in_one_statement(self, fresh_demo_db: Database) -> None:
        db = fresh_demo_db
        with db.unit_of_work() as session:
            s01, s02 = site_id(session), site_id(session, "S02-SITE")

            def staff_id(username: str) -> int:
                return int(session.scalar(select(Staff.id).where(Staff.username == username)))

            # Two mediators at S01's hall (S02's also serves there); S01's lawyer mediates at
            # S02's, and an inactive row at S01 that must not show.
            session.add_all(
                [
                    SiteStaff(site_id=s01, staff_id=staff_id("s02.mediator"), kind="mediator"),
                    SiteStaff(site_id=s02, staff_id=staff_id("s01.lawyer"), kind="mediator"),
                    SiteStaff(
                        site_id=s01,
                        staff_id=staff_id("s02.counsellor"),
                        kind="mediator",
                        is_active=False,
                    ),
                ]
            )
        sent: list[str] = []

        def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            sent.append(statement)

        with db.reading() as session:
            sites = [s.id for s in list_sites(session, service=Service.MEDIATION)]
            assert len(sites) >= 3
            event.listen(db.engine, "before_cursor_execute", note)
            try:
                grouped = mediators_by_site(session, sites)
            finally:
                event.remove(db.engine, "before_cursor_execute", note)
            assert len(sent) == 1
            assert list(grouped) == sites
            assert grouped == {s: mediators_one_site(session, s) for s in sites}
            assert {u for u, _ in grouped[s01]} == {"s01.mediator", "s02.mediator"}
            assert {u for u, _ in grouped[s02]} == {"s02.mediator", "s01.lawyer"}
            others = [s for s in sites if s not in (s01, s02)]
            assert all(len(grouped[s]) == 1 for s in others)
            assert len({grouped[s][0] for s in others}) == len(others)
            assert mediators_by_site(session, []) == {}
