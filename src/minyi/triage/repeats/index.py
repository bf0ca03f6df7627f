"""`HistoryIndex`: the whole appeal history in memory as compact arrays, checked for repeats,
near-duplicates and crowds in well under a millisecond (see the package's docstring)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from minyi.triage.repeats.fingerprints import (
    NUM_PERM,
    band_keys,
    estimate,
    hash32,
    hash32_array,
    matter_key,
    minhash,
    minhash_many,
    minute_of,
    phone_key,
)
from minyi.triage.repeats.packed import PackedMultiMap
from minyi.triage.repeats.signals import CrowdInfo, HistoryRow, IndexConfig, Signals


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
        self._by_band = PackedMultiMap()
        self._by_phone = PackedMultiMap()
        self._by_community = PackedMultiMap()

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
    def _maps(self) -> tuple[PackedMultiMap, ...]:
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
                sig, phone_key(phone), community_id, matter_key(matter_id), minute_of(at), appeal_id
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
                appeal_id, phone_key(phone), sig, community_id, matter_key(matter_id), minute_of(at)
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
            (matter_key(r[5] if len(r) > 5 else None) for r in batch), dtype=np.int32, count=n
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
            self._by_phone.add_bulk(hash32_array(phones[phones != 0]), rows_[phones != 0])
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
            self._by_phone.add(hash32(phone), row)
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
            rows = self._by_phone.lookup([hash32(phone)], cfg.phone_scan)[0]
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
        rows = self._by_phone.lookup([hash32(phone)], self.config.phone_scan)[0]
        return bool((self._ids[rows] == appeal_id).any())
