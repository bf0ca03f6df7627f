"""CSRF, cookies, escaping and scope on the web pages, on both backends."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from factories import act, make_appeal, make_dispatched, unique_phone
from minyi.core.settings import Settings
from minyi.web.security import cookie_flags
from webclient import browser, csrf_of, post_form, signed_in


def test_a_form_without_or_with_a_wrong_csrf_token_is_refused(app_client: TestClient) -> None:
    client = browser(app_client)
    phone = unique_phone()
    appeal = make_appeal(app_client, phone=phone)
    data = {
        "tracking_no": appeal["tracking_no"],
        "phone_last4": "1234" if phone[-4:] != "1234" else "4321",
    }
    assert client.post("/portal/track", data=data).status_code == 403
    token = csrf_of(client)
    assert client.post("/portal/track", data=data | {"csrf_token": token + "x"}).status_code == 403
    # A token that is well formed but not the one in this browser's cookie is refused too.
    other = csrf_of(browser(app_client))
    assert client.post("/portal/track", data=data | {"csrf_token": other}).status_code == 403
    assert (
        client.post("/portal/track", data=data | {"csrf_token": token}).status_code == 404
    )  # wrong digits


def test_a_csrf_token_from_one_session_does_not_pass_for_another(app_client: TestClient) -> None:
    one, two = signed_in(app_client, "clerk"), signed_in(app_client, "supervisor")
    token = csrf_of(one, "/console/inbox")
    two.cookies.set("minyi_csrf", one.cookies.get("minyi_csrf"))
    r = two.post("/console/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 403
    assert two.get("/console", follow_redirects=False).headers["location"] != "/console/sign-in"
    # The session's own token still works.
    assert post_form(two, "/console/sign-out", {}, page="/console/inbox").status_code == 303


def test_staff_forms_need_the_token_and_change_nothing_without_it(app_client: TestClient) -> None:
    appeal = make_appeal(app_client)
    client = signed_in(app_client, "clerk")
    r = client.post(f"/console/cases/{appeal['id']}/actions/accept", data={})
    assert r.status_code == 403
    assert client.get(f"/console/cases/{appeal['id']}").text.count('id="case-status">已登记') == 1
    r = post_form(
        client,
        f"/console/cases/{appeal['id']}/actions/accept",
        {},
        page=f"/console/cases/{appeal['id']}",
    )
    assert r.status_code == 303
    assert 'id="case-status">已受理' in client.get(f"/console/cases/{appeal['id']}").text


def test_session_cookie_is_http_only_and_same_site_lax_and_secure_in_prod(
    app_client: TestClient,
) -> None:
    client = browser(app_client)
    r = client.post(
        "/console/sign-in",
        data={
            "csrf_token": csrf_of(client, "/console/sign-in"),
            "username": "supervisor",
            "password": "minyi-demo-2026",
        },
        follow_redirects=False,
    )
    cookie = r.headers["set-cookie"].lower()
    assert (
        "minyi_session=" in cookie
        and "httponly" in cookie
        and "samesite=lax" in cookie
        and "secure" not in cookie
    )
    assert cookie_flags(Settings(environment="prod", secret_key="a-real-secret"))["secure"] is True


def test_a_script_in_an_appeal_renders_as_text_for_staff_and_citizen(
    app_client: TestClient,
) -> None:
    phone = unique_phone()
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    appeal = make_appeal(app_client, title=evil[:60], body=evil, phone=phone)
    staff = signed_in(app_client, "dispatcher")
    page = staff.get(f"/console/cases/{appeal['id']}").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    inbox = staff.get("/console/inbox", params={"q": appeal["tracking_no"]}).text
    assert "<script>alert" not in inbox and "&lt;script&gt;" in inbox
    citizen = browser(app_client)
    r = post_form(
        citizen, "/portal/track", {"tracking_no": appeal["tracking_no"], "phone_last4": phone[-4:]}
    )
    assert r.status_code == 200 and "<script>alert" not in r.text and "&lt;script&gt;" in r.text
    # Every page says scripts come from here only, so even a missed escape would not run.
    assert "script-src 'self'" in r.headers["content-security-policy"]


def test_outside_scope_is_not_found_and_wrong_role_is_forbidden(app_client: TestClient) -> None:
    case = make_dispatched(app_client, lead="DEP01")
    other = signed_in(app_client, "dep02.handler")
    assert other.get(f"/console/cases/{case['id']}").status_code == 404
    r = post_form(other, f"/console/cases/{case['id']}/actions/sign_for", {}, page="/console/inbox")
    assert r.status_code == 404
    own = signed_in(app_client, "dep01.handler")
    assert own.get(f"/console/cases/{case['id']}").status_code == 200
    for path in (
        "/console/dispatch",
        "/console/admin",
        "/console/supervision",
        "/leader",
        "/console/unit",
        "/console/area",
    ):
        assert own.get(path).status_code == 403, path
    # The case list shows only cases in scope: DEP02's handler does not find DEP01's case.
    link = f'href="/console/cases/{case["id"]}"'
    assert (
        link
        not in other.get("/console/inbox", params={"q": case["tracking_no"], "status": ""}).text
    )
    assert link in own.get("/console/inbox", params={"q": case["tracking_no"], "status": ""}).text


def test_actions_shown_are_only_those_allowed_now(app_client: TestClient) -> None:
    case = make_dispatched(app_client, lead="DEP01")
    page = signed_in(app_client, "dep01.handler").get(f"/console/cases/{case['id']}").text
    shown = set(re.findall(r'data-action="([a-z_]+)"', page))
    assert shown == {"sign_for", "bounce"}
    assert act(app_client, case["id"], "sign_for", "dep01.handler").status_code == 200
    page = signed_in(app_client, "dep01.handler").get(f"/console/cases/{case['id']}").text
    assert {"record_contact", "record_visit", "reply"} <= set(
        re.findall(r'data-action="([a-z_]+)"', page)
    )
    assert not set(
        re.findall(
            r'data-action="([a-z_]+)"',
            signed_in(app_client, "supervisor").get(f"/console/cases/{case['id']}").text,
        )
    ) & {"reply", "sign_for"}


def test_signed_out_pages_send_to_sign_in_and_sign_out_revokes(app_client: TestClient) -> None:
    anonymous = browser(app_client)
    r = anonymous.get("/console/inbox", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/sign-in?next=")
    client = signed_in(app_client, "clerk")
    token = client.cookies.get("minyi_session")
    assert client.get("/console/inbox").status_code == 200
    assert post_form(client, "/console/sign-out", {}, page="/console/inbox").status_code == 303
    replay = browser(app_client)
    replay.cookies.set("minyi_session", token)
    assert replay.get("/console/inbox", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "bad",
    [
        ("files", ("a.png", b"not a png", "image/png")),
        ("files", ("a.exe", b"MZ\x90\x00", "application/x-msdownload")),
    ],
)
def test_portal_refuses_a_bad_upload_and_registers_nothing(
    app_client: TestClient, bad: tuple[str, tuple[str, bytes, str]]
) -> None:
    client = browser(app_client)
    body = f"上传检查 {unique_phone()}"
    r = client.post(
        "/portal/submit",
        data={
            "csrf_token": csrf_of(client, "/portal/submit"),
            "channel": "miniprogram",
            "body": body,
            "phone": unique_phone(),
        },
        files=[bad],
        follow_redirects=False,
    )
    assert r.status_code == 422 and "附件" in r.text
    staff = signed_in(app_client, "dispatcher")
    assert (
        "/console/cases/" not in staff.get("/console/inbox", params={"q": body, "status": ""}).text
    )


def test_portal_submits_with_a_checked_attachment_and_staff_download_it(
    app_client: TestClient,
) -> None:
    client = browser(app_client)
    phone = unique_phone()
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    r = client.post(
        "/portal/submit",
        data={
            "csrf_token": csrf_of(client, "/portal/submit"),
            "channel": "miniprogram",
            "body": "井盖缺失，有照片",
            "phone": phone,
            "street": "S02",
            "class_hint": "投诉建议",
        },
        files=[("files", ("井盖.png", png, "image/png"))],
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    no = r.headers["location"].rsplit("/", 1)[1]
    staff = signed_in(app_client, "dispatcher")
    case_link = re.search(
        r'href="/console/cases/(\d+)">' + no, staff.get("/console/inbox", params={"q": no}).text
    )
    assert case_link
    page = staff.get(f"/console/cases/{case_link.group(1)}").text
    assert "【投诉建议】" in page
    href = re.search(r'href="(/console/attachments/\d+)">井盖.png', page)
    assert href
    download = staff.get(href.group(1))
    assert download.content == png and download.headers["content-disposition"].startswith(
        "attachment"
    )
    assert signed_in(app_client, "dep05.handler").get(href.group(1)).status_code == 404


def test_leader_mailbox_link_opens_the_form_for_that_mailbox(app_client: TestClient) -> None:
    client = browser(app_client)
    listing = client.get("/portal/mailboxes").text
    assert "/portal/submit?channel=mailbox_secretary" in listing
    form = client.get("/portal/submit", params={"channel": "mailbox_secretary"})
    assert (
        form.status_code == 200
        and "写信给区委书记" in form.text
        and 'value="mailbox_secretary"' in form.text
    )
    assert client.get("/portal/submit", params={"channel": "hotline_12345"}).status_code == 404
    qr = client.get("/portal/mailboxes/mailbox_secretary/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg")


def test_english_switch_is_remembered(app_client: TestClient) -> None:
    client = browser(app_client)
    assert "我要反映" in client.get("/").text
    assert "Submit an appeal" in client.get("/", params={"lang": "en"}).text
    assert "Submit an appeal" in client.get("/portal/track").text


def test_portal_explains_a_missing_phone_or_description_in_plain_words(
    app_client: TestClient,
) -> None:
    client = browser(app_client)
    token = csrf_of(client, "/portal/submit")
    r = client.post(
        "/portal/submit", data={"csrf_token": token, "channel": "mailbox_mayor", "body": "路面塌陷"}
    )
    assert r.status_code == 422 and "请留下手机号，或选择匿名反映" in r.text
    assert (
        'value="mailbox_mayor"' in r.text and "路面塌陷" in r.text
    )  # the form keeps what was typed
    r = client.post(
        "/portal/submit",
        data={"csrf_token": token, "channel": "miniprogram", "body": "", "phone": "13900000000"},
    )
    assert r.status_code == 422 and "诉求内容：请填写" in r.text
    r = client.post(
        "/portal/submit",
        data={"csrf_token": token, "channel": "miniprogram", "body": "x", "phone": "12345"},
    )
    assert r.status_code == 422 and "不是有效的手机号" in r.text
    assert r.headers["cache-control"] == "no-store"
