"""The bench's load client against a tiny local asyncio HTTP server (no timing assertions)."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Awaitable, Callable
from pathlib import Path

import orjson
import pytest

from minyi.bench.http_load import (
    Connection,
    HttpProtocolError,
    build_request,
    percentile,
    read_response,
    run_closed_loop,
)
from minyi.bench.intake import (
    REAL_TEXT_FILES,
    appeal_payloads,
    encode_requests,
    real_texts,
    warmup_size,
)
from minyi.intake.schemas import AppealIn

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return method, path, body


def _answer(status: int, body: bytes, *, extra: str = "") -> bytes:
    return f"HTTP/1.1 {status} X\r\ncontent-length: {len(body)}\r\n{extra}\r\n".encode() + body


class Server:
    """Answers per path; counts the requests and the connections it accepted."""

    def __init__(self, close_after: int | None = None) -> None:
        self.requests: list[tuple[str, str, bytes]] = []
        self.connections = 0
        self.close_after = close_after  # silently drop a keep-alive connection after k answers

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        served = 0
        try:
            while (req := await _read_request(reader)) is not None:
                self.requests.append(req)
                _method, path, body = req
                if path == "/chunked":
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n"
                        b"5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n"
                    )
                elif path == "/close":
                    writer.write(_answer(200, b"bye", extra="Connection: close\r\n"))
                    await writer.drain()
                    break
                elif path == "/empty":
                    writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                elif path == "/eof-framed":
                    writer.write(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
                    await writer.drain()
                    break
                elif path == "/garbage":
                    writer.write(b"SPDY nonsense\r\n\r\n")
                else:  # echo: 201 with the body's length, 422 for a body that says "bad"
                    status = 422 if body == b"bad" else 201
                    writer.write(_answer(status, orjson.dumps({"path": path, "n": len(body)})))
                await writer.drain()
                served += 1
                if self.close_after is not None and served >= self.close_after:
                    break
        finally:
            writer.close()


async def _with_server(server: Server, body: Callable[[int], Awaitable[object]]) -> object:
    srv = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    try:
        return await body(port)
    finally:
        srv.close()
        await srv.wait_closed()


def test_build_request_frames_the_body() -> None:
    raw = build_request(
        "POST", "/a", host="h:1", body="诉求".encode(), headers={"Authorization": "Bearer t"}
    )
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.split(b"\r\n") == [
        b"POST /a HTTP/1.1",
        b"Host: h:1",
        b"Authorization: Bearer t",
        b"Content-Length: 6",
    ]
    assert body == "诉求".encode()


def test_connection_reads_every_framing_and_reconnects() -> None:
    server = Server()

    async def scenario(port: int) -> None:
        conn = Connection("127.0.0.1", port)
        r = await conn.request(build_request("GET", "/chunked", host="x"))
        assert (r.status, r.body, r.keep_alive, r.headers["x-a"]) == (
            200,
            b"hello, world",
            True,
            "1",
        )
        r = await conn.request(build_request("POST", "/echo", host="x", body=b"abc"))
        assert (r.status, orjson.loads(r.body)) == (201, {"path": "/echo", "n": 3})
        r = await conn.request(build_request("GET", "/empty", host="x"))
        assert (r.status, r.body) == (204, b"")
        r = await conn.request(build_request("GET", "/close", host="x"))
        assert (r.status, r.body, r.keep_alive) == (200, b"bye", False)
        r = await conn.request(build_request("GET", "/eof-framed", host="x"))
        assert (r.status, r.body, r.keep_alive) == (200, b"until the end", False)
        r = await conn.request(build_request("POST", "/echo", host="x", body=b"bad"))
        assert r.status == 422
        with pytest.raises(HttpProtocolError):
            await conn.request(build_request("GET", "/garbage", host="x"))
        r = await conn.request(build_request("GET", "/after-garbage", host="x"))
        assert r.status == 201
        await conn.close()
        assert conn.opened == 4  # first, after /close, after /eof-framed, after /garbage

    asyncio.run(_with_server(server, scenario))  # type: ignore[arg-type]
    assert len(server.requests) == 8


def test_a_request_on_a_connection_the_server_dropped_is_sent_again() -> None:
    server = Server(close_after=1)  # like a keep-alive timeout: the server closes between requests

    async def scenario(port: int) -> None:
        conn = Connection("127.0.0.1", port)
        for _ in range(3):
            r = await conn.request(build_request("POST", "/echo", host="x", body=b"x"))
            await asyncio.sleep(0.05)  # let the close arrive
            assert r.status == 201
        await conn.close()

    asyncio.run(_with_server(server, scenario))  # type: ignore[arg-type]
    assert len(server.requests) == 3
    assert server.connections == 3


def test_read_response_rejects_a_truncated_body() -> None:
    async def scenario() -> None:
        reader = asyncio.StreamReader()
        reader.feed_data(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")
        reader.feed_eof()
        with pytest.raises(HttpProtocolError):
            await read_response(reader)

    asyncio.run(scenario())


@pytest.mark.parametrize("close_after", [None, 7])
def test_closed_loop_sends_every_request_once_and_counts_statuses(close_after: int | None) -> None:
    server = Server(close_after=close_after)
    bodies = [b"bad" if i % 10 == 0 else f"{i}".encode() for i in range(200)]
    progress: list[int] = []

    async def scenario(port: int) -> object:
        reqs = [build_request("POST", f"/r/{i}", host="x", body=b) for i, b in enumerate(bodies)]
        return await run_closed_loop(
            "127.0.0.1",
            port,
            reqs,
            8,
            on_progress=progress.append,
            progress_interval_s=0.001,
            expect_status=201,
        )

    result = asyncio.run(_with_server(server, scenario))
    assert result.requests == 200  # type: ignore[attr-defined]
    assert dict(result.statuses) == {201: 180, 422: 20}  # type: ignore[attr-defined]
    assert result.not_status(201) == 20  # type: ignore[attr-defined]
    assert 422 in result.sample_error_bodies  # type: ignore[attr-defined]
    assert len(result.latencies_ns) == 200  # type: ignore[attr-defined]
    assert sorted(p for _, p, _ in server.requests) == sorted(f"/r/{i}" for i in range(200))
    assert progress[-1] == 200
    if close_after is None:
        assert server.connections == 8


def test_closed_loop_counts_a_dead_server_as_failures() -> None:
    async def scenario() -> object:
        srv = await asyncio.start_server(Server().handle, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        reqs = [build_request("GET", "/x", host="x") for _ in range(5)]
        srv.close()
        await srv.wait_closed()
        return await run_closed_loop("127.0.0.1", port, reqs, 2)

    with pytest.raises(OSError):  # noqa: PT011 - the refusal's text differs by platform; connections are opened before the clock starts
        asyncio.run(scenario())


def test_percentile_is_nearest_rank() -> None:
    values = list(range(1, 101))
    assert [percentile(values, q) for q in (50, 95, 99, 100)] == [50, 95, 99, 100]
    assert percentile([7], 99) == 7
    assert percentile([], 50) == 0.0


def test_bench_payloads_are_valid_and_unique() -> None:
    payloads = list(appeal_payloads(500, "t"))
    for p in payloads:
        AppealIn.model_validate(p)
    assert len({p["external_id"] for p in payloads}) == 500
    assert len({p["phone"] for p in payloads}) == 500
    assert {p["street"] for p in payloads} == {f"S{i:02d}" for i in range(1, 11)}
    raw = encode_requests(iter(payloads[:1]), host="h:1", base_path="", token="tok")[0]
    assert (
        raw.startswith(b"POST /api/v1/appeals HTTP/1.1\r\n") and b"Authorization: Bearer tok" in raw
    )
    assert [warmup_size(n) for n in (1, 100, 5000, 100_000)] == [1, 2, 100, 200]


def test_bench_sends_real_messages_as_written_with_data(tmp_path: Path) -> None:
    # A gov_messages-shaped folder: the bench reads titles and bodies of its four message files.
    for n, name in enumerate(REAL_TEXT_FILES):
        with (tmp_path / name).open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["id", "title", "body"])
            writer.writerow([n, f"标题{n}", f"正文{{含花括号}}{n}，小区门口积水严重"])
            writer.writerow([n + 10, "空正文", "  "])  # skipped: an appeal needs a body
    texts = real_texts(tmp_path)
    assert texts == tuple((f"标题{n}", f"正文{{含花括号}}{n}，小区门口积水严重") for n in range(4))
    payloads = list(appeal_payloads(12, "t", texts=texts))
    for p in payloads:
        AppealIn.model_validate(p)
    assert {(p["title"], p["body"]) for p in payloads} == set(
        texts
    )  # as written, every one in turn
    assert len({p["external_id"] for p in payloads}) == 12
    (tmp_path / REAL_TEXT_FILES[0]).unlink()
    with pytest.raises(ValueError, match="gov_messages folder"):
        real_texts(tmp_path)
