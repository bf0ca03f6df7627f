"""答复审核 and 延期申请 in the browser: the handler's reply waits for the unit head, who returns it
with a reason and then approves the revision from the board; the handler asks for an extension
and the head grants it; the citizen sees only the approved reply. On a desktop and on a phone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from browser_steps import (
    PHONE,
    NewContext,
    do_action,
    open_case,
    phone_number,
    pick,
    sign_in,
    submit_appeal,
    track,
)

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
STATUTORY_LEAF_NAME = (
    "复议申请"  # 行政复议 / 复议申请 (FL-02-01-01): the demo dictionary files it under xf-statutory
)
FIRST = "已收到。"
REVISED = "经核查，您反映的复议申请已于11月25日受理，将在法定期限内作出决定并书面告知。"


@pytest.mark.parametrize("kind", ["desktop", "phone"])
def test_handler_replies_head_returns_then_approves(
    new_context: NewContext,
    shots: Callable[[Page, str], None],
    kind: str,
) -> None:
    screen = PHONE if kind == "phone" else DESKTOP
    phone = phone_number()
    no = submit_appeal(
        new_context(PHONE).new_page(),
        shots,
        title="行政复议申请无回音",
        body="上月提交的行政复议申请至今无人联系。",
        phone=phone,
    )
    dispatcher = sign_in(new_context(), "dispatcher")
    open_case(dispatcher, no)
    do_action(dispatcher, "accept")

    def dispatch(box: object) -> None:  # by names, as the dispatcher does (the pickers)
        pick(dispatcher, "dispatch-lead", "司法局", "区司法局")
        pick(dispatcher, "dispatch-leaf", STATUTORY_LEAF_NAME, STATUTORY_LEAF_NAME)

    do_action(dispatcher, "dispatch", dispatch)

    handler = sign_in(new_context(screen), "dep11.handler")
    open_case(handler, no)
    do_action(handler, "sign_for")
    # The reply form says it goes to the head; there is no direct reply.
    expect(handler.locator("details[data-action=reply]")).to_have_count(0)
    do_action(handler, "submit_reply", lambda box: box.locator("textarea[name=text]").fill(FIRST))  # type: ignore[attr-defined]
    expect(handler.locator("#case-status")).to_have_text("答复待审核")
    expect(handler.locator("#approval-state")).to_contain_text(FIRST)
    shots(handler, "handler-reply-pending")
    # An extension for the statutory 60 days, asked from the case page.
    handler.locator("#extension-request summary").click()
    handler.fill("#extension-request input[name=days]", "40")
    handler.fill("#extension-request textarea[name=reason]", "需调取复议卷宗")
    handler.locator("#extension-request button").click()
    expect(handler.locator("#extension-request .alert")).to_contain_text("延期最长30天")
    expect(handler.locator("#extension-request textarea[name=reason]")).to_have_value(
        "需调取复议卷宗"
    )  # kept
    handler.fill("#extension-request input[name=days]", "20")
    handler.locator("#extension-request button").click()
    expect(handler.locator(".extension-request[data-status=pending]")).to_be_visible()

    # The citizen sees neither the draft nor the internal step.
    citizen = new_context(PHONE).new_page()
    track(citizen, no, phone)
    expect(citizen.locator("#case-status")).to_have_text("办理中")
    expect(citizen.get_by_text(FIRST)).to_have_count(0)

    head = sign_in(new_context(screen), "dep11.head", at="/console/unit")
    item = head.locator("article.approval[id^=reply-]", has_text=no)
    expect(item.locator("blockquote.draft")).to_have_text(FIRST)
    shots(head, "head-board")
    item.locator("textarea[name=reason]").fill("答复过于简单，请写明受理时间和后续安排")
    item.get_by_role("button", name="退回修改").click()
    expect(head.locator(".notice")).to_contain_text("答复退回修改")
    expect(head.locator("article.approval[id^=reply-]", has_text=no)).to_have_count(0)
    extension = head.locator("article.approval[id^=extension-]", has_text="需调取复议卷宗")
    extension.locator("textarea[name=note]").fill("同意，请抓紧办理")
    extension.get_by_role("button", name="同意延期").click()
    expect(head.locator(".notice")).to_contain_text("同意延期")

    handler.reload()
    expect(handler.locator("#return-reason")).to_contain_text("请写明受理时间")
    expect(handler.locator(".extension-request[data-status=approved]")).to_contain_text(
        "同意，请抓紧办理"
    )
    shots(handler, "handler-returned")
    do_action(handler, "submit_reply", lambda box: box.locator("textarea[name=text]").fill(REVISED))  # type: ignore[attr-defined]
    expect(handler.locator("#case-status")).to_have_text("答复待审核")

    head.goto("/console/unit")
    item = head.locator("article.approval[id^=reply-]", has_text=no)
    expect(item.locator("blockquote.draft")).to_have_text(REVISED)
    item.get_by_role("button", name="审核通过").click()
    expect(head.locator(".notice")).to_contain_text("答复审核通过")
    shots(head, "head-approved")

    track(citizen, no, phone)
    expect(citizen.locator("#case-status")).to_have_text("已答复")
    expect(citizen.locator(".reply")).to_contain_text(REVISED)
    expect(citizen.get_by_text(FIRST)).to_have_count(0)
    shots(citizen, "citizen-sees-reply")
