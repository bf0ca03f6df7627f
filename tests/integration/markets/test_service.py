"""Service markets on both databases: planning a market with its stalls, what a stall registers
(a case on the market channel, a policy question answered, a matter solved on the spot through
the lifecycle), double submits, refusals, the figures and the privacy of the matters."""

from __future__ import annotations

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import START
from minyi.cases.models import Appeal, Case, CaseEvent
from minyi.core.db import Database
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound
from minyi.intake.models import Channel
from minyi.markets import queries
from minyi.markets.models import MarketMatter
from minyi.markets.rules import Outcome
from minyi.markets.service import (
    MatterEntry,
    StallPlan,
    answer_question,
    cancel_event,
    plan_event,
    raise_matter_now,
    set_stall,
    set_visitors,
    solve_matter,
)
from minyi.org.service import actor_for_username
from minyi.privacy.rules import MARKET_TEXT_HIDDEN

TZ = ZoneInfo("Asia/Shanghai")
PHONE = "13912345678"


def _token() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def event_id(app_client: TestClient, db: Database) -> int:
    del app_client  # the app installs the handlers every case action runs
    with db.unit_of_work() as session:
        actor = actor_for_username(session, "s01.staff")
        return plan_event(
            session,
            actor=actor,
            title="党群服务赶圩日",
            place="第二社区文化广场",
            area="S01C02",
            starts_at=START - timedelta(hours=1),
            ends_at=START + timedelta(hours=3),
            themes=["policy", "民意收集"],
            stalls=[
                StallPlan("DEP05", ("dep05.handler",)),
                StallPlan("DEP11", ("dep11.handler",), ("legal",)),
                StallPlan("S01", ("s01.staff",)),
            ],
            now=START - timedelta(days=3),
        ).id


def _stall(db: Database, event_id: int, unit: str) -> int:
    with db.reading() as session:
        return next(s.id for s in queries.stall_rows(session, event_id) if s.unit_code == unit)


def _raise(db: Database, user: str, stall_id: int, entry: MatterEntry) -> int:
    with db.reading() as session:
        actor = actor_for_username(session, user)
    return raise_matter_now(db, actor, stall_id, entry, now=START, tz=TZ)


