"""法律服务 in a real browser, on a phone (390 px) and on a desktop: s01's resident lawyer opens
their page on a Tuesday afternoon, writes up the consultation of a legal appointment booked at
the window, refers it to legal aid; 区司法局's head finds it pending on their page and grants it
with a lawyer assigned; the lawyer's page then shows nothing left to write up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from browser_steps import PHONE, Live, NewContext, sign_in
from conftest import START
from minyi.core.db import Database
from minyi.org.models import Staff
from minyi.org.service import actor_for_username
from minyi.services.models import SiteStaff
from minyi.services.service import book_appointment
from minyi.wiring import build_registry

pytestmark = pytest.mark.browser

TZ = ZoneInfo("Asia/Shanghai")
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
AFTERNOON = datetime(2026, 11, 24, 17, 0, tzinfo=TZ)  # Tuesday: the lawyer's afternoon


def _book(live: Live, hour: int, name: str) -> int:
    db = Database(live.database_url, registry=build_registry())
    try:
        with db.unit_of_work() as session:
            site_id, lawyer_id = session.execute(
                select(SiteStaff.site_id, Staff.id)
                .join(Staff, Staff.id == SiteStaff.staff_id)
                .where(Staff.username == "s01.lawyer", SiteStaff.kind == "lawyer")
            ).one()
            return book_appointment(
                session,
                actor_for_username(session, "clerk"),
                site_id=site_id,
                service="legal",
                starts_at=datetime(2026, 11, 24, hour, 0, tzinfo=TZ),
                minutes=60,
                name=name,
                phone="13800005678",
                topic="公司拖欠三个月工资，想咨询怎么要回来",
                staff_id=lawyer_id,
                now=START,
                tz=TZ,
            ).id
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("kind", "hour", "name"), [("phone", 14, "周建华"), ("desktop", 15, "李春梅")]
)
def test_lawyer_writes_up_refers_and_dep11_grants(
    new_context: NewContext,
    shots: Callable[[Page, str], None],
    live_server: Live,
    kind: str,
    hour: int,
    name: str,
) -> None:
    appointment_id = _book(live_server, hour, name)
    if live_server.clock.now() < AFTERNOON:
        live_server.clock.advance(AFTERNOON - live_server.clock.now())
    size = PHONE if kind == "phone" else DESKTOP

    lawyer = sign_in(new_context(size), "s01.lawyer", at="/console/legal")
    card = lawyer.locator(f"#today #appointment-{appointment_id}")
    expect(card).to_contain_text(name)
    shots(lawyer, "lawyer-desk")
    card.get_by_role("link", name="记录咨询").click()
    expect(lawyer.locator("h1")).to_have_text("记录法律咨询")
    lawyer.select_option("select[name=area]", "labour")
    lawyer.fill(
        "textarea[name=advice]",
        "可向区劳动人事争议仲裁委员会申请仲裁；请保存劳动合同、工资条和考勤记录。",
    )
    lawyer.fill("textarea[name=documents]", "劳动仲裁申请书范本\n证据清单")
    lawyer.fill("input[name=follow_up]", "一周后电话了解仲裁立案情况")
    shots(lawyer, "consult-form")
    lawyer.get_by_role("button", name="保存咨询记录").click()
    expect(lawyer.locator("#done")).to_have_text("咨询记录已保存")
    expect(lawyer.locator("#question")).to_contain_text("拖欠三个月工资")
    lawyer.select_option("select[name=hardship]", "unpaid_wages")
    lawyer.fill("input[name=monthly_income]", "2300")
    lawyer.fill("input[name=household_size]", "3")
    lawyer.fill("textarea[name=situation]", "外来务工人员，月收入两千三百元，无力聘请律师。")
    shots(lawyer, "consultation")
    lawyer.get_by_role("button", name="转介区司法局审查").click()
    expect(lawyer.locator("#done")).to_have_text("已转介区司法局审查法律援助")
    expect(lawyer.locator("#aid-status")).to_have_text("待审查")
    shots(lawyer, "referred")

    head = sign_in(new_context(size), "dep11.head", at="/console/legal")
    pending = head.locator("#pending").get_by_role("link", name=name)
    expect(pending).to_be_visible()
    shots(head, "dep11-desk")
    pending.click()
    expect(head.locator("#situation")).to_contain_text("外来务工人员")
    head.check("input[name=decision][value=grant]")
    head.select_option("select[name=lawyer]", "s01.lawyer")
    shots(head, "decide-form")
    head.get_by_role("button", name="保存决定").click()
    expect(head.locator("#done")).to_have_text("法律援助审查决定已保存")
    expect(head.locator("#aid-status")).to_have_text("准予援助")
    expect(head.locator("#aid-lawyer")).to_be_visible()
    shots(head, "granted")

    lawyer.goto("/console/legal")
    expect(lawyer.locator(f"#today #appointment-{appointment_id}")).to_contain_text("已记录")
    expect(lawyer.locator("#to-write")).not_to_contain_text(name)
    shots(lawyer, "lawyer-desk-after")
