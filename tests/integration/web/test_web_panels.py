"""The web panels wired to triage, the daily report and analytics, on SQLite and PostgreSQL: who
sees which panel, CSRF on every form, confirm/correct dispatching through the triage review
service, masking of the complainant for staff of an accused unit, 批示 on a report item reaching
the unit, alerts acknowledged once. One demo district per backend with a small trained model."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import private_demo_app
from factories import act, auth, make_appeal
from minyi.analytics.hotspot_passes import HOTSPOT_EVERY, compute_hotspots, stored_hotspots
from minyi.analytics.models import Alert
from minyi.analytics.queries import hotspots_of_day
from minyi.analytics.rules import BEIJING
from minyi.cases.models import Case
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.reports.service import issue_daily_report
from minyi.triage.classifier.registry import store_classifier
from minyi.triage.jobs import triage_pending
from minyi.triage.models import TriageCorrection, TriageSuggestion
from triage_toy import FEES, GARBAGE, toy_model
from webclient import browser, post_form, signed_in

SURE_GARBAGE = "城市绿洲花园小区门口的垃圾站臭味很大，垃圾中转站异味刺鼻，请尽快处理"
ACCUSED_TEXT = "投诉竹林社区居委会不处理楼道堆物，我打了好几次电话，程先生13912345678"


class Env:
    def __init__(
        self, client: TestClient, db: Database, clock: ManualClock, data_dir: Path
    ) -> None:
        self.client, self.db, self.clock, self.data_dir = client, db, clock, data_dir

    def triage(self) -> None:
        """The worker's job, with auto-dispatch off so that every suggestion waits for a person."""
        while True:
            with self.db.unit_of_work() as session:
                if not triage_pending(
                    session, now=self.clock.now(), data_dir=self.data_dir, auto_dispatch=False
                ):
                    return

    def case(self, case_id: int) -> dict[str, Any]:
        r = self.client.get(f"/api/v1/appeals/{case_id}", headers=auth(self.client, "dispatcher"))
        assert r.status_code == 200, r.text
        return dict(r.json())


