"""Service market figures for the assessment of streets and communities: the markets held in
the area in the period (a street counts its communities'), what was raised there and how much of
it was solved or answered on the spot (现场办结率). Read through minyi.markets (a lower layer);
none of it counts in the score."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from minyi.markets import queries
from minyi.markets.rules import MarketFigures


def area_figures(session: Session, *, start: datetime, end: datetime) -> dict[int, MarketFigures]:
    """Street or community id -> its markets' figures, for markets that started in the period."""
    return queries.area_figures(session, since=start, until=end)
