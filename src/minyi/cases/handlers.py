"""The cases domain's worker job: the search index's upkeep."""

from __future__ import annotations

from minyi.cases.search import merge_pending_terms
from minyi.core.registry import Registry

# Seconds between merges of the search indexes' pending lists: in a burst of appeals about 4 MB
# of new postings a few seconds, which every search reads through until they are merged.
MERGE_EVERY = 2.0


def install(registry: Registry) -> None:
    registry.job(
        "merge_search_pending", lambda ctx: merge_pending_terms(ctx.session), every=MERGE_EVERY
    )
