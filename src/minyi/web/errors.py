"""Refusals a browser meets outside the pages' own routes as pages, not JSON: an unknown address
(404), a wrong method (405), a body too large (413) and a bug (500). /api, Open311, /metrics and
every caller that does not ask for HTML keep the JSON the API answers."""

from __future__ import annotations

import html
from typing import Any

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response

from minyi.web.i18n import Translator, pick_lang
from minyi.web.pages import SECURITY_HEADERS, error_page

MACHINE_PREFIXES = ("/api/", "/open311/", "/metrics", "/healthz", "/openapi.json", "/static/")


def wants_html(path: str, accept: str) -> bool:
    """A browser's page request: not a machine address, and HTML among what it accepts."""
    return not path.startswith(MACHINE_PREFIXES) and "text/html" in accept


def _lang_of(headers: dict[str, str], query: str) -> Translator:
    scope_like = {
        "type": "http",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "query_string": query.encode(),
    }
    return Translator(pick_lang(Request(scope_like)))


def server_error_page(scope: dict[str, Any], request_id: str) -> bytes | None:
    """The 500 a browser sees: a static page (nothing that could fail again), in the reader's
    language, with the request id to quote. None: the caller answers JSON."""
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
    if not wants_html(scope.get("path", ""), headers.get("accept", "")):
        return None
    t = _lang_of(headers, scope.get("query_string", b"").decode("latin-1"))
    rid = html.escape(request_id)
    return (
        f'<!doctype html><html lang="{t.lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{t("error")} · {t("app")}</title><link rel="stylesheet" href="/static/web/minyi.css"></head>'
        f'<body><header class="top"><a class="brand" href="/">{t("app")}</a></header><main><section class="card error">'
        f'<h1>{t("error")}</h1><p class="message">{t("server_error")}</p>'
        f'<p class="small muted">{t("request_id")}：<code id="request-id">{rid}</code></p>'
        f'<p><a href="/">{t("back")}</a></p></section></main></body></html>'
    ).encode()


def install(app: FastAPI) -> None:
    """Wrap the API's answer to Starlette's refusals: a page for a browser, the JSON otherwise."""
    json_answer = app.exception_handlers[HTTPException]

    async def answer(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if not wants_html(request.url.path, request.headers.get("accept", "")):
            answered = json_answer(request, exc)
            return answered if isinstance(answered, Response) else await answered
        code = "not_found" if exc.status_code == 404 else None
        response = await run_in_threadpool(
            error_page, request, exc.status_code, "", dict(exc.headers or {}), code=code
        )
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    app.add_exception_handler(HTTPException, answer)
    app.state.server_error_page = server_error_page
