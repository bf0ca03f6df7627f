"""Triage listens to dispatches: a dispatcher who dispatches a case the ordinary way settles its
awaiting suggestion (confirmed, or corrected with a training row). Nothing on intake."""

from __future__ import annotations

from sqlalchemy.orm import Session

from minyi.cases.hooks import ActionDone, on_case_action
from minyi.triage.review import settle_by_dispatch


def _on_action(session: Session, done: ActionDone) -> None:
    if done.action == "dispatch":
        settle_by_dispatch(session, done.case_id, done.payload, done.actor, done.at)


def register() -> None:
    on_case_action("triage_settle", _on_action)
