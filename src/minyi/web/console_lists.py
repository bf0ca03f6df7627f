"""The filters, sort and paging of the console's case lists, read from the query string so a
list can be bookmarked, paged and exported without losing what was chosen."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request

from minyi.cases.queries import NEWEST, OLDEST, CaseFilter, channel_by_code, relevance_order
from minyi.cases.rules import UNSETTLED, WORKING, CaseStatus
from minyi.core.paging import SortKey
from minyi.intake.models import Channel
from minyi.org.models import Unit
from minyi.sla.queries import urgency_order

# The list's "open" (在办) is everything not yet settled (cases.rules.UNSETTLED: replied cases
# wait for the citizen's rating); "handling" is the unit board's queue.
STATUS_GROUPS = {"open": list(UNSETTLED), "handling": list(WORKING)}
SORTS = ("urgency", "newest", "oldest", "relevance")
SORT_ZH = {
    "urgency": "按紧急程度（时限）",
    "newest": "最新登记在前",
    "oldest": "最早登记在前",
    "relevance": "按搜索相关度",
}
SORT_EN = {
    "urgency": "Most urgent first (clocks)",
    "newest": "Newest first",
    "oldest": "Oldest first",
    "relevance": "Best search match first",
}
CURSOR_MAX = 2000
DATE_ERROR = (
    "日期格式应为 年-月-日，如 2026-11-20",
    "Write the date as year-month-day, e.g. 2026-11-20",
)


@dataclass(frozen=True)
class ListQuery:
    """What the person chose, as typed (kept on the form even when it is refused)."""

    status: str = "open"
    channel: str = ""
    unit: str = ""
    date_from: str = ""
    date_to: str = ""
    q: str = ""
    overdue: str = ""
    sort: str = "urgency"
    # Where the page starts (core.paging's cursor); empty: the first page.
    cursor: str = ""

    def href(self, path: str, **changes: Any) -> str:
        """`path` with these choices in the query string; a page link changes only `cursor`."""
        chosen = replace(self, **changes)
        params = {k: v for k, v in asdict(chosen).items() if v not in ("", None)}
        # "All statuses" is an empty status, which must survive the round trip (the default is open).
        if chosen.status == "":
            params["status"] = ""
        return f"{path}?{urlencode(params)}" if params else path


def read_query(request: Request) -> ListQuery:
    p = request.query_params
    return ListQuery(
        status=p.get("status", "open").strip()[:20],
        channel=p.get("channel", "").strip()[:40],
        unit=p.get("unit", "").strip()[:40],
        date_from=p.get("date_from", "").strip()[:10],
        date_to=p.get("date_to", "").strip()[:10],
        q=p.get("q", "").strip()[:100],
        overdue="1" if p.get("overdue") == "1" else "",
        sort=p.get("sort", "urgency") if p.get("sort") in SORTS else "urgency",
        # A cursor is short (its last row's sort values): a longer one is no cursor of ours, and
        # cut it fails to decode, so the list refuses it as it would any other.
        cursor=p.get("cursor", "").strip()[:CURSOR_MAX],
    )


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def case_filter(
    session: Session, query: ListQuery, tz: ZoneInfo, *, base: CaseFilter | None = None
) -> tuple[CaseFilter, dict[str, tuple[str, str]]]:
    """The domain filter for the choices, and a message (zh-CN, en) per choice that cannot be
    used (the list then ignores that choice and says why next to it)."""
    errors: dict[str, tuple[str, str]] = {}
    statuses: list[CaseStatus] | None = None
    if query.status in STATUS_GROUPS:
        statuses = STATUS_GROUPS[query.status]
    elif query.status:
        try:
            statuses = [CaseStatus(query.status)]
        except ValueError:
            errors["status"] = ("没有这个办理状态", "No such status")
    channel_id = None
    if query.channel:
        channel_id = channel_by_code(session, query.channel)
        if channel_id is None:
            errors["channel"] = ("没有这个渠道", "No such channel")
    unit_id = None
    if query.unit:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == query.unit))
        if unit_id is None:
            errors["unit"] = ("没有这个单位", "No such unit")
    start, end = _day(query.date_from), _day(query.date_to)
    if query.date_from and start is None:
        errors["date_from"] = DATE_ERROR
    if query.date_to and end is None:
        errors["date_to"] = DATE_ERROR
    if start and end and end < start:
        errors["date_to"] = ("结束日期早于开始日期", "The end date is before the start date")
        end = None
    f = base or CaseFilter()
    return replace(
        f,
        status=statuses if statuses is not None else f.status,
        channel=channel_id if channel_id is not None else f.channel,
        unit=unit_id if unit_id is not None else f.unit,
        registered_from=datetime.combine(start, time(), tz) if start else f.registered_from,
        # The whole last day counts: up to the next local midnight.
        registered_to=datetime.combine(end + timedelta(days=1), time(), tz)
        if end
        else f.registered_to,
        q=query.q or f.q,
        overdue=True if query.overdue else f.overdue,
    ), errors


def order_of(query: ListQuery) -> list[SortKey]:
    if query.sort == "newest":
        return list(NEWEST)
    if query.sort == "oldest":
        return list(OLDEST)
    if query.sort == "relevance":
        return relevance_order(query.q)
    return urgency_order()


def filter_options(session: Session) -> dict[str, Any]:
    """What the filter form offers, by name: channels and the units cases go to."""
    channels = list(session.execute(select(Channel.code, Channel.name).order_by(Channel.id)))
    units = list(
        session.execute(
            select(Unit.code, Unit.name, Unit.kind)
            .where(Unit.kind.in_(("department", "street", "community")), Unit.is_active.is_(True))
            .order_by(Unit.kind, Unit.code)
        )
    )
    return {
        "channels": channels,
        "units": units,
        "statuses": list(CaseStatus),
        "sorts": SORTS,
        "sort_labels": (SORT_ZH, SORT_EN),
    }