@pytest.fixture(scope="module")
def env(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    tmp = tmp_path_factory.mktemp(f"web-panels-{backend}")
    with private_demo_app(backend, tmp) as (client, db, clock):
        data_dir = client.app.state.minyi.settings.data_dir  # type: ignore[attr-defined]
        with db.unit_of_work() as session:
            store_classifier(session, toy_model(), data_dir=data_dir, now=clock.now())
        yield Env(client, db, clock, data_dir)


def suggested(env: Env, body: str, **overrides: Any) -> dict[str, Any]:
    case = make_appeal(env.client, title=overrides.pop("title", "群众反映"), body=body, **overrides)
    env.triage()
    return case


class TestCasePanel:
    def test_the_dispatcher_confirms_and_the_case_goes_to_the_suggested_unit(
        self, env: Env
    ) -> None:
        case = suggested(env, SURE_GARBAGE)
        dispatcher = signed_in(env.client, "dispatcher")
        page = f"/console/cases/{case['id']}"
        text = dispatcher.get(page).text
        assert 'id="triage-panel"' in text and GARBAGE in text and "待人工确认" in text
        assert re.search(r'id="triage-confidence">\d+\.\d%', text)
        assert 'id="triage-lead">' in text and "DEP02" in text
        assert f'action="/console/cases/{case["id"]}/triage/confirm"' in text
        # Without the form's token nothing happens.
        forged = dispatcher.post(
            f"{page}/triage/confirm", data={"version": "2"}, follow_redirects=False
        )
        assert forged.status_code == 403
        assert env.case(case["id"])["status"] == "registered"
        r = post_form(dispatcher, f"{page}/triage/confirm", {}, page=page)
        assert r.status_code == 303 and r.headers["location"].endswith("done=triage_confirmed")
        detail = env.case(case["id"])
        assert (detail["status"], detail["lead_unit"]) == ("dispatched", "DEP02")
        after = dispatcher.get(r.headers["location"]).text
        assert "已确认分拨建议" in after and "已确认" in after and "/triage/confirm" not in after
        # Twice is refused: the suggestion was decided.
        assert post_form(dispatcher, f"{page}/triage/confirm", {}, page=page).status_code == 409

    def test_the_dispatcher_corrects_to_another_leaf_and_unit(self, env: Env) -> None:
        case = suggested(env, "南山花园好几盏路灯不亮，路灯一直没修好，请尽快处理")
        dispatcher = signed_in(env.client, "dispatcher")
        page = f"/console/cases/{case['id']}"
        forged = dispatcher.post(
            f"{page}/triage/correct",
            data={"category": FEES, "lead_unit": "DEP01"},
            follow_redirects=False,
        )
        assert forged.status_code == 403 and env.case(case["id"])["status"] == "registered"
        r = post_form(
            dispatcher,
            f"{page}/triage/correct",
            {"category": f"{FEES} 物业收费", "lead_unit": "DEP01", "reason": "实为物业收费"},
            page=page,
        )
        assert r.status_code == 303, r.text
        detail = env.case(case["id"])
        assert (detail["status"], detail["lead_unit"]) == ("dispatched", "DEP01")
        with env.db.reading() as session:
            row = session.scalar(
                select(TriageCorrection)
                .join(TriageSuggestion, TriageSuggestion.id == TriageCorrection.suggestion_id)
                .where(TriageSuggestion.case_id == case["id"])
            )
            assert row is not None and row.leaf_code == FEES and row.corrected_by == "dispatcher"
        # A leaf that does not exist is a 422 page and changes nothing.
        other = suggested(env, "西苑家园物业乱收费，物业收费不合理，请尽快处理")
        page = f"/console/cases/{other['id']}"
        assert (
            post_form(
                dispatcher, f"{page}/triage/correct", {"category": "TS-99"}, page=page
            ).status_code
            == 422
        )
        # Checked as the API checks its body (triage.schemas.CorrectIn): a code too long for any
        # leaf, more co-units than a case takes.
        for fields in ({"category": "X" * 41}, {"co_units": ",".join(["DEP01"] * 21)}):
            refused = post_form(dispatcher, f"{page}/triage/correct", fields, page=page)
            assert refused.status_code == 422
        assert env.case(other["id"])["status"] == "registered"

    def test_risk_flags_show_their_span_in_context_and_repeats_link_the_earlier_case(
        self, env: Env
    ) -> None:
        phone = "13700002222"
        first = suggested(
            env, "翠竹新村垃圾站臭味很大，请尽快处理", phone=phone, street="S01", community="S01C02"
        )
        env.clock.advance(timedelta(days=3))
        again = suggested(
            env,
            "上次反映的翠竹新村垃圾站臭味问题还没解决，垃圾站异味刺鼻，再不解决我就不想活了",
            phone=phone,
            street="S01",
            community="S01C02",
        )
        text = signed_in(env.client, "dispatcher").get(f"/console/cases/{again['id']}").text
        risks = text[text.index('id="triage-risks"') :]
        assert "再不解决我就<mark>不想活</mark>了" in risks and "风险提示" in text
        links = text[text.index('id="triage-links"') :]
        assert (
            "第2次反映" in links
            and f'<a href="/console/cases/{first["id"]}">{first["tracking_no"]}</a>' in links
        )

    def test_the_queue_names_a_risk_by_its_label_not_its_code(self, env: Env) -> None:
        held = suggested(env, "工地拖欠农民工工资三个月，临近春节，工人着急回家", street="S01")
        page = signed_in(env.client, "dispatcher").get("/console/dispatch").text
        queue = page[page.index('id="triage-queue"') :]
        row = queue[queue.index(held["tracking_no"]) :]
        row = row[: row.index("</tr>")]
        assert "欠薪" in row and "wage_arrears" not in row

    def test_only_the_centre_sees_it_and_only_a_dispatcher_decides(self, env: Env) -> None:
        case = suggested(env, "东湖小区物业费涨价没有公示，物业多收停车费，请尽快处理")
        page = f"/console/cases/{case['id']}"
        clerk = signed_in(env.client, "clerk")
        text = clerk.get(page).text
        assert 'id="triage-panel"' in text and "/triage/confirm" not in text
        assert post_form(clerk, f"{page}/triage/confirm", {}, page=page).status_code == 403
        assert act(env.client, case["id"], "accept", "clerk").status_code == 200
        assert (
            act(env.client, case["id"], "dispatch", "dispatcher", lead_unit="DEP01").status_code
            == 200
        )
        handler = signed_in(env.client, "dep01.handler")
        text = handler.get(page).text
        assert text and 'id="triage-panel"' not in text and "待接入" not in text
        assert post_form(handler, f"{page}/triage/confirm", {}, page=page).status_code == 403


class TestAccusedUnit:
    def test_its_staff_read_the_case_page_with_the_complainant_masked(self, env: Env) -> None:
        case = suggested(
            env,
            ACCUSED_TEXT,
            title="投诉社区不作为",
            phone="13912345678",
            name="程先生",
            street="S01",
            community="S01C03",
            grid="S01C03G01",
        )
        dispatcher = signed_in(env.client, "dispatcher")
        page = f"/console/cases/{case['id']}"
        text = dispatcher.get(page).text
        assert 'id="triage-excluded"' in text and "S01C03" in text and "竹林社区" in text
        assert "13912345678" in text  # the centre sees who the citizen is
        assert act(env.client, case["id"], "accept", "clerk").status_code == 200
        r = act(
            env.client,
            case["id"],
            "dispatch",
            "dispatcher",
            lead_unit="S01",
            reason="程先生反映社区不作为，13912345678，由街道办理",
        )
        assert r.status_code == 200, r.text
        for user in ("s01c03.staff", "s01c03g01.staff"):
            staff = signed_in(env.client, user)
            shown = staff.get(page)
            assert shown.status_code == 200, user
            assert "13912345678" not in shown.text and "程先生" not in shown.text, user
            listed = staff.get("/console/inbox?status=").text
            assert "13912345678" not in listed and "程先生" not in listed
        assert "程先生" in signed_in(env.client, "s01.staff").get(page).text


class TestDispatchBoard:
    def test_the_low_confidence_queue_lists_what_awaits_a_person(self, env: Env) -> None:
        case = suggested(env, "北辰公寓垃圾房气味熏人，请尽快处理")
        dispatcher = signed_in(env.client, "dispatcher")
        board = dispatcher.get("/console/dispatch").text
        assert (
            'id="triage-queue"' in board and case["tracking_no"] in board and "待接入" not in board
        )
        with env.db.reading() as session:
            waiting = session.scalars(
                select(TriageSuggestion).where(TriageSuggestion.status == "awaiting")
            ).all()
        assert all(s.case_id and f'/console/cases/{s.case_id}"' in board for s in waiting[:30])
        assert signed_in(env.client, "dep01.handler").get("/console/dispatch").status_code == 403
        english = dispatcher.get(f"/console/cases/{case['id']}?lang=en").text
        assert "Triage suggestion" in english and "Confirm and dispatch as suggested" in english
        # The reason it waits, in English words: not the code, not the Chinese label.
        assert (
            "Low confidence" in english
            and ">low_confidence<" not in english
            and "置信度低于阈值" not in english
        )
        assert "Low-confidence triage" in dispatcher.get("/console/dispatch?lang=en").text


class TestLeaderDashboard:
    """Last in the module: it moves the clock a day on to report on the day of its cases. Each test
    makes the cases it needs, so that it holds however the tests are spread over workers."""

    def test_an_instruction_on_a_report_item_reaches_the_unit(self, env: Env) -> None:
        leader = signed_in(env.client, "leader01")
        assert "今日暂无民情日报" in leader.get("/leader").text
        make_appeal(
            env.client,
            title="路灯",
            body="金桂雅苑路灯坏了晚上漆黑，请尽快处理",
            street="S01",
            community="S01C01",
        )
        env.clock.advance(timedelta(days=1))
        state = env.client.app.state.minyi  # type: ignore[attr-defined]
        with env.db.unit_of_work() as session:
            issue = issue_daily_report(
                session,
                day=(env.clock.now() - timedelta(days=1)).astimezone(state.tz).date(),
                now=env.clock.now(),
                tz=state.tz,
                issued_by="supervisor",
            )
            issue_id, items = issue.id, dict(issue.snapshot["items"])
        assert items
        leader = signed_in(env.client, "leader01")  # a day on, yesterday's session has expired
        text = leader.get("/leader").text
        assert 'id="daily-report"' in text and f"/leader/reports/{issue_id}.pdf" in text
        key = (
            next(k for k in items if k.startswith("street:"))
            if any(k.startswith("street:") for k in items)
            else next(iter(items))
        )
        page = leader.get("/leader/report").text  # the whole report, 批示 on every item
        assert f'value="{key}"' in page
        pdf = leader.get(f"/leader/reports/{issue_id}.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert "民情日报" in leader.get(f"/leader/reports/{issue_id}.html").text
        assert (
            browser(env.client)
            .get(f"/leader/reports/{issue_id}.pdf", follow_redirects=False)
            .status_code
            == 303
        )
        assert (
            signed_in(env.client, "dep03.handler")
            .get(f"/leader/reports/{issue_id}.pdf")
            .status_code
            == 403
        )
        path = f"/leader/reports/{issue_id}/instructions"
        form = {
            "item": key,
            "text": "请区住建局三日内报送处置情况",
            "units": "DEP03",
            "within_days": "3",
        }
        assert leader.post(path, data=form, follow_redirects=False).status_code == 403  # no token
        assert (
            post_form(leader, path, {**form, "item": "nothing:here"}, page="/leader").status_code
            == 422
        )
        # A unit typed by a name no unit has is refused with the reason, not silently.
        refused = post_form(
            leader, path, {**form, "units": "", "unit_names": "不存在的局"}, page="/leader/report"
        )
        assert refused.status_code == 422 and "不存在的局" in refused.text
        assert (
            "至少一个承办单位"
            in post_form(leader, path, {**form, "units": ""}, page="/leader/report").text
        )
        r = post_form(leader, path, form, page="/leader/report")
        assert r.status_code == 303, r.text
        assert r.headers["location"].startswith("/leader/report?done=instructed")
        text = leader.get("/leader/report?done=instructed").text
        assert (
            "批示已下达" in text and "请区住建局三日内报送处置情况" in text and "已批示1项" in text
        )
        tasks = signed_in(env.client, "dep03.handler").get("/console/tasks").text
        assert "请区住建局三日内报送处置情况" in tasks and "民情日报第1期：" in tasks
        # Only a leader writes one: a supervisor reads the report but may not instruct.
        supervisor = signed_in(env.client, "supervisor")
        assert post_form(supervisor, path, form, page="/console").status_code == 403

    def test_alerts_are_acknowledged_once(self, env: Env) -> None:
        for n in range(2):
            make_appeal(
                env.client,
                title="噪音",
                body=f"兰亭小区夜间施工噪音扰民第{n + 1}次反映，请尽快处理",
                phone=f"1361111{n:04d}",
                street="S01",
                community="S01C01",
            )
        env.clock.advance(timedelta(seconds=HOTSPOT_EVERY))  # the worker's next pass
        now = env.clock.now()
        with env.db.unit_of_work() as session:
            assert compute_hotspots(session, now=now) >= 1
        with env.db.unit_of_work() as session:
            alert = Alert(
                key=f"test:{now.isoformat()}",
                kind="burst",
                level="red",
                title="「测试」诉求激增：当日9件",
                unit_id=None,
                class_name=None,
                day=now.date().isoformat(),
                evidence={"case_ids": [1, 2]},
                raised_at=now,
                status="open",
            )
            session.add(alert)
            session.flush()
            alert_id = alert.id
        leader = signed_in(env.client, "leader01")
        assert 'id="hotspots"' in leader.get("/leader").text
        text = leader.get("/leader/alerts").text
        assert f'id="alert-{alert_id}"' in text and "诉求激增" in text
        hot = text[text.index('<div class="hotspot"') :]
        assert re.search(r'<a href="/console/cases/\d+">\d{8}-\d{6}</a>', hot), hot[:500]
        path = f"/leader/alerts/{alert_id}/acknowledge"
        assert leader.post(path, data={"note": "x"}, follow_redirects=False).status_code == 403
        handler = signed_in(env.client, "dep01.handler")
        assert post_form(handler, path, {}, page="/console").status_code == 403
        assert (
            post_form(leader, path, {"note": "已转区住建局核查"}, page="/leader/alerts").status_code
            == 303
        )
        assert post_form(leader, path, {}, page="/leader/alerts").status_code == 409
        text = leader.get("/leader/alerts").text
        assert f'id="alert-{alert_id}"' not in text and "已转区住建局核查" in text
        # Other roles: the dashboard is the leaders'.
        assert signed_in(env.client, "dep01.handler").get("/leader").status_code == 403

    def test_pages_read_the_worker_s_hotspot_pass(self, env: Env) -> None:
        env.clock.advance(timedelta(days=1))  # a day with no pass stored yet
        now = env.clock.now()
        day = now.astimezone(BEIJING).date()
        made = [
            make_appeal(
                env.client,
                title="井盖缺失",
                body=f"金桂雅苑门口井盖缺失{n}天了，夜里很危险，请尽快处理",
                phone=f"1370000{n:04d}",
                street="S01",
                community="S01C01",
            )
            for n in range(3)
        ]
        leader = signed_in(env.client, "leader01")
        # The page does not cluster: it says today's pass is not computed yet.
        assert "今日热点尚未算出" in leader.get("/leader/alerts").text
        with env.db.reading() as session:
            before = stored_hotspots(session, day)
            assert before is None or before.day < day
        with env.db.unit_of_work() as session:
            assert compute_hotspots(session, now=now) >= 1
        text = leader.get("/leader/alerts").text
        assert "尚未算出" not in text and "更新" in text
        with env.db.reading() as session:
            stored = stored_hotspots(session, day, limit=10)
            assert stored is not None and stored.day == day
            assert stored.hotspots == hotspots_of_day(session, day=day, window_days=7, limit=10)
            numbers = dict(
                session.execute(
                    select(Case.id, Case.tracking_no).where(Case.id.in_([c["id"] for c in made]))
                ).all()
            )
        members = {m for h in stored.hotspots for m in h.member_ids}
        assert {str(c["id"]) for c in made} <= members
        assert any(no in text for no in numbers.values())
        # The worker runs it again once it is HOTSPOT_EVERY old, not before.
        with env.db.unit_of_work() as session:
            assert compute_hotspots(session, now=now + timedelta(minutes=9)) == 0
        with env.db.unit_of_work() as session:
            assert compute_hotspots(session, now=now + timedelta(seconds=HOTSPOT_EVERY)) == 1
