"""Small helpers the section builders share."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from minyi.reports.context import RecentCase
from minyi.reports.rules import change, group_near_same, nos_line

CHANNEL_KIND_ZH = {
    "hotline": "12345热线",
    "mailbox": "领导信箱",
    "walk_in": "来访",
    "letter": "来信",
    "grid": "网格上报",
    "market": "服务市集",
    "reception": "领导接访",
    "miniprogram": "小程序/扫码",
    "api": "其他平台",
    "import": "文件导入",
}


def compare_rows(
    cases_by_offset: dict[int, list[RecentCase]],
    key: Callable[[RecentCase], Hashable],
    label: Callable[[Any], tuple[str, str]],
) -> list[dict[str, Any]]:
    """Counts per group on the day, the day before and the same weekday a week before; rows of
    the day's groups and of groups that had appeals on either comparison day, biggest first."""
    today, prev, week = (Counter(key(c) for c in cases_by_offset.get(o, [])) for o in (0, -1, -7))
    rows = []
    for group in set(today) | set(prev) | set(week):
        code, name = label(group)
        rows.append(
            {
                "code": code,
                "name": name,
                "count": today[group],
                "prev_day": change(today[group], prev[group]),
                "last_week": change(today[group], week[group]),
            }
        )
    return sorted(rows, key=lambda r: (-r["count"], -r["prev_day"]["before"], r["code"]))


def by_offset(cases: Iterable[RecentCase]) -> dict[int, list[RecentCase]]:
    out: dict[int, list[RecentCase]] = {}
    for case in cases:
        out.setdefault(case.day_offset, []).append(case)
    return out


def merge_near_same(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Case rows telling the same matter (near-same titles) as one row: the first case's row
    with the count and every tracking number behind it; the key stays the first case's."""
    out = []
    for group in group_near_same([r["title"] for r in rows]):
        first = dict(rows[group[0]])
        first["tracking_nos"] = [rows[i]["tracking_no"] for i in group]
        first["case_ids"] = [rows[i]["case_id"] for i in group]
        first["count"] = len(group)
        out.append(first)
    return out


def case_item(row: dict[str, Any]) -> dict[str, str]:
    """The 批示 item of a (merged) case row: "<no> <title>", or "<title>（N件：A、B…）"."""
    if row.get("count", 1) > 1:
        label = f"{row['title']}（{row['count']}件：{nos_line(row['tracking_nos'], row['count'])}）"
    else:
        label = f"{row['tracking_no']} {row['title']}"
    return {"key": row["key"], "label": label}
