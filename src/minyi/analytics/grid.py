"""Grid figures for the assessment of streets and communities: building coverage (覆盖率) as of
a moment, and the grid events found on patrols in the period with how many are disposed of
(处置率), and the grid whistles blown in the period with how many every summoned department
answered in time (双报到响应率). Read through minyi.grassroots (a lower layer); none of it counts in the score."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from minyi.core.errors import NotFound
from minyi.grassroots import queries
from minyi.grassroots.queries import AreaNode

AREA_KINDS = ("street", "community")


@dataclass(frozen=True)
class AreaFigures:
    buildings: int
    covered: int
    events: int
    disposed: int
    whistles: int = 0
    decided: int = 0
    answered: int = 0


def area_figures(
    session: Session, *, start: datetime, end: datetime, at: datetime
) -> dict[int, AreaFigures]:
    """Unit id -> figures, for every street and community of the district."""
    try:
        root = queries.district(session)
    except NotFound:
        return {}
    # Coverage is a state (a building's last visit is all that is kept), so it is as of `at`.
    tree = queries.area_tree(session, root, queries.coverage(session, root.path, at, details=False))
    events = queries.grid_events(session, since=start, until=end)
    whistles = queries.grid_whistles(session, since=start, until=end, now=at)
    out: dict[int, AreaFigures] = {}

    def walk(node: AreaNode) -> tuple[int, int, int, int, int]:
        found, disposed = events.get(node.id, (0, 0))
        blown, decided, answered = whistles.get(node.id, (0, 0, 0))
        for child in node.children:
            f, d, b, dd, a = walk(child)
            found, disposed = found + f, disposed + d
            blown, decided, answered = blown + b, decided + dd, answered + a
        if node.kind in AREA_KINDS:
            out[node.id] = AreaFigures(
                node.counts.total, node.counts.covered, found, disposed, blown, decided, answered
            )
        return found, disposed, blown, decided, answered

    walk(tree)
    return out
