"""The history index's benchmark: build an index of synthetic appeals and time its checks,
with the process's memory (`minyi bench triage` reads the same memory figures)."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import resource
import time

from minyi.bench.triage_data import synthetic_appeals
from minyi.triage.repeats.index import HistoryIndex
from minyi.triage.repeats.signals import HistoryRow, IndexConfig


def release_free_memory() -> None:
    """Hand freed heap pages back to the OS (glibc), so RSS shows what the index holds."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_history(
    n: int = 1_000_000, *, checks: int = 2000, seed: int = 7, config: IndexConfig | None = None
) -> dict[str, float]:
    """Build an index of n synthetic appeals and time `check` on the next `checks` ones.
    rss_mb is the whole process after the build (freed heap returned to the OS first);
    index_mb the index's own arrays; build_s excludes generating the synthetic text."""

    rss_before = rss_mb()
    index = HistoryIndex(config)
    rows = synthetic_appeals(n + checks, seed=seed)
    build = 0.0
    batch: list[HistoryRow] = []
    for done in range(n):
        batch.append(next(rows))
        if len(batch) == 20_000 or done == n - 1:
            t0 = time.perf_counter()
            index.add_many(batch)
            build += time.perf_counter() - t0
            batch = []
    t0 = time.perf_counter()
    index.compact()
    build += time.perf_counter() - t0
    gc.collect()
    release_free_memory()
    rss = rss_mb()
    queries = list(rows)
    timings: list[float] = []
    cpu: list[float] = []
    found = {"repeat": 0, "duplicate": 0, "crowd": 0}
    for _, phone, text, community, at, matter in queries:
        t0, c0 = time.perf_counter(), time.thread_time()
        signals = index.check(phone, text, community, at, matter_id=matter)
        cpu.append((time.thread_time() - c0) * 1000)
        timings.append((time.perf_counter() - t0) * 1000)
        found["repeat"] += bool(signals.repeat_of)
        found["duplicate"] += bool(signals.near_duplicates)
        found["crowd"] += signals.crowd is not None
    timings.sort()
    cpu.sort()

    def pct(values: list[float], p: float) -> float:
        return round(values[min(len(values) - 1, int(len(values) * p))], 3)

    return {
        "appeals": float(len(index)),
        "build_s": round(build, 2),
        "p50_ms": pct(timings, 0.5),
        "p99_ms": pct(timings, 0.99),
        # CPU time of the checking thread: what the check costs without other processes' noise.
        "p50_cpu_ms": pct(cpu, 0.5),
        "p99_cpu_ms": pct(cpu, 0.99),
        "rss_mb": round(rss, 1),
        "rss_before_mb": round(rss_before, 1),
        "index_mb": round(index.nbytes / 2**20, 1),
        **{f"{k}_rate": round(v / max(len(queries), 1), 3) for k, v in found.items()},
    }
