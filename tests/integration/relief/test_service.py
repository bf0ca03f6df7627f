"""Relief on a demo district of its own, on both databases: an application registers its case
(service relief), the three reviews in order with refusals of out-of-order steps, approval with
an amount, payment and follow-up closing the case, returns and refusals, the duplicate check
before a second payment, privacy of the applicant's data, and the figures."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from conftest import START
from minyi.cases.models import Case, CaseEvent
from minyi.core.db import Database
from minyi.core.errors import Conflict, Forbidden, Invalid
from minyi.org.service import actor_for_username
from minyi.relief.queries import describe, get_application, list_applications, service_figures
from minyi.relief.schemas import ApplicationIn
from minyi.relief.service import (
    apply_now,
    record_follow_up,
    record_payment,
    resubmit_application,
    review_application,
)

TZ = ZoneInfo("Asia/Shanghai")
ID = "11010519491231002X"


def _entry(**overrides: object) -> ApplicationIn:
    data: dict[str, object] = {
        "name": "王秀英",
        "phone": "13912345678",
        "id_number": ID,
        "address": "幸福小区3栋502",
        "community": "S01C01",
        "kind": "temporary",
        "members": 3,
        "income": "1800",
        "requested_amount": "3000",
        "request": "丈夫住院，家庭生活困难，申请临时救助",
        "documents": ["身份证复印件", "住院证明"],
    }
    data.update(overrides)
    return ApplicationIn.model_validate(data)


def _step(db: Database, app_id: int, user: str, step: str, *, at=START, **kw):  # type: ignore[no-untyped-def]
    with db.unit_of_work() as session:
        return review_application(
            session, app_id, actor=actor_for_username(session, user), step=step, now=at, **kw
        ).status


def _through(db: Database, app_id: int, *, at=START, **kw) -> None:  # type: ignore[no-untyped-def]
    assert _step(db, app_id, "s01c01.staff", "approve", at=at) == "street"
    assert _step(db, app_id, "s01.staff", "approve", at=at) == "department"
    assert _step(db, app_id, "dep10.head", "approve", at=at, amount="2000", **kw) == "approved"


def _pay(db: Database, app_id: int, *, at=START, amount: str = "2000", **kw) -> None:  # type: ignore[no-untyped-def]
    with db.unit_of_work() as session:
        record_payment(
            session,
            app_id,
            actor=actor_for_username(session, "dep10.handler"),
            amount=amount,
            paid_on=at.astimezone(TZ).date(),
            method="bank",
            now=at,
            tz=TZ,
            **kw,
        )


class TestWorkflow:
    def test_apply_review_pay_and_follow_up_close_the_case(self, fresh_demo_db: Database) -> None:
        db = fresh_demo_db
        app = apply_now(db, _entry(), actor=None, now=START, tz=TZ)
        assert app.status == "community" and app.ref.startswith("JZ")
        with db.reading() as session:
            case = session.get(Case, app.case_id)
            assert case is not None and case.service == "relief" and case.status == "registered"
        # Out of order: the street and the bureau may not take the community's step (409);
        # another community's staff are no reviewers at all (403).
        with pytest.raises(Conflict):
            _step(db, app.id, "s01.staff", "approve")
        with pytest.raises(Conflict):
            _step(db, app.id, "dep10.head", "approve", amount="10")
        with pytest.raises(Forbidden):
            _step(db, app.id, "s02c01.staff", "approve")
        with pytest.raises(Conflict):
            _pay(db, app.id, amount="1")
        assert _step(db, app.id, "s01c01.staff", "approve") == "street"
        with pytest.raises(Conflict):
            _step(db, app.id, "s01c01.staff", "approve")  # the community's step is done
        assert _step(db, app.id, "s01.staff", "approve") == "department"
        with pytest.raises(Invalid):
            _step(db, app.id, "dep10.head", "approve")  # the amount is required
        assert _step(db, app.id, "dep10.head", "approve", amount="2000") == "approved"
        with pytest.raises(Invalid):  # above the approved amount
            _pay(db, app.id, amount="2500")
        _pay(db, app.id)
        later = START + timedelta(days=3)
        with db.unit_of_work() as session:
            record_follow_up(
                session,
                app.id,
                actor=actor_for_username(session, "dep10.handler"),
                visited_on=later.astimezone(TZ).date(),
                notes="救助金已到账，家属表示感谢",
                now=later,
                tz=TZ,
            )
        with db.reading() as session:
            case = session.get(Case, app.case_id)
            assert case is not None
            assert case.status in ("replied", "reply_pending")
            events = [
                (e.action, e.reason)
                for e in session.scalars(
                    select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
                )
            ]
        actions = [a for a, _ in events]
        for wanted in (
            "relief_applied",
            "relief_approve",
            "accept",
            "dispatch",
            "sign_for",
            "relief_paid",
            "relief_follow_up",
        ):
            assert wanted in actions
        reasons = " ".join(r or "" for _, r in events)
        assert "批准救助金额2000.00元" in reasons and "银行转账" in reasons
        with db.reading() as session:
            figures = service_figures(session, since=START, until=START + timedelta(days=10))
        assert figures["figures"]["申请数"] == 1 and figures["figures"]["批准数"] == 1
        assert figures["figures"]["发放金额（元）"] == 2000.0

    def test_return_resubmit_and_refusal_decline_the_case(self, fresh_demo_db: Database) -> None:
        db = fresh_demo_db
        app = apply_now(db, _entry(kind="medical", id_number=None), actor=None, now=START, tz=TZ)
        assert _step(db, app.id, "s01c01.staff", "approve") == "street"
        with pytest.raises(Invalid):
            _step(db, app.id, "s01.staff", "return")  # a return needs its reason
        assert _step(db, app.id, "s01.staff", "return", reason="缺少医疗费用发票") == "returned"
        with pytest.raises(Conflict):
            _step(db, app.id, "s01.staff", "approve")
        with db.unit_of_work() as session:
            again = resubmit_application(
                session,
                app.id,
                actor=actor_for_username(session, "s01c01.staff"),
                documents=["医疗费用发票"],
                note=None,
                now=START,
            )
            assert again.status == "street" and "医疗费用发票" in again.documents
        assert _step(db, app.id, "s01.staff", "refuse", reason="家庭收入超过标准") == "refused"
        with db.reading() as session:
            case = session.get(Case, app.case_id)
            assert case is not None and case.status == "declined"
            assert "家庭收入超过标准" in (case.reply_text or "")
            figures = service_figures(session, since=START, until=START + timedelta(days=1))
        assert figures["figures"]["不予救助数"] == 1


class TestDuplicates:
    def test_a_second_payment_needs_the_bureaus_reason(self, fresh_demo_db: Database) -> None:
        db = fresh_demo_db
        first = apply_now(db, _entry(), actor=None, now=START, tz=TZ)
        _through(db, first.id)
        _pay(db, first.id)
        later = START + timedelta(days=30)
        # The same person (by the id number) and the same kind a month later: flagged.
        second = apply_now(db, _entry(phone="13700000000"), actor=None, now=later, tz=TZ)
        assert second.duplicate_of and second.flagged_at is not None
        assert _step(db, second.id, "s01c01.staff", "approve", at=later) == "street"
        assert _step(db, second.id, "s01.staff", "approve", at=later) == "department"
        with db.reading() as session:
            seen = describe(
                session,
                actor_for_username(session, "dep10.head"),
                [get_application(session, second.id)],
            )[0]
        assert seen["duplicates"][0]["amount"] == "2000.00"
        with pytest.raises(Conflict) as refused:
            _step(db, second.id, "dep10.head", "approve", at=later, amount="500")
        assert refused.value.code == "relief_duplicate"
        assert (
            _step(
                db,
                second.id,
                "dep10.head",
                "approve",
                at=later,
                amount="500",
                repeat_reason="再次住院，确需救助",
            )
            == "approved"
        )
        with db.unit_of_work() as session:
            payment = record_payment(
                session,
                second.id,
                actor=actor_for_username(session, "dep10.handler"),
                amount="500",
                paid_on=later.astimezone(TZ).date(),
                method="cash",
                now=later,
                tz=TZ,
            )
            assert payment.repeat_reason == "再次住院，确需救助"
        # Another kind is no duplicate; nor the same kind after the window.
        other = apply_now(db, _entry(kind="education"), actor=None, now=later, tz=TZ)
        assert other.duplicate_of == []
        with db.reading() as session:
            figures = service_figures(session, since=START, until=later + timedelta(days=1))
        assert figures["figures"]["重复申领预警数"] == 1


class TestPrivacy:
    def test_reviewers_read_in_clear_others_masked_id_only_at_the_bureau(
        self, fresh_demo_db: Database
    ) -> None:
        db = fresh_demo_db
        app = apply_now(db, _entry(), actor=None, now=START, tz=TZ)
        with db.reading() as session:

            def seen(user: str) -> dict[str, object]:
                return describe(session, actor_for_username(session, user), [app])[0]

            community = seen("s01c01.staff")
            assert community["phone"] == "13912345678" and community["income"] == "1800.00"
            assert community["id_number"] != ID and str(community["id_number"]).endswith("002X")
            street = seen("s01.staff")  # not reached yet: masked
            assert street["phone"] != "13912345678" and street["income"] == "***"
            assert seen("supervisor")["name"] == "王**"
            assert list_applications(session, actor_for_username(session, "s02c01.staff"))[0] == 0
            assert list_applications(session, actor_for_username(session, "dep01.head"))[0] == 0
        _through(db, app.id)
        with db.reading() as session:
            now_app = get_application(session, app.id)
            bureau = describe(session, actor_for_username(session, "dep10.head"), [now_app])[0]
            assert bureau["id_number"] == ID and bureau["phone"] == "13912345678"
            street = describe(session, actor_for_username(session, "s01.staff"), [now_app])[0]
            assert street["phone"] == "13912345678" and street["id_number"] != ID


class TestBadInput:
    def test_bad_fields_are_refused_and_nothing_is_written(self, fresh_demo_db: Database) -> None:
        db = fresh_demo_db
        for bad in (
            {"id_number": "110105194912310021"},
            {"phone": "123"},
            {"community": "S01"},
            {"kind": "nothing"},
            {"requested_amount": "-5"},
            {"request": ""},
        ):
            with pytest.raises(Invalid):
                apply_now(db, _entry(**bad), actor=None, now=START, tz=TZ)
        with db.reading() as session:
            actor = actor_for_username(session, "dep01.head")
        with pytest.raises(Forbidden):
            apply_now(db, _entry(), actor=actor, now=START, tz=TZ)
        with db.reading() as session:
            assert list_applications(session, actor_for_username(session, "admin"))[0] == 0
