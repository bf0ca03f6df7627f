"""新情况、热点: matters (dictionary leaves), places (communities) and classes that rose sharply
on the day against their own 7-day baseline, and kinds of matter not seen in the month before."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from typing import Any

from minyi.reports.context import RecentCase, ReportContext
from minyi.reports.rules import BASELINE_DAYS, NEW_KIND_LOOKBACK_DAYS, is_rising

KEY = "hot"
TITLE = "新情况与热点"
LIMIT = 8


def _rising(
    ctx: ReportContext,
    key: Callable[[RecentCase], Hashable],
    label: Callable[[Any], tuple[str, str]],
    kind: str,
) -> list[dict[str, Any]]:
    today: Counter[Hashable] = Counter()
    base: Counter[Hashable] = Counter()
    for case in ctx.recent_cases():
        group = key(case)
        if group is None:
            continue
        if case.day_offset == 0:
            today[group] += 1
        elif -BASELINE_DAYS <= case.day_offset < 0:
            base[group] += 1
    rows: list[dict[str, Any]] = []
    for group, count in today.items():
        baseline = base[group] / BASELINE_DAYS
        if is_rising(count, baseline):
            code, name = label(group)
            rows.append(
                {
                    "key": f"hot:{kind}:{code}",
                    "code": code,
                    "name": name,
                    "count": count,
                    "baseline": round(baseline, 2),
                    "times": round(count / baseline, 1) if baseline else None,
                }
            )
    rows.sort(key=lambda r: (-(r["count"] - r["baseline"]), r["code"]))
    return rows[:LIMIT]


def build(ctx: ReportContext) -> dict[str, Any]:
    recent = ctx.recent_cases()
    leaves = ctx.leaves({c.category_id for c in recent if c.category_id is not None})
    matters = _rising(ctx, lambda c: c.category_id, lambda i: leaves.get(i, ("", "")), "matter")
    places = _rising(ctx, lambda c: c.community_id, ctx.unit, "place")
    classes = _rising(ctx, lambda c: c.class_name, lambda n: (n, n), "class")

    seen_before = {c.category_id for c in recent if -NEW_KIND_LOOKBACK_DAYS <= c.day_offset < 0}
    new_counts = Counter(
        c.category_id
        for c in recent
        if c.day_offset == 0 and c.category_id is not None and c.category_id not in seen_before
    )
    new_kinds = [
        {"key": f"new:{leaves[i][0]}", "code": leaves[i][0], "name": leaves[i][1], "count": n}
        for i, n in sorted(
            ((i, n) for i, n in new_counts.items() if i in leaves),
            key=lambda p: (-p[1], leaves[p[0]][0]),
        )[:LIMIT]
    ]
    items = [
        {"key": r["key"], "label": f"{r['name']}（{r['count']}件，7日均值{r['baseline']}）"}
        for r in (*matters, *places, *classes)
    ] + [{"key": r["key"], "label": f"新出现：{r['name']}（{r['count']}件）"} for r in new_kinds]
    return {
        "matters": matters,
        "places": places,
        "classes": classes,
        "new_kinds": new_kinds,
        "rule": f"当日≥3件且≥近{BASELINE_DAYS}日日均的2倍加1",
        "items": items,
    }
