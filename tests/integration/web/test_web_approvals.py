"""The approvals forms in the console: the head's queue (答复审核, 延期申请), its refusals shown on
the form with what was typed, and the English page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from factories import act, make_dispatched
from webclient import post_form, signed_in


def _signed_letter(app_client: TestClient, lead: str) -> int:
    made = make_dispatched(app_client, lead=lead, channel="letter")
    assert act(app_client, made["id"], "sign_for", f"{lead.lower()}.handler").status_code == 200
    return int(made["id"])


def test_the_handler_submits_and_the_head_returns_and_approves_in_forms(
    app_client: TestClient,
) -> None:
    cid = _signed_letter(app_client, "DEP13")
    page = f"/console/cases/{cid}"
    handler = signed_in(app_client, "dep13.handler")
    html = handler.get(page).text
    assert 'data-action="submit_reply"' in html and 'data-action="reply"' not in html
    assert (
        post_form(
            handler, f"{page}/actions/submit_reply", {"text": "已核实，正在处理。"}, page=page
        ).status_code
        == 303
    )
    assert "答复待审核" in handler.get(page).text

    head = signed_in(app_client, "dep13.head")
    board = head.get("/console/unit").text
    assert f'id="reply-{cid}"' in board and "已核实，正在处理。" in board
    # A return without a reason: the message next to that reply, on the queue, not an error page.
    refused = post_form(
        head,
        f"/console/approvals/replies/{cid}/return",
        {"reason": " ", "next": "/console/unit"},
        page="/console/approvals",
    )
    assert refused.status_code == 422
    assert re.search(rf'id="reply-{cid}".*?class="alert"', refused.text, re.S)
    returned = post_form(
        head,
        f"/console/approvals/replies/{cid}/return",
        {"reason": "请补充处理时限", "next": "/console/unit"},
        page="/console/approvals",
    )
    assert (
        returned.status_code == 303
        and returned.headers["location"] == "/console/unit?done=return_reply"
    )
    assert "请补充处理时限" in handler.get(page).text
    post_form(
        handler, f"{page}/actions/submit_reply", {"text": "已核实，将于三日内处理完毕。"}, page=page
    )
    approved = post_form(
        head,
        f"/console/approvals/replies/{cid}/approve",
        {"next": "/console/approvals"},
        page="/console/approvals",
    )
    assert approved.status_code == 303
    assert f'id="reply-{cid}"' not in head.get("/console/approvals").text
    assert "已答复" in handler.get(page).text
    # Not the head: the handler may not approve (403 page), nor open the queue.
    assert handler.get("/console/approvals").status_code == 403


def test_an_extension_request_refused_on_the_form_keeps_what_was_typed(
    app_client: TestClient,
) -> None:
    cid = _signed_letter(app_client, "DEP14")
    page = f"/console/cases/{cid}"
    handler = signed_in(app_client, "dep14.handler")
    too_long = post_form(
        handler,
        f"{page}/extension-requests",
        {"milestone": "handle", "days": "45", "reason": "需调取卷宗"},
        page=page,
    )
    assert too_long.status_code == 422
    assert (
        "延期最长30天" in too_long.text
        and "需调取卷宗</textarea>" in too_long.text
        and 'value="45"' in too_long.text
    )
    assert (
        post_form(
            handler,
            f"{page}/extension-requests",
            {"milestone": "handle", "days": "10", "reason": "需调取卷宗"},
            page=page,
        ).status_code
        == 303
    )
    # The centre sees every pending request on its own page, without the heads' reply queue.
    centre = signed_in(app_client, "dispatcher").get("/console/approvals").text
    assert (
        "需调取卷宗" in centre
        and "待审核的答复" not in centre
        and 'href="/console/approvals"' in centre
    )
    head = signed_in(app_client, "dep14.head")
    rid = re.search(
        r'action="/console/approvals/extensions/(\d+)/approve"', head.get("/console/approvals").text
    )
    assert rid
    no_note = post_form(
        head,
        f"/console/approvals/extensions/{rid.group(1)}/refuse",
        {"note": ""},
        page="/console/approvals",
    )
    assert no_note.status_code == 422 and "不同意延期须填写理由" in no_note.text
    refused = post_form(
        head,
        f"/console/approvals/extensions/{rid.group(1)}/refuse",
        {"note": "请按期办结", "next": page},
        page="/console/approvals",
    )
    assert refused.status_code == 303
    shown = handler.get(page).text
    assert 'data-status="refused"' in shown and "请按期办结" in shown


def test_the_queue_in_english(app_client: TestClient) -> None:
    head = signed_in(app_client, "dep15.head")
    page = head.get("/console/approvals?lang=en").text
    assert "Replies to approve" in page and "Extension requests" in page and "待审核" not in page
