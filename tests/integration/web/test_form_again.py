"""A refused staff form comes back as the form, with the message on it and what was typed, on
SQLite and PostgreSQL. The case page's actions do it themselves (console_cases); every other form
gets it from web/form_again.py through the Referer; without one it is the plain error page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from factories import act, make_dispatched
from webclient import csrf_of, signed_in

REPLY = "已协调环卫公司调整清运时间，并对中转站进行除臭处理。"
NOT_A_PDF = ("现场照片.pdf", b"<html>not a pdf</html>", "application/pdf")


def _form(text: str, action: str) -> str:
    form = text[text.index(f'action="{action}"') :]
    return form[: form.index("</form>")]


def test_a_stale_reply_comes_back_with_the_message_and_the_typed_text(
    app_client: TestClient,
) -> None:
    case = make_dispatched(app_client, lead="DEP01")
    assert act(app_client, case["id"], "sign_for", "dep01.handler").status_code == 200
    handler = signed_in(app_client, "dep01.handler")
    page = f"/console/cases/{case['id']}"
    token = csrf_of(handler, page)
    version = re.search(r'name="version" value="(\d+)"', handler.get(page).text).group(1)  # type: ignore[union-attr]
    # Someone else records a call meanwhile: the page's version is now stale.
    assert (
        act(
            app_client,
            case["id"],
            "record_contact",
            "dep01.handler",
            method="phone",
            note="已电话联系。",
        ).status_code
        == 200
    )
    r = handler.post(
        f"{page}/actions/reply",
        data={"csrf_token": token, "version": version, "text": REPLY},
        headers={"referer": f"http://testserver{page}", "accept": "text/html"},
        follow_redirects=False,
    )
    assert r.status_code == 409 and r.headers["content-type"].startswith("text/html")
    form = _form(r.text, f"{page}/actions/reply")
    assert (
        'role="alert"' in form and "该案件刚被他人修改" in form and f">{REPLY}</textarea>" in form
    )
    assert "出错了" not in r.text


def test_a_refused_upload_comes_back_on_its_form(app_client: TestClient) -> None:
    case = make_dispatched(app_client, lead="DEP01")
    handler = signed_in(app_client, "dep01.handler")
    page = f"/console/cases/{case['id']}"
    token = csrf_of(handler, page)
    r = handler.post(
        f"{page}/attachments",
        data={"csrf_token": token},
        files={"files": NOT_A_PDF},
        headers={"referer": f"http://testserver{page}", "accept": "text/html"},
        follow_redirects=False,
    )
    assert r.status_code == 422
    form = _form(r.text, f"{page}/attachments")
    assert (
        'id="form-error"' in form
        and "现场照片.pdf" in form
        and re.search(r"[\u4e00-\u9fff]", form.split('id="form-error">')[1])
    )
    # Without a Referer there is no page to refill: the error page, in Chinese.
    plain = handler.post(
        f"{page}/attachments",
        data={"csrf_token": token},
        files={"files": NOT_A_PDF},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert plain.status_code == 422 and "出错了" in plain.text and "现场照片.pdf" in plain.text
