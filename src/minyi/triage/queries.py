"""Read-side queries of triage: a case's links to other appeals and its petition count."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from minyi.triage.models import AppealLink
from minyi.triage.repeats.signals import LinkKind


def links_of(session: Session, appeal_id: int) -> list[AppealLink]:
    """Links from and to an appeal, oldest first."""
    return list(
        session.scalars(
            select(AppealLink)
            .where(or_(AppealLink.appeal_id == appeal_id, AppealLink.other_id == appeal_id))
            .order_by(AppealLink.id)
        )
    )


def petition_count_of(session: Session, appeal_id: int, *, limit: int = 1000) -> int:
    """1 + the earlier appeals this one repeats, following repeat links back (初信 = 1)."""
    seen = {appeal_id}
    frontier = {appeal_id}
    while frontier and len(seen) < limit:
        earlier = set(
            session.scalars(
                select(AppealLink.other_id).where(
                    AppealLink.appeal_id.in_(frontier), AppealLink.kind == LinkKind.REPEAT
                )
            )
        )
        frontier = earlier - seen
        seen |= frontier
    return len(seen)
