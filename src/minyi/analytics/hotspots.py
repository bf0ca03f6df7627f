"""Hotspots (热点): clusters of messages on the same matter and place, ranked by a heat index.

Pure code: no session, no clock. `cluster_messages` takes `Message`s (from the database, see
`queries.find_hotspots`, or from a CSV, see `hotspot_data`) and returns `Hotspot`s, hottest first.

How a hotspot is found (docs/analytics.md has the reasoning):

1. Messages are grouped by place key when they have one (the community of a case); messages
   without a place form one group, in which the place is only what the text names.
2. Texts become TF-IDF vectors of character bigrams (title counted twice, then the start of
   the body): bigrams keep place names (丽发新城, 五矿万境) and matters (搅拌站, 捆绑车位)
   without a word segmenter, and are fast. Within a group, messages are joined by
   average-linkage agglomerative clustering on cosine distance, cut at `1 - similarity`;
   average linkage does not chain unrelated messages through one long message the way single
   linkage does. Clusters whose centroids are close are then merged (`merge_similarity`).
3. A cluster's messages are cut into episodes wherever two consecutive messages lie more than
   `gap_days` apart (session windows): a matter that comes back a year later is a new hotspot.
4. Each episode with at least `min_messages` messages is a hotspot, scored by `heat_index`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np

# SciPy and scikit-learn are imported where they are used: importing them costs about a CPU
# second, which every process (the server, the worker, each CLI command) paid at start though
# only a hotspot pass needs them.

# Weights of the heat index (see `heat_index`).
REPEAT_WEIGHT = 0.5
CROWD_WEIGHT = 0.2
LIKES_WEIGHT = 3.0
MAX_GROWTH = 3.0


@dataclass(frozen=True, slots=True)
class Message:
    """One appeal as the hotspot pass sees it. `citizen` is whatever identifies the person
    (a phone, a user id); `place` a place key (a community id) or None; `crowd_size` the number
    of people the appeal says it speaks for (涉众人数) when known."""

    id: str
    title: str
    body: str
    at: datetime
    citizen: str | None = None
    place: Hashable | None = None
    place_name: str | None = None
    likes: int = 0
    crowd_size: int | None = None


@dataclass(frozen=True)
class HotspotConfig:
    similarity: float = 0.15  # average cosine similarity at which clusters still join
    merge_similarity: float = 0.4  # centroid cosine at which two clusters are one matter
    gap_days: float = 30.0  # a longer silence starts a new episode
    growth_days: float = 7.0  # growth compares the last window of this length with the one before
    min_messages: int = 2  # a single message is not a cluster, however many likes it has
    body_chars: int = 60
    min_df: int = 1


@dataclass(frozen=True)
class Hotspot:
    """One hot problem: its messages (oldest first), time span, place, description and figures.
    `heat` is `heat_index(...)` of the figures; `growth` is the clipped relative growth."""

    rank: int
    heat: float
    description: str
    place: str | None
    first_at: datetime
    last_at: datetime
    messages: int
    citizens: int
    repeats: int
    likes: int
    crowd_extra: int
    growth: float
    member_ids: tuple[str, ...]
    keywords: tuple[str, ...] = field(default=())


def heat_index(
    *, citizens: int, repeats: int, likes: int, crowd_extra: int, growth: float
) -> float:
    """H = (U + 0.5·R + 0.2·X + 3·ln(1 + L)) × (1 + G/3).

    U distinct citizens; R = messages − U, the same citizen writing again (an unsolved matter);
    X extra people declared by crowd appeals, Σ max(0, crowd_size − 1); L likes (a like is a
    silent co-signer, but cheap, so it counts logarithmically: one viral post must not outweigh
    dozens of written complaints); G growth in [0, 3] (up to doubling the score).
    """
    volume = (
        citizens
        + REPEAT_WEIGHT * repeats
        + CROWD_WEIGHT * crowd_extra
        + LIKES_WEIGHT * math.log1p(max(likes, 0))
    )
    return volume * (1 + min(max(growth, 0.0), MAX_GROWTH) / MAX_GROWTH)


def growth_of(times: Sequence[datetime], *, as_of: datetime, days: float) -> float:
    """(n_last − n_prev) / max(1, n_prev) over the windows (as_of − d, as_of] and the one before,
    clipped to [0, MAX_GROWTH]."""
    span = timedelta(days=days)
    last = sum(1 for t in times if as_of - span < t <= as_of)
    prev = sum(1 for t in times if as_of - 2 * span < t <= as_of - span)
    return min(max((last - prev) / max(1, prev), 0.0), MAX_GROWTH)


def _texts(messages: Sequence[Message], body_chars: int) -> list[str]:
    return [f"{m.title} {m.title} {m.body[:body_chars]}" for m in messages]


def cluster_labels(messages: Sequence[Message], config: HotspotConfig) -> np.ndarray:
    """A cluster label per message (messages of different place keys never share one).

    One vectorizer is fitted on all the messages (IDF over the whole pass), then each place
    group is clustered on its own rows with SciPy's average linkage, which costs microseconds
    for the small groups a day has (a community sees a handful of appeals a day)."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.sparse import csr_matrix
    from scipy.spatial.distance import squareform
    from sklearn.feature_extraction.text import TfidfVectorizer

    labels = np.full(len(messages), -1, dtype=np.int64)
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for i, m in enumerate(messages):
        groups[m.place].append(i)
    try:
        x = TfidfVectorizer(
            analyzer="char", ngram_range=(2, 2), sublinear_tf=True, min_df=config.min_df
        ).fit_transform(_texts(messages, config.body_chars))
    except ValueError:  # nothing but one-character texts: each message stands alone
        return np.arange(len(messages), dtype=np.int64)
    x = csr_matrix(x)
    next_label = 0
    for rows in groups.values():
        if len(rows) == 1:
            labels[rows[0]] = next_label
            next_label += 1
            continue
        sub = x[rows]
        distance = np.clip(1.0 - (sub @ sub.T).toarray(), 0.0, 2.0)
        np.fill_diagonal(distance, 0.0)
        tree = linkage(squareform(distance, checks=False), method="average")
        found = fcluster(tree, t=1.0 - config.similarity, criterion="distance") - 1
        found = _merge_close(sub, found.astype(np.int64), config.merge_similarity)
        for i, label in zip(rows, found.tolist(), strict=True):
            labels[i] = next_label + label
        next_label += int(found.max()) + 1
    return labels


