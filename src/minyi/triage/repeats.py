"""Repeats and crowds: the same citizen's repeat appeal on the same matter (重复信访), many
citizens on the same matter and place within a window (涉众), near-duplicates across channels.

`HistoryIndex` keeps the whole history in memory as compact arrays, so a check costs well under
a millisecond at a million appeals:

- a text fingerprint per appeal: MinHash over character 3-shingles of the normalised text,
  64 permutations, of which only the low byte of each is kept (b-bit MinHash: 64 bytes per
  appeal; the estimate corrects for the 1/256 chance that two low bytes agree);
- LSH banding (8 bands of 4 full 32-bit minima) for near-duplicates: one sorted uint64 array of
  `band_key << 32 | row`, searched with `searchsorted`;
- the same packed layout keyed by phone and by community, for repeats and crowd windows.

New rows go to small dicts and are merged into the sorted arrays in batches, so `add` is cheap
and the index never holds a Python object per appeal or per shingle.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import random
import re
import resource
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import numpy as np
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case
from minyi.triage.models import AppealLink

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
NUM_PERM = 64
_MASK32 = 0xFFFFFFFF
# Punctuation, spaces, and particles and pronouns, which carry no matter: dropping them lets a
# reworded appeal share more shingles with the first.
_STRIP = re.compile(r"[\W_的了着呢吗吧啊呀嘛哦么我您你]+")
# Only full-width letters and digits need folding: full-width punctuation is stripped as it is,
# and the full-width comma in nearly every Chinese text made `translate` the costliest step of
# fingerprinting a bulk load.
_FULL_WIDTH = re.compile(r"[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]")
_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}  # full-width ASCII, as NFKC folds it
_NOT_DIGIT = re.compile(r"\D")
_U64 = np.uint64


HistoryRow = (
    tuple[int, str | None, str, int | None, datetime]
    | tuple[int, str | None, str, int | None, datetime, int | None]
)
"""(appeal_id, phone, text, community_id, at[, matter_id])"""


class LinkKind(StrEnum):
    REPEAT = "repeat"
    DUPLICATE = "duplicate"
    CROWD = "crowd"


@dataclass(frozen=True)
class IndexConfig:
    repeat_window: timedelta = timedelta(days=180)
    # Text alone cannot tell a reworded repeat (3-shingle Jaccard often 0.1-0.3) from the same
    # citizen's other matter at the same estate (0.1-0.2), so the matter decides when both
    # appeals have one (the event-dictionary leaf): the same matter in the same community is a
    # repeat, the same matter elsewhere needs a little shared text, another matter nearly the
    # same text; without matters the middle threshold applies.
    repeat_similarity: float = 0.2
    repeat_similarity_same_matter: float = 0.05
    repeat_similarity_other_matter: float = 0.5
    duplicate_window: timedelta = timedelta(days=365)
    duplicate_similarity: float = 0.7
    crowd_window: timedelta = timedelta(days=7)
    crowd_similarity: float = 0.3
    crowd_min_phones: int = 5
    bands: int = 8
    band_rows: int = 4
    # Bounds on the rows one check looks at, so a busy phone, bucket or community stays cheap;
    # the most recent rows are the ones kept.
    phone_scan: int = 200
    bucket_scan: int = 32
    community_scan: int = 3000
    max_members: int = 200
    merge_every: int = 50_000

    def __post_init__(self) -> None:
        if self.bands * self.band_rows > NUM_PERM:
            raise ValueError("bands * band_rows must not exceed the 64 permutations")


@dataclass(frozen=True)
class CrowdInfo:
    """cluster_id is the appeal id of the cluster's first appeal; size counts appeals (this one
    included); distinct_phones is the crowd size (涉众人数) as far as phones tell."""

    cluster_id: int
    size: int
    distinct_phones: int
    members: tuple[int, ...] = ()


@dataclass(frozen=True)
class Signals:
    repeat_of: tuple[int, ...] = ()
    petition_count: int = 1  # 1 = 初信初访; 2+ = the n-th appeal on the matter (重复)
    near_duplicates: tuple[tuple[int, float], ...] = ()
    crowd: CrowdInfo | None = None
    repeat_similarity: tuple[float, ...] = ()

    @property
    def is_first(self) -> bool:
        return self.petition_count == 1

    def as_dict(self) -> dict[str, object]:
        crowd = self.crowd
        return {
            "repeat_of": list(self.repeat_of),
            "petition_count": self.petition_count,
            "is_first": self.is_first,
            "near_duplicates": [{"appeal_id": i, "similarity": s} for i, s in self.near_duplicates],
            "crowd": None
            if crowd is None
            else {
                "cluster_id": crowd.cluster_id,
                "size": crowd.size,
                "distinct_phones": crowd.distinct_phones,
                "members": list(crowd.members),
            },
        }


# --- fingerprints ----------------------------------------------------------------------------

_rng = np.random.default_rng(20261121)  # fixed: fingerprints must not change between processes
_PERM_A = _rng.integers(1, 2**63, NUM_PERM, dtype=np.uint64) * _U64(2) + _U64(1)
_PERM_B = _rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64)
_SALTS = _rng.integers(1, 2**63, 64, dtype=np.uint64)
_P1, _P2, _P3 = (
    np.array([v], dtype=np.uint64)
    for v in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)
)
_M1, _M2 = (
    np.array([0xFF51AFD7ED558CCD], dtype=np.uint64),
    np.array([0xC4CEB9FE1A85EC53], dtype=np.uint64),
)


def normalize(text: str) -> str:
    """Full-width folded, lower-case, no punctuation, spaces or particles."""
    if _FULL_WIDTH.search(text):
        text = text.translate(_FOLD)
    return _STRIP.sub("", text.lower())


def _mix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> _U64(33))
    x = x * _M1
    x = x ^ (x >> _U64(33))
    x = x * _M2
    mixed: np.ndarray = x ^ (x >> _U64(33))
    return mixed


def shingle_hashes(text: str) -> np.ndarray:
    """64-bit hashes of the character 3-shingles of the normalised text (one for shorter text)."""
    norm = normalize(text)
    if not norm:
        return np.empty(0, dtype=np.uint64)
    cps = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(cps) < 3:
        cps = np.concatenate([cps, np.zeros(3 - len(cps), dtype=np.uint64)])
    return _mix((cps[:-2] * _P1) ^ (cps[1:-1] * _P2) ^ (cps[2:] * _P3))


def _permuted(hashes: np.ndarray) -> np.ndarray:
    """(64, n) the 64 permutations of each hash, computed in place: a long appeal has thousands
    of shingles, and each temporary of this size costs as much as the arithmetic."""
    h = np.multiply(_PERM_A[:, None], hashes[None, :])
    h += _PERM_B[:, None]
    h >>= _U64(32)
    return h


def _minhash_block(hashes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """(n_texts, 64) uint32 minima for texts whose shingle hashes are concatenated."""
    return np.minimum.reduceat(_permuted(hashes), offsets, axis=1).T.astype(np.uint32)


def minhash(text: str) -> np.ndarray | None:
    """The 64 full 32-bit minima, or None for a text with nothing to compare."""
    hashes = shingle_hashes(text)
    if len(hashes) == 0:
        return None
    minima: np.ndarray = _permuted(hashes).min(axis=1).astype(np.uint32)
    return minima


def minhash_many(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(n, 64) uint32 minima and a mask of the texts that had something to compare. The
    shingles of all texts are hashed in one pass over their concatenation."""
    norms = [normalize(t) for t in texts]
    lengths = np.fromiter((len(t) for t in norms), dtype=np.int64, count=len(norms))
    out = np.zeros((len(texts), NUM_PERM), dtype=np.uint32)
    valid = lengths > 0
    # Shorter than a shingle: padded with zeros, as `shingle_hashes` does.
    padded = np.maximum(lengths, 3) * valid
    cps = np.zeros(int(padded.sum()), dtype=np.uint64)
    starts = np.concatenate([[0], np.cumsum(padded)[:-1]])
    src = np.frombuffer("".join(norms).encode("utf-32-le"), dtype=np.uint32)
    src_starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    for i in np.flatnonzero(valid & (lengths < 3)).tolist():
        cps[starts[i] : starts[i] + lengths[i]] = src[src_starts[i] : src_starts[i] + lengths[i]]
    full = valid & (lengths >= 3)
    if full.all():
        cps[:] = src
    else:
        take = np.concatenate(
            [np.arange(src_starts[i], src_starts[i] + lengths[i]) for i in np.flatnonzero(full)]
            or [np.empty(0, np.int64)]
        )
        put = np.concatenate(
            [np.arange(starts[i], starts[i] + lengths[i]) for i in np.flatnonzero(full)]
            or [np.empty(0, np.int64)]
        )
        cps[put] = src[take]
    if len(cps) < 3:
        return out, valid
    hashes = _mix((cps[:-2] * _P1) ^ (cps[1:-1] * _P2) ^ (cps[2:] * _P3))
    # Position p starts a shingle of its own text if p + 3 <= the text's end.
    ends = np.repeat(starts + padded, padded)[: len(hashes)]
    hashes = hashes[np.arange(len(hashes)) + 3 <= ends]
    counts = padded[valid] - 2
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rows = np.flatnonzero(valid)
    # About 2 MB of intermediate per block: (64 x 4096) uint64.
    first = 0
    while first < len(rows):
        last = int(np.searchsorted(offsets, offsets[first] + 4096, "left"))
        last = max(last, first + 1)
        lo = offsets[first]
        hi = offsets[last] if last < len(rows) else len(hashes)
        out[rows[first:last]] = _minhash_block(hashes[lo:hi], offsets[first:last] - lo)
        first = last
    return out, valid


