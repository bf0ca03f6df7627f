"""The main journeys in a real browser against a real server: a citizen submits and tracks on a
phone; the dispatcher dispatches; the handler signs, calls and replies; the citizen rates 不满意
and the case reopens; a street blows the whistle and a department reports in."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from browser_steps import (
    PHONE,
    NewContext,
    do_action,
    open_case,
    phone_number,
    sign_in,
    submit_appeal,
    track,
)

pytestmark = pytest.mark.browser


def test_citizen_submits_on_a_phone_and_tracks(
    new_context: NewContext, shots: Callable[[Page, str], None]
) -> None:
    page = new_context(PHONE).new_page()
    phone = phone_number()
    no = submit_appeal(
        page,
        shots,
        title="路灯不亮",
        body="滨江路18号门口的路灯已经坏了一周，晚上很黑，老人出门不安全。",
        phone=phone,
    )
    assert re.fullmatch(r"\d{8}-\d{6}", no)
    track(page, no, phone)
    expect(page.locator("#case-status")).to_have_text("已登记")
    expect(page.locator(".timeline li")).to_have_count(1)
    shots(page, "tracked")
    # The wrong digits find nothing, and say so without telling which part was wrong.
    page.goto(f"/portal/track?no={no}")
    page.fill("input[name=secret]", "0000" if phone[-4:] != "0000" else "1111")
    page.get_by_role("button", name="查询进度").click()
    expect(page.locator(".alert")).to_contain_text("没有找到")
    shots(page, "track-wrong-digits")
    # A leader mailbox's QR code and link open the form addressed to that mailbox.
    page.goto("/portal/mailboxes")
    expect(page.locator("ul.mailboxes img").first).to_be_visible()
    shots(page, "mailboxes")
    page.locator("a[href='/portal/submit?channel=mailbox_secretary']").click()
    expect(page.locator("h1")).to_contain_text("写信给区委书记")
    shots(page, "mailbox-form")
    # The English switch.
    page.goto("/?lang=en")
    expect(page.get_by_role("link", name="Submit an appeal").first).to_be_visible()
    shots(page, "home-english")


def test_dispatch_handle_reply_and_unsatisfied_reopens(
    new_context: NewContext, shots: Callable[[Page, str], None]
) -> None:
    citizen = new_context(PHONE).new_page()
    phone = phone_number()
    no = submit_appeal(
        citizen,
        shots,
        title="垃圾站清运噪音",
        body="小区门口垃圾站每天早上清运时噪音很大，<b>五点</b>就开始作业。",
        phone=phone,
    )

    dispatcher = sign_in(new_context(), "dispatcher")
    shots(dispatcher, "dispatch-board")
    expect(dispatcher.get_by_role("link", name=no)).to_be_visible()
    case_id = open_case(dispatcher, no)
    expect(dispatcher.locator("#case-body")).to_contain_text(
        "<b>五点</b>"
    )  # shown as text, not markup
    shots(dispatcher, "case-registered")
    do_action(dispatcher, "accept")
    do_action(
        dispatcher,
        "dispatch",
        lambda box: box.locator("select[name=lead_unit]").select_option("DEP01"),
    )  # type: ignore[attr-defined]
    expect(dispatcher.locator("#case-status")).to_have_text("已分拨")
    shots(dispatcher, "case-dispatched")

    handler = sign_in(new_context(), "dep01.handler")
    shots(handler, "handler-inbox")
    handler.goto(f"/console/cases/{case_id}")
    expect(handler.locator("details[data-action]")).to_have_count(
        2
    )  # sign_for and bounce, nothing else
    do_action(handler, "sign_for")

    def call(box: object) -> None:
        box.locator("select[name=method]").select_option("phone")  # type: ignore[attr-defined]
        box.locator("textarea[name=note]").fill("已电话联系王女士，约定明早现场查看。")  # type: ignore[attr-defined]

    do_action(handler, "record_contact", call)
    expect(handler.locator("#case-status")).to_have_text("办理中")
    do_action(
        handler,
        "reply",
        lambda box: box.locator("textarea[name=text]").fill(
            "已协调环卫公司将清运时间调整为七点以后。"
        ),
    )  # type: ignore[attr-defined]
    expect(handler.locator("#case-status")).to_have_text("已答复")
    shots(handler, "case-replied")

    track(citizen, no, phone)
    expect(citizen.locator(".reply")).to_contain_text("七点以后")
    shots(citizen, "tracked-replied")
    citizen.get_by_label("不满意").check()
    citizen.fill("textarea[name=comment]", "今天早上五点还在作业。")
    shots(citizen, "rating")
    citizen.get_by_role("button", name="评价").click()
    expect(citizen.locator("#case-status")).to_have_text("已分拨")  # 不满意 sends it back at once
    shots(citizen, "reopened")

    handler.goto(f"/console/cases/{case_id}")
    expect(handler.locator("#case-status")).to_have_text("已分拨")
    expect(handler.locator("#timeline")).to_contain_text("重办")
    expect(handler.locator("details[data-action=sign_for]")).to_be_visible()
    shots(handler, "case-reopened")


def test_street_blows_the_whistle_and_a_department_reports(
    new_context: NewContext, shots: Callable[[Page, str], None]
) -> None:
    citizen = new_context(PHONE).new_page()
    no = submit_appeal(
        citizen,
        shots,
        title="步道护栏松动",
        body="江边步道护栏松动，多处有坠落风险，需要住建和城管一起处理。",
        phone=phone_number(),
    )

    street = sign_in(new_context(), "s01.staff")
    shots(street, "area-board")
    case_id = open_case(street, no)
    street.get_by_role("link", name="吹哨").last.click()
    street.fill("textarea[name=description]", "护栏松动，请住建部门30分钟内到场。")
    street.locator("select[name=units]").select_option("DEP02")
    shots(street, "whistle-form")
    street.get_by_role("button", name="吹哨").click()
    expect(street.locator("article.whistle").first).to_contain_text("护栏松动")
    shots(street, "whistle-blown")

    department = sign_in(new_context(), "dep02.handler", at="/console/whistles")
    row = department.locator("tr[data-unit=DEP02]").first
    row.get_by_role("button", name="报到").click()
    row = department.locator("tr[data-unit=DEP02]").first
    row.locator("textarea[name=text]").fill("已到场加固护栏，设置警示带。")
    row.get_by_role("button", name="记录处置").click()
    expect(department.locator("tr[data-unit=DEP02]").first).to_contain_text("已到场加固护栏")
    shots(department, "department-reported")

    street.goto("/console/whistles")
    street.locator("tr[data-unit=DEP02]").first.get_by_role("button", name="确认").click()
    street.goto(f"/console/cases/{case_id}")
    timeline = street.locator("#timeline")
    for step in ("吹哨", "报到", "部门处置", "吹哨确认"):
        expect(timeline).to_contain_text(step)
    shots(street, "case-with-whistle")


def test_staff_boards_render_for_each_role(
    new_context: NewContext, shots: Callable[[Page, str], None]
) -> None:
    for username, path, heading in [
        ("dep01.head", "/console/unit", "本单位"),
        ("supervisor", "/console/supervision", "超期"),
        ("admin", "/console/admin", "系统管理"),
        ("leader01", "/leader", "领导驾驶舱"),
    ]:
        page = sign_in(new_context(), username, at=path)
        expect(page.locator("h1").first).to_contain_text(heading)
        shots(page, username.replace(".", "-"))
    page = sign_in(new_context(), "dep01.handler", at="/console/admin")
    expect(page.locator(".error h1")).to_be_visible()
    shots(page, "wrong-role")


def test_leader_holds_a_case_and_writes_an_instruction(
    new_context: NewContext, shots: Callable[[Page, str], None]
) -> None:
    citizen = new_context(PHONE).new_page()
    no = submit_appeal(
        citizen,
        shots,
        title="加装电梯协调",
        body="老旧小区加装电梯意见分歧，邻里矛盾激化，希望区里协调。",
        phone=phone_number(),
    )
    dispatcher = sign_in(new_context(), "dispatcher")
    open_case(dispatcher, no)
    do_action(dispatcher, "accept")
    do_action(
        dispatcher,
        "dispatch",
        lambda box: box.locator("select[name=lead_unit]").select_option("S01"),
    )  # type: ignore[attr-defined]

    leader = sign_in(new_context(), "leader01")
    shots(leader, "dashboard")
    case_id = open_case(leader, no)
    leader.fill("form[action$='/holding'] textarea[name=plan]", "两周内召集住户协商，街道牵头。")
    leader.get_by_role("button", name="包案").click()
    expect(leader.locator(".notice")).to_be_visible()
    leader.fill(
        "form[action$='/instructions'] textarea[name=text]", "请青松街道一周内组织协商并报结果。"
    )
    leader.get_by_role("button", name="批示").click()
    expect(leader.locator("#timeline")).to_contain_text("领导批示")
    shots(leader, "case-held-and-instructed")
    leader.goto("/leader")
    expect(leader.get_by_role("link", name=no)).to_be_visible()
    shots(leader, "dashboard-with-holding")

    street = sign_in(new_context(), "s01.staff", at="/console/tasks")
    street.fill("textarea[name=result]", "已组织三次协商，达成加装方案。")
    street.get_by_role("button", name="已办理").click()
    expect(street.locator("#tasks")).to_contain_text("已办结")
    shots(street, "task-done")
    street.goto(f"/console/cases/{case_id}")
    expect(street.locator("#timeline")).to_contain_text("批示办结")
