"""The index and the database: building it from the appeals table, catching up with appeals
registered since, and the `appeal_links` rows of a batch's signals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minyi.cases.models import Appeal, Case
from minyi.triage.models import AppealLink
from minyi.triage.repeats.fingerprints import appeal_text
from minyi.triage.repeats.index import HistoryIndex
from minyi.triage.repeats.signals import HistoryRow, IndexConfig, LinkKind, Signals


def build_index(
    session: Session, *, config: IndexConfig | None = None, chunk_size: int = 20_000
) -> HistoryIndex:
    """The index of every appeal in the database, read in id order in chunks (keyset paging)."""
    index = HistoryIndex(config)
    catch_up(index, session, after=None, chunk_size=chunk_size)
    index.compact()
    return index


def catch_up(
    index: HistoryIndex,
    session: Session,
    *,
    after: int | None,
    chunk_size: int = 20_000,
    lookback: int = 0,
) -> int | None:
    """Add the appeals with an id above `after` (all with None) that the index does not hold
    yet, and those of the `lookback` ids at or below it it missed: ids are handed out at insert
    and transactions commit in any order, so an appeal may appear after a higher id was read.
    Returns the highest id read (`after` if none)."""
    if after is not None and lookback > 0:
        late = session.scalars(
            select(Appeal.id)
            .where(Appeal.id > after - lookback, Appeal.id <= after)
            .order_by(Appeal.id)
        ).all()
        missing = [i for i, held in zip(late, index.held(late), strict=True) if not held]
        for first in range(0, len(missing), chunk_size):
            index.add_many(history_rows(session, ids=missing[first : first + chunk_size]))
    while True:
        rows = history_rows(session, after=after, limit=chunk_size)
        if not rows:
            return after
        after = rows[-1][0]
        if len(index):
            held = index.held([r[0] for r in rows])
            rows = [r for r, is_held in zip(rows, held, strict=True) if not is_held]
        index.add_many(rows)


def history_rows(
    session: Session,
    *,
    after: int | None = None,
    limit: int | None = None,
    ids: Sequence[int] | None = None,
) -> list[HistoryRow]:
    """History rows in id order: of the appeals with an id above `after` (at most `limit`), or
    of the appeals `ids`. The matter is the case's event-dictionary leaf, else intake's hint."""
    query = (
        select(
            Appeal.id,
            Appeal.phone,
            Appeal.title,
            Appeal.body,
            Case.community_id,
            Appeal.submitted_at,
            func.coalesce(Case.category_id, Appeal.category_hint_id),
        )
        .outerjoin(Case, Case.appeal_id == Appeal.id)
        .order_by(Appeal.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Appeal.id > after)
    if ids is not None:
        query = query.where(Appeal.id.in_(ids))
    return [(r[0], r[1], appeal_text(r[2], r[3]), r[4], r[5], r[6]) for r in session.execute(query)]


# --- persistence ---------------------------------------------------------------------------------


def record_signals(session: Session, appeal_id: int, signals: Signals, now: datetime) -> int:
    """Write the links of one appeal (idempotent: links already there are kept); returns how
    many were added. Flushes, never commits."""
    rows = link_rows(session, {appeal_id: signals}, now)
    session.add_all(AppealLink(**row) for row in rows)
    session.flush()
    return len(rows)


def link_rows(
    session: Session, signals_of: dict[int, Signals], now: datetime
) -> list[dict[str, Any]]:
    """The `appeal_links` rows still missing for many appeals at once: one query for the links
    already there, so the triage job writes a whole batch's links in one statement."""
    wanted: dict[tuple[int, int, LinkKind], tuple[float | None, int | None]] = {}
    for appeal_id, signals in signals_of.items():
        for other, sim in zip(
            signals.repeat_of,
            signals.repeat_similarity or (None,) * len(signals.repeat_of),
            strict=True,
        ):
            wanted[(appeal_id, other, LinkKind.REPEAT)] = (sim, None)
        for other, sim in signals.near_duplicates:
            wanted[(appeal_id, other, LinkKind.DUPLICATE)] = (sim, None)
        if signals.crowd is not None:
            for other in signals.crowd.members:
                wanted[(appeal_id, other, LinkKind.CROWD)] = (None, signals.crowd.cluster_id)
        for kind in (LinkKind.REPEAT, LinkKind.DUPLICATE, LinkKind.CROWD):
            wanted.pop((appeal_id, appeal_id, kind), None)
    if not wanted:
        return []
    have = {
        (appeal_id, other, kind)
        for appeal_id, other, kind in session.execute(
            select(AppealLink.appeal_id, AppealLink.other_id, AppealLink.kind).where(
                AppealLink.appeal_id.in_({key[0] for key in wanted})
            )
        )
    }
    return [
        {
            "appeal_id": appeal_id,
            "other_id": other,
            "kind": kind.value,
            "similarity": sim,
            "cluster_id": cluster,
            "created_at": now,
        }
        for (appeal_id, other, kind), (sim, cluster) in wanted.items()
        if (appeal_id, other, kind) not in have
    ]
