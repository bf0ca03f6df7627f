"""The registry: handlers run in the order they were added, a name is added once, a database's
sessions run the registry it was given (none process-wide), and the default composition orders
the domains."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from minyi.cases.hooks import CASE_ACTION, CASES_PLANNED, CASES_REGISTERED
from minyi.core.db import Database
from minyi.core.registry import CLOCKS_LOOP, Hook, JobContext, Registry, Unwired, registry_of
from minyi.sla import handlers as sla
from minyi.sla.hooks import CLOCK_FIRED
from minyi.wiring import DOMAINS, build_registry

EVENT: Hook[Callable[[list[str]], None]] = Hook("test.event")


def nothing(_ctx: JobContext) -> int:
    return 0


class TestRegistry:
    def test_handlers_run_in_the_order_they_were_added(self) -> None:
        registry, seen = Registry(), []
        registry.add(EVENT, "b", lambda out: out.append("b"))
        registry.add(EVENT, "a", lambda out: out.append("a"))
        for handler in registry.handlers(EVENT):
            handler(seen)
        assert seen == ["b", "a"]
        assert registry.names(EVENT) == ["b", "a"]

    def test_a_name_is_added_once(self) -> None:
        registry = Registry()
        registry.add(EVENT, "a", lambda out: out.clear())
        with pytest.raises(ValueError, match="already registered"):
            registry.add(EVENT, "a", lambda out: out.clear())

    def test_a_database_hands_its_registry_to_its_sessions(self) -> None:
        mine, other = Registry(), Registry()
        db = Database("sqlite://", registry=mine)
        beside = db.with_registry(other)
        try:
            with db.reading() as session:
                assert registry_of(session) is mine
            with db.unit_of_work() as session:
                assert registry_of(session) is mine
            with beside.reading() as session:
                assert registry_of(session) is other
            assert beside.engine is db.engine and beside.caches is db.caches
            assert db.registry is mine, "with_registry leaves the database it came from alone"
        finally:
            db.dispose()

    def test_no_registry_is_refused_not_borrowed(self) -> None:
        db = Database("sqlite://")
        try:
            with db.reading() as session, pytest.raises(Unwired, match="without a registry"):
                registry_of(session)
        finally:
            db.dispose()
        with pytest.raises(Unwired):
            registry_of(None)

    def test_a_job_is_named_once(self) -> None:
        registry = Registry()
        registry.job("sweep", nothing, every=60)
        with pytest.raises(ValueError, match="already registered"):
            registry.job("sweep", nothing)
        assert registry.jobs["sweep"].every == 60


class TestComposition:
    def test_the_clocks_come_before_escalation(self) -> None:
        registry = build_registry()
        actions = registry.names(CASE_ACTION)
        assert actions.index("sla.follow") < actions.index("escalation.evaluate")
        fired = registry.names(CLOCK_FIRED)
        assert fired[0] == "sla.timeline"
        assert fired.index("escalation.breach") < fired.index("notifications.clock")
        # The clocks of a new batch are planned (and written by intake before any handler).
        assert "sla.plan" in registry.names(CASES_PLANNED)
        assert registry.names(CASES_REGISTERED)[-1] == "integrations.webhooks"

    def test_every_listed_domain_installs_and_the_clocks_have_their_own_loop(self) -> None:
        registry = build_registry()
        assert registry.domains == [d.__name__.split(".")[1] for d in DOMAINS]
        assert registry.jobs["fire_clocks"].loop == CLOCKS_LOOP
        # The hotspot pass (tens of seconds at a city's volume) has a loop of its own too, so
        # it never holds the outbox; every other job shares the main loop.
        assert registry.jobs["compute_hotspots"].loop == "hotspots"
        others = {"fire_clocks", "compute_hotspots"}
        assert {j.loop for n, j in registry.jobs.items() if n not in others} == {"main"}

    def test_a_test_may_wire_only_what_it_needs(self) -> None:
        registry = build_registry([sla])
        assert registry.domains == ["sla"]
        assert registry.names(CASE_ACTION) == ["sla.follow"]
