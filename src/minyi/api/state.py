"""What the routes share: built once in create_app and kept on app.state."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from minyi.core.clock import Clock
from minyi.core.db import Database
from minyi.core.ids import IdAllocator
from minyi.core.settings import Settings
from minyi.intake.batcher import IntakeBatcher
from minyi.intake.refs import RefCache
from minyi.org.rules import Actor


class IntakeTokens:
    """token -> (actor, token hash) for the intake hot path only. Safe to cache because the
    group-commit writer checks every batch's tokens again in its own transaction (a revoked
    token's appeal is refused there); every other route reads the token per request."""

    def __init__(self, ttl: float = 30.0) -> None:
        self._ttl = ttl
        self._items: dict[str, tuple[Actor, str, float]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> tuple[Actor, str] | None:
        with self._lock:
            hit = self._items.get(token)
            if hit is None or hit[2] < time.monotonic():
                self._items.pop(token, None)
                return None
            return hit[0], hit[1]

    def put(self, token: str, actor: Actor, token_hash: str) -> None:
        with self._lock:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[token] = (actor, token_hash, time.monotonic() + self._ttl)

    def drop(self, token: str) -> None:
        with self._lock:
            self._items.pop(token, None)


@dataclass
class AppState:
    settings: Settings
    db: Database
    clock: Clock
    refs: RefCache
    ids: IdAllocator
    batcher: IntakeBatcher
    tz: ZoneInfo
    intake_tokens: IntakeTokens = field(default_factory=IntakeTokens)