class TestPlan:
    def test_a_market_has_its_stalls_staff_and_themes(self, db: Database, event_id: int) -> None:
        with db.reading() as session:
            stalls = {s.unit_code: s for s in queries.stall_rows(session, event_id)}
            event = queries.get_event(session, event_id)
        assert event.themes == ["policy", "opinions"]
        assert set(stalls) == {"DEP05", "DEP11", "S01"}
        assert stalls["DEP11"].themes == ["法律服务"]
        assert stalls["DEP05"].themes == ["政策解答", "民意收集"]
        assert [name for _, name in stalls["DEP05"].staff]

    def test_a_street_plans_only_in_its_own_area(self, db: Database) -> None:
        with db.unit_of_work() as session:
            actor = actor_for_username(session, "s02.staff")
            with pytest.raises(NotFound):
                plan_event(
                    session,
                    actor=actor,
                    title="赶圩日",
                    place="广场",
                    area="S01C02",
                    starts_at=START,
                    ends_at=START + timedelta(hours=2),
                    themes=["policy"],
                    stalls=[StallPlan("S02", ("s02.staff",))],
                    now=START,
                )

    def test_a_department_may_not_plan(self, db: Database) -> None:
        with db.unit_of_work() as session:
            actor = actor_for_username(session, "dep05.handler")
            with pytest.raises(Forbidden):
                plan_event(
                    session,
                    actor=actor,
                    title="赶圩日",
                    place="广场",
                    area="S01C02",
                    starts_at=START,
                    ends_at=START + timedelta(hours=2),
                    themes=["policy"],
                    stalls=[StallPlan("DEP05", ("dep05.handler",))],
                    now=START,
                )

    @pytest.mark.parametrize(
        ("stalls", "code"),
        [
            ([StallPlan("DEP05", ("dep11.handler",))], "staff_not_in_unit"),
            ([StallPlan("S01C02G01", ("s01c02g01.staff",))], "bad_unit"),
            ([], "no_stall"),
        ],
    )
    def test_bad_stalls_are_refused_and_nothing_is_kept(
        self, db: Database, stalls: list[StallPlan], code: str
    ) -> None:
        title = f"坏计划{_token()[:6]}"
        with pytest.raises(Invalid) as refused, db.unit_of_work() as session:
            plan_event(
                session,
                actor=actor_for_username(session, "admin"),
                title=title,
                place="广场",
                area="S01C02",
                starts_at=START,
                ends_at=START + timedelta(hours=2),
                themes=["policy"],
                stalls=stalls,
                now=START,
            )
        assert refused.value.code == code
        with db.reading() as session:
            rows = queries.list_events(session, now=START, page_size=500).rows
        assert title not in {r["title"] for r in rows}

    def test_end_before_start_is_refused(self, db: Database) -> None:
        with pytest.raises(Invalid, match="结束时间"), db.unit_of_work() as session:
            plan_event(
                session,
                actor=actor_for_username(session, "admin"),
                title="赶圩日",
                place="广场",
                area="S01C02",
                starts_at=START,
                ends_at=START - timedelta(hours=1),
                themes=["policy"],
                stalls=[StallPlan("S01", ("s01.staff",))],
                now=START,
            )

    def test_a_started_market_cannot_be_cancelled(self, db: Database, event_id: int) -> None:
        with pytest.raises(Conflict), db.unit_of_work() as session:
            cancel_event(session, event_id, actor=actor_for_username(session, "admin"), now=START)

    def test_changing_a_stall_replaces_its_staff(self, db: Database, event_id: int) -> None:
        with db.unit_of_work() as session:
            set_stall(
                session,
                event_id,
                StallPlan("DEP05", ("dep05.head",)),
                actor=actor_for_username(session, "s01.staff"),
            )
        with db.reading() as session:
            stall = next(s for s in queries.stall_rows(session, event_id) if s.unit_code == "DEP05")
            head = actor_for_username(session, "dep05.head")
        assert [sid for sid, _ in stall.staff] == [head.staff_id]


