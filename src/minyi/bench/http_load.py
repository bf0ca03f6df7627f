"""A lean closed-loop HTTP/1.1 load client on asyncio streams.

The client shares the machine with the server it measures, so it must cost as little CPU as
possible: requests are pre-encoded bytes, responses are parsed only as far as the status code
and the framing headers (Content-Length, Transfer-Encoding: chunked, Connection: close), and
no HTTP library sits in between. C connections are kept alive; each sends its next request as
soon as the previous answer is read (closed loop). A connection the server closes is reopened;
a request that finds a reused connection already closed (no byte of an answer read) is sent
once more on a fresh one, as browsers and HTTP libraries do.
"""

from __future__ import annotations

import asyncio
import time
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

_NO_BODY_STATUSES = frozenset({204, 304})
_MAX_HEADER_BYTES = 64 * 1024


class HttpProtocolError(Exception):
    """The server's answer is not well-formed HTTP/1.1."""


class _StaleConnection(Exception):
    """The connection was closed before any byte of the answer arrived."""


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]  # lower-case names; a repeated header keeps its last value
    body: bytes
    keep_alive: bool


def build_request(
    method: str,
    path: str,
    *,
    host: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> bytes:
    """One complete HTTP/1.1 request as bytes (Content-Length framed, keep-alive)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + body


async def read_response(
    reader: asyncio.StreamReader, *, head_request: bool = False
) -> HttpResponse:
    """Read one response from `reader`. Raises _StaleConnection if the stream ends before any byte."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if not error.partial:
            raise _StaleConnection from None
        raise HttpProtocolError("connection closed inside the response head") from None
    except asyncio.LimitOverrunError:
        raise HttpProtocolError("response head too long") from None
    lines = head[:-4].split(b"\r\n")
    status_line = lines[0]
    # "HTTP/1.1 201 Created": the code is always bytes 9..12.
    if not status_line.startswith(b"HTTP/1.") or len(status_line) < 12:
        raise HttpProtocolError(f"bad status line {status_line[:80]!r}")
    try:
        status = int(status_line[9:12])
    except ValueError:
        raise HttpProtocolError(f"bad status line {status_line[:80]!r}") from None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            raise HttpProtocolError(f"bad header line {line[:80]!r}")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    connection = headers.get("connection", "").lower()
    keep_alive = (
        "close" not in connection if status_line[7:8] == b"1" else "keep-alive" in connection
    )

    if head_request or status in _NO_BODY_STATUSES or 100 <= status < 200:
        return HttpResponse(status, headers, b"", keep_alive)
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    elif "content-length" in headers:
        try:
            length = int(headers["content-length"])
        except ValueError:
            raise HttpProtocolError(f"bad Content-Length {headers['content-length']!r}") from None
        try:
            body = await reader.readexactly(length)
        except asyncio.IncompleteReadError:
            raise HttpProtocolError("connection closed inside the body") from None
    else:  # framed by the end of the connection
        body = await reader.read()
        keep_alive = False
    return HttpResponse(status, headers, body, keep_alive)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    try:
        while True:
            size_line = await reader.readuntil(b"\r\n")
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise HttpProtocolError(f"bad chunk size {size_line[:40]!r}") from None
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, then the empty line
                    pass
                return b"".join(parts)
            chunk = await reader.readexactly(size + 2)
            if chunk[-2:] != b"\r\n":
                raise HttpProtocolError("chunk not followed by CRLF")
            parts.append(chunk[:-2])
    except asyncio.IncompleteReadError:
        raise HttpProtocolError("connection closed inside a chunked body") from None


class Connection:
    """One keep-alive HTTP/1.1 connection that reopens itself when the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._used = False  # has the current socket carried a request already?
        self.opened = 0  # sockets opened so far; all but the first are reconnects

    @property
    def reconnects(self) -> int:
        return max(0, self.opened - 1)

    async def connect(self) -> None:
        await self.close()
        self._reader, self._writer = await asyncio.open_connection(
            self.host, self.port, limit=_MAX_HEADER_BYTES
        )
        self._used = False
        self.opened += 1

    async def close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass

    async def request(self, raw: bytes, *, head_request: bool = False) -> HttpResponse:
        """Send pre-encoded request bytes and read the answer. A request that meets a reused
        connection already closed by the server is sent once more on a new connection."""
        for attempt in (1, 2):
            if self._writer is None:
                await self.connect()
            assert self._reader is not None and self._writer is not None
            reused = self._used
            self._used = True
            try:
                self._writer.write(raw)
                response = await read_response(self._reader, head_request=head_request)
            except (_StaleConnection, ConnectionResetError, BrokenPipeError) as error:
                await self.close()
                if reused and attempt == 1:
                    continue
                if isinstance(error, _StaleConnection):
                    raise ConnectionError(
                        "server closed the connection without answering"
                    ) from None
                raise
            except BaseException:
                await self.close()
                raise
            if not response.keep_alive:
                await self.close()
            return response
        raise AssertionError("unreachable")


@dataclass
class LoadResult:
    """What one closed-loop run saw. Latencies in nanoseconds, in completion order."""

    requests: int
    concurrency: int
    elapsed_s: float
    statuses: Counter[int] = field(default_factory=Counter)
    latencies_ns: array[int] = field(default_factory=lambda: array("q"))
    failures: Counter[str] = field(default_factory=Counter)  # transport errors, by exception type
    reconnects: int = 0
    sample_error_bodies: dict[int, bytes] = field(default_factory=dict)

    def count(self, status: int) -> int:
        return self.statuses.get(status, 0)

    def not_status(self, status: int) -> int:
        return self.requests - self.count(status)

    def percentiles_ms(self, *qs: float) -> list[float]:
        """Nearest-rank percentiles of the latencies in milliseconds (each q in 0..100)."""
        ordered = sorted(self.latencies_ns)
        return [percentile(ordered, q) / 1e6 for q in qs]

    def rate(self, status: int | None = None) -> float:
        done = self.requests if status is None else self.count(status)
        return done / self.elapsed_s if self.elapsed_s > 0 else 0.0


def percentile(sorted_values: Sequence[int | float], q: float) -> float:
    """Nearest-rank percentile of an already sorted sequence; 0.0 when it is empty."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), -(-len(sorted_values) * q // 100)))
    return float(sorted_values[int(rank) - 1])


async def run_closed_loop(
    host: str,
    port: int,
    requests: Sequence[bytes],
    concurrency: int,
    *,
    on_progress: Callable[[int], None] | None = None,
    progress_interval_s: float = 0.2,
    expect_status: int | None = None,
) -> LoadResult:
    """Send every request of `requests` over `concurrency` keep-alive connections, each sending
    its next request as soon as its previous answer arrived. Connections are opened before
    the clock starts. A transport failure counts as status 0 and the connection is reopened."""
    total = len(requests)
    concurrency = max(1, min(concurrency, total)) if total else 1
    result = LoadResult(requests=total, concurrency=concurrency, elapsed_s=0.0)
    if not total:
        return result
    connections = [Connection(host, port) for _ in range(concurrency)]
    await asyncio.gather(*(c.connect() for c in connections))
    statuses, latencies, failures = result.statuses, result.latencies_ns, result.failures
    samples = result.sample_error_bodies
    next_index = 0
    done = 0
    clock = time.perf_counter_ns

    async def drive(conn: Connection) -> None:
        nonlocal next_index, done
        while next_index < total:
            raw = requests[next_index]
            next_index += 1
            started = clock()
            try:
                response = await conn.request(raw)
            except (OSError, HttpProtocolError, asyncio.IncompleteReadError) as error:
                latencies.append(clock() - started)
                statuses[0] += 1
                failures[type(error).__name__] += 1
                await conn.close()
            else:
                latencies.append(clock() - started)
                status = response.status
                statuses[status] += 1
                if expect_status is not None and status != expect_status and status not in samples:
                    samples[status] = response.body[:500]
            done += 1

    async def report() -> None:
        assert on_progress is not None
        while True:
            await asyncio.sleep(progress_interval_s)
            on_progress(done)

    reporter = asyncio.create_task(report()) if on_progress else None
    t0 = clock()
    try:
        await asyncio.gather(*(drive(c) for c in connections))
    finally:
        result.elapsed_s = (clock() - t0) / 1e9
        if reporter is not None:
            reporter.cancel()
            try:
                await reporter
            except asyncio.CancelledError:
                pass
        for c in connections:
            result.reconnects += c.reconnects
        await asyncio.gather(*(c.close() for c in connections), return_exceptions=True)
    if on_progress:
        on_progress(done)
    return result


def new_event_loop_runner() -> Callable[..., object]:
    """asyncio.run, on uvloop when it is installed (a cheaper client leaves more CPU to the server)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        return asyncio.run
    return uvloop.run  # type: ignore[no-any-return]
