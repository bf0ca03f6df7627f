"""`minyi bench intake`: POST /api/v1/appeals under closed-loop load, against a fresh server.

Without a URL the bench starts `minyi serve` itself on a free 127.0.0.1 port with a brand-new
database (an SQLite file in a temp dir, or a new PostgreSQL database that is dropped after),
signs in as the demo intake clerk, and submits N realistic appeals over C keep-alive
connections, R rounds in a row. Before the first round it waits for the server to settle (its
worker started and done with the first run's jobs: the demo history's report, roll-ups and
backlog), so round 1 measures intake like the others; each round starts with a short uncounted
warm-up.
"""

from __future__ import annotations

import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import orjson
from sqlalchemy.engine import make_url

from minyi.bench.http_load import Connection, LoadResult, build_request, run_closed_loop

DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEMO_USER, DEMO_PASSWORD = "clerk", "minyi-demo-2026"  # the documented demo account
HEALTH_TIMEOUT_S = 240.0  # a shared, loaded machine: migrations alone took over 60 s
STOP_GRACE_S = 10.0

# What citizens actually call 12345 about: (title, body) pairs; {street}/{n} vary per request.
APPEALS: tuple[tuple[str, str], ...] = (
    (
        "小区垃圾清运不及时",
        "{street}{n}号楼下的垃圾桶已经三天没人清运，天气热气味很大，招来很多苍蝇，请尽快安排清运。",
    ),
    (
        "夜间施工噪音扰民",
        "{street}附近工地每天晚上十点以后还在打桩施工，噪音很大，老人孩子都睡不好，请相关部门查处。",
    ),
    (
        "工地拖欠农民工工资",
        "我在{street}的建筑工地干了{n}个月，包工头一直拖欠工资共计两万多元，多次讨要无果，请求帮助追讨。",
    ),
    (
        "咨询小学学位申请",
        "孩子今年九月上小学，户籍在{street}，想咨询学位申请需要准备哪些材料、什么时候网上报名。",
    ),
    (
        "物业不作为乱收费",
        "{street}某小区物业擅自上调物业费，电梯坏了{n}天也不修，业主多次反映没有结果，请求调查处理。",
    ),
    (
        "路灯损坏无人维修",
        "{street}主干道有{n}盏路灯不亮已经一周多了，晚上出行很不安全，希望尽快维修。",
    ),
    (
        "占道经营影响通行",
        "{street}菜市场门口每天早上有流动摊贩占道经营，车辆行人都过不去，请城管部门管理。",
    ),
    (
        "楼上漏水协商无果",
        "楼上住户卫生间漏水导致我家天花板发霉，与对方协商{n}次都没有结果，请社区帮忙调解。",
    ),
    (
        "餐馆油烟扰民",
        "{street}临街一家餐馆的排烟管道直接对着居民楼，油烟很大，窗户都不敢开，请环保部门处理。",
    ),
    (
        "共享单车乱停放",
        "{street}地铁站出口共享单车堆放严重，占用盲道和消防通道，请督促企业及时清理。",
    ),
    (
        "老旧小区加装电梯咨询",
        "我们是{street}的老旧小区，住户多数是老人，想了解加装电梯的补贴政策和申请流程。",
    ),
    (
        "停水未提前通知",
        "{street}今天上午突然停水，事先没有任何通知，家里老人做饭都成问题，请问什么时候恢复供水。",
    ),
)
NAMES = ("王先生", "李女士", "张先生", "刘女士", "陈先生", "杨女士", "赵先生", "黄女士")
STREETS = tuple(f"S{i:02d}" for i in range(1, 11))
MOBILE_PREFIXES = ("139", "138", "137", "136", "135", "158", "159", "186", "187", "188")


