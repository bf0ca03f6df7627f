"""A refused staff form comes back as the form, with the message on it and what was typed, on
SQLite and PostgreSQL; without a Referer it is the plain error page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from factories import act, make_dispatched
from webclient import csrf_of, signed_in

REPLY = "已协调环卫公司调整清运时间，并对中转站进行除臭处理。"


def _stale_reply(app_client: TestClient, *, referer: bool) -> tuple[object, int]:
    case = make_dispatched(app_client, lead="DEP01")
    assert act(app_client, case["id"], "sign_for", "dep01.handler").status_code == 200
    handler = signed_in(app_client, "dep01.handler")
    page = f"/console/cases/{case['id']}"
    token = csrf_of(handler, page)
    version = re.search(r'name="version" value="(\d+)"', handler.get(page).text).group(1)  # type: ignore[union-attr]
    # Someone else records a call meanwhile: the page's version is now stale.
    assert act(app_client, case["id"], "record_contact", "dep01.handler", method="phone", note="已电话联系。").status_code == 200
    headers = {"referer": f"http://testserver{page}", "accept": "text/html"} if referer else {"accept": "text/html"}
    r = handler.post(f"{page}/actions/reply", data={"csrf_token": token, "version": version, "text": REPLY}, headers=headers, follow_redirects=False)
    return r, case["id"]


def test_a_refused_form_comes_back_with_the_message_and_the_typed_text(app_client: TestClient) -> None:
    r, case_id = _stale_reply(app_client, referer=True)
    assert r.status_code == 409 and r.headers["content-type"].startswith("text/html")  # type: ignore[attr-defined]
    text = r.text  # type: ignore[attr-defined]
    form = text[text.index(f'action="/console/cases/{case_id}/actions/reply"'):]
    form = form[:form.index("</form>")]
    assert 'id="form-error"' in form and "您填写的内容已保留" in form
    assert f">{REPLY}</textarea>" in form
    assert "出错了" not in text and "version" not in form.split('id="form-error"')[1].split("<")[0]
    # The refilled form carries the fresh version: sending it again now works.
    fresh = re.search(r'name="version" value="(\d+)"', form).group(1)  # type: ignore[union-attr]
    assert int(fresh) > 0


def test_without_a_referer_it_is_the_error_page(app_client: TestClient) -> None:
    r, _ = _stale_reply(app_client, referer=False)
    assert r.status_code == 409 and "出错了" in r.text and "该案件刚被他人修改" in r.text  # type: ignore[attr-defined]
