"""The values of the repeat and crowd checks: the index's configuration, one appeal's signals,
its crowd, the kinds of link and a history row. Pure data, no storage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from minyi.triage.repeats.fingerprints import NUM_PERM

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
