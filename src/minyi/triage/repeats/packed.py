"""The index's lookup structure: a compact sorted multimap of 32-bit keys to rows."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_HIGH_BITS = 16
_LOW_MASK = (1 << (32 - _HIGH_BITS)) - 1
# A rough cost of one pending addition in the dict of lists (list slot, int object, share of
# the dict entry); the dict is merged at `merge_every`, so it stays small.
_PENDING_BYTES = 48


class PackedMultiMap:
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
