"""Packages above `supervision` react when work is given to a unit (a leader's instruction task,
a supervision order, a letter addressed to it) by adding a handler to the registry, called inside the
issuing transaction, so its writes commit or roll back with the issue itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from minyi.core.registry import Hook, registry_of


@dataclass(frozen=True)
class Issued:
    kind: str  # "instruction" (one per task) | "order" | "letter"
    subject_id: int  # the task, order or letter id
    unit_id: int | None
    case_id: int | None
    at: datetime


Handler = Callable[[Session, Issued], None]
ISSUED: Hook[Handler] = Hook("supervision.issued")


def notify_issued(session: Session, issued: Issued) -> None:
    for handler in registry_of(session).handlers(ISSUED):
        handler(session, issued)
