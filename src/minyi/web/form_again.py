"""A refused staff form comes back as the form: the page it was sent from, rendered afresh, with
the refusal's message above the form and what was typed put back into its fields.

Generic, so every form of every page gets it without a line of its own: the page is the one the
browser names in Referer (our own origin only), fetched through the app as a GET with the same
cookies, and its form whose action is the refused POST is refilled with lxml. Hidden fields
(the CSRF token, a case's version) keep the fresh page's values; passwords and files are never
put back. When anything does not fit (no Referer, the page is not HTML, no such form), the
caller shows the plain error page instead."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import lxml.html
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from minyi.web.security import CSRF_FIELD

NOT_REFILLED = {"hidden", "password", "file", "submit", "button", "image", "reset"}


async def _get(
    request: Request, path: str, query: str
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The page at `path` as this browser would get it (same cookies), through the whole app."""
    headers = [
        (k, v) for k, v in request.scope["headers"] if k not in (b"content-type", b"content-length")
    ]
    scope = dict(request.scope) | {
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": headers,
    }
    for key in ("route", "endpoint", "path_params"):  # the POST's routing, not the page's
        scope.pop(key, None)
    answer: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"], answer["headers"] = (
                message["status"],
                list(message.get("headers", [])),
            )
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    await request.scope["app"](scope, receive, send)
    return answer["status"], answer["headers"], answer["body"]


def _the_sent_one(forms: list[Any], typed: dict[str, list[str]]) -> Any:
    """Of several forms posting to one address (the leader's 批示 on every item of a page), the
    one whose hidden fields (the item it is about) say what the browser sent; else the first."""
    for form in forms:
        hidden = [
            el
            for el in form.iter("input")
            if (el.get("type") or "").lower() == "hidden" and el.get("name") in typed
        ]
        if any(el.get("name") not in (CSRF_FIELD, "version") for el in hidden) and all(
            (el.get("value") or "") in typed[el.get("name")]
            for el in hidden
            if el.get("name") not in (CSRF_FIELD, "version")
        ):
            return form
    return forms[0]


def refill(page: str, action: str, fields: FormData, message: str) -> str | None:
    """The page with the form posting to `action` refilled and the message above it; None when
    the page has no such form."""
    doc = lxml.html.document_fromstring(page)
    # Every <form> in document order: what HtmlElement.forms reads (lxml-stubs type the document
    # as a plain _Element, without it).
    forms = [f for f in doc.iter("form") if urlsplit(f.get("action") or "").path == action]
    if not forms:
        return None
    typed = {
        k: [v for v in fields.getlist(k) if isinstance(v, str)] for k in fields if k != CSRF_FIELD
    }
    form = _the_sent_one(forms, typed)
    for el in form.iter("input", "textarea", "select"):
        name = el.get("name")
        if not name or name not in typed:
            continue
        values = typed[name]
        kind = (el.get("type") or "text").lower()
        if el.tag == "textarea":
            el.text = values[0] if values else ""
        elif el.tag == "select":
            for option in el.iter("option"):
                if (
                    option.get("value")
                    if option.get("value") is not None
                    else option.text_content()
                ) in values:
                    option.set("selected", "selected")
                elif "selected" in option.attrib:
                    del option.attrib["selected"]
        elif kind in ("checkbox", "radio"):
            if (el.get("value") or "on") in values:
                el.set("checked", "checked")
            elif "checked" in el.attrib:
                del el.attrib["checked"]
        elif kind not in NOT_REFILLED:
            el.set("value", values[0] if values else "")
    alert = lxml.html.fragment_fromstring('<p class="alert" role="alert" id="form-error"></p>')
    alert.text = message
    form.insert(0, alert)
    # A form folded into a <details> (the case page's actions) opens to show it.
    for parent in form.iterancestors("details"):
        parent.set("open", "open")
    return "<!doctype html>\n" + lxml.html.tostring(doc, encoding="unicode")


async def form_again(request: Request, status_code: int, message: str) -> Response | None:
    """The refused POST's page with its form refilled and the message on it, or None."""
    if request.method != "POST":
        return None
    referer = urlsplit(request.headers.get("referer", ""))
    if (
        referer.netloc != request.url.netloc
        or not referer.path.startswith("/")
        or referer.path == request.url.path
    ):
        return None
    try:
        fields = await request.form()
    except Exception:  # noqa: BLE001 - a body that cannot be read again: the plain error page
        return None
    status, headers, body = await _get(request, referer.path, referer.query)
    if status != 200 or not any(
        k == b"content-type" and v.startswith(b"text/html") for k, v in headers
    ):
        return None
    page = refill(body.decode("utf-8"), request.url.path, fields, message)
    if page is None:
        return None
    response = Response(page, status_code=status_code, media_type="text/html; charset=utf-8")
    # The fresh page's cookies (its CSRF token) travel with it.
    for key, value in headers:
        if key == b"set-cookie":
            response.raw_headers.append((key, value))
    return response
