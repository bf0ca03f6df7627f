"""基层网格: the reported day's patrols, what they found, the grid events raised from them and how
many of those are disposed of by now; the day's grid whistles and their 双报到 response; building coverage as the report is made and its gaps
(无人包联 / 超期未走访); per street when the district has more than one; the day's service markets;
and the day's leaders' receptions (下沉接访: who received how many people where, how many matters
became cases)."""

from __future__ import annotations

from typing import Any

from minyi.grassroots import queries
from minyi.grassroots.rules import Counts
from minyi.markets import queries as markets
from minyi.org.models import Unit
from minyi.receptions.queries import day_receptions
from minyi.reports.context import ReportContext

KEY = "grassroots"
TITLE = "基层网格巡查与包联覆盖"


def _rate(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)


def _row(code: str, name: str, f: queries.PatrolFigures, c: Counts) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "patrols": f.patrols,
        "findings": f.findings,
        "events": f.events,
        "disposed": f.disposed,
        "disposal_rate": _rate(f.disposal_rate),
        "whistles": f.whistles,
        "whistles_decided": f.decided,
        "whistles_answered": f.answered,
        "response_rate": _rate(f.response_rate),
        "buildings": c.total,
        "covered": c.covered,
        "unassigned": c.unassigned,
        "overdue": c.overdue,
        "coverage_rate": _rate(c.rate),
    }


def build(ctx: ReportContext) -> dict[str, Any]:
    s = ctx.session
    root = queries.district(s)
    # States only (no names): a district's coverage is a count over every building.
    tree = queries.area_tree(s, root, queries.coverage(s, root.path, ctx.now, details=False))

    def day_figures(area: Unit) -> queries.PatrolFigures:
        return queries.patrol_figures(s, area, since=ctx.start, until=ctx.end, now=ctx.now)

    total = _row(root.code, root.name, day_figures(root), tree.counts)
    street_nodes = [n for n in tree.children if n.kind == "street"]
    streets = []
    if len(street_nodes) > 1:
        units = {u.id: u for u in queries.streets(s, root)}
        streets = [
            _row(n.code, n.name, day_figures(units[n.id]), n.counts)
            for n in street_nodes
            if n.id in units
        ]
    return {
        "as_of": ctx.now.isoformat(),
        "totals": total,
        "streets": streets,
        "markets": _markets(ctx),
        "receptions": day_receptions(s, since=ctx.start, until=ctx.end),
        "items": [
            {
                "key": f"grid:{r['code']}",
                "label": f"{r['name']}无人包联{r['unassigned']}栋、超期未走访{r['overdue']}栋",
            }
            for r in streets
            if r["unassigned"] or r["overdue"]
        ],
    }


def _markets(ctx: ReportContext) -> dict[str, Any]:
    """服务市集: the markets held on the reported day, their stalls and what was raised there."""
    f, events = markets.day_figures(ctx.session, since=ctx.start, until=ctx.end)
    return {
        "events": f.events,
        "stalls": f.stalls,
        "visitors": f.visitors,
        "opinions": f.opinions,
        "solved": f.solved,
        "answered": f.answered,
        "passed_on": f.passed_on,
        "spot_rate": _rate(f.spot_rate),
        "items": [
            {
                "title": e["title"],
                "area": e["area_name"],
                "place": e["place"],
                "stalls": e["stalls"],
                "opinions": e["opinions"],
                "solved": e["solved"] + e["answered"],
                "passed_on": e["passed_on"],
            }
            for e in events
        ],
    }
