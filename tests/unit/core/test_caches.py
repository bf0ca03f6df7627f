"""Per-runtime caches: a slot's value is made once per Caches, never shared between two."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from minyi.core.caches import Caches, Memo, Slot, caches_of
from minyi.core.db import Database

COUNTER: Slot[list[int]] = Slot("test.counter", list)


class TestCaches:
    def test_a_slot_is_made_once_per_caches(self) -> None:
        one, two = Caches(), Caches()
        COUNTER.of(one).append(1)
        assert COUNTER.of(one) == [1]
        assert COUNTER.of(two) == []

    def test_a_test_wires_a_value_and_reset_forgets_it(self) -> None:
        caches = Caches()
        caches.put(COUNTER, [7])
        assert COUNTER.of(caches) == [7]
        caches.reset(COUNTER)
        assert COUNTER.of(caches) == []

    def test_two_databases_on_one_url_share_nothing(self) -> None:
        first, second = Database("sqlite://"), Database("sqlite://")
        try:
            with first.reading() as a, first.unit_of_work() as b, second.reading() as c:
                assert caches_of(a) is caches_of(b) is first.caches
                assert caches_of(c) is second.caches is not first.caches
        finally:
            first.dispose()
            second.dispose()

    def test_a_writer_database_keeps_the_runtime_caches(self) -> None:
        caches = Caches()
        db = Database("sqlite://", caches=caches)
        try:
            assert db.for_one_writer().caches is caches
        finally:
            db.dispose()

    def test_a_bare_session_gets_caches_of_its_own(self) -> None:
        engine = create_engine("sqlite://")
        with Session(engine) as one, Session(engine) as two:
            assert caches_of(one) is caches_of(one)
            assert caches_of(one) is not caches_of(two)
        engine.dispose()


class TestMemo:
    def test_made_once_per_key_and_bounded(self) -> None:
        memo: Memo[int, str] = Memo(size=2)
        made: list[int] = []

        def make(key: int) -> str:
            made.append(key)
            return str(key)

        assert memo.get(1, lambda: make(1)) == "1"
        assert memo.get(1, lambda: make(1)) == "1"
        memo.get(2, lambda: make(2))
        memo.get(3, lambda: make(3))  # past the size it starts again
        memo.get(1, lambda: make(1))
        assert made == [1, 2, 3, 1]
