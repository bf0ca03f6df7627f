"""The citizen's loop on a phone, in a real browser against a real server: submit, read the
receipt (when to expect contact, the text message), track, rate, and see the rating confirmed
with the reply and the comment; an anonymous letter to the secretary gets its own code; a
mistyped address is a Chinese page. The staff's part goes through the API (it is not what this
journey shows). Screenshots land in tests/screenshots/docs/zhtext-*.png."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from browser_steps import PHONE, Live, NewContext, phone_number, snap, submit_appeal, track
from factories import DEMO_PASSWORD

pytestmark = pytest.mark.browser
DOCS = (
    Path(__file__).resolve().parents[1] / "screenshots" / "docs"
)  # curated copies go to docs/screens/


def doc_shot(page: Page, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    snap(page, DOCS / f"zhtext-{name}.png", full_page=True, scale="css")  # small files for the docs


def api(live: Live, username: str) -> httpx.Client:
    client = httpx.Client(base_url=live.url, timeout=15)
    token = client.post(
        "/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD}
    ).json()["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def handle_and_reply(live: Live, tracking_no: str, reply: str) -> None:
    dispatcher, handler = api(live, "dispatcher"), api(live, "dep01.handler")
    try:
        case_id = dispatcher.get("/api/v1/appeals", params={"q": tracking_no}).json()["items"][0][
            "id"
        ]
        steps = (
            (dispatcher, "accept", {}),
            (dispatcher, "dispatch", {"lead_unit": "DEP01"}),
            (handler, "sign_for", {}),
            (handler, "record_contact", {"method": "phone", "note": "已电话联系群众。"}),
            (handler, "reply", {"text": reply}),
        )
        for client, action, body in steps:
            r = client.post(f"/api/v1/appeals/{case_id}/actions/{action}", json=body)
            assert r.status_code == 200, r.text
    finally:
        dispatcher.close()
        handler.close()


def test_submit_receipt_track_rate_and_confirmation_on_a_phone(
    new_context: NewContext,
    live_server: Live,
    shots: Callable[[Page, str], None],
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
    expect(page.locator("#expect-contact")).to_contain_text("前与您联系")
    expect(page.locator("#sms-note")).to_contain_text("受理短信")
    doc_shot(page, "01-receipt")

    handle_and_reply(live_server, no, "已安排维修人员于本周三更换路灯，现已恢复照明。")
    track(page, no, phone)
    expect(page.locator(".reply")).to_contain_text("恢复照明")
    timeline = page.locator(".timeline").inner_text()
    assert "提级" not in timeline and "吹哨" not in timeline
    doc_shot(page, "02-tracked-replied")

    page.get_by_label("基本满意").check()
    page.fill("textarea[name=comment]", "修好了，谢谢！希望以后巡查更及时。")
    page.get_by_role("button", name="评价").click()
    expect(page.locator("#rated-confirmation")).to_contain_text("感谢您的评价")
    expect(page.locator("#rated-value")).to_have_text("基本满意")
    expect(page.locator("#rated-reply")).to_contain_text("恢复照明")
    expect(page.locator("#rated-comment")).to_have_text("修好了，谢谢！希望以后巡查更及时。")
    doc_shot(page, "03-rated-confirmation")


def test_an_anonymous_letter_to_the_secretary_and_a_wrong_address(new_context: NewContext) -> None:
    page = new_context(PHONE).new_page()
    page.goto("/portal/mailboxes")
    button = page.get_by_role("link", name="写信给区委书记")
    expect(button).to_be_visible()
    doc_shot(page, "04-mailboxes")
    button.click()
    expect(page.locator("h1")).to_have_text("写信给区委书记")
    page.fill("textarea[name=body]", "建议在老旧小区加装电梯时简化审批流程。")
    page.check("input[name=anonymous]")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#tracking-code")).to_be_visible()
    expect(page.locator(".alert")).to_contain_text("您是匿名反映")
    expect(page.locator("#sms-note")).to_have_count(0)
    expect(page.locator("#expect-contact")).to_contain_text("您没有留下联系方式")
    doc_shot(page, "05-anonymous-receipt")

    page.goto("/portal/no-such-page")
    expect(page.locator("h1")).to_have_text("出错了")
    expect(page.locator(".message")).to_contain_text("没有找到该页面")
    doc_shot(page, "06-not-found")
