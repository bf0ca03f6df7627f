"""An administrator resets a handler's password; the handler signs in with the temporary one, is
kept on 修改密码 until they choose their own, then works as before."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from browser_steps import NewContext, sign_in

pytestmark = pytest.mark.browser
USER = "dep07.handler"


def test_a_reset_password_must_be_changed_at_the_next_sign_in(
    new_context: NewContext, shots: Callable[[Page, str], None]
) -> None:
    admin = sign_in(new_context(), "admin", at=f"/console/admin/people?q={USER}")
    admin.get_by_role("link", name="编辑").first.click()
    admin.get_by_role("button", name="重置密码").click()
    expect(admin.get_by_role("heading", name="重置密码")).to_be_visible()
    expect(admin.get_by_text("须先设置新密码")).to_be_visible()
    temporary = admin.locator("code").inner_text().strip()
    shots(admin, "admin-reset")

    page = new_context().new_page()
    page.goto("/console/sign-in")
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", temporary)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/console/password"))
    expect(page.get_by_role("alert")).to_contain_text("管理员已重置您的密码")
    shots(page, "must-change")
    page.goto("/console/inbox")  # every other page leads back here
    expect(page).to_have_url(re.compile(r"/console/password"))

    page.fill("input[name=old_password]", temporary)
    page.fill("input[name=new_password]", "Mine2026pw")
    page.fill("input[name=new_password2]", "Mine2026pw")
    page.get_by_role("button", name="修改密码").click()
    expect(page).to_have_url(re.compile(r"/console/sign-in"))
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", "Mine2026pw")
    page.get_by_role("button", name="登录").click()
    page.goto("/console/inbox")
    expect(page).to_have_url(re.compile(r"/console/inbox"))
    expect(page.get_by_role("alert")).to_have_count(0)
    shots(page, "inbox-after-change")
