"""What the routes share: built once in create_app and kept on app.state."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from minyi.core.clock import Clock
from minyi.core.db import Database
from minyi.core.ids import IdAllocator
from minyi.core.settings import Settings
from minyi.intake.batcher import IntakeBatcher
from minyi.intake.refs import RefCache


@dataclass
class AppState:
    settings: Settings
    db: Database
    clock: Clock
    refs: RefCache
    ids: IdAllocator
    batcher: IntakeBatcher
    tz: ZoneInfo
