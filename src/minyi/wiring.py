"""The composition: which domains react to which events, in which order, and the jobs they run.

`DOMAINS` lists, lowest first (the import-linter layers in pyproject.toml), every domain that
reacts to an event or runs a worker job; each one's `install(registry)` (in its handlers.py)
names its handlers in the order they run and its jobs with their cadence. Handlers of one event
run in the order they were added, so this list decides it: the clocks (sla) are planned before
escalation evaluates a new case, and webhook subscribers hear of an action last, with all it
caused. The domains not listed (org, taxonomy, privacy, intake, mailboxes) raise events or are
read by others, and react to none; cases reacts to none but runs its search index's upkeep.

The app, the worker and the CLI build a `Runtime` once per process (`build_runtime`): the
settings read once, the clock, the registry, the senders, the caches (core/caches.py: the state
built from the data and the settings), the database, which hands the registry and the caches to
every session it opens. Nothing of it is process-wide: a test or a tool that makes a database of
its own gives it the registry its sessions run (`Database(url, registry=build_registry())`, or
exactly the domains it needs: `build_registry([sla])`; `Database.with_registry` for a block).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType

from minyi.analytics import handlers as analytics
from minyi.cases import handlers as cases
from minyi.core.caches import Caches
from minyi.core.clock import Clock, SystemClock
from minyi.core.db import Database
from minyi.core.registry import Registry
from minyi.core.replica import ReplicaPolicy
from minyi.core.settings import Settings
from minyi.escalation import handlers as escalation
from minyi.integrations import handlers as integrations
from minyi.notifications import handlers as notifications
from minyi.notify import handlers as notify
from minyi.notify.jobs import SENDERS
from minyi.notify.senders import Senders
from minyi.reports import handlers as reports
from minyi.sla import handlers as sla
from minyi.sla.calendar_service import configure_overrides
from minyi.supervision import handlers as supervision
from minyi.triage import handlers as triage
from minyi.volunteers import handlers as volunteers
from minyi.whistle import handlers as whistle

DOMAINS: tuple[ModuleType, ...] = (
    cases,  # the search index's upkeep (a job only)
    notify,  # the citizen's SMS receipt and reply notice; delivers the outbox
    triage,  # complaint targets planned at registration, the triage queue, its jobs
    sla,  # clocks: planned, followed, fired (its own worker loop)
    escalation,  # lifts a case on registration, action or breach: after its clocks
    whistle,  # a summons' report-in clock breached
    volunteers,  # a verified report's case answered: the closing bonus
    supervision,  # a task's or order's clock breached
    notifications,  # tells units of work given to them (dispatch, reopen, clocks, supervision)
    integrations,  # webhooks (last: a subscriber hears of everything an action caused), Open311
    reports,  # the daily report at its time
    analytics,  # early-warning scans
)


def build_registry(domains: Sequence[ModuleType] = DOMAINS) -> Registry:
    registry = Registry()
    for domain in domains:
        installer: Callable[[Registry], None] = domain.install
        installer(registry)
        registry.domains.append(domain.__name__.rsplit(".", 2)[-2])
    return registry


@dataclass
class Runtime:
    """What one process runs with, built once by its entry point."""

    settings: Settings
    clock: Clock
    registry: Registry
    senders: Senders
    caches: Caches = field(default_factory=Caches)
    _db: Database | None = field(default=None, repr=False)

    @property
    def db(self) -> Database:
        """Opened on first use: a CLI command that never touches the database opens none. Its
        sessions carry the runtime's caches and registry."""
        if self._db is None:
            self._db = Database(
                self.settings.database_url,
                caches=self.caches,
                registry=self.registry,
                replica=ReplicaPolicy.of(self.settings),
            )
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()


def build_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    registry: Registry | None = None,
) -> Runtime:
    """The process's runtime: its registry (`registry`, else every domain of `DOMAINS`), and in
    its caches the part of the settings a domain is configured with (the senders, the calendar's
    local overrides), once; jobs get the settings in their context."""
    senders = Senders.from_settings(settings)
    caches = Caches()
    caches.put(SENDERS, senders)
    configure_overrides(caches, settings.extra_holidays, settings.extra_workdays)
    registry = registry if registry is not None else build_registry()
    return Runtime(settings, clock or SystemClock(), registry, senders, caches)