class TestAtTheStall:
    def test_a_matter_is_a_case_on_the_market_channel_and_a_resend_is_the_same(
        self, db: Database, event_id: int
    ) -> None:
        stall = _stall(db, event_id, "DEP05")
        entry = MatterEntry(_token(), "opinions", "社区养老服务点开放时间太短", PHONE, "王小明")
        first = _raise(db, "dep05.handler", stall, entry)
        again = _raise(db, "dep05.handler", stall, entry)
        assert first == again
        with db.reading() as session:
            matter = session.get(MarketMatter, first)
            assert matter is not None and matter.outcome == Outcome.PASSED_ON
            case = session.get(Case, matter.case_id)
            assert case is not None and case.status == "registered"
            kind = session.scalar(select(Channel.kind).where(Channel.id == case.channel_id))
            appeal = session.get(Appeal, case.appeal_id)
        assert kind == "market"
        assert appeal is not None and appeal.citizen_name == "王小明"
        assert case.community_id is not None

    def test_solved_on_the_spot_closes_the_case_through_the_lifecycle(
        self, db: Database, event_id: int
    ) -> None:
        stall = _stall(db, event_id, "S01")
        entry = MatterEntry(
            _token(),
            "opinions",
            "小区门口路灯不亮",
            PHONE,
            "李四",
            solved=True,
            reply="已现场报修，今晚修复",
        )
        matter_id = _raise(db, "s01.staff", stall, entry)
        assert _raise(db, "s01.staff", stall, entry) == matter_id
        with db.reading() as session:
            matter = session.get(MarketMatter, matter_id)
            assert matter is not None and matter.outcome == Outcome.SOLVED
            case = session.get(Case, matter.case_id)
            assert case is not None
            actions = list(
                session.scalars(
                    select(CaseEvent.action)
                    .where(CaseEvent.case_id == case.id)
                    .order_by(CaseEvent.id)
                )
            )
        assert case.status == "replied" and case.reply_text == "已现场报修，今晚修复"
        assert case.closed_at == START
        lifecycle = [
            a for a in actions if a in ("register", "accept", "dispatch", "sign_for", "reply")
        ]
        assert lifecycle == ["register", "accept", "dispatch", "sign_for", "reply"]

    def test_a_passed_on_matter_can_be_marked_solved_later(
        self, db: Database, event_id: int
    ) -> None:
        stall = _stall(db, event_id, "DEP11")
        matter_id = _raise(
            db, "dep11.handler", stall, MatterEntry(_token(), "legal", "劳务合同纠纷咨询", PHONE)
        )
        with db.unit_of_work() as session:
            actor = actor_for_username(session, "dep11.handler")
            with pytest.raises(Invalid):
                solve_matter(session, matter_id, actor=actor, reply="  ", now=START)
            solve_matter(session, matter_id, actor=actor, reply="已当面讲解法律规定", now=START)
            solve_matter(session, matter_id, actor=actor, reply="又按了一次", now=START)
        with db.reading() as session:
            matter = session.get(MarketMatter, matter_id)
            assert matter is not None and matter.outcome == Outcome.SOLVED
            case = session.get(Case, matter.case_id)
            assert case is not None and case.reply_text == "已当面讲解法律规定"

    def test_a_case_another_unit_handles_is_not_solved_on_the_spot(
        self, db: Database, event_id: int
    ) -> None:
        stall = _stall(db, event_id, "DEP05")
        matter_id = _raise(
            db, "dep05.handler", stall, MatterEntry(_token(), "opinions", "道路积水", PHONE)
        )
        with db.unit_of_work() as session:
            matter = session.get(MarketMatter, matter_id)
            assert matter is not None and matter.case_id is not None
            dispatcher = actor_for_username(session, "dispatcher")
            from minyi.cases.rules import Action
            from minyi.cases.service import act_on_case

            act_on_case(
                session, matter.case_id, Action.ACCEPT, actor=dispatcher, payload={}, now=START
            )
            act_on_case(
                session,
                matter.case_id,
                Action.DISPATCH,
                actor=dispatcher,
                payload={"lead_unit": "DEP15", "co_units": []},
                now=START,
            )
        with pytest.raises(Conflict), db.unit_of_work() as session:
            solve_matter(
                session,
                matter_id,
                actor=actor_for_username(session, "dep05.handler"),
                reply="x",
                now=START,
            )

    def test_a_policy_question_is_answered_without_a_case(
        self, db: Database, event_id: int
    ) -> None:
        stall = _stall(db, event_id, "DEP05")
        token = _token()
        with db.unit_of_work() as session:
            actor = actor_for_username(session, "dep05.handler")
            first = answer_question(
                session,
                stall,
                actor=actor,
                token=token,
                theme="policy",
                question="灵活就业人员社保补贴怎么申请？",
                answer="携带身份证到街道劳动保障窗口申请",
                now=START,
            ).id
            again = answer_question(
                session,
                stall,
                actor=actor,
                token=token,
                theme="policy",
                question="灵活就业人员社保补贴怎么申请？",
                answer="携带身份证到街道劳动保障窗口申请",
                now=START,
            ).id
            matter = session.get(MarketMatter, first)
        assert first == again
        assert matter is not None and matter.case_id is None and matter.outcome == "answered"

    def test_only_the_stalls_staff_register_there(self, db: Database, event_id: int) -> None:
        stall = _stall(db, event_id, "DEP05")
        with pytest.raises(Forbidden):
            _raise(db, "dep11.handler", stall, MatterEntry(_token(), "opinions", "某事", PHONE))

    def test_a_matter_without_a_phone_is_refused(self, db: Database, event_id: int) -> None:
        stall = _stall(db, event_id, "DEP05")
        with pytest.raises(Invalid) as refused:
            _raise(db, "dep05.handler", stall, MatterEntry(_token(), "opinions", "某事", "12"))
        assert refused.value.code == "bad_matter"
        assert refused.value.message == "请填写群众的有效手机号或固定电话"
        with pytest.raises(Invalid, match="有效手机号"):
            _raise(db, "dep05.handler", stall, MatterEntry(_token(), "opinions", "某事", None))

    def test_visitors_are_entered_by_the_stall(self, db: Database, event_id: int) -> None:
        stall = _stall(db, event_id, "DEP11")
        with db.unit_of_work() as session:
            actor = actor_for_username(session, "dep11.handler")
            set_visitors(session, stall, actor=actor, visitors=37, now=START)
            with pytest.raises(Invalid):
                set_visitors(session, stall, actor=actor, visitors=-1, now=START)
        with db.reading() as session:
            row = next(s for s in queries.stall_rows(session, event_id) if s.id == stall)
        assert row.visitors == 37


