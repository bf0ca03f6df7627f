"""领导信箱: per leader mailbox, letters received on the day and in the 30 days up to it, how many
of them are closed (cases.rules.CLOSED, the meaning the report's totals use) and the closure
rate, as the mailboxes count."""

from __future__ import annotations

from typing import Any

from minyi.mailboxes.queries import figures, mailboxes
from minyi.mailboxes.rules import closure_rate
from minyi.reports.context import ReportContext
from minyi.reports.rules import TREND_DAYS

KEY = "mailboxes"
TITLE = "领导信箱"


def build(ctx: ReportContext) -> dict[str, Any]:
    boxes = mailboxes(ctx.session)
    ids = [c.id for c, _ in boxes]
    day = figures(ctx.session, ids, registered_from=ctx.start, registered_to=ctx.end)
    month = figures(
        ctx.session, ids, registered_from=ctx.period.start(-(TREND_DAYS - 1)), registered_to=ctx.end
    )
    rows: list[dict[str, Any]] = [
        {
            "code": channel.code,
            "name": channel.name,
            "owner": owner.name if owner else "",
            "owner_title": (owner.title or "") if owner else "",
            "day": day[channel.id],
            "month": month[channel.id],
        }
        for channel, owner in boxes
    ]
    rows.sort(key=lambda r: (-r["day"]["received"], -r["month"]["received"], r["code"]))

    def total(which: str) -> dict[str, Any]:
        received = sum(r[which]["received"] for r in rows)
        closed = sum(r[which]["closed"] for r in rows)
        return {
            "received": received,
            "closed": closed,
            "closure_rate": closure_rate(received, closed),
        }

    return {
        "mailboxes": rows,
        "day": total("day"),
        "month": total("month"),
        "items": [
            {"key": f"mailbox:{r['code']}", "label": f"{r['name']}（{r['owner']}）"}
            for r in rows
            if r["day"]["received"] or r["month"]["received"]
        ],
    }
