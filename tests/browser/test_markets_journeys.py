"""服务市集 in a real browser: a street's staff plan today's market with a department's stall;
at the stall, on a phone, the department's handler registers what one person raises (passed on
as a case) and marks another matter solved on the spot; the summary counts both."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from browser_steps import PHONE, Live, NewContext, sign_in, snap

pytestmark = pytest.mark.browser

TITLE = "周五党群服务赶圩日"


def _shot(shots: Callable[[Page, str], None], page: Page, name: str) -> None:
    shots(page, name)
    snap(page, Path(tempfile.gettempdir()) / f"markets-{name}.png", full_page=True)


def test_a_departments_stall_registers_and_solves_on_the_spot(
    new_context: NewContext,
    shots: Callable[[Page, str], None],
    live_server: Live,
) -> None:
    today = live_server.clock.now().astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")
    planner = sign_in(new_context(), "s01.staff")
    planner.get_by_role("link", name="服务市集", exact=True).click()
    planner.get_by_role("link", name="安排服务市集").click()
    planner.fill("input[name=title]", TITLE)
    planner.select_option("select[name=area]", "S01C01")
    planner.fill("input[name=place]", "社区党群服务中心门前广场")
    planner.fill("input[name=day]", today)
    planner.fill("input[name=start]", "08:30")
    planner.fill("input[name=end]", "17:30")
    planner.check("input[name=themes][value=legal]")
    stall = planner.locator(
        "fieldset fieldset", has=planner.locator("legend", has_text="区人力资源局")
    )
    stall.get_by_label(re.compile("承办人")).check()
    _shot(shots, planner, "plan")
    planner.get_by_role("button", name="保存计划").click()
    expect(planner.locator("h1")).to_contain_text(TITLE)
    expect(planner.locator("#stalls")).to_contain_text("区人力资源局")

    page = sign_in(new_context(PHONE), "dep05.handler")
    page.get_by_role("link", name="服务市集", exact=True).click()
    expect(page.locator("#my-stalls")).to_contain_text(TITLE)
    page.locator("#my-stalls a", has_text=TITLE).click()
    expect(page.locator("h1")).to_have_text("区人力资源局摊位")
    _shot(shots, page, "stall-phone")

    page.select_option("select[name=theme]", "petitions")
    page.fill("textarea[name=body]", "反映所在工地拖欠三个月工资，请求协调追讨。")
    page.fill("input[name=name]", "陈建国")
    page.fill("input[name=phone]", "13800138123")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("#stall-done")).to_have_text("已登记，事项已转交办理")
    expect(page.locator("#stall-matters")).to_contain_text("转交办理")

    page.fill("textarea[name=body]", "想了解灵活就业社保补贴是否还能申请。")
    page.fill("input[name=phone]", "13800138124")
    page.check("input[name=outcome][value=solved]")
    page.fill("textarea[name=reply]", "已现场核对条件并指导线上申请，当场提交成功。")
    _shot(shots, page, "stall-solving")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("#stall-done")).to_have_text("已登记并现场办结")
    expect(page.locator("#stall-matters .mk-solved")).to_have_count(1)
    _shot(shots, page, "stall-done")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the stall page scrolls sideways on a phone ({width}px)"

    # The summary counts both; the passed-on case shows its state.
    page.locator("a", has_text=TITLE).first.click()
    page.get_by_role("link", name="活动小结").click()
    expect(page.locator("#summary")).to_contain_text("收集意见建议2条")
    expect(page.locator("#summary")).to_contain_text("现场办结1件")
    expect(page.locator("#passed-on")).to_contain_text("登记")
    _shot(shots, page, "summary")
