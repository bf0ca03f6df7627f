"""Staff pages in words, in a real browser: clock chips say which calendar they count in and what
剩余 means; a form refused because someone else changed the case comes back as the form, with
the message on it and the reply the handler typed. Screenshots in tests/screenshots/docs/zhtext-*.png."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from browser_steps import Live, NewContext, sign_in, snap
from factories import DEMO_PASSWORD, appeal_payload

pytestmark = pytest.mark.browser
DOCS = (
    Path(__file__).resolve().parents[1] / "screenshots" / "docs"
)  # curated copies go to docs/screens/
REPLY = "已协调环卫公司将清运时间调整为七点以后，并对中转站进行除臭处理。"


def _api(live: Live, username: str) -> httpx.Client:
    client = httpx.Client(base_url=live.url, timeout=15)
    token = client.post(
        "/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD}
    ).json()["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_clock_chips_and_a_refused_form_that_keeps_the_reply(
    new_context: NewContext, live_server: Live
) -> None:
    clerk, dispatcher, handler_api = (
        _api(live_server, "clerk"),
        _api(live_server, "dispatcher"),
        _api(live_server, "dep01.handler"),
    )
    try:
        case = clerk.post("/api/v1/appeals", json=appeal_payload()).json()
        assert (
            clerk.post(f"/api/v1/appeals/{case['id']}/actions/accept", json={}).status_code == 200
        )
        assert (
            dispatcher.post(
                f"/api/v1/appeals/{case['id']}/actions/dispatch", json={"lead_unit": "DEP01"}
            ).status_code
            == 200
        )
        assert (
            handler_api.post(f"/api/v1/appeals/{case['id']}/actions/sign_for", json={}).status_code
            == 200
        )

        page = sign_in(new_context(), "dep01.handler", at=f"/console/cases/{case['id']}")
        chip = page.locator(".clock .calendar").first
        expect(chip).to_have_text("（自然日）")
        assert "剩余：距本节点办理时限还有多长时间" in (
            page.locator(".clock:has(.calendar)").first.get_attribute("title") or ""
        )
        DOCS.mkdir(parents=True, exist_ok=True)
        snap(page, DOCS / "zhtext-07-case-clock-chips.png")

        box = page.locator("details[data-action=reply]")
        box.locator("summary").click()
        box.locator("textarea[name=text]").fill(REPLY)
        # Meanwhile a colleague records a call: the page's version is stale.
        r = handler_api.post(
            f"/api/v1/appeals/{case['id']}/actions/record_contact",
            json={"method": "phone", "note": "已电话联系。"},
        )
        assert r.status_code == 200, r.text
        box.locator("button").click()
        error = page.locator("details[data-action=reply] [role=alert]")
        expect(error).to_contain_text("该案件刚被他人修改")
        expect(page.locator("details[data-action=reply] textarea[name=text]")).to_have_value(REPLY)
        error.scroll_into_view_if_needed()
        snap(page, DOCS / "zhtext-08-form-kept.png")
        # Sent again from the refilled form (with the fresh version), the reply goes through.
        page.locator("details[data-action=reply] button").click()
        expect(page.locator("#case-status")).to_have_text("已答复")
    finally:
        for client in (clerk, dispatcher, handler_api):
            client.close()
