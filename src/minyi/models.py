"""Every mapped class, so Alembic and the tests see the whole schema.

Each domain package keeps its tables in `<package>/models.py`; a new package's tables join the
schema by adding its module here (lowest layer first, as in pyproject's import-linter layers).
"""

from __future__ import annotations

import importlib

from minyi.core.db import Base
from minyi.core.ids import Counter
from minyi.core.throttle import ThrottleCounter

MODEL_MODULES = [
    "minyi.org.models",
    "minyi.taxonomy.models",
    "minyi.cases.models",
    "minyi.intake.models",
    "minyi.notify.models",
    "minyi.triage.models",
    "minyi.sla.models",
    "minyi.escalation.models",
    "minyi.whistle.models",
    "minyi.grassroots.models",
    "minyi.volunteers.models",
    "minyi.markets.models",
    "minyi.supervision.models",
    "minyi.notifications.models",
    "minyi.receptions.models",
    "minyi.services.models",
    "minyi.mediation.models",
    "minyi.legal.models",
    "minyi.relief.models",
    "minyi.counselling.models",
    "minyi.integrations.models",
    "minyi.reports.models",
    "minyi.analytics.models",
    "minyi.meetings.models",
]
for _name in MODEL_MODULES:
    importlib.import_module(_name)

__all__ = ["MODEL_MODULES", "Base", "Counter", "ThrottleCounter"]
