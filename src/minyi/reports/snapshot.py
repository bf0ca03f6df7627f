"""Run every section over the period and assemble the issue's snapshot: the sections' data, the
lead paragraph (导读) drawn from them, and the index of items a leader may instruct on."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from minyi.org.queries import district_name
from minyi.reports.context import ReportContext
from minyi.reports.rules import Period, ReportKind, date_zh, percent
from minyi.reports.sections import SECTIONS, Section

SNAPSHOT_VERSION = 1


def build_snapshot(
    session: Session,
    *,
    kind: ReportKind,
    day: date,
    tz: ZoneInfo,
    now: datetime,
    sections: tuple[Section, ...] = SECTIONS,
) -> dict[str, Any]:
    ctx = ReportContext(session=session, period=Period(day, tz), now=now)
    built: list[dict[str, Any]] = []
    data: dict[str, dict[str, Any]] = {}
    items: dict[str, str] = {}
    for s in sections:
        section_data = s.build(ctx)
        built.append({"key": s.key, "title": s.title, "data": section_data})
        data[s.key] = section_data
        for item in section_data.get("items", []):
            items.setdefault(item["key"], item["label"])
    return {
        "version": SNAPSHOT_VERSION,
        "kind": kind.value,
        "day": day.isoformat(),
        "day_zh": date_zh(day),
        "timezone": tz.key,
        "as_of": now.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "district": district_name(session),
        "lead": lead_lines(data),
        "sections": built,
        "items": items,
    }


def lead_lines(data: dict[str, Any]) -> list[str]:
    """导读: the half-dozen sentences a leader reads first; each names where the detail is."""
    lines: list[str] = []
    totals = data.get("totals")
    if totals:
        prev, week = totals["prev_day"], totals["last_week"]
        line = (
            f"全区受理群众诉求{totals['received']}件，较前一日{_more_less(prev)}，"
            f"较上周同日{_more_less(week)}；当日办结{totals['closed']}件。"
        )
        top = [r for r in totals["by_street"] if r["count"]][:3]
        if top:
            line += (
                "诉求量居前的是" + "、".join(f"{r['name']}（{r['count']}件）" for r in top) + "。"
            )
        lines.append(line)
    hot = data.get("hot")
    if hot:
        rising = (hot["matters"] + hot["places"])[:3]
        if rising:
            lines.append(
                "明显上升："
                + "；".join(f"{r['name']}{r['count']}件（7日均值{r['baseline']}）" for r in rising)
                + "。"
            )
        if hot["new_kinds"]:
            lines.append("新出现事项：" + "、".join(r["name"] for r in hot["new_kinds"][:4]) + "。")
    difficult = data.get("difficult")
    if difficult and difficult["total"]:
        c, labels = difficult["counts"], difficult["labels"]
        parts = [f"{labels[k]}{n}件" for k, n in c.items() if n]
        lines.append(f"疑难复杂事项{difficult['total']}件（" + "，".join(parts) + "）。")
    overdue = data.get("overdue")
    if overdue:
        t = overdue["totals"]
        worst = [u for u in overdue["units"] if u["overdue_open"]][:3]
        line = f"在办超期{t['overdue_open']}件，当日新增超时{t['breached_day']}件，黄灯预警{t['yellow_now']}件"
        if worst:
            line += "；超期较多的单位：" + "、".join(
                f"{u['name']}（{u['overdue_open']}件）" for u in worst
            )
        lines.append(line + "。")
    instructions = data.get("instructions")
    if instructions:
        f = instructions["figures"]
        lines.append(
            f"领导批示任务在办{f['open']}项（其中超期{f['overdue']}项），当日办结{f['done_day']}项。"
        )
    mailboxes = data.get("mailboxes")
    if mailboxes:
        m = mailboxes["month"]
        lines.append(
            f"领导信箱当日来信{mailboxes['day']['received']}件；近30日来信{m['received']}件，"
            f"办结{m['closed']}件，办结率{percent(m['closure_rate'])}。"
        )
    return lines


def _more_less(change: dict[str, Any]) -> str:
    delta = change["delta"]
    if delta == 0:
        return "持平"
    word = "增加" if delta > 0 else "减少"
    ratio = f"（{abs(change['ratio']) * 100:.1f}%）" if change["ratio"] is not None else ""
    return f"{word}{abs(delta)}件{ratio}"