def band_keys(minima: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(..., bands) uint32 LSH keys from (..., 64) minima; a key also encodes its band."""
    m = minima[..., : bands * rows].astype(np.uint64).reshape(*minima.shape[:-1], bands, rows)
    h = np.empty(m.shape[:-1], dtype=np.uint64)
    h[...] = _SALTS[:bands]
    for r in range(rows):
        h = _mix(h ^ m[..., r])
    return (h >> _U64(32)).astype(np.uint32)


def estimate(sigs: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Jaccard estimates from 8-bit signatures: agreement, minus the chance two bytes agree."""
    agree = (sigs == query).sum(axis=-1) / NUM_PERM
    corrected: np.ndarray = np.clip((agree - 1 / 256) / (1 - 1 / 256), 0.0, 1.0)
    return corrected


def similarity(a: str, b: str) -> float:
    """The full-precision MinHash estimate of two texts' 3-shingle Jaccard (for tools and tests)."""
    ma, mb = minhash(a), minhash(b)
    if ma is None or mb is None:
        return 0.0
    return float((ma == mb).mean())


def phone_key(phone: str | None) -> int:
    """A phone as an integer (0 = unknown): digits only, without a +86 prefix."""
    digits = _NOT_DIGIT.sub("", phone or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not digits:
        return 0
    if len(digits) > 18:
        return int.from_bytes(digits.encode()[-8:], "big") & (2**62 - 1) | 1
    return int(digits)


_GOLDEN = 0x9E3779B97F4A7C15


def _matter(matter_id: int | None) -> int:
    return -1 if matter_id is None else matter_id


def _hash32(value: int) -> int:
    return (((value * _GOLDEN) & (2**64 - 1)) >> 29) & _MASK32


def _hash32_array(values: np.ndarray) -> np.ndarray:
    return ((values.astype(np.uint64) * np.array([_GOLDEN], dtype=np.uint64)) >> _U64(29)) & _U64(
        _MASK32
    )


def minute_of(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("naive datetime given to the history index")
    return int((at - EPOCH).total_seconds() // 60)


# --- the packed multimap -----------------------------------------------------------------------


_HIGH_BITS = 16
_LOW_MASK = (1 << (32 - _HIGH_BITS)) - 1
# A rough cost of one pending addition in the dict of lists (list slot, int object, share of
# the dict entry); the dict is merged at `merge_every`, so it stays small.
_PENDING_BYTES = 48


class _PackedMultiMap:
    """key (32-bit) -> rows, sorted by (key, row) in two parallel arrays, the key's low 16 bits
    (uint16) and the row (uint32), with `starts[h]` the first entry whose key's high 16 bits are
    h: 6 bytes an entry where a packed `key << 32 | row` uint64 takes 8 (the band map holds 8
    entries an appeal). Recent additions wait in a dict of lists and are merged in batches.
    Rows come back in insertion order, the newest `cap` of them."""

    def __init__(self) -> None:
        self.low = np.empty(0, dtype=np.uint16)
        self.rows = np.empty(0, dtype=np.uint32)
        self.starts = np.zeros((1 << _HIGH_BITS) + 1, dtype=np.int64)
        self.delta: dict[int, list[int]] = {}
        self.pending = 0

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, key: int, row: int) -> None:
        self.delta.setdefault(key, []).append(row)
        self.pending += 1

    def lookup(self, keys: Sequence[int], cap: int) -> list[np.ndarray]:
        out = []
        starts, low, rows = self.starts, self.low, self.rows
        for key in keys:
            a, b = int(starts[key >> 16]), int(starts[(key >> 16) + 1])
            seg = low[a:b]
            lo = np.uint16(key & _LOW_MASK)  # a Python int would make numpy copy `seg` to int64
            i, j = a + int(seg.searchsorted(lo, "left")), a + int(seg.searchsorted(lo, "right"))
            recent = self.delta.get(key)
            if recent is not None and len(recent) >= cap:
                out.append(np.array(recent[-cap:], dtype=np.int64))
                continue
            old = rows[max(i, j - cap + len(recent or ())) : j].astype(np.int64)
            out.append(np.concatenate([old, np.array(recent, dtype=np.int64)]) if recent else old)
        return out

    def add_bulk(self, keys: np.ndarray, rows: np.ndarray) -> None:
        self.merge()  # the dict's rows are older; merge them first so rows stay in order
        self._insert(keys.astype(np.uint32), rows.astype(np.uint32))

    def merge(self) -> None:
        if not self.delta:
            return
        keys = np.fromiter(
            (k for k, rows in self.delta.items() for _ in rows), dtype=np.uint32, count=self.pending
        )
        rows = np.fromiter(
            (r for rs in self.delta.values() for r in rs), dtype=np.uint32, count=self.pending
        )
        self._insert(keys, rows)
        self.delta.clear()
        self.pending = 0

    def _insert(self, keys: np.ndarray, rows: np.ndarray) -> None:
        """Insert entries whose rows are all newer than the held ones."""
        order = np.lexsort((rows, keys))
        keys, rows = keys[order], rows[order]
        high = (keys >> np.uint32(32 - _HIGH_BITS)).astype(np.intp)
        low = (keys & np.uint32(_LOW_MASK)).astype(np.uint16)
        # Where each goes: after the held entries of its bucket with a low part <= its own (a
        # binary search in every bucket at once; buckets hold ~1/65,536 of the entries).
        lo, hi = self.starts[high], self.starts[high + 1]
        while True:
            open_ = np.flatnonzero(lo < hi)
            if not len(open_):
                break
            mid = (lo[open_] + hi[open_]) // 2
            right = self.low[mid] <= low[open_]
            lo[open_[right]] = mid[right] + 1
            hi[open_[~right]] = mid[~right]
        self.low = np.insert(self.low, lo, low)
        self.rows = np.insert(self.rows, lo, rows)
        self.starts[1:] += np.cumsum(np.bincount(high, minlength=1 << _HIGH_BITS))

    @property
    def nbytes(self) -> int:
        arrays = self.low.nbytes + self.rows.nbytes + self.starts.nbytes
        return int(arrays) + self.pending * _PENDING_BYTES


# --- the index ---------------------------------------------------------------------------------


@dataclass
class _Found:
    signals: Signals
    repeat_rows: np.ndarray
    crowd_rows: np.ndarray
    seed_row: int
    seen: bool


_NO_ROWS = np.empty(0, dtype=np.int64)
_GROW_ROWS = 32_768  # about 3 MB of columns and fingerprints


class HistoryIndex:
    """The appeal history for repeat, duplicate and crowd checks. Thread-safe.

    `add` checks an appeal against the history and then adds it (live intake); `add_many` loads
    history in bulk without checking each row, and the repeat counts and crowd clusters of those
    rows are settled in one pass before the next `check` or `add` (crowd clusters only for the
    latest crowd window, the only one a new appeal can join). Rows should arrive in time order:
    a late row still counts, but the per-key scans keep the most recently added rows.
    """

    def __init__(self, config: IndexConfig | None = None) -> None:
        self.config = config or IndexConfig()
        self._lock = threading.RLock()
        self._n = 0
        self._cap = 0
        self._resolved = 0  # rows below this have their repeat count and cluster settled
        self._ids = np.empty(0, dtype=np.int64)
        self._minute = np.empty(0, dtype=np.int32)
        self._phone = np.empty(0, dtype=np.int64)
        self._community = np.empty(0, dtype=np.int32)
        self._matter = np.empty(0, dtype=np.int32)  # event-dictionary leaf, or -1
        self._sig = np.empty((0, NUM_PERM), dtype=np.uint8)
        self._count = np.empty(0, dtype=np.uint16)
        self._cluster = np.empty(0, dtype=np.int32)  # row of the cluster's first appeal, or -1
        self._valid = np.empty(0, dtype=bool)
        self._by_band = _PackedMultiMap()
        self._by_phone = _PackedMultiMap()
        self._by_community = _PackedMultiMap()

    def __len__(self) -> int:
        return self._n

    @property
    def nbytes(self) -> int:
        """What the index holds: its arrays (spare capacity included) and pending additions."""
        return sum(self.memory().values())

    def memory(self) -> dict[str, int]:
        """Bytes by part: the per-appeal columns (fingerprints apart) and the three lookups."""
        with self._lock:
            columns = (
                self._ids,
                self._minute,
                self._phone,
                self._community,
                self._matter,
                self._count,
                self._cluster,
                self._valid,
            )
            return {
                "fingerprints": int(self._sig.nbytes),
                "columns": sum(int(a.nbytes) for a in columns),
                "by_band": self._by_band.nbytes,
                "by_phone": self._by_phone.nbytes,
                "by_community": self._by_community.nbytes,
            }

    def held(self, appeal_ids: Sequence[int]) -> np.ndarray:
        """Which of these appeal ids the index holds (a mask). Ids mostly arrive in ascending
        order, so only the rows from the first one at or above the smallest asked are compared."""
        ids = np.asarray(appeal_ids, dtype=np.int64)
        with self._lock:
            if not len(ids) or not self._n:
                return np.zeros(len(ids), dtype=bool)
            mine = self._ids[: self._n]
            return np.isin(ids, mine[mine >= ids.min()])

    @property
    def _maps(self) -> tuple[_PackedMultiMap, ...]:
        return (self._by_band, self._by_phone, self._by_community)

    # -- public API --

    def check(
        self,
        phone: str | None,
        text: str,
        community_id: int | None,
        at: datetime,
        *,
        matter_id: int | None = None,
        appeal_id: int | None = None,
    ) -> Signals:
        """What the history says about an appeal, without adding it (`appeal_id` is left out).
        `matter_id` is the appeal's event-dictionary leaf when known."""
        sig = minhash(text)
        with self._lock:
            self._resolve()
            return self._find(
                sig, phone_key(phone), community_id, _matter(matter_id), minute_of(at), appeal_id
            ).signals

    def add(
        self,
        appeal_id: int,
        phone: str | None,
        text: str,
        community_id: int | None,
        at: datetime,
        *,
        matter_id: int | None = None,
    ) -> Signals:
        """Check and add. Adding an appeal id the index already holds changes nothing."""
        sig = minhash(text)
        with self._lock:
            self._resolve()
            return self._add(
                appeal_id, phone_key(phone), sig, community_id, _matter(matter_id), minute_of(at)
            )

    def add_many(self, rows: Iterable[HistoryRow]) -> int:
        """Bulk load rows of history, (appeal_id, phone, text, community_id, at[, matter_id]);
        returns how many. No duplicate-id detection: load each appeal once."""
        batch = list(rows)
        n = len(batch)
        if not n:
            return 0
        minima, valid = minhash_many([r[2] for r in batch])
        ids = np.fromiter((r[0] for r in batch), dtype=np.int64, count=n)
        phones = np.fromiter((phone_key(r[1]) for r in batch), dtype=np.int64, count=n)
        communities = np.fromiter(
            (-1 if r[3] is None else r[3] for r in batch), dtype=np.int32, count=n
        )
        minutes = np.fromiter((minute_of(r[4]) for r in batch), dtype=np.int32, count=n)
        matters = np.fromiter(
            (_matter(r[5] if len(r) > 5 else None) for r in batch), dtype=np.int32, count=n
        )
        cfg = self.config
        with self._lock:
            if self._n + n > self._cap:
                self._resize(max(self._n + n, self._grown()))
            rows_ = np.arange(self._n, self._n + n, dtype=np.int64)
            part = slice(self._n, self._n + n)
            self._ids[part], self._phone[part], self._community[part] = ids, phones, communities
            self._matter[part] = matters
            self._minute[part], self._valid[part], self._sig[part] = (
                minutes,
                valid,
                minima.astype(np.uint8),
            )
            self._count[part], self._cluster[part] = 1, -1
            keys = band_keys(minima[valid], cfg.bands, cfg.band_rows)
            self._by_band.add_bulk(keys.ravel(), np.repeat(rows_[valid], cfg.bands))
            self._by_phone.add_bulk(_hash32_array(phones[phones != 0]), rows_[phones != 0])
            self._by_community.add_bulk(communities[communities >= 0], rows_[communities >= 0])
            self._n += n
        return n

    def compact(self) -> None:
        """Settle a bulk load, merge pending additions and drop spare capacity."""
        with self._lock:
            self._resolve()
            for m in self._maps:
                m.merge()
            self._resize(self._n)

    # -- internals --

    def _grown(self) -> int:
        # A quarter more, but never more than _GROW_ROWS at once: after `compact` the first
        # live `add` would otherwise reserve room for a quarter of a million appeals more.
        return max(1024, self._cap + min(self._cap // 4, _GROW_ROWS))

    def _resize(self, cap: int) -> None:
        n = self._n
        for name in (
            "_ids",
            "_minute",
            "_phone",
            "_community",
            "_matter",
            "_sig",
            "_count",
            "_cluster",
            "_valid",
        ):
            old = getattr(self, name)
            new = np.empty((cap, *old.shape[1:]), dtype=old.dtype)
            new[:n] = old[:n]
            setattr(self, name, new)
        self._cap = cap

    def _add(
        self,
        appeal_id: int,
        phone: int,
        sig: np.ndarray | None,
        community_id: int | None,
        matter: int,
        minute: int,
    ) -> Signals:
        cfg = self.config
        keys = band_keys(sig, cfg.bands, cfg.band_rows).tolist() if sig is not None else []
        found = self._find(sig, phone, community_id, matter, minute, appeal_id, keys)
        if found.seen:
            return found.signals
        if self._n == self._cap:
            self._resize(self._grown())
        row = self._n
        self._ids[row] = appeal_id
        self._minute[row] = minute
        self._phone[row] = phone
        self._community[row] = -1 if community_id is None else community_id
        self._matter[row] = matter
        self._valid[row] = sig is not None
        self._sig[row] = 0 if sig is None else sig.astype(np.uint8)
        self._count[row] = min(found.signals.petition_count, 65535)
        self._cluster[row] = -1
        if found.signals.crowd is not None:
            self._join_cluster(row, found.crowd_rows, found.seed_row)
        self._n += 1
        self._resolved = self._n
        for key in keys:
            self._by_band.add(key, row)
        if phone:
            self._by_phone.add(_hash32(phone), row)
        if community_id is not None:
            self._by_community.add(community_id, row)
        for m in self._maps:
            if m.pending >= cfg.merge_every:
                m.merge()
        return found.signals

    def _join_cluster(self, row: int, group: np.ndarray, seed: int) -> None:
        self._cluster[group[self._cluster[group] < 0]] = seed
        self._cluster[row] = seed

    def _resolve(self) -> None:
        """Repeat counts and crowd clusters of bulk-loaded rows, in row order."""
        start, n = self._resolved, self._n
        if start == n:
            return
        cfg = self.config
        for m in self._maps:
            m.merge()
        # Repeat counts: rows grouped by phone, each row against the same phone's earlier rows.
        phones = self._phone[:n]
        order = np.lexsort((np.arange(n), phones))
        sorted_phones = phones[order]
        cuts = np.flatnonzero(np.diff(sorted_phones)) + 1
        bounds = np.concatenate([[0], cuts, [n]])
        sizes = np.diff(bounds)
        for b in np.flatnonzero((sizes > 1) & (sorted_phones[bounds[:-1]] != 0)).tolist():
            group = order[bounds[b] : bounds[b + 1]]
            for k in np.flatnonzero(group >= start).tolist():
                if k == 0:
                    continue
                row = int(group[k])
                if not self._valid[row]:
                    continue
                prior = group[max(0, k - cfg.phone_scan) : k]
                rows, _ = self._repeat_matches(
                    prior,
                    self._sig[row],
                    int(self._matter[row]),
                    int(self._community[row]),
                    int(self._minute[row]),
                    None,
                )
                if len(rows):
                    self._count[row] = min(int(self._count[rows].max()) + 1, 65535)
        # Crowd clusters: only the latest window matters to appeals still to come.
        span = int(cfg.crowd_window.total_seconds() // 60)
        latest = int(self._minute[:n].max())
        recent = start + np.flatnonzero(
            (self._minute[start:n] >= latest - span)
            & (self._community[start:n] >= 0)
            & self._valid[start:n]
        )
        for row in recent.tolist():
            crowd, group, seed = self._crowd(
                self._sig[row],
                int(self._phone[row]),
                int(self._community[row]),
                int(self._minute[row]),
                None,
                before=row,
            )
            if crowd is not None:
                self._join_cluster(row, group, seed)
        self._resolved = n

    def _in_window(
        self, rows: np.ndarray, minute: int, window: timedelta, exclude: int | None
    ) -> np.ndarray:
        span = int(window.total_seconds() // 60)
        at = self._minute[rows]
        keep = (at <= minute) & (at >= minute - span) & self._valid[rows]
        if exclude is not None:
            keep &= self._ids[rows] != exclude
        kept: np.ndarray = rows[keep]
        return kept

    def _repeat_matches(
        self,
        rows: np.ndarray,
        q: np.ndarray,
        matter: int,
        community: int,
        minute: int,
        exclude: int | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        cfg = self.config
        rows = self._in_window(rows, minute, cfg.repeat_window, exclude)
        sims = estimate(self._sig[rows], q)
        need = np.full(len(rows), cfg.repeat_similarity)
        if matter >= 0:
            theirs = self._matter[rows]
            same = theirs == matter
            need[same] = cfg.repeat_similarity_same_matter
            if community >= 0:
                need[same & (self._community[rows] == community)] = 0.0
            need[(theirs >= 0) & ~same] = cfg.repeat_similarity_other_matter
        keep = sims >= need
        return rows[keep][::-1], sims[keep][::-1]

    def _crowd(
        self,
        q: np.ndarray,
        phone: int,
        community_id: int,
        minute: int,
        exclude: int | None,
        *,
        before: int | None = None,
    ) -> tuple[CrowdInfo | None, np.ndarray, int]:
        cfg = self.config
        rows = self._by_community.lookup(
            [community_id], cfg.community_scan + (self._n - before if before is not None else 0)
        )[0]
        if before is not None:
            rows = rows[rows < before]
        rows = self._in_window(rows, minute, cfg.crowd_window, exclude)
        members = rows[estimate(self._sig[rows], q) >= cfg.crowd_similarity]
        if not len(members):
            return None, _NO_ROWS, -1
        clusters = self._cluster[members]
        known = np.unique(clusters[clusters >= 0])
        if len(known):
            group = np.union1d(members, rows[np.isin(self._cluster[rows], known)])
            seed = int(known.min())
        else:
            group, seed = members, int(members.min())
        phones = np.unique(np.append(self._phone[group], phone))
        distinct = int((phones != 0).sum())
        if distinct < cfg.crowd_min_phones:
            return None, group, seed
        info = CrowdInfo(
            cluster_id=int(self._ids[seed]),
            size=len(group) + 1,
            distinct_phones=distinct,
            members=tuple(int(i) for i in self._ids[group[: cfg.max_members]]),
        )
        return info, group, seed

    def _find(
        self,
        sig: np.ndarray | None,
        phone: int,
        community_id: int | None,
        matter: int,
        minute: int,
        exclude: int | None,
        keys: list[int] | None = None,
    ) -> _Found:
        cfg = self.config
        if sig is None or self._n == 0:
            return _Found(Signals(), _NO_ROWS, _NO_ROWS, -1, self._seen(phone, exclude))
        q = sig.astype(np.uint8)
        seen = False

        repeat_rows, repeat_sims, count = _NO_ROWS, np.empty(0), 1
        if phone:
            rows = self._by_phone.lookup([_hash32(phone)], cfg.phone_scan)[0]
            rows = rows[self._phone[rows] == phone]
            seen = exclude is not None and bool((self._ids[rows] == exclude).any())
            where = -1 if community_id is None else community_id
            repeat_rows, repeat_sims = self._repeat_matches(rows, q, matter, where, minute, exclude)
            if len(repeat_rows):
                count = int(self._count[repeat_rows].max()) + 1

        if keys is None:
            keys = band_keys(sig, cfg.bands, cfg.band_rows).tolist()
        cand = np.unique(np.concatenate(self._by_band.lookup(keys, cfg.bucket_scan)))
        if exclude is not None and not seen:
            seen = bool((self._ids[cand] == exclude).any())
        cand = self._in_window(cand, minute, cfg.duplicate_window, exclude)
        sims = estimate(self._sig[cand], q)
        keep = sims >= cfg.duplicate_similarity
        order = np.argsort(-sims[keep], kind="stable")[:20]
        dups = tuple(
            (int(i), round(float(s), 3))
            for i, s in zip(self._ids[cand[keep][order]], sims[keep][order], strict=True)
        )

        crowd, group, seed = None, _NO_ROWS, -1
        if community_id is not None:
            crowd, group, seed = self._crowd(q, phone, community_id, minute, exclude)
        signals = Signals(
            repeat_of=tuple(int(i) for i in self._ids[repeat_rows]),
            petition_count=count,
            near_duplicates=dups,
            crowd=crowd,
            repeat_similarity=tuple(round(float(s), 3) for s in repeat_sims),
        )
        return _Found(signals, repeat_rows, group, seed, seen)

    def _seen(self, phone: int, appeal_id: int | None) -> bool:
        if appeal_id is None or not phone or self._n == 0:
            return False
        rows = self._by_phone.lookup([_hash32(phone)], self.config.phone_scan)[0]
        return bool((self._ids[rows] == appeal_id).any())


def appeal_text(title: str | None, body: str | None) -> str:
    """The text an appeal is fingerprinted by: its title and body."""
    return f"{title or ''}。{body or ''}"


def build_index(
    session: Session, *, config: IndexConfig | None = None, chunk_size: int = 20_000
) -> HistoryIndex:
    """The index of every appeal in the database, read in id order in chunks (keyset paging)."""
    index = HistoryIndex(config)
    catch_up(index, session, after=None, chunk_size=chunk_size)
    index.compact()
    return index


def catch_up(
    index: HistoryIndex,
    session: Session,
    *,
    after: int | None,
    chunk_size: int = 20_000,
    lookback: int = 0,
) -> int | None:
    """Add the appeals with an id above `after` (all with None) that the index does not hold
    yet, and those of the `lookback` ids at or below it it missed: ids are handed out at insert
    and transactions commit in any order, so an appeal may appear after a higher id was read.
    Returns the highest id read (`after` if none)."""
    if after is not None and lookback > 0:
        late = session.scalars(
            select(Appeal.id)
            .where(Appeal.id > after - lookback, Appeal.id <= after)
            .order_by(Appeal.id)
        ).all()
        missing = [i for i, held in zip(late, index.held(late), strict=True) if not held]
        for first in range(0, len(missing), chunk_size):
            index.add_many(history_rows(session, ids=missing[first : first + chunk_size]))
    while True:
        rows = history_rows(session, after=after, limit=chunk_size)
        if not rows:
            return after
        after = rows[-1][0]
        if len(index):
            held = index.held([r[0] for r in rows])
            rows = [r for r, is_held in zip(rows, held, strict=True) if not is_held]
        index.add_many(rows)


def history_rows(
    session: Session,
    *,
    after: int | None = None,
    limit: int | None = None,
    ids: Sequence[int] | None = None,
) -> list[HistoryRow]:
    """History rows in id order: of the appeals with an id above `after` (at most `limit`), or
    of the appeals `ids`. The matter is the case's event-dictionary leaf, else intake's hint."""
    query = (
        select(
            Appeal.id,
            Appeal.phone,
            Appeal.title,
            Appeal.body,
            Case.community_id,
            Appeal.submitted_at,
            func.coalesce(Case.category_id, Appeal.category_hint_id),
        )
        .outerjoin(Case, Case.appeal_id == Appeal.id)
        .order_by(Appeal.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Appeal.id > after)
    if ids is not None:
        query = query.where(Appeal.id.in_(ids))
    return [
        (r[0], r[1], appeal_text(r[2], r[3]), r[4], r[5], r[6]) for r in session.execute(query)
    ]


# --- persistence ---------------------------------------------------------------------------------


def record_signals(session: Session, appeal_id: int, signals: Signals, now: datetime) -> int:
    """Write the links of one appeal (idempotent: links already there are kept); returns how
    many were added. Flushes, never commits."""
    rows = link_rows(session, {appeal_id: signals}, now)
    session.add_all(AppealLink(**row) for row in rows)
    session.flush()
    return len(rows)


def link_rows(session: Session, signals_of: dict[int, Signals], now: datetime) -> list[dict[str, Any]]:
    """The `appeal_links` rows still missing for many appeals at once: one query for the links
    already there, so the triage job writes a whole batch's links in one statement."""
    wanted: dict[tuple[int, int, LinkKind], tuple[float | None, int | None]] = {}
    for appeal_id, signals in signals_of.items():
        for other, sim in zip(
            signals.repeat_of,
            signals.repeat_similarity or (None,) * len(signals.repeat_of),
            strict=True,
        ):
            wanted[(appeal_id, other, LinkKind.REPEAT)] = (sim, None)
        for other, sim in signals.near_duplicates:
            wanted[(appeal_id, other, LinkKind.DUPLICATE)] = (sim, None)
        if signals.crowd is not None:
            for other in signals.crowd.members:
                wanted[(appeal_id, other, LinkKind.CROWD)] = (None, signals.crowd.cluster_id)
        for kind in (LinkKind.REPEAT, LinkKind.DUPLICATE, LinkKind.CROWD):
            wanted.pop((appeal_id, appeal_id, kind), None)
    if not wanted:
        return []
    have = {
        (appeal_id, other, kind)
        for appeal_id, other, kind in session.execute(
            select(AppealLink.appeal_id, AppealLink.other_id, AppealLink.kind).where(
                AppealLink.appeal_id.in_({key[0] for key in wanted})
            )
        )
    }
    return [
        {
            "appeal_id": appeal_id, "other_id": other, "kind": kind.value, "similarity": sim,
            "cluster_id": cluster, "created_at": now,
        }
        for (appeal_id, other, kind), (sim, cluster) in wanted.items()
        if (appeal_id, other, kind) not in have
    ]


def links_of(session: Session, appeal_id: int) -> list[AppealLink]:
    """Links from and to an appeal, oldest first."""
    return list(
        session.scalars(
            select(AppealLink)
            .where(or_(AppealLink.appeal_id == appeal_id, AppealLink.other_id == appeal_id))
            .order_by(AppealLink.id)
        )
    )


def petition_count_of(session: Session, appeal_id: int, *, limit: int = 1000) -> int:
    """1 + the earlier appeals this one repeats, following repeat links back (初信 = 1)."""
    seen = {appeal_id}
    frontier = {appeal_id}
    while frontier and len(seen) < limit:
        earlier = set(
            session.scalars(
                select(AppealLink.other_id).where(
                    AppealLink.appeal_id.in_(frontier), AppealLink.kind == LinkKind.REPEAT
                )
            )
        )
        frontier = earlier - seen
        seen |= frontier
    return len(seen)


# --- synthetic history and the bench ------------------------------------------------------------

_PLACE_HEADS = (
    "东湖",
    "西苑",
    "南山",
    "北辰",
    "翠竹",
    "金桂",
    "银杏",
    "梧桐",
    "春晖",
    "秋实",
    "滨江",
    "望江",
    "青石",
    "红星",
    "阳光",
    "幸福",
    "和平",
    "新华",
    "文昌",
    "锦绣",
    "长乐",
    "永安",
    "龙泉",
    "凤凰",
)
_PLACE_TAILS = (
    "花园",
    "小区",
    "家园",
    "公寓",
    "新村",
    "雅苑",
    "华府",
    "雅居",
    "名城",
    "佳园",
    "馨苑",
    "御景",
)
_MATTERS = (
    "{p}{n}栋楼下的垃圾桶已经{d}天没人清运，天气热气味很大，招来很多苍蝇",
    "{p}旁边的工地每天晚上十点以后还在施工打桩，噪音很大，老人孩子都睡不好",
    "我在{p}附近的建筑工地干了{d}个月，包工头一直拖欠工资共计{m}元，多次讨要无果",
    "孩子今年九月上小学，户籍在{p}，想咨询学位申请需要准备哪些材料和报名时间",
    "{p}物业擅自上调物业费，电梯坏了{d}天也不修，业主多次找物业都没有结果",
    "{p}门口主干道有{n}盏路灯不亮已经一周多了，晚上出行很不安全",
    "{p}菜市场门口每天早上有流动摊贩占道经营，车辆和行人都过不去",
    "楼上住户卫生间漏水导致我家天花板发霉，住在{p}{n}栋，与对方协商{d}次都没有结果",
    "{p}临街一家餐馆的排烟管道直接对着居民楼，油烟很大，窗户都不敢开",
    "{p}地铁站出口共享单车堆放严重，占用盲道和消防通道",
    "{p}是老旧小区，住户多数是老人，想了解加装电梯的补贴政策和申请流程",
    "{p}今天上午突然停水，事先没有任何通知，到现在{d}个小时了还没有恢复供水",
    "{p}{n}号楼地下车库长期积水，墙皮脱落，车辆进出很危险",
    "{p}南门外的下水道堵塞，污水漫到路面，臭味很大已经{d}天了",
    "{p}小区里有人私自圈地种菜还泼洒粪水，影响环境卫生",
    "{p}对面的广场舞音响每天晚上开到很大声，一直跳到十点多",
    "在{p}买的商品房已经交房{d}年了，开发商一直不给办理不动产证",
    "{p}附近的公交站撤了以后，老人去医院要走{n}公里，很不方便",
    "{p}周边新开的棋牌室通宵营业，经常有人吵闹打架",
    "{p}的幼儿园收费标准每学期涨了{m}元，没有任何公示",
)
_OPENERS = (
    "",
    "您好，",
    "领导好，",
    "你好，我想反映一个问题，",
    "本人是附近居民，",
    "我是一名退休职工，",
)
_REWORD = (
    "我之前反映过，",
    "上次反映的问题还没解决，",
    "再次反映：",
    "已经是第{d}次反映了，",
    "问题依旧存在，",
)
_DETAILS = (
    "已经向社区反映过",
    "打过好几次12345电话",
    "周边住户意见很大",
    "严重影响了正常生活",
    "拍了照片和视频可以提供",
    "不知道该找哪个部门",
    "从{mo}月份开始就这样了",
    "家里有{n}岁的老人身体不好",
    "孩子马上要考试了",
    "物业说不归他们管",
    "街道说要等上级批复",
    "上周{wd}晚上特别严重",
    "附近还有一所小学",
    "之前来人看过一次就没有下文了",
    "我们自己找过对方协商",
    "已经持续{d}天",
    "下雨天更加严重",
    "邻居们都在群里讨论这件事",
    "投诉到环保局说归城管管",
    "有好几户已经准备联名反映",
    "早上六点多就开始了",
)
_CLOSERS = (
    "希望尽快处理。",
    "请相关部门核实处理。",
    "望领导重视，谢谢！",
    "请求帮助解决。",
    "请给予答复。",
    "",
)


def synthetic_appeals(
    n: int,
    *,
    seed: int = 7,
    start: datetime = datetime(2023, 1, 1, tzinfo=UTC),
    span: timedelta = timedelta(days=3 * 365),
) -> Iterator[tuple[int, str | None, str, int | None, datetime, int | None]]:
    """Realistic-looking appeals generated from templates (no real data), as (appeal_id, phone,
    text, community_id, at, matter_id): about 15 % are a citizen's reworded repeat, 3 % the same
    text through another channel, and 1 % start a crowd of 6-12 citizens in one community within
    a few days. The matter is the template's number, as a classifier would give a leaf."""
    rng = random.Random(seed)  # noqa: S311 - synthetic text, not security
    step = span / max(n, 1)
    recent: list[tuple[str | None, int, str, int, str]] = []
    bursts: list[tuple[int, int, str, int]] = []  # (rows left, matter, place, community)
    for i in range(n):
        at = start + step * i
        roll = rng.random()
        if bursts and rng.random() < 0.3:
            left, matter, place, community = bursts.pop(rng.randrange(len(bursts)))
            if left > 1:
                bursts.append((left - 1, matter, place, community))
            phone: str | None = f"1{rng.randint(3, 9)}{rng.randrange(10**9):09d}"
            text = _compose(rng, matter, place, rng.choice(_OPENERS))
        elif recent and roll < 0.15:
            phone, matter, place, community, _ = recent[rng.randrange(len(recent))]
            text = _compose(rng, matter, place, rng.choice(_REWORD).format(d=rng.randint(2, 5)))
        elif recent and roll < 0.18:
            phone, matter, place, community, text = recent[rng.randrange(len(recent))]
            phone = phone if rng.random() < 0.5 else None
            text = text + rng.choice(_CLOSERS)
        else:
            phone = f"1{rng.randint(3, 9)}{rng.randrange(10**9):09d}"
            matter, community = rng.randrange(len(_MATTERS)), rng.randrange(240)
            place = rng.choice(_PLACE_HEADS) + rng.choice(_PLACE_TAILS)
            text = _compose(rng, matter, place, rng.choice(_OPENERS))
            if roll > 0.99:
                bursts.append((rng.randint(6, 12), matter, place, community))
        recent.append((phone, matter, place, community, text))
        if len(recent) > 5000:
            recent.pop(0)
        yield 10_000_000 + i, phone, text, community, at, matter


def _compose(r: random.Random, matter: int, place: str, opener: str) -> str:
    slots = {
        "p": place,
        "n": r.randint(1, 30),
        "d": r.randint(2, 20),
        "m": r.randint(3, 90) * 1000,
        "mo": r.randint(1, 12),
        "wd": "一二三四五六日"[r.randrange(7)],
    }
    details = "，".join(d.format(**slots) for d in r.sample(_DETAILS, r.randint(1, 3)))
    return opener + _MATTERS[matter].format(**slots) + "，" + details + "，" + r.choice(_CLOSERS)


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
