"""心理服务 in a real browser: a citizen's appeal from the portal is handed to counselling; the
street hall's counsellor, on a phone, takes the citizen in as a walk-in linked to the case, holds
the session and writes notes; the centre's counselling supervisor reads them; the dispatcher and
a leader open the same case and read that a session was held, and when, but no note text (the
dispatcher asks for a 话聊 from there). There is no portal booking page in this tree (the sites
work builds /services/book), so the citizen is registered as a walk-in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from browser_steps import PHONE, Live, NewContext, open_case, phone_number, sign_in, submit_appeal
from minyi.core.db import Database
from minyi.org.service import actor_for_username
from minyi.services.service import change_service
from minyi.wiring import build_registry

pytestmark = pytest.mark.browser

NOTE = "来访者长期失眠，谈到与邻居的纠纷让她很焦虑；约定下周同一时间再谈"


def test_counselling_notes_stay_with_the_counsellor_and_supervisor(
    new_context: NewContext, shots: Callable[[Page, str], None], live_server: Live
) -> None:
    citizen = new_context(PHONE).new_page()
    phone = phone_number()
    tracking_no = submit_appeal(
        citizen,
        shots,
        title="邻里噪音纠纷让我睡不着",
        body="楼上邻居长期深夜噪音，协商无果，我已经连续几个月失眠，精神很差，想找人聊聊。",
        phone=phone,
    )
    dispatcher = sign_in(new_context(), "dispatcher")
    case_id = open_case(dispatcher, tracking_no)
    # 转心理服务: the page that changes a case's service is the sites work's; its service here.
    db = Database(live_server.database_url, registry=build_registry())
    try:
        with db.unit_of_work() as session:
            change_service(
                session,
                actor_for_username(session, "dispatcher"),
                case_id,
                "counselling",
                reason="来电人长期失眠、情绪低落，转心理服务",
                now=live_server.clock.now(),
            )
    finally:
        db.dispose()

    counsellor = sign_in(new_context(PHONE), "s01.counsellor", at="/console/counselling")
    expect(counsellor.locator("h1")).to_have_text("心理服务工作台")
    counsellor.fill("input[name=name]", "王女士")
    counsellor.fill("input[name=phone]", phone)
    counsellor.fill("input[name=tracking_no]", tracking_no)
    shots(counsellor, "walk-in")
    counsellor.get_by_role("button", name="建立心理服务档案").click()
    expect(counsellor.locator("#done")).to_contain_text("已建立心理服务档案")
    record_url = counsellor.url.split("?")[0]
    counsellor.fill("input[name=minutes]", "50")
    counsellor.fill("#session-form textarea[name=notes]", NOTE)
    counsellor.get_by_role("button", name="保存咨询记录").click()
    expect(counsellor.locator("#done")).to_have_text("咨询记录已保存")
    expect(counsellor.locator("#sessions .notes")).to_have_text(NOTE)
    expect(counsellor.locator("#sessions-held")).to_have_text("1")
    assert counsellor.evaluate("document.documentElement.scrollWidth") <= 390
    shots(counsellor, "session-recorded")

    supervisor = sign_in(new_context(), "centre.counsellor", at="/console/counselling")
    supervisor.locator("#records").get_by_role("link", name="王女士").click()
    expect(supervisor.locator("#sessions .notes")).to_have_text(NOTE)
    shots(supervisor, "supervisor-reads")

    dispatcher.goto(f"/console/cases/{case_id}")
    panel = dispatcher.locator("#counselling")
    expect(panel).to_contain_text("已开展心理咨询 1 次")
    assert NOTE not in dispatcher.content() and "长期失眠，谈到" not in dispatcher.content()
    panel.get_by_role("button", name="申请话聊（心理咨询师、律师、调解员共同参与）").click()
    expect(dispatcher.locator("#done")).to_have_text("已申请话聊")
    shots(dispatcher, "dispatcher-asks-for-a-talk")
    dispatcher.goto(f"/console/cases/{case_id}")
    expect(dispatcher.locator("#counselling")).to_contain_text("已申请")
    shots(dispatcher, "dispatcher-case")
    dispatcher.goto(record_url)
    expect(dispatcher.locator("#notes-private")).to_be_visible()
    expect(dispatcher.locator("#sessions .session")).to_have_count(1)
    assert NOTE not in dispatcher.content()
    shots(dispatcher, "dispatcher-record")

    leader = sign_in(new_context(), "secretary", at=f"/console/cases/{case_id}")
    expect(leader.locator("#counselling")).to_contain_text("已开展心理咨询 1 次")
    assert NOTE not in leader.content()
    shots(leader, "leader-case")
    leader.goto(record_url)
    expect(leader.locator("#sessions-held")).to_have_text("1")
    assert NOTE not in leader.content()
    shots(leader, "leader-record")
