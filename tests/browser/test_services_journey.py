"""五类服务 in a real browser: a citizen on a phone (375 px) finds the services on the portal,
books the resident lawyer of the first street's hall for a free afternoon time and reads only their
own masked confirmation; the lawyer signs in, lands on the service hall with the appointment in
clear, and marks that the citizen came."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from browser_steps import Live, NewContext, phone_number, sign_in, snap, submit_appeal

pytestmark = pytest.mark.browser

PHONE_375 = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
OUT = Path("/tmp")  # noqa: S108 - the screenshots are looked at there


def shot(page: Page, name: str, shots: Callable[[Page, str], None]) -> None:
    shots(page, name)
    snap(page, OUT / f"services-{name}.png", full_page=True)


def test_citizen_books_a_lawyer_and_the_lawyer_marks_them_attended(
    new_context: NewContext, shots: Callable[[Page, str], None], live_server: Live
) -> None:
    today = live_server.clock.now().date()
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)  # the lawyer's afternoon

    citizen = new_context(PHONE_375).new_page()
    citizen.goto("/")
    citizen.get_by_role("link", name="调解·法律·心理服务预约").click()
    expect(citizen.locator("h1")).to_have_text("便民服务预约")
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 375
    shot(citizen, "portal-list", shots)
    citizen.locator("#svc-legal").get_by_role("link", name="预约").click()
    expect(citizen.locator("select[name=site]")).to_be_visible()
    hall = citizen.locator("select[name=site] option").first.inner_text()
    citizen.fill("input[name=day]", tuesday.isoformat())
    citizen.get_by_role("button", name="查看可预约时间").click()
    first = citizen.locator("fieldset.times label").first
    expect(first).to_contain_text("14:00")
    first.click()
    phone = phone_number()
    citizen.fill("input[name=name]", "林秀梅")
    citizen.fill("input[name=phone]", phone)
    citizen.fill("textarea[name=topic]", "房东不退押金，想咨询能否起诉以及需要准备哪些材料。")
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 375
    shot(citizen, "portal-book", shots)
    citizen.get_by_role("button", name="提交预约").click()
    expect(citizen.locator("h1")).to_have_text("预约成功")
    body = citizen.locator("main").inner_text()
    assert "林*" in body and phone not in body and "押金" not in body
    assert hall in body and "14:00" in body and "法律服务" in body
    ref = citizen.locator("#booking-ref").inner_text()
    assert ref.startswith("FW")
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 375
    shot(citizen, "portal-booked", shots)

    lawyer = sign_in(new_context(PHONE_375), "s01.lawyer")
    expect(lawyer.locator("h1")).to_have_text("我的预约")
    appt = lawyer.locator(".appt", has_text=ref)
    expect(appt).to_contain_text("林秀梅")
    expect(appt).to_contain_text(phone)
    expect(appt).to_contain_text("押金")
    assert lawyer.evaluate("document.documentElement.scrollWidth") <= 375
    shot(lawyer, "lawyer-hub", shots)
    appt.get_by_role("button", name="到场", exact=True).click()
    expect(lawyer.locator("#done")).to_have_text("已记录到场")
    expect(lawyer.locator(".appt", has_text=ref)).to_contain_text("已到场")
    shot(lawyer, "lawyer-attended", shots)

    keeper = sign_in(new_context(), "s01.staff")
    keeper.get_by_role("link", name="服务大厅").first.click()
    keeper.get_by_role("link", name="服务站点").click()
    keeper.get_by_role("link", name=hall).click()
    expect(keeper.locator("#professionals")).to_contain_text("驻点律师")
    keeper.goto(keeper.url.split("?")[0] + f"?day={tuesday.isoformat()}")
    expect(keeper.locator(".appt", has_text="林秀梅")).to_contain_text("已到场")
    shot(keeper, "keeper-site", shots)

    tracking_no = submit_appeal(
        new_context().new_page(),
        shots,
        title="楼上邻居装修噪音扰民",
        body="楼上邻居每天晚上十点后还在装修，多次沟通无果，希望有人出面协调。",
        phone=phone_number(),
    )
    dispatcher = sign_in(new_context(), "dispatcher")
    row = dispatcher.locator("table.cases tr", has_text=tracking_no)
    expect(row.locator(".case-service")).to_have_text("投诉建议")
    shot(dispatcher, "dispatch-board", shots)
    row.get_by_role("link", name=tracking_no).click()
    dispatcher.select_option("#change-service select[name=service]", "mediation")
    dispatcher.fill("#change-service textarea[name=reason]", "邻里之间的纠纷，转人民调解员调解。")
    dispatcher.get_by_role("button", name="转换服务类别").click()
    expect(dispatcher.locator("#case-service")).to_have_text("纠纷调解")
    expect(dispatcher.locator("#timeline")).to_contain_text("转换服务类别")
    shot(dispatcher, "case-changed", shots)
