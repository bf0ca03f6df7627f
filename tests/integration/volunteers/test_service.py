"""Volunteers on both databases, through the services: registration and approval, reports that
become cases through intake, verification after triage's repeat check, points by the
administrator's rules, the closing bonus, and no double reward (held by the database)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from conftest import private_demo_app
from factories import act, unique_phone
from minyi.cases.models import Appeal, Case
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.core.errors import Conflict, Forbidden, Invalid, NotFound, TooManyAttempts
from minyi.core.settings import Settings
from minyi.org.models import Unit
from minyi.org.service import actor_for_username
from minyi.volunteers.models import PointEntry, Volunteer, VolunteerReport
from minyi.volunteers.queries import balance, figures, ledger, ranking
from minyi.volunteers.rules import ReportState, VolunteerStatus
from minyi.volunteers.service import (
    check_secret,
    decide_volunteer,
    register_report_case,
    register_resident,
    register_volunteer,
    set_rule,
    submit_report,
    verify_report,
    volunteer_by_secret,
)
from minyi.worker.runner import run_once

TZ = ZoneInfo("Asia/Shanghai")
World = tuple[TestClient, Database, ManualClock]


@pytest.fixture(scope="module")
def world(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with private_demo_app(backend, tmp_path_factory.mktemp("volunteers")) as made:
        yield made


def _volunteer(db: Database, clock: ManualClock, community: str = "S01C01") -> Volunteer:
    with db.unit_of_work() as session:
        staff = actor_for_username(session, "s01c01.staff" if community == "S01C01" else "admin")
        row, created = register_volunteer(
            session,
            name="李平安",
            phone=unique_phone(),
            community=community,
            actor=staff,
            now=clock.now(),
        )
        assert created
        session.expunge(row)
        return row


def _report(db: Database, clock: ManualClock, volunteer_id: int, body: str) -> int:
    with db.unit_of_work() as session:
        report, _ = submit_report(
            session,
            volunteer_id,
            token=uuid.uuid4().hex,
            title="消防通道堵塞",
            body=body,
            address="幸福里小区",
            now=clock.now(),
        )
        report_id = report.id
    register_report_case(db, report_id, now=clock.now(), tz=TZ)
    return report_id


def _verify(db: Database, clock: ManualClock, report_id: int, *, verified: bool = True) -> str:
    with db.unit_of_work() as session:
        actor = actor_for_username(session, "s01c01.staff")
        return verify_report(
            session, report_id, actor=actor, verified=verified, note=None, now=clock.now()
        ).state


def _body() -> str:
    # Each test's own words, so triage links only what a test means to repeat.
    return f"幸福里小区{uuid.uuid4().hex[:6]}号楼旁消防通道被电动车堵塞，{uuid.uuid4().hex}"


class TestRegistration:
    def test_a_resident_registers_and_waits_for_approval(self, world: World) -> None:
        _, db, clock = world
        phone = unique_phone()
        with db.unit_of_work() as session:
            row, created = register_volunteer(
                session,
                name=" 王  小明 ",
                phone=f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}",
                community="S01C02",
                actor=None,
                now=clock.now(),
            )
            assert created and row.status == VolunteerStatus.PENDING
            assert (row.name, row.phone, len(row.code)) == ("王 小明", phone, 8)
            again, created_again = register_volunteer(
                session, name="别人", phone=phone, community="S01C01", actor=None, now=clock.now()
            )
            assert (again.id, created_again, again.name) == (row.id, False, "王 小明")
            with pytest.raises(NotFound):
                volunteer_by_secret(session, row.code, phone[-4:])  # not approved yet
            staff = actor_for_username(session, "s01.staff")
            decide_volunteer(
                session, row.id, actor=staff, decision="approve", note=None, now=clock.now()
            )
            decide_volunteer(  # pressed twice: harmless
                session, row.id, actor=staff, decision="approve", note=None, now=clock.now()
            )
            assert volunteer_by_secret(session, row.code, phone[-4:]).id == row.id
            with pytest.raises(NotFound):
                volunteer_by_secret(session, row.code, "0000" if phone[-4:] != "0000" else "1111")

    def test_residents_registrations_are_limited_per_address(self, world: World) -> None:
        _, db, clock = world
        client = f"198.51.100.{uuid.uuid4().int % 250}"

        def register(phone: str, address: str = client) -> tuple[Volunteer, bool]:
            return register_resident(
                db, client=address, name="赵志愿", phone=phone, community="S01C01", now=clock.now()
            )

        first = unique_phone()
        made = [register(p) for p in [first, *(unique_phone() for _ in range(4))]]
        assert all(created for _, created in made) and made[0][0].code
        # The same phone again answers the volunteer already there and costs nothing: ten new
        # registrations in all still pass.
        for _ in range(3):
            again, created = register(first)
            assert (again.id, created) == (made[0][0].id, False)
        assert all(register(unique_phone())[1] for _ in range(5))
        # The eleventh new registration from the address is refused, and nothing is kept.
        refused = unique_phone()
        with pytest.raises(TooManyAttempts):
            register(refused)
        with db.reading() as session:
            assert session.scalar(select(Volunteer).where(Volunteer.phone == refused)) is None
        # Another address is not held back by this one.
        assert register(refused, client + "1")[1]

    def test_bad_input_is_refused_and_changes_nothing(self, world: World) -> None:
        _, db, clock = world
        with db.unit_of_work() as session:
            for name, phone, community, error in (
                ("张三", "12345", "S01C01", Invalid),
                ("", unique_phone(), "S01C01", Invalid),
                ("张三", unique_phone(), "S01", Invalid),  # a street, not a community
            ):
                with pytest.raises(error):
                    register_volunteer(
                        session,
                        name=name,
                        phone=phone,
                        community=community,
                        actor=None,
                        now=clock.now(),
                    )
            other_street = actor_for_username(session, "s02.staff")
            with pytest.raises(Forbidden):
                register_volunteer(
                    session,
                    name="张三",
                    phone=unique_phone(),
                    community="S01C01",
                    actor=other_street,
                    now=clock.now(),
                )
            handler = actor_for_username(session, "dep01.handler")
            with pytest.raises(Forbidden):
                register_volunteer(
                    session,
                    name="张三",
                    phone=unique_phone(),
                    community="S01C01",
                    actor=handler,
                    now=clock.now(),
                )

    def test_rejecting_needs_a_reason(self, world: World) -> None:
        _, db, clock = world
        with db.unit_of_work() as session:
            row, _ = register_volunteer(
                session,
                name="赵六",
                phone=unique_phone(),
                community="S01C01",
                actor=None,
                now=clock.now(),
            )
            staff = actor_for_username(session, "s01c01.staff")
            with pytest.raises(Invalid):
                decide_volunteer(
                    session, row.id, actor=staff, decision="reject", note="", now=clock.now()
                )
            decide_volunteer(
                session,
                row.id,
                actor=staff,
                decision="reject",
                note="非本社区居民",
                now=clock.now(),
            )
            with pytest.raises(Conflict):
                decide_volunteer(
                    session, row.id, actor=staff, decision="suspend", note=None, now=clock.now()
                )


class TestReportsAndPoints:
    def test_a_verified_report_earns_points_and_its_closing_a_bonus(self, world: World) -> None:
        client, db, clock = world
        v = _volunteer(db, clock)
        report_id = _report(db, clock, v.id, _body())
        with db.reading() as session:
            report = session.get(VolunteerReport, report_id)
            assert report is not None and report.case_id is not None
            case_id = report.case_id
            appeal = session.scalar(
                select(Appeal).join(Case, Case.appeal_id == Appeal.id).where(Case.id == case_id)
            )
            assert appeal is not None
            assert (appeal.phone, appeal.citizen_name, appeal.external_id) == (
                v.phone,
                v.name,
                f"volunteer:{report_id}",
            )
        # Registering it again answers the same case.
        assert register_report_case(db, report_id, now=clock.now(), tz=TZ) == case_id
        with pytest.raises(Conflict, match="查重"):
            _verify(db, clock, report_id)  # triage has not checked it for repeats yet
        run_once(db, clock)
        assert _verify(db, clock, report_id) == ReportState.VERIFIED
        assert _verify(db, clock, report_id) == ReportState.VERIFIED  # pressed twice
        with pytest.raises(Conflict):
            _verify(db, clock, report_id, verified=False)
        with db.reading() as session:
            assert balance(session, v.id) == 10
        # The unit answers the case: the closing bonus, once (a reopen and a second answer
        # earn nothing more).
        assert act(client, case_id, "accept", "clerk").status_code == 200
        r = act(client, case_id, "dispatch", "dispatcher", lead_unit="DEP01", co_units=[])
        assert r.status_code == 200, r.text
        assert act(client, case_id, "sign_for", "dep01.handler").status_code == 200
        r = act(client, case_id, "reply", "dep01.handler", text="已清理消防通道。")
        assert r.status_code == 200, r.text
        with db.reading() as session:
            lines = ledger(session, v.id)
            assert [(e.kind, e.points) for e in lines] == [("closed", 5), ("verified", 10)]
            assert balance(session, v.id) == 15

    def test_a_repeat_earns_nothing(self, world: World) -> None:
        _, db, clock = world
        v = _volunteer(db, clock)
        body = _body()
        first = _report(db, clock, v.id, body)
        run_once(db, clock)
        assert _verify(db, clock, first) == ReportState.VERIFIED
        clock.advance(timedelta(hours=1))
        second = _report(db, clock, v.id, body)
        run_once(db, clock)
        assert _verify(db, clock, second) == ReportState.REPEAT
        with db.reading() as session:
            assert balance(session, v.id) == 10

    def test_an_untrue_report_earns_nothing(self, world: World) -> None:
        _, db, clock = world
        v = _volunteer(db, clock)
        report_id = _report(db, clock, v.id, _body())
        assert _verify(db, clock, report_id, verified=False) == ReportState.REJECTED
        with db.reading() as session:
            assert balance(session, v.id) == 0

    def test_the_database_refuses_a_second_award_for_one_matter(self, world: World) -> None:
        _, db, clock = world
        v = _volunteer(db, clock)
        report_id = _report(db, clock, v.id, _body())
        run_once(db, clock)
        _verify(db, clock, report_id)
        with db.reading() as session:
            entry = session.scalars(
                select(PointEntry).where(PointEntry.report_id == report_id)
            ).one()
            copy = {
                k: getattr(entry, k)
                for k in (
                    "volunteer_id",
                    "report_id",
                    "case_id",
                    "matter_case_id",
                    "rule_id",
                    "kind",
                    "points",
                    "reason",
                    "created_at",
                )
            }

        def pay_again() -> None:
            with db.unit_of_work() as session:
                session.add(PointEntry(**copy))
                session.flush()

        with pytest.raises(IntegrityError):
            pay_again()

    def test_a_double_submit_files_one_report(self, world: World) -> None:
        _, db, clock = world
        v = _volunteer(db, clock)
        with db.unit_of_work() as session:
            a, created = submit_report(
                session,
                v.id,
                token="t" * 32,
                title=None,
                body="井盖缺失",
                address=None,
                now=clock.now(),
            )
            b, again = submit_report(
                session,
                v.id,
                token="t" * 32,
                title=None,
                body="井盖缺失",
                address=None,
                now=clock.now(),
            )
            assert (created, again, a.id, a.title) == (True, False, b.id, "井盖缺失")
            with pytest.raises(Invalid):
                submit_report(
                    session,
                    v.id,
                    token="u" * 32,
                    title=None,
                    body="  ",
                    address=None,
                    now=clock.now(),
                )

    def test_wrong_secrets_are_throttled(self, world: World, tmp_path: object) -> None:
        _, db, clock = world
        v = _volunteer(db, clock)
        settings = Settings(environment="test", database_url="sqlite://", load_demo_if_empty=False)
        wrong = "0000" if v.phone[-4:] != "0000" else "1111"
        with pytest.raises(NotFound):
            check_secret(db, settings, code=v.code, last4=wrong, client="10.0.0.9", now=clock.now())
        assert (
            check_secret(
                db, settings, code=v.code, last4=v.phone[-4:], client="10.0.0.9", now=clock.now()
            )
            == v.id
        )


class TestRulesAndRanking:
    def test_a_class_rule_wins_and_only_the_administrator_sets_rules(self, world: World) -> None:
        _, db, clock = world
        with db.unit_of_work() as session:
            admin = actor_for_username(session, "admin")
            staff = actor_for_username(session, "s01c01.staff")
            with pytest.raises(Forbidden):
                set_rule(
                    session,
                    actor=staff,
                    kind="verified",
                    class_name=None,
                    points=99,
                    is_active=True,
                    now=clock.now(),
                )
            with pytest.raises(Invalid):
                set_rule(
                    session,
                    actor=admin,
                    kind="verified",
                    class_name="不存在",
                    points=5,
                    is_active=True,
                    now=clock.now(),
                )
            with pytest.raises(Invalid):
                set_rule(
                    session,
                    actor=admin,
                    kind="verified",
                    class_name=None,
                    points=-1,
                    is_active=True,
                    now=clock.now(),
                )
            rule = set_rule(
                session,
                actor=admin,
                kind="verified",
                class_name="帮扶救助",
                points=30,
                is_active=True,
                now=clock.now(),
            )
            again = set_rule(
                session,
                actor=admin,
                kind="verified",
                class_name="帮扶救助",
                points=25,
                is_active=True,
                now=clock.now(),
            )
            assert (again.id, again.points) == (rule.id, 25)

    def test_the_public_ranking_masks_names(self, world: World) -> None:
        _, db, clock = world
        v = _volunteer(db, clock, community="S03C01")
        report_id = _report(db, clock, v.id, _body())
        run_once(db, clock)
        with db.unit_of_work() as session:
            admin = actor_for_username(session, "admin")
            verify_report(
                session, report_id, actor=admin, verified=True, note=None, now=clock.now()
            )
        with db.reading() as session:
            community_path = session.scalar(select(Unit.path).where(Unit.code == "S03C01"))
            public = ranking(session, None, area_path=community_path or "", is_public=True)
            mine = next(r for r in public if r["volunteer_id"] == v.id)
            assert (mine["rank"], mine["name"], mine["points"]) == (1, "李**", 10)
            admin = actor_for_username(session, "admin")
            staff_view = ranking(session, admin, area_path=community_path or "")
            assert next(r for r in staff_view if r["volunteer_id"] == v.id)["name"] == "李平安"
            f = figures(session, community_path or "")
            assert (f.volunteers, f.reports, f.verified, f.points) == (1, 1, 1, 10)
            later = figures(session, community_path or "", since=clock.now() + timedelta(hours=1))
            assert (later.volunteers, later.reports, later.verified, later.points) == (1, 0, 0, 0)
