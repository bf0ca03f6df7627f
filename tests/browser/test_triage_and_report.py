"""Journeys through the wired panels in a real browser: a dispatcher confirms one triage
suggestion and corrects another on the case page; a leader writes an instruction (批示) on an
item of the daily report and the named unit finds the task."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from browser_steps import (
    Live,
    NewContext,
    do_action,
    open_case,
    phone_number,
    pick,
    sign_in,
    submit_appeal,
)
from minyi.core.db import Database
from minyi.reports.service import issue_daily_report
from minyi.triage.classifier.registry import store_classifier
from minyi.triage.jobs import triage_pending
from minyi.wiring import build_registry
from triage_toy import toy_model

pytestmark = pytest.mark.browser
BEIJING = ZoneInfo("Asia/Shanghai")  # the demo district's time zone


@pytest.fixture(scope="module")
def database(live_server: Live) -> Iterator[Database]:
    """The live server's database, with a small model trained on invented appeals of three leaves."""
    db = Database(live_server.database_url, registry=build_registry())
    with db.unit_of_work() as session:
        store_classifier(
            session, toy_model(), data_dir=live_server.data_dir, now=live_server.clock.now()
        )
    yield db
    db.dispose()


def run_triage(db: Database, live: Live) -> int:
    """The worker's triage job, auto-dispatch off: every suggestion waits for the dispatcher."""
    with db.unit_of_work() as session:
        return triage_pending(
            session, now=live.clock.now(), data_dir=live.data_dir, auto_dispatch=False
        )


def test_a_dispatcher_confirms_triage(
    new_context: NewContext,
    shots: Callable[[Page, str], None],
    live_server: Live,
    database: Database,
) -> None:
    citizen = new_context().new_page()
    sure = submit_appeal(
        citizen,
        shots,
        title="垃圾站臭味",
        body="城市绿洲花园小区门口的垃圾站臭味很大，垃圾中转站异味刺鼻，请尽快处理",
        phone=phone_number(),
    )
    wrong = submit_appeal(
        citizen,
        shots,
        title="路灯",
        body="南山花园好几盏路灯不亮，路灯一直没修好，请尽快处理",
        phone=phone_number(),
    )
    assert run_triage(database, live_server) >= 2

    dispatcher = sign_in(new_context(), "dispatcher", at="/console/dispatch")
    queue = dispatcher.locator("#triage-queue")
    expect(queue.get_by_role("link", name=sure)).to_be_visible()
    expect(queue.get_by_role("link", name=wrong)).to_be_visible()
    shots(dispatcher, "dispatch-board-queue")

    queue.get_by_role("link", name=sure).click()
    panel = dispatcher.locator("#triage-panel")
    expect(panel.locator("#triage-status")).to_have_text("待人工确认")
    # Names, not codes: the leaf by its path of names, the unit by its name.
    expect(panel.locator("#triage-leaf")).to_contain_text("垃圾站异味")
    expect(panel.locator("#triage-leaf")).not_to_contain_text("TS-01-02-07")
    expect(panel.locator("#triage-lead")).to_have_text("区城市管理和综合执法局")
    expect(panel.locator("#triage-confidence")).to_have_text(re.compile(r"^\d+\.\d%$"))
    shots(dispatcher, "case-triage-awaiting")
    panel.get_by_role("button", name="确认并按建议分拨").click()
    expect(dispatcher.locator(".notice")).to_contain_text("已确认分拨建议")
    expect(dispatcher.locator("#case-status")).to_have_text("已分拨")
    expect(dispatcher.locator("dl.facts").first).to_contain_text("区城市管理和综合执法局")
    expect(panel.locator("#triage-status")).to_have_text("已确认")
    shots(dispatcher, "case-triage-confirmed")

    # The second one is not about street lights at all: the dispatcher corrects it.
    open_case(dispatcher, wrong)
    panel = dispatcher.locator("#triage-panel")
    panel.locator("#triage-correct summary").click()
    panel.locator("select[name=category]").select_option("TS-02-01-02")
    pick(dispatcher, "triage-fix-lead", "zfhjs", "区住房和建设局")  # by pinyin initials
    panel.locator("input[name=reason]").fill("实为物业收费问题")
    shots(dispatcher, "case-triage-correcting")
    panel.locator("#triage-correct form > button").click()
    expect(dispatcher.locator(".notice")).to_contain_text("已更正分拨建议")
    expect(dispatcher.locator("#case-status")).to_have_text("已分拨")
    expect(panel.locator("#triage-status")).to_have_text("已更正")
    shots(dispatcher, "case-triage-corrected")
    dispatcher.goto("/console/dispatch")
    expect(dispatcher.locator("#triage-queue").get_by_role("link", name=sure)).to_have_count(0)
    shots(dispatcher, "dispatch-board-after")


