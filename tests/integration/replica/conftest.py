"""`pg_pair`: a real PostgreSQL primary and streaming replica, made once per session in a few
seconds (tests/replica_pair.py), stopped and removed at the end."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import demo_database_url, drop_database
from replica_pair import Pair, bin_dir


@pytest.fixture(scope="session")
def pg_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    # Not under pytest's own temporary folder: the servers' user must be able to reach it.
    folder = Path(tempfile.mkdtemp(prefix="minyi-replica-"))
    pair = Pair(folder, bin_dir())
    demo = demo_database_url("postgres", tmp_path_factory.mktemp("replica-demo"))
    try:
        pair.build(demo)
        drop_database(demo)
        yield pair
    finally:
        drop_database(demo)
        pair.remove()
