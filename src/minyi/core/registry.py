"""The registry: every reaction to an event and every worker job, in one object.

A package that raises an event declares a `Hook` for it (cases: `CASE_ACTION`; sla:
`CLOCK_FIRED`); packages above it add handlers to a `Registry` in their `install(registry)`,
and `minyi.wiring` calls those in dependency order. Handlers run in the order they were added,
so reading `wiring.DOMAINS` and the `install` functions tells every reaction to every event, in
order. Entry points build one registry per runtime (`wiring.build_registry`).

The services that raise events (`act_on_case`, `register_appeals`, the clock sweep) are called
from the API, the web pages, the CLI, the worker and the demo, always with a session: the
runtime's database hands its registry to every session it opens, and the hooks read it there
(`registry_of`), so no service signature carries it and two runtimes in one process never run
each other's handlers. There is no process-wide registry to fall back on: a database made on its
own (a test's, a tool's) is given the registry its sessions run (`Database(url, registry=...)`,
`Database.with_registry`), and an event raised in a session of a database made without one is
refused rather than heard by nobody or by some other runtime's handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from minyi.core.clock import Clock
    from minyi.core.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Hook(Generic[F]):
    """An event other packages may react to, declared by the package that raises it."""

    key: str


@dataclass(frozen=True)
class JobContext:
    """What a worker job gets for one run: its transaction, the run's instant and the process's
    settings and clock (read once per process, never from the environment per run)."""

    session: Session
    now: datetime
    settings: Settings
    clock: Clock


JobFn = Callable[[JobContext], int]

MAIN_LOOP = "main"
CLOCKS_LOOP = "clocks"


@dataclass(frozen=True)
class Job:
    """A worker job: how much it did per run; a job that did a full batch runs again at once.

    `every` is the least time between two runs (0: every tick of its loop); `loop` names the
    worker loop it runs in: the clocks have one of their own, so a slow job (the report PDF, a
    model training) never delays a warning or a breach."""

    name: str
    run: JobFn
    every: float = 0.0
    loop: str = MAIN_LOOP


@dataclass
class Registry:
    domains: list[str] = field(default_factory=list)
    jobs: dict[str, Job] = field(default_factory=dict)
    _handlers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, hook: Hook[F], name: str, handler: F) -> None:
        """Add a handler after those already added; a name is added once (a second is a
        wiring mistake, refused rather than silently replacing the first)."""
        slot = self._handlers.setdefault(hook.key, {})
        if name in slot:
            raise ValueError(f"{hook.key}: a handler named {name!r} is already registered")
        slot[name] = handler

    def remove(self, hook: Hook[F], name: str) -> None:
        self._handlers.get(hook.key, {}).pop(name, None)

    def handlers(self, hook: Hook[F]) -> list[F]:
        return list(self._handlers.get(hook.key, {}).values())

    def named(self, hook: Hook[F]) -> list[tuple[str, F]]:
        return list(self._handlers.get(hook.key, {}).items())

    def get(self, hook: Hook[F], name: str) -> F | None:
        return self._handlers.get(hook.key, {}).get(name)

    def names(self, hook: Hook[F]) -> list[str]:
        return list(self._handlers.get(hook.key, {}))

    def job(self, name: str, run: JobFn, *, every: float = 0.0, loop: str = MAIN_LOOP) -> None:
        if name in self.jobs:
            raise ValueError(f"a job named {name!r} is already registered")
        self.jobs[name] = Job(name, run, every, loop)

    def describe(self) -> dict[str, list[str]]:
        """Every hook's handlers in order, and the jobs: what `minyi` would print to a newcomer."""
        out = {key: list(slot) for key, slot in self._handlers.items()}
        out["jobs"] = [f"{j.name} ({j.loop}, every {j.every:g} s)" for j in self.jobs.values()]
        return out


REGISTRY_KEY = "minyi.registry"


class Unwired(LookupError):
    """A session whose database was made without a registry raised an event (or asked who
    listens): a wiring mistake of the caller, never bad input."""


def registry_of(session: Session | None) -> Registry:
    """The registry of the runtime whose database opened `session` (or the one a test or a tool
    gave its database)."""
    found = None if session is None else session.info.get(REGISTRY_KEY)
    if not isinstance(found, Registry):
        raise Unwired(
            "this session's database was made without a registry: use the runtime's database "
            "(wiring.build_runtime) or give it one (Database(url, registry=build_registry()))"
        )
    return found