class TestFiguresAndPrivacy:
    def test_the_summary_counts_and_the_person_reads_through_the_policy(
        self, db: Database, event_id: int
    ) -> None:
        dep05, s01 = _stall(db, event_id, "DEP05"), _stall(db, event_id, "S01")
        _raise(
            db, "dep05.handler", dep05, MatterEntry(_token(), "opinions", "诉求一", PHONE, "赵六")
        )
        _raise(
            db,
            "s01.staff",
            s01,
            MatterEntry(_token(), "opinions", "诉求二", PHONE, "钱七", solved=True, reply="已办"),
        )
        with db.unit_of_work() as session:
            answer_question(
                session,
                dep05,
                actor=actor_for_username(session, "dep05.handler"),
                token=_token(),
                theme="policy",
                question="电话13912345678的人问补贴",
                answer="已解答",
                now=START,
            )
        with db.reading() as session:
            figures = queries.event_figures(session, [event_id])[event_id]
            leader = actor_for_username(session, "leader01")
            rows = queries.matter_rows(session, leader, event_id=event_id)
            own = queries.matter_rows(
                session, actor_for_username(session, "dep05.handler"), event_id=event_id
            )
            areas = queries.area_figures(
                session, since=START - timedelta(days=1), until=START + timedelta(days=1)
            )
            street_id = actor_for_username(session, "s01.staff").unit_id
        assert (figures.opinions, figures.solved, figures.answered, figures.passed_on) == (
            3,
            1,
            1,
            1,
        )
        assert figures.spot_rate == pytest.approx(2 / 3)
        assert street_id is not None and areas[street_id].opinions >= 3
        assert "赵六" not in str(rows) and PHONE not in str(rows)
        assert any(r["name"] == "赵*" for r in rows)
        consult = next(r for r in own if r["question"])
        assert PHONE in consult["question"]
        assert {r["question"] for r in rows if r["outcome"] == "answered"} == {MARKET_TEXT_HIDDEN}


class TestReportAndAssessment:
    def test_the_daily_report_and_the_assessment_carry_the_days_markets(
        self, db: Database, event_id: int
    ) -> None:
        from minyi.analytics.assessment import assess_units
        from minyi.analytics.rules import period_of
        from minyi.reports.render import render_html
        from minyi.reports.rules import ReportKind
        from minyi.reports.snapshot import build_snapshot

        stall = _stall(db, event_id, "S01")
        _raise(
            db,
            "s01.staff",
            stall,
            MatterEntry(_token(), "opinions", "报告里的事项", PHONE, solved=True, reply="已办"),
        )
        day = START.astimezone(TZ).date()
        with db.reading() as session:
            snap = build_snapshot(
                session, kind=ReportKind.DAILY, day=day, tz=TZ, now=START + timedelta(days=1)
            )
            rows = {r.unit: r for r in assess_units(session, period_of("day", day), now=START).rows}
        markets = next(s["data"] for s in snap["sections"] if s["key"] == "grassroots")["markets"]
        assert markets["events"] >= 1 and markets["solved"] >= 1
        assert markets["opinions"] >= markets["solved"] + markets["answered"]
        assert any(i["title"] == "党群服务赶圩日" for i in markets["items"])
        html = render_html(snap, number=1, issued_at=START + timedelta(days=1), tz=TZ)
        assert "服务市集（赶圩日）" in html
        for unit in ("S01", "S01C02"):
            assert rows[unit].market_events is not None and rows[unit].market_events >= 1
            assert rows[unit].market_spot_rate is not None
        assert rows["S01"].market_events >= rows["S01C02"].market_events  # type: ignore[operator]