@dataclass
class RoundStats:
    round: int
    requests: int
    ok: int  # 201 Created
    errors: int  # anything but 201, transport failures included
    elapsed_s: float
    rps: float  # 201s per second
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int]
    failures: dict[str, int]
    reconnects: int
    error_samples: dict[str, str]
    # CPU seconds per 1000 requests of the server's own processes (None: an external server),
    # and of this client: robust to a noisy machine where appeals/s is not.
    server_cpu_ms_per_req: float | None = None
    client_cpu_ms_per_req: float | None = None
    # The same for the PostgreSQL backends serving the bench database (a local server only):
    # most of a write's cost that the server's own CPU figure does not show.
    db_cpu_ms_per_req: float | None = None

    @classmethod
    def from_load(cls, n: int, load: LoadResult) -> RoundStats:
        p50, p95, p99, pmax = load.percentiles_ms(50, 95, 99, 100)
        return cls(
            round=n,
            requests=load.requests,
            ok=load.count(201),
            errors=load.not_status(201),
            elapsed_s=round(load.elapsed_s, 4),
            rps=load.rate(201),
            p50_ms=p50,
            p95_ms=p95,
            p99_ms=p99,
            max_ms=pmax,
            statuses={str(k): v for k, v in sorted(load.statuses.items())},
            failures=dict(load.failures),
            reconnects=load.reconnects,
            error_samples={
                str(k): v.decode("utf-8", "replace") for k, v in load.sample_error_bodies.items()
            },
        )


