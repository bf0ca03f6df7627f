"""The worker merges the search index's pending lists (cases/search.py `merge_pending_terms`), so
the intake writer's INSERTs, which let them grow, never stop a group commit to merge them."""

from __future__ import annotations

from conftest import START
from factories import register_appeal
from minyi.cases.search import merge_pending_terms
from minyi.core.db import Database
from minyi.wiring import build_registry


def test_new_appeals_wait_in_the_pending_list_until_the_worker_merges_it(
    fresh_demo_db: Database,
) -> None:
    db = fresh_demo_db
    with db.unit_of_work() as session:
        assert merge_pending_terms(session) >= 0  # whatever the demo load left
    for i in range(20):
        register_appeal(db, now=START, title=f"楼道灯不亮第{i}次", body="三号楼楼道灯坏了很久")
    with db.unit_of_work() as session:
        merged = merge_pending_terms(session)
    with db.unit_of_work() as session:
        again = merge_pending_terms(session)
    if db.engine.dialect.name == "postgresql":
        assert merged > 0 and again == 0
    else:  # FTS5 has no pending list
        assert merged == again == 0


def test_the_worker_runs_the_merge_every_few_seconds() -> None:
    job = build_registry().jobs["merge_search_pending"]
    assert 0 < job.every <= 5
