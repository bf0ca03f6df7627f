"""The administrator's day in the browser, on a desktop and on a phone: add a staff member and
give them a temporary password, edit a dictionary leaf, retry a failed SMS from the outbox."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from browser_steps import PHONE, Live, NewContext, sign_in, snap
from minyi.core.db import Database
from minyi.core.retries import note_failure
from minyi.notify.rules import RETRY
from minyi.notify.senders import DeliveryError
from minyi.notify.service import enqueue
from minyi.wiring import build_registry

pytestmark = pytest.mark.browser
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
DOCS = (
    Path(__file__).resolve().parents[1] / "screenshots" / "docs"
)  # curated copies go to docs/screens/
SIZES = {"desktop": DESKTOP, "phone": PHONE}


# The few kept under docs/ for the README (every step is in tests/screenshots/ anyway).
KEPT = {
    "staff-refused-phone",
    "staff-password-desktop",
    "leaves-desktop",
    "leaf-form-phone",
    "outbox-desktop",
    "outbox-retried-phone",
    "index-desktop",
    "people-desktop",
    "policies-phone",
    "escalation-phone",
    "staff-form-en-desktop",
}


def doc_shot(page: Page, name: str) -> None:
    """A small screenshot of what is on screen (CSS pixels), kept under docs/ for the README."""
    if name in KEPT:
        DOCS.mkdir(parents=True, exist_ok=True)
        snap(page, DOCS / f"adminweb-{name}.png", scale="css")


@pytest.mark.parametrize("size", list(SIZES))
def test_add_a_staff_member_and_give_a_temporary_password(
    size: str,
    new_context: NewContext,
    shots: Callable[[Page, str], None],
) -> None:
    admin = sign_in(new_context(SIZES[size]), "admin", at="/console/admin")
    admin.get_by_role("link", name="工作人员管理").click()
    admin.get_by_role("link", name="新增工作人员").click()
    username = f"dep03.new{size}"
    admin.fill("input[name=username]", username)
    admin.fill("input[name=name]", "新来的" if size == "desktop" else "手机加")
    admin.select_option("select[name=role]", "unit_handler")
    admin.fill("input[name=unit]", "区教育局")
    admin.fill("input[name=phone]", "1380000")  # too short: refused on the form, typed input kept
    admin.get_by_role("button", name="保存").click()
    expect(admin.get_by_role("alert")).to_contain_text("电话应为11位手机号")
    expect(admin.locator("input[name=unit]")).to_have_value("区教育局")
    shots(admin, "refused")
    doc_shot(admin, f"staff-refused-{size}")
    admin.fill("input[name=phone]", "13800001234")
    admin.get_by_role("button", name="保存").click()
    expect(admin.get_by_role("status")).to_contain_text("已新增")
    admin.get_by_role("button", name="重置密码").click()
    expect(admin.get_by_role("heading", name="重置密码")).to_be_visible()
    temporary = admin.locator("code").inner_text().strip()
    shots(admin, "temporary-password")
    doc_shot(admin, f"staff-password-{size}")

    person = new_context(SIZES[size]).new_page()
    person.goto("/console/sign-in")
    person.fill("input[name=username]", username)
    person.fill("input[name=password]", temporary)
    person.get_by_role("button", name="登录").click()
    expect(person).to_have_url(re.compile(r"/console/password"))


@pytest.mark.parametrize("size", list(SIZES))
def test_edit_a_dictionary_leaf(
    size: str, new_context: NewContext, shots: Callable[[Page, str], None]
) -> None:
    admin = sign_in(new_context(SIZES[size]), "admin", at="/console/admin")
    admin.get_by_role("link", name="事项目录").first.click()
    admin.fill("input[name=q]", "施工管理")
    admin.get_by_role("button", name="查找").click()
    shots(admin, "leaves")
    doc_shot(admin, f"leaves-{size}")
    admin.locator("tr", has_text="夜间施工噪声").get_by_role("link", name="编辑").first.click()
    name = f"夜间施工噪声（{'桌面' if size == 'desktop' else '手机'}改）"
    admin.fill("input[name=level4]", name)
    admin.select_option("select[name=lead_unit_kind]", "department")
    admin.fill("input[name=lead_unit]", "区城市管理和综合执法局")
    admin.select_option("select[name=policy]", "10-30-24")
    shots(admin, "leaf-form")
    doc_shot(admin, f"leaf-form-{size}")
    admin.get_by_role("button", name="保存").click()
    expect(admin.get_by_role("status")).to_contain_text("已保存，事项目录更新为第")
    expect(admin.get_by_role("cell", name=re.compile(re.escape(name)))).to_be_visible()
    shots(admin, "leaf-saved")


@pytest.mark.parametrize("size", list(SIZES))
def test_retry_a_failed_sms(
    size: str, live_server: Live, new_context: NewContext, shots: Callable[[Page, str], None]
) -> None:
    db = Database(live_server.database_url, registry=build_registry())
    try:
        with db.unit_of_work() as session:
            message = enqueue(
                session,
                channel="sms",
                recipient="13987654321",
                subject=None,
                body=f"【汀澜区民意速办】您的诉求已登记（{size}）",
                now=live_server.clock.now(),
            )
            assert message is not None
            note_failure(
                message,
                DeliveryError("HTTP 403: gateway refused", permanent=True),
                policy=RETRY,
                now=live_server.clock.now(),
                item_id=message.id,
            )
    finally:
        db.dispose()
    admin = sign_in(new_context(SIZES[size]), "admin", at="/console/admin")
    admin.get_by_role("link", name="发送队列").click()
    row = admin.locator("tr", has_text=f"您的诉求已登记（{size}）")
    expect(row).to_contain_text("139****4321")
    expect(row).to_contain_text("短信网关返回错误（代码403）")
    expect(admin.get_by_text("13987654321")).to_have_count(0)
    # The sender's raw words stay in the log and the API: not in the text, not in a tooltip.
    assert "gateway refused" not in admin.content() and "HTTP 403" not in admin.content()
    shots(admin, "outbox")
    doc_shot(admin, f"outbox-{size}")
    row.get_by_role("button", name="重发").click()
    expect(admin.get_by_role("status")).to_contain_text("已重新排队1条")
    expect(
        admin.locator("tr", has_text=f"您的诉求已登记（{size}）").get_by_role("button", name="重发")
    ).to_have_count(0)
    shots(admin, "retried")
    doc_shot(admin, f"outbox-retried-{size}")


PAGES = {
    "index": ("/console/admin", "系统管理"),
    "people": ("/console/admin/people", "工作人员管理"),
    "units": ("/console/admin/units?q=街道", "单位管理"),
    "channels": ("/console/admin/channels", "渠道管理"),
    "policies": ("/console/admin/policies", "时限标准"),
    "escalation": ("/console/admin/escalation", "提级包案规则"),
    "calendar": ("/console/admin/calendar", "节假日与调休"),
}


@pytest.mark.parametrize("size", list(SIZES))
def test_every_admin_page_opens_and_a_non_admin_is_refused(
    size: str, new_context: NewContext, shots: Callable[[Page, str], None]
) -> None:
    admin = sign_in(new_context(SIZES[size]), "admin")
    for name, (path, heading) in PAGES.items():
        admin.goto(path)
        expect(admin.locator("h1").first).to_contain_text(heading)
        shots(admin, name)
        doc_shot(admin, f"{name}-{size}")
    admin.goto("/console/admin/units?q=街道")
    admin.get_by_role("link", name="编辑").first.click()
    expect(admin.locator("h1")).to_contain_text("编辑单位")
    doc_shot(admin, f"unit-form-{size}")
    admin.goto("/console/admin/people/new?lang=en")
    expect(admin.locator("h1")).to_contain_text("Add a staff member")
    doc_shot(admin, f"staff-form-en-{size}")
    handler = sign_in(new_context(SIZES[size]), "dep01.handler")
    for path, _ in PAGES.values():
        response = handler.goto(path)
        assert response is not None and response.status == 403, path
    expect(handler.locator(".error .message")).to_contain_text("无权访问")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_calendar_page_in_chinese_and_in_english(
    size: str, new_context: NewContext, shots: Callable[[Page, str], None]
) -> None:
    admin = sign_in(new_context(SIZES[size]), "admin", at="/console/admin/calendar?year=2026")
    help_text = admin.locator("main").inner_text()
    assert "“休”表示放假" in help_text and "“班”表示调休上班" in help_text
    for code in ("holiday", "workday", "chinesecalendar"):
        assert code not in help_text, code
    shots(admin, "calendar-zh")
    DOCS.mkdir(parents=True, exist_ok=True)
    snap(admin, DOCS / f"adminweb-calendar-zh-{size}.png", scale="css")
    admin.goto("/console/admin/calendar?year=2026&lang=en")
    expect(admin.locator("h1")).to_contain_text("Holidays and swapped workdays")
    expect(admin.get_by_role("button", name="Import")).to_be_visible()
    shots(admin, "calendar-en")
    snap(admin, DOCS / f"adminweb-calendar-en-{size}.png", scale="css")
    admin.goto("/console/admin/outbox?lang=en")
    expect(admin.locator("h1")).to_contain_text("Outbox")
    shots(admin, "outbox-en")
