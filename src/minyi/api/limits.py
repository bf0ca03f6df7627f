"""Request body size limits, one pure-ASGI middleware for every route (API, portal, console).

The limit is checked against Content-Length before anything is read, and again while the body
streams in (a chunked body has no length), so an oversized body is never held whole. Multipart
uploads (attachments, spreadsheets, media) get the larger limit; everything else, JSON and
forms, the small one. The answer is 413 with the house's error body.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from minyi.api.errors import error_json


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than the {_human(limit)} allowed here")
        self.limit = limit


def _human(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


class BodyLimit:
    def __init__(self, app: ASGIApp, *, body_max: int, upload_max: int) -> None:
        self.app, self.body_max, self.upload_max = app, body_max, upload_max

    def limit_for(self, scope: Scope) -> int:
        for key, value in scope["headers"]:
            if key == b"content-type":
                return (
                    self.upload_max
                    if value[:19].lower() == b"multipart/form-data"
                    else self.body_max
                )
        return self.body_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                too_large = False  # the server rejects a malformed length before we see it
            if too_large:
                await _refuse(send, limit)
                return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge as error:
            # Raised inside a route that does not render HTTP errors itself (a form parser, a
            # hand-read body): answer here unless the route already began its answer.
            if started:
                raise
            await _refuse(send, error.limit)


async def _refuse(send: Send, limit: int) -> None:
    body = error_json(
        "body_too_large", f"the request body is larger than the {_human(limit)} allowed here"
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