def _merge_close(x: Any, labels: np.ndarray, threshold: float) -> np.ndarray:
    """Join clusters whose centroids are close: average linkage leaves one matter in two
    clusters when each half has its own wording (搅拌站 vs 搅拌厂), and their centroids still
    agree on place and matter."""
    from scipy.sparse import csr_matrix
    from sklearn.preprocessing import normalize

    n = int(labels.max()) + 1
    if n < 2:
        return labels
    indicator = csr_matrix(
        (np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(n, len(labels))
    )
    centroids = normalize(indicator @ x)
    sims = (centroids @ centroids.T).tocoo()
    parent = list(range(n))

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b, s in zip(sims.row.tolist(), sims.col.tolist(), sims.data.tolist(), strict=True):
        if a < b and s >= threshold:
            parent[root(a)] = root(b)
    roots = np.array([root(a) for a in range(n)])
    _, merged = np.unique(roots[labels], return_inverse=True)
    out: np.ndarray = merged.astype(np.int64)
    return out


def _episodes(members: list[Message], gap: timedelta) -> list[list[Message]]:
    members = sorted(members, key=lambda m: (m.at, m.id))
    out: list[list[Message]] = [[members[0]]]
    for m in members[1:]:
        if m.at - out[-1][-1].at > gap:
            out.append([m])
        else:
            out[-1].append(m)
    return out


def _describe(members: Sequence[Message]) -> tuple[str, tuple[str, ...]]:
    """The title that shares most bigrams with the others (the cluster's medoid by title),
    and the bigrams most of the titles share."""
    grams = [{t[i : i + 2] for i in range(len(t) - 1)} for t in (m.title for m in members)]
    counts: Counter[str] = Counter(g for gs in grams for g in gs)
    best = max(range(len(members)), key=lambda i: (sum(counts[g] for g in grams[i]), -i))
    common = tuple(g for g, c in counts.most_common(8) if c > 1 and c >= len(members) / 2)
    return members[best].title, common


def cluster_messages(
    messages: Sequence[Message],
    *,
    as_of: datetime,
    limit: int = 10,
    config: HotspotConfig | None = None,
) -> list[Hotspot]:
    """The `limit` hottest hotspots among the messages, judged as of `as_of` (for growth)."""
    cfg = config or HotspotConfig()
    if not messages:
        return []
    labels = cluster_labels(messages, cfg)
    clusters: dict[int, list[Message]] = defaultdict(list)
    for m, label in zip(messages, labels.tolist(), strict=True):
        clusters[label].append(m)
    found: list[tuple[float, Hotspot]] = []
    for members in clusters.values():
        if len(members) < cfg.min_messages:
            continue
        for episode in _episodes(members, timedelta(days=cfg.gap_days)):
            if len(episode) < cfg.min_messages:
                continue
            found.append(_score(episode, as_of, cfg))
    found.sort(key=lambda f: (-f[0], f[1].first_at))
    return [replace(h, rank=rank) for rank, (_, h) in enumerate(found[:limit], start=1)]


def _score(episode: list[Message], as_of: datetime, cfg: HotspotConfig) -> tuple[float, Hotspot]:
    # A message without a citizen counts as its own citizen: unknown people are not repeats.
    citizens = len({m.citizen or f"#{m.id}" for m in episode})
    repeats = len(episode) - citizens
    likes = sum(max(m.likes, 0) for m in episode)
    crowd_extra = sum(max((m.crowd_size or 1) - 1, 0) for m in episode)
    growth = growth_of([m.at for m in episode], as_of=as_of, days=cfg.growth_days)
    heat = heat_index(
        citizens=citizens, repeats=repeats, likes=likes, crowd_extra=crowd_extra, growth=growth
    )
    description, keywords = _describe(episode)
    places = Counter(m.place_name for m in episode if m.place_name)
    hotspot = Hotspot(
        rank=0,
        heat=round(heat, 2),
        description=description,
        place=places.most_common(1)[0][0] if places else None,
        first_at=episode[0].at,
        last_at=episode[-1].at,
        messages=len(episode),
        citizens=citizens,
        repeats=repeats,
        likes=likes,
        crowd_extra=crowd_extra,
        growth=round(growth, 3),
        member_ids=tuple(m.id for m in episode),
        keywords=keywords,
    )
    return heat, hotspot
