"""Clocks in colour: a case left alone turns red in the handler's inbox and on its page.
This module moves its own server's clock (see conftest: one server per module)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from browser_steps import (
    PHONE,
    Live,
    NewContext,
    do_action,
    open_case,
    phone_number,
    sign_in,
    submit_appeal,
)

pytestmark = pytest.mark.browser


def test_an_untouched_case_shows_red_clocks_and_how_long_overdue(
    new_context: NewContext,
    live_server: Live,
    shots: Callable[[Page, str], None],
) -> None:
    no = submit_appeal(
        new_context(PHONE).new_page(),
        shots,
        title="噪音扰民",
        body="楼下烧烤店深夜噪音扰民。",
        phone=phone_number(),
    )
    dispatcher = sign_in(new_context(), "dispatcher")
    open_case(dispatcher, no)
    do_action(dispatcher, "accept")
    do_action(
        dispatcher,
        "dispatch",
        lambda box: box.locator("select[name=lead_unit]").select_option("DEP01"),
    )  # type: ignore[attr-defined]

    handler = sign_in(new_context(), "dep01.handler", at=f"/console/inbox?q={no}")
    row = handler.locator("tr", has=handler.get_by_role("link", name=no))
    expect(row.locator(".clock.green")).to_have_count(3)
    expect(row.locator(".clock.red")).to_have_count(0)
    shots(handler, "inbox-green")

    live_server.clock.advance(timedelta(days=7))  # a week later, nothing done
    # Yesterday's sign-in has expired.
    handler = sign_in(new_context(), "dep01.handler", at=f"/console/inbox?q={no}")
    row = handler.locator("tr", has=handler.get_by_role("link", name=no))
    expect(row.locator(".clock.red")).to_have_count(3)
    expect(row.locator(".clock.red").first).to_contain_text("已超时 4天")
    shots(handler, "inbox-red")
    open_case(handler, no)
    expect(handler.locator(".clock.red")).to_have_count(3)
    shots(handler, "case-red")
    handler.goto(handler.url.split("?")[0] + "?lang=en")
    expect(handler.locator("#case-status")).to_have_text("Dispatched")
    expect(handler.locator(".clock.red").first).to_contain_text("Overdue by 4d")
    shots(handler, "case-english")