def test_a_leader_writes_an_instruction_on_the_daily_report(
    new_context: NewContext,
    shots: Callable[[Page, str], None],
    live_server: Live,
    database: Database,
) -> None:
    # An appeal of the day the report will cover (the journey needs no other test's cases).
    submit_appeal(
        new_context().new_page(),
        shots,
        title="噪音",
        body="青松街道夜间施工噪音扰民，请尽快处理",
        phone=phone_number(),
    )
    leader = sign_in(new_context(), "leader01", at="/leader")
    expect(leader.locator("#daily-report")).to_contain_text("今日暂无民情日报")
    shots(leader, "dashboard-no-report")

    # The next morning the report of the day before (the day of the appeals above) is issued.
    live_server.clock.advance(timedelta(days=1))
    now = live_server.clock.now()
    tz = BEIJING
    with database.unit_of_work() as session:
        issue = issue_daily_report(
            session,
            day=(now - timedelta(days=1)).astimezone(tz).date(),
            now=now,
            tz=tz,
            issued_by="supervisor",
        )
        issue_id = issue.id
    # The next morning: yesterday's session has expired.
    leader = sign_in(new_context(), "leader01", at="/leader")
    report = leader.locator("#daily-report")
    expect(report.locator("h2.report-title")).to_contain_text("民情日报 第1期")
    expect(report.get_by_role("link", name="PDF")).to_have_attribute(
        "href", f"/leader/reports/{issue_id}.pdf"
    )
    shots(leader, "dashboard-report")

    leader.get_by_role(
        "link", name=re.compile("阅读并批示")
    ).click()  # the report page, 批示 on every item
    report = leader.locator("#daily-report")
    item = report.locator("li[data-item^='street:']").first
    item.locator("summary").click()
    item.locator("textarea[name=text]").fill("请街道三日内摸排原因并报送处置情况")
    expect(item.locator("input[name=units]")).to_have_value("S01")
    shots(leader, "dashboard-instructing")
    item.get_by_role("button", name="下达批示").click()
    expect(leader.locator("#daily-report .notice")).to_contain_text("批示已下达")
    item = leader.locator("#daily-report li[data-item^='street:']").first
    expect(item.locator(".instruction")).to_contain_text("请街道三日内摸排原因并报送处置情况")
    expect(item.locator(".instruction")).to_contain_text("办理中")
    shots(leader, "dashboard-instructed")

    page = leader.context.new_page()
    page.goto(f"/leader/reports/{issue_id}.html")
    expect(page.locator("body")).to_contain_text("民情日报")
    shots(page, "report-page")

    street = sign_in(new_context(), "s01.staff", at="/console/tasks")
    task = street.locator("#tasks article.task").filter(
        has_text="请街道三日内摸排原因并报送处置情况"
    )
    expect(task).to_be_visible()
    expect(task).to_contain_text("民情日报第1期：青松街道诉求量")
    shots(street, "unit-task")


def test_an_accused_community_reads_the_case_with_the_complainant_masked(
    new_context: NewContext,
    shots: Callable[[Page, str], None],
    live_server: Live,
    database: Database,
) -> None:
    citizen = new_context().new_page()
    citizen.goto("/portal/submit")
    citizen.select_option("select[name=class_hint]", "投诉建议")
    citizen.fill("input[name=title]", "投诉社区不作为")
    citizen.fill(
        "textarea[name=body]",
        "投诉竹林社区居委会不处理楼道堆物，我打了好几次电话，程先生13912345678",
    )
    citizen.select_option("#street", "S01")
    citizen.select_option("#community", "S01C03")
    citizen.fill("input[name=address]", "竹林小区5栋")
    citizen.fill("input[name=phone]", "13912345678")
    citizen.fill("input[name=name]", "程先生")
    citizen.get_by_role("button", name="提交").click()
    no = citizen.locator("#tracking-no").inner_text().strip()
    run_triage(database, live_server)

    dispatcher = sign_in(new_context(), "dispatcher")
    case_id = open_case(dispatcher, no)
    excluded = dispatcher.locator("#triage-excluded")
    expect(excluded).to_contain_text("竹林社区")
    expect(excluded.locator("mark").first).to_be_visible()
    shots(dispatcher, "case-accused-excluded")
    do_action(dispatcher, "accept")
    do_action(
        dispatcher,
        "dispatch",
        lambda box: box.locator("select[name=lead_unit]").select_option("S01"),
    )  # type: ignore[attr-defined]
    expect(dispatcher.locator("#case-status")).to_have_text("已分拨")

    community = sign_in(new_context(), "s01c03.staff", at=f"/console/cases/{case_id}")
    expect(community.locator("#case-status")).to_be_visible()
    body = community.locator("body")
    expect(body).not_to_contain_text("13912345678")
    expect(body).not_to_contain_text("程先生")
    expect(community.locator("#case-body")).to_contain_text("某某")
    expect(community.locator("#triage-panel")).to_have_count(0)
    shots(community, "case-masked-for-accused-community")