@dataclass
class IntakeReport:
    db: str
    workers: int | None  # None: an external server (--url) of unknown shape
    concurrency: int
    n: int
    warmup: int
    repeats: int
    url: str
    texts: str = "templates"  # or "gov_messages": the real messages of --data
    replica: bool = False  # the server had a read replica configured (--replica)
    rounds: list[RoundStats] = field(default_factory=list)
    # Seconds from the end of the last round until the worker had triaged every appeal (own
    # server only): intake runs ahead of the lower-priority worker during a burst.
    triage_drain_s: float | None = None

    def median(self, name: str) -> float:
        return statistics.median(getattr(r, name) for r in self.rounds)

    @property
    def non_201(self) -> int:
        return sum(r.errors for r in self.rounds)

    def median_of(self, name: str) -> float | None:
        values = [v for r in self.rounds if (v := getattr(r, name)) is not None]
        return statistics.median(values) if values else None

    def machine_line(self) -> str:
        cpu = self.median_of("server_cpu_ms_per_req")
        db_cpu = self.median_of("db_cpu_ms_per_req")
        return (
            f"MINYI intake db={self.db} conc={self.concurrency} rps={self.median('rps'):.1f} "
            f"p50_ms={self.median('p50_ms'):.1f} p95_ms={self.median('p95_ms'):.1f} "
            f"p99_ms={self.median('p99_ms'):.1f} requests={self.n} repeats={len(self.rounds)} "
            f"workers={self.workers if self.workers is not None else 'ext'} non_201={self.non_201}"
            f" texts={self.texts} replica={'yes' if self.replica else 'no'}"
            + (f" server_cpu_ms_per_req={cpu:.2f}" if cpu is not None else "")
            + (f" db_cpu_ms_per_req={db_cpu:.2f}" if db_cpu is not None else "")
            + (
                f" triage_drain_s={self.triage_drain_s:.1f}"
                if self.triage_drain_s is not None
                else ""
            )
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["median"] = {
            k: self.median(k) for k in ("rps", "p50_ms", "p95_ms", "p99_ms", "max_ms")
        }
        data["non_201"] = self.non_201
        return data


def warmup_size(n: int) -> int:
    """About 2% of the run, at most 200 requests, at least 1."""
    return max(1, min(200, math.ceil(n * 0.02)))


# Files of the public gov_messages folder with citizens' own titles and bodies (`--data`).
REAL_TEXT_FILES = (
    "messages_labeled.csv",
    "messages_unlabeled_testset.csv",
    "hotspot_messages.csv",
    "replies.csv",
)


def real_texts(folder: Path) -> tuple[tuple[str, str], ...]:
    """(title, body) of every real message in the gov_messages folder, in file order (~10,000).

    Why: the built-in templates make every appeal a near-duplicate of hundreds of others, which
    no district sees; the triage worker then links each appeal to a dozen others, and the
    bench measures that artefact. Real messages are also longer (median ~200 characters)."""
    import csv

    texts: list[tuple[str, str]] = []
    for name in REAL_TEXT_FILES:
        path = folder / name
        if not path.is_file():
            raise ValueError(f"{path} not found: --data takes the gov_messages folder")
        with path.open(encoding="utf-8", newline="") as f:
            texts.extend(
                (row["title"].strip()[:200], row["body"].strip()[:20000])
                for row in csv.DictReader(f)
                if row["body"].strip()
            )
    return tuple(texts)


def appeal_payloads(
    count: int, tag: str, start: int = 0, texts: tuple[tuple[str, str], ...] | None = None
) -> Iterator[dict[str, Any]]:
    """`count` varied, valid appeals; external ids and phone numbers unique per (tag, index).
    Without `texts`, the built-in templates (their {street}/{n} filled in per request); with
    them, each text as written, in turn, from a tag-seeded start."""
    # A phone per index: a prefix from the list, then 8 digits from a tag-seeded offset.
    offset = int(uuid.uuid5(uuid.NAMESPACE_URL, tag).hex[:8], 16)
    for i in range(start, start + count):
        street = STREETS[(i * 7 + i // len(APPEALS)) % len(STREETS)]
        if texts:
            title, body = texts[(offset + i) % len(texts)]
        else:
            title, template = APPEALS[i % len(APPEALS)]
            body = template.format(street=f"{street}街道", n=2 + i % 9)
        serial = (offset + i) % 100_000_000
        yield {
            "channel": "hotline_12345",
            "external_id": f"bench-{tag}-{i}",
            "title": title,
            "body": body,
            "phone": f"{MOBILE_PREFIXES[(i // 100_000_000) % len(MOBILE_PREFIXES)]}{serial:08d}",
            "name": NAMES[i % len(NAMES)],
            "street": street,
        }


def encode_requests(
    payloads: Iterator[dict[str, Any]], *, host: str, base_path: str, token: str
) -> list[bytes]:
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    path = f"{base_path}/api/v1/appeals"
    return [
        build_request("POST", path, host=host, body=orjson.dumps(p), headers=headers)
        for p in payloads
    ]


async def sign_in(host: str, port: int, base_path: str) -> str:
    body = urlencode({"username": DEMO_USER, "password": DEMO_PASSWORD}).encode()
    raw = build_request(
        "POST",
        f"{base_path}/api/v1/auth/token",
        host=f"{host}:{port}",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    conn = Connection(host, port)
    try:
        response = await conn.request(raw)
    finally:
        await conn.close()
    if response.status != 200:
        raise RuntimeError(
            f"sign-in as {DEMO_USER} failed: HTTP {response.status} {response.body[:200]!r}"
        )
    return str(orjson.loads(response.body)["access_token"])


# --- the server under test ------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def fresh_database(db: str, tmp: Path) -> Iterator[str]:
    """A brand-new empty database URL; a PostgreSQL one is dropped on the way out."""
    if db == "sqlite":
        yield f"sqlite:///{tmp / 'bench.db'}"
        return
    from sqlalchemy import create_engine, text

    admin_url = os.environ.get("MINYI_BENCH_PG_URL", DEFAULT_PG_ADMIN_URL)
    name = f"minyi_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def replica_of(database_url: str, replica: str | None) -> str | None:
    """The fresh database on the replica server: streaming replication copies every database
    of the primary's server, the bench's new one too."""
    if replica is None:
        return None
    database = make_url(database_url).database
    return make_url(replica).set(database=database).render_as_string(hide_password=False)


@contextmanager
def started_server(
    database_url: str,
    workers: int,
    tmp: Path,
    say: Callable[[str], None],
    replica_url: str | None = None,
) -> Iterator[tuple[str, int, int]]:
    """Run `minyi serve` on a free port until the block ends; yields (host, port, pid); the
    server leads its own process group, so the pid is also the group of its workers."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        MINYI_DATABASE_URL=database_url,
        MINYI_DATA_DIR=str(tmp / "data"),
        MINYI_PORT=str(port),
        MINYI_HOST="127.0.0.1",
    )
    # A replica named in the caller's environment follows another database, not this new one.
    env.pop("MINYI_DATABASE_REPLICA_URL", None)
    if replica_url is not None:
        env["MINYI_DATABASE_REPLICA_URL"] = replica_url
    exe = Path(sys.executable).parent / "minyi"
    log_path = tmp / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(exe), "serve", "--workers", str(workers), "--port", str(port)],
            env=env,
            cwd=tmp,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        say(f"server pid {proc.pid} starting on 127.0.0.1:{port} (workers={workers}) ...")
        _wait_healthy(proc, port, log_path)
        yield "127.0.0.1", port, proc.pid
    finally:
        _stop(proc)


def _wait_healthy(proc: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    url = f"http://127.0.0.1:{port}/healthz"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"the server did not answer /healthz within {HEALTH_TIMEOUT_S:.0f} s:\n{_tail(log_path)}"
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after the grace period; then sweep the server's own process group
    (it is a session leader) so that no uvicorn worker outlives it."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            proc.wait(timeout=5)
    _kill_group(proc.pid)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _cpu_s_of(counts: Callable[[Path], bool]) -> float | None:
    """User + system CPU seconds of the live processes (Linux /proc) that `counts` picks by their
    /proc entry, else None where there is no /proc."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if not counts(entry):
                continue
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # state ppid pgrp ... utime(11) stime(12)
        total += int(fields[11]) + int(fields[12])
    return total / ticks


SETTLED_SHARE = 0.1  # of one core, over a window of SETTLE_WINDOW_S
SETTLE_WINDOW_S = 1.0
SETTLE_TIMEOUT_S = 120.0


def wait_until_settled(
    cpu_s: Callable[[], float | None],
    say: Callable[[str], None],
    *,
    window_s: float = SETTLE_WINDOW_S,
    timeout_s: float = SETTLE_TIMEOUT_S,
) -> bool:
    """Wait until the server's processes use under SETTLED_SHARE of a core over a window: a
    fresh server's worker imports its models and works off the first run's jobs for some seconds,
    on the cores the first round would otherwise share with it. Gives up (and says so) after
    `timeout_s`; without /proc it does not wait. True once settled."""
    before = cpu_s()
    if before is None:
        return False
    say("waiting for the server to settle (its worker done with the first run's jobs) ...")
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        time.sleep(window_s)
        after = cpu_s()
        if after is None:
            return False
        if after - before < SETTLED_SHARE * window_s:
            say(f"the server settled after {time.monotonic() - started:.1f} s")
            return True
        before = after
    say(f"the server was still busy after {timeout_s:.0f} s; measuring anyway")
    return False


def process_group_cpu_s(pgid: int) -> float | None:
    """CPU seconds of the live processes in group `pgid`."""

    def in_group(entry: Path) -> bool:
        stat = (entry / "stat").read_text()
        return int(stat[stat.rindex(")") + 2 :].split()[2]) == pgid

    return _cpu_s_of(in_group)


def postgres_backends_cpu_s(database: str) -> float | None:
    """CPU seconds of the live local PostgreSQL backends connected to `database` (their process
    title is `postgres: <cluster>: <user> <database> <client> <state>`)."""

    def serves_database(entry: Path) -> bool:
        title = (
            (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
        )
        return bool(title) and title[0] == "postgres:" and database in title

    return _cpu_s_of(serves_database)


TRIAGE_DRAIN_TIMEOUT_S = 600.0


def wait_for_triage(database_url: str, say: Callable[[str], None]) -> float | None:
    """Seconds until the worker's triage queue is empty, polled twice a second; None if the
    worker did not get there within the timeout. The queue (`triage_queue`), not "pending cases
    without a suggestion": the demo district's market matters are registered straight to a
    leader and never queued, so that count never reached 0 and the bench waited out its
    timeout."""
    from sqlalchemy import create_engine, text

    backlog = text("SELECT count(*) FROM triage_queue")
    engine = create_engine(database_url)
    started = time.monotonic()
    try:
        with engine.connect() as conn:
            left = conn.execute(backlog).scalar_one()
            say(f"waiting for the worker to triage the {left:,} appeals left ...")
            while left:
                if time.monotonic() - started > TRIAGE_DRAIN_TIMEOUT_S:
                    return None
                time.sleep(0.5)
                left = conn.execute(backlog).scalar_one()
                conn.rollback()  # a fresh snapshot for the next poll
    finally:
        engine.dispose()
    return time.monotonic() - started


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


# --- the run ------------------------------------------------------------------------------


@dataclass
class BenchHooks:
    say: Callable[[str], None] = lambda _msg: None
    round_started: Callable[[int, int], None] = lambda _round, _total: None  # (round, requests)
    progress: Callable[[int], None] = lambda _done: None
    round_done: Callable[[RoundStats], None] = lambda _stats: None


async def run_rounds(
    host: str,
    port: int,
    base_path: str,
    report: IntakeReport,
    hooks: BenchHooks,
    server_cpu: Callable[[], float | None] = lambda: None,
    db_cpu: Callable[[], float | None] = lambda: None,
    texts: tuple[tuple[str, str], ...] | None = None,
) -> IntakeReport:
    token = await sign_in(host, port, base_path)
    authority = f"{host}:{port}"
    run_tag = uuid.uuid4().hex[:8]
    for n in range(1, report.repeats + 1):
        warm = encode_requests(
            appeal_payloads(report.warmup, f"{run_tag}-w{n}", texts=texts),
            host=authority,
            base_path=base_path,
            token=token,
        )
        hooks.say(f"round {n}: warm-up, {len(warm)} requests (not counted)")
        await run_closed_loop(host, port, warm, report.concurrency)
        reqs = encode_requests(
            appeal_payloads(report.n, f"{run_tag}-r{n}", texts=texts),
            host=authority,
            base_path=base_path,
            token=token,
        )
        hooks.round_started(n, len(reqs))
        cpu0, db0, client0 = server_cpu(), db_cpu(), time.process_time()
        load = await run_closed_loop(
            host, port, reqs, report.concurrency, on_progress=hooks.progress, expect_status=201
        )
        cpu1, db1, client1 = server_cpu(), db_cpu(), time.process_time()
        stats = RoundStats.from_load(n, load)
        stats.client_cpu_ms_per_req = (client1 - client0) * 1000 / len(reqs)
        if cpu0 is not None and cpu1 is not None:
            stats.server_cpu_ms_per_req = (cpu1 - cpu0) * 1000 / len(reqs)
        if db0 is not None and db1 is not None:
            stats.db_cpu_ms_per_req = (db1 - db0) * 1000 / len(reqs)
        report.rounds.append(stats)
        hooks.round_done(stats)
    return report


def run_intake_bench(
    *,
    db: str,
    n: int,
    concurrency: int,
    url: str | None,
    workers: int,
    repeats: int,
    hooks: BenchHooks,
    data: Path | None = None,
    replica: str | None = None,
) -> IntakeReport:
    from minyi.bench.http_load import new_event_loop_runner

    if replica is not None and (db != "postgres" or url):
        raise ValueError("--replica needs --db postgres and a server the bench starts (no --url)")
    texts = real_texts(data) if data else None
    with _sigterm_as_interrupt():
        return _run_intake_bench(
            new_event_loop_runner(),
            db,
            n,
            concurrency,
            url,
            workers,
            repeats,
            hooks,
            texts,
            replica,
        )


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM ends the bench like Ctrl-C does, so the server is stopped and the database dropped."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_intake_bench(
    run: Callable[..., object],
    db: str,
    n: int,
    concurrency: int,
    url: str | None,
    workers: int,
    repeats: int,
    hooks: BenchHooks,
    texts: tuple[tuple[str, str], ...] | None = None,
    replica: str | None = None,
) -> IntakeReport:
    warmup = warmup_size(n)
    label = "gov_messages" if texts else "templates"
    if url:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"--url must be http://host[:port][/prefix], not {url!r}")
        report = IntakeReport(db, None, concurrency, n, warmup, repeats, url, label)
        try:
            run(
                run_rounds(
                    parts.hostname,
                    parts.port or 80,
                    parts.path.rstrip("/"),
                    report,
                    hooks,
                    texts=texts,
                )
            )
        except OSError as error:
            raise RuntimeError(f"cannot reach {url}: {error.strerror or error}") from error
        return report
    with tempfile.TemporaryDirectory(prefix="minyi-bench-") as tmp_name:
        tmp = Path(tmp_name)
        with (
            fresh_database(db, tmp) as database_url,
            started_server(
                database_url, workers, tmp, hooks.say, replica_of(database_url, replica)
            ) as (host, port, pid),
        ):
            report = IntakeReport(
                db, workers, concurrency, n, warmup, repeats, f"http://{host}:{port}", label
            )
            report.replica = replica is not None
            db_name = make_url(database_url).database if db == "postgres" else None
            wait_until_settled(lambda: process_group_cpu_s(pid), hooks.say)
            run(
                run_rounds(
                    host,
                    port,
                    "",
                    report,
                    hooks,
                    server_cpu=lambda: process_group_cpu_s(pid),
                    db_cpu=lambda: postgres_backends_cpu_s(db_name) if db_name else None,
                    texts=texts,
                )
            )
            report.triage_drain_s = wait_for_triage(database_url, hooks.say)
            return report
