"""纠纷调解 in a real browser: the street hall's mediator (s01.mediator) records a dispute between
two neighbours on their case, plans and holds a session, records an agreement with two terms,
downloads the 人民调解协议书 as PDF, files it for judicial confirmation and records it confirmed;
the dispute's page shows each step on the case's timeline, in Chinese, on a phone-sized screen."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from browser_steps import Live, NewContext, sign_in, snap
from conftest import START
from factories import register_appeal
from minyi.core.db import Database
from minyi.wiring import build_registry

pytestmark = pytest.mark.browser
OUT = Path("/tmp")  # noqa: S108 - the screenshots and the PDF's image, to look at them
PHONE_390 = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2}


def shot(page: Page, name: str, shots: Callable[[Page, str], None]) -> None:
    shots(page, name)
    snap(page, OUT / f"mediation-{name}.png", full_page=True)


def test_mediator_takes_a_dispute_to_a_confirmed_agreement(
    new_context: NewContext, shots: Callable[[Page, str], None], live_server: Live
) -> None:
    db = Database(live_server.database_url, registry=build_registry())
    try:
        case = register_appeal(
            db,
            now=START,
            category="JF-01-01-02",
            title="楼上漏水邻里纠纷",
            body="楼上602卫生间漏水，楼下502天花板发霉，双方协商不成，请求调解。",
        )
    finally:
        db.dispose()
    today = live_server.clock.now().date().isoformat()
    me = sign_in(new_context(PHONE_390), "s01.mediator", at="/console/mediation")
    expect(me.locator("h1")).to_contain_text("纠纷调解")
    me.locator("#open summary").click()
    me.fill("input[name=tracking_no]", case["tracking_no"])
    me.fill(
        "textarea[name=facts]", "602卫生间防水层老化漏水，致502天花板及墙面发霉，双方多次协商未果。"
    )
    me.fill("textarea[name=matters]", "维修责任及502装修损失赔偿")
    me.locator("input[name=applicant_name]").first.fill("王秀英")
    me.locator("input[name=applicant_phone]").first.fill("13800138000")
    me.locator("input[name=applicant_address]").first.fill("城市绿洲花园3栋502")
    me.locator("input[name=respondent_name]").first.fill("李建国")
    me.locator("input[name=respondent_phone]").first.fill("13900139000")
    me.locator("input[name=respondent_address]").first.fill("城市绿洲花园3栋602")
    shot(me, "open", shots)
    me.get_by_role("button", name="登记纠纷").click()
    expect(me.locator("#done")).to_have_text("纠纷已登记")
    assert me.evaluate("document.documentElement.scrollWidth") <= 390

    me.locator("#sessions summary", has_text="安排调解").click()
    me.fill("input[name=starts_at]", today + "T10:00")
    me.get_by_role("button", name="保存调解安排").click()
    expect(me.locator("#done")).to_have_text("调解已安排")
    me.locator("#sessions li summary", has_text="记录本次调解").click()
    me.fill("textarea[name=minutes]", "双方到场。李建国承认漏水，同意维修并赔偿装修损失。")
    me.get_by_role("button", name="保存调解记录").click()
    expect(me.locator("#done")).to_have_text("调解会议已记录")

    me.select_option("select[name=outcome]", "agreement")
    me.locator("textarea[name=term]").nth(0).fill("李建国于2026年11月30日前修复卫生间防水层")
    me.locator("input[name=term_due]").nth(0).fill("2026-11-30")
    me.locator("textarea[name=term]").nth(1).fill("李建国赔偿王秀英装修损失")
    me.locator("input[name=term_due]").nth(1).fill("2026-12-05")
    me.locator("input[name=term_amount]").nth(1).fill("3000")
    me.fill("textarea[name=performance]", "第一条由李建国自行维修；第二条以银行转账方式一次付清。")
    me.get_by_role("button", name="保存调解结果").click()
    expect(me.locator("#done")).to_have_text("调解结果已登记")
    expect(me.locator("#dispute-status")).to_have_text("达成协议")
    shot(me, "agreed", shots)

    with me.expect_download() as download:
        me.locator("a[id^=agreement-pdf-]").click()
    saved = download.value.path()
    assert saved is not None and download.value.suggested_filename.endswith(".pdf")
    pdf = OUT / "mediation-agreement.pdf"
    pdf.write_bytes(Path(saved).read_bytes())
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(
        ["/usr/bin/pdftoppm", "-png", "-r", "60", str(pdf), str(OUT / "mediation-agreement")],
        check=True,
    )

    me.locator(".agreement summary", has_text="申请司法确认").click()
    me.fill("input[name=court]", "罗湖区人民法院")
    me.get_by_role("button", name="保存司法确认申请").click()
    expect(me.locator("#done")).to_have_text("司法确认申请已登记")
    me.select_option("select[name=ruling]", "confirmed")
    me.fill("input[name=ruling_number]", "（2026）粤0303民特1号")
    me.get_by_role("button", name="保存裁定").click()
    expect(me.locator("#done")).to_have_text("法院裁定已登记")
    expect(me.locator(".agreement .status").first).to_contain_text("已司法确认")

    timeline = me.locator("#timeline")
    for step in (
        "登记纠纷调解",
        "安排调解",
        "召开调解会议",
        "达成调解协议",
        "申请司法确认",
        "司法确认有效",
    ):
        expect(timeline).to_contain_text(step)
    shot(me, "confirmed", shots)

    # The case's own page tells the same story to the centre.
    centre = sign_in(new_context(), "dispatcher", at=f"/console/cases/{case['id']}")
    for step in ("登记纠纷调解", "召开调解会议", "达成调解协议", "司法确认有效"):
        expect(centre.locator("main")).to_contain_text(step)
    shot(centre, "case", shots)
