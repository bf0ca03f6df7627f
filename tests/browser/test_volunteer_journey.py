"""平安志愿者 in a real browser on a 375 px phone: a resident applies on the portal and gets a
volunteer code, the community's staff approve them, the volunteer signs in with the code and the
phone's last four digits and reports a problem, staff verify it, and the volunteer's page shows
the points earned; the public ranking shows the volunteer's masked name."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from browser_steps import PHONE, Live, NewContext, phone_number, sign_in
from minyi.core.db import Database
from minyi.core.settings import Settings
from minyi.triage.jobs import triage_queue_job
from minyi.wiring import build_registry

pytestmark = pytest.mark.browser
SMALL_PHONE = {**PHONE, "viewport": {"width": 375, "height": 812}}


def _triage(live: Live) -> None:
    """The worker's triage job, run once against the server's database (repeat check)."""
    db = Database(live.database_url, registry=build_registry())
    try:
        while True:
            with db.unit_of_work() as session:
                if not triage_queue_job(
                    session, now=live.clock.now(), options=Settings().triage, data_dir=live.data_dir
                ):
                    return
    finally:
        db.dispose()


def test_a_volunteers_verified_report_earns_points(
    new_context: NewContext,
    shots: Callable[[Page, str], None],
    live_server: Live,
) -> None:
    phone = phone_number()
    resident = new_context(SMALL_PHONE).new_page()
    resident.goto("/")
    resident.get_by_role("link", name="平安志愿者").click()
    resident.get_by_role("link", name="申请成为志愿者").click()
    resident.fill("input[name=name]", "钱守望")
    resident.fill("input[name=phone]", phone)
    resident.select_option("select[name=community]", "S01C01")
    shots(resident, "register")
    resident.get_by_role("button", name="提交申请").click()
    expect(resident.locator("#register-done")).to_contain_text("申请已提交")
    code = resident.locator("#volunteer-code").inner_text()
    assert len(code) == 8
    shots(resident, "registered")

    staff = sign_in(new_context(SMALL_PHONE), "s01c01.staff")
    staff.get_by_role("link", name="平安志愿者").click()
    staff.get_by_role("link", name="待审核").click()
    row = staff.locator("#volunteer-list tr", has_text=code)
    expect(row).to_contain_text("钱守望")
    shots(staff, "approve")
    row.get_by_role("button", name="通过").click()
    expect(staff.locator("#volunteer-list")).not_to_contain_text(code)

    resident.goto("/portal/volunteers")
    resident.get_by_role("link", name="志愿者登录").click()
    resident.fill("input[name=code]", code)
    resident.fill("input[name=phone_last4]", phone[-4:])
    resident.get_by_role("button", name="登录").click()
    expect(resident.locator("h1")).to_have_text("上报问题")
    resident.fill("input[name=title]", "小区门口井盖缺失")
    resident.fill(
        "textarea[name=body]", "幸福里小区东门人行道上井盖缺失，夜间行人容易踩空，请尽快修复。"
    )
    resident.fill("input[name=address]", "幸福里小区东门")
    shots(resident, "report")
    resident.get_by_role("button", name="上报").click()
    expect(resident.locator("#report-done")).to_contain_text("上报成功")
    expect(resident.locator("#my-balance")).to_have_text("0")
    shots(resident, "reported")

    _triage(live_server)
    staff.get_by_role("link", name="上报核实").click()
    card = staff.locator("#report-list li", has_text="小区门口井盖缺失")
    expect(card).to_contain_text("钱守望")
    shots(staff, "verify")
    card.get_by_role("button", name="核实属实").click()
    expect(staff.locator("#report-list")).not_to_contain_text("小区门口井盖缺失")

    resident.goto("/portal/volunteers/me")
    expect(resident.locator("#my-balance")).to_have_text("10")
    expect(resident.locator("#my-ledger")).to_contain_text("上报核实属实")
    expect(resident.locator("#my-reports")).to_contain_text("已核实")
    shots(resident, "points")
    resident.goto("/portal/volunteers/ranking?area=S01C01")
    expect(resident.locator("#ranking")).to_contain_text("钱**")
    expect(resident.locator("#ranking")).not_to_contain_text("钱守望")
    shots(resident, "ranking")
