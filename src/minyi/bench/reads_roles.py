"""The boards and dashboards every role opens all day, as reads for `minyi bench reads`.

Each read calls the query and service functions its page's route calls, in the same order, with
the reader's real Actor, and skips only the rendering: the figures are the database's (and the
Python that shapes its rows), not the template engine's or HTTP's. A read is a small function
`(session, actor) -> (hits, rows)`; when a route's queries change (keyset pages, capped counts),
the read beside it changes the same way. `hits` is what the page would show as its size: a list's
total, or the rows of a dashboard's blocks added up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from minyi.analytics.assessment import assess_units
from minyi.analytics.queries import alert_views, hotspots_of_day, list_alerts
from minyi.analytics.rollups import leader_board_figures
from minyi.analytics.rules import BEIJING, previous_period
from minyi.cases.queries import CaseFilter, page_cases, titles_of_rows
from minyi.cases.rules import OPEN
from minyi.core.listing import Listing
from minyi.escalation.queries import backlog, list_escalations, list_holdings
from minyi.intake.desk import desk_channels, earlier_appeals
from minyi.mailboxes.queries import leader_inbox
from minyi.mediation.queries import list_disputes, mediators_by_site
from minyi.notifications.queries import notification_page
from minyi.org.rules import Actor, Role
from minyi.receptions.queries import leader_figures
from minyi.reports.targets import target_units, units_for_items
from minyi.services.queries import (
    appointments_of_staff,
    cases_by_service,
    describe_appointments,
    kinds_of,
    list_sites,
    upcoming_counts,
)
from minyi.services.rules import BOOKING_HORIZON_DAYS, Service
from minyi.sla import queries as boards
from minyi.sla.calendar_service import calendar_status, today_in_beijing
from minyi.sla.queries import BOARD_SIZE
from minyi.supervision.queries import (
    describe_letters,
    describe_orders,
    describe_tasks,
    list_letters,
    list_orders,
    list_tasks,
    replies_of,
)
from minyi.web.case_view import summaries
from minyi.web.console_approvals import approvals
from minyi.web.console_boards import _with_services, block_view
from minyi.web.console_lists import ListQuery, case_filter, filter_options, order_of
from minyi.web.console_work import WHISTLE_CASES
from minyi.web.desk_forms import places
from minyi.web.leader import (
    FIRST,
    _held,
    _lifted,
    _overdue_instructions,
    my_instructions,
)
from minyi.web.panels_leader import daily_report_panel, hotspots_panel
from minyi.web.slots import dispatch_panels, leader_panels, unit_panels
from minyi.whistle.queries import describe_whistles, list_whistles, summonses_of

Read = Callable[[Session, Actor], tuple[int, Any]]
TZ = ZoneInfo("Asia/Shanghai")

# Who opens the pages: the demo district's accounts (demo/district.py).
READERS = {
    "dispatcher": "dispatcher",
    "clerk": "clerk",
    "handler": "dep01.handler",
    "head": "dep01.head",
    "street": "s01.staff",
    "community": "s01c01.staff",
    "grid": "s01c01g01.staff",
    "secretary": "secretary",
    "leader": "leader03",
    "supervisor": "supervisor",
    "mediator": "s01.mediator",
}


def dispatch_board(now: datetime) -> Read:
    def read(s: Session, a: Actor) -> tuple[int, Any]:
        board = boards.dispatch_board(s, a)
        new = block_view(s, a, board.new, now)
        to_dispatch = block_view(s, a, board.to_dispatch, now)
        bounces = summaries(s, board.bounces, a, now)
        for items in (new[1], to_dispatch[1], bounces):
            _with_services(s, items)
        dispatch_panels(s, a, now)
        calendar_status(s, today_in_beijing(now))
        return new[0].value + to_dispatch[0].value + len(bounces), None

    return read


def inbox(now: datetime, query: ListQuery, *, pages: int = 1) -> Read:
    """/console/inbox: the reader's cases under the query's filters, 30 a page, by cursor: page
    `pages` is reached as a person does, by following "下一页" from the first."""

    def read(s: Session, a: Actor) -> tuple[int, Any]:
        f, _errors = case_filter(s, query, TZ)
        cursor = None
        for _ in range(pages):
            found = page_cases(s, a, f, cursor=cursor, size=30, order=order_of(query))
            cursor = found.next_cursor
        summaries(s, found.rows, a, now)
        filter_options(s)
        return (found.total.value if found.total else len(found.rows)), None

    return read


def unit_board(now: datetime) -> Read:
    def read(s: Session, a: Actor) -> tuple[int, Any]:
        board = boards.unit_board(s, a)
        blocks = [block_view(s, a, b, now) for b in (board.queue, board.overdue, board.replied)]
        unit_panels(s, a, now)
        return sum(total.value for total, _ in blocks), None

    return read


def approvals_queue(now: datetime) -> Read:
    def read(s: Session, a: Actor) -> tuple[int, Any]:
        queue = approvals(s, a, now)
        return len(queue["replies"]) + len(queue["extensions"]), None

    return read


def area_board(now: datetime) -> Read:
    def read(s: Session, a: Actor) -> tuple[int, Any]:
        return block_view(s, a, boards.area_board(s, a), now)[0].value, None

    return read


def grid_page(now: datetime) -> Read:
    def read(s: Session, a: Actor) -> tuple[int, Any]:
        found = page_cases(s, a, CaseFilter(status=list(OPEN)), cursor=None, size=20)
        summaries(s, found.rows, a, now)
        return (found.total.value if found.total else 0), None

    return read


def _split(found: Listing[Any]) -> tuple[int, list[Any]]:
    """A converted list's (total as counted, rows), as the boards read them."""
    return found.total.value, found.rows


def whistles_page(now: datetime) -> Read:
    """/console/whistles: the whistles list and, for area staff, the open cases to blow on."""

    def read(s: Session, a: Actor) -> tuple[int, Any]:
        total, rows = _split(
            list_whistles(s, a, status=None, unit_id=None, case_id=None, page=1, page_size=50)
        )
        summonses_of(s, [w.id for w in rows])
        describe_whistles(s, rows, now, actor=a)
        if a.role in (Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.GRID_STAFF):
            picked = page_cases(
                s, a, CaseFilter(status=list(OPEN)), cursor=None, size=WHISTLE_CASES, count=False
            )
            titles_of_rows(s, a, picked.rows)
            total += len(picked.rows)
        return total, None

    return read


def tasks_page(now: datetime) -> Read:
    """/console/tasks: a unit's 批示 tasks, 督办 orders and letters to answer."""

    def read(s: Session, a: Actor) -> tuple[int, Any]:
        t_total, task_rows = _split(list_tasks(s, a, unit_id=a.unit_id, page=1, page_size=50))
        o_total, order_rows = _split(list_orders(s, a, unit_id=a.unit_id, page=1, page_size=50))
        describe_tasks(s, task_rows, now, actor=a)
        l_total, letter_rows = _split(list_letters(s, a, unit_id=a.unit_id, page=1, page_size=50))
        replies_of(s, letter_rows, actor=a)
        describe_orders(s, order_rows, now, actor=a)
        describe_letters(s, letter_rows, actor=a)
        return t_total + o_total + l_total, None

    return read


def supervision_board(now: datetime) -> Read:
    def read(s: Session, a: Actor) -> tuple[int, Any]:
        overdue = block_view(s, a, boards.overdue_board(s, a), now)[0].value
        o_total, order_rows = _split(list_orders(s, a, page=1, page_size=BOARD_SIZE))
        l_total, letter_rows = _split(list_letters(s, a, page=1, page_size=BOARD_SIZE))
        describe_orders(s, order_rows, now, actor=a)
        describe_letters(s, letter_rows, actor=a)
        replies_of(s, letter_rows, actor=a)
        return overdue + o_total + l_total, None

    return read


def leader_dashboard(now: datetime) -> Read:
    """/leader: every block of the dashboard (hotspots from the cache, as the page reads them)."""

    def read(s: Session, a: Actor) -> tuple[int, Any]:
        held_total, held_rows = _split(
            list_holdings(s, a, leader_id=a.staff_id, status=None, page=1, page_size=FIRST)
        )
        lifted_total, lifted_rows = _split(
            list_escalations(
                s, a, level=None, assigned_to=a.staff_id, open_only=True, page=1, page_size=FIRST
            )
        )
        _held(s, a, held_rows), _lifted(s, a, lifted_rows)
        instructions_total, _ = my_instructions(s, a, now, page=1, page_size=FIRST)
        mailbox = leader_inbox(s, a, page_size=FIRST, now=now)
        leader_panels(s, a, now)
        units_for_items(s, [f"case:{i['tracking_no']}" for i in mailbox["items"]], now=now)
        target_units(s)
        _overdue_instructions(s, a)
        board = leader_board_figures(s, a.staff_id or 0, now)
        areas, figures = board["areas"], board["figures"]
        calendar_status(s, today_in_beijing(now))
        leader_figures(s, leader_ids=[a.staff_id or 0])
        return (
            held_total
            + lifted_total
            + instructions_total
            + mailbox["total"]
            + sum(r["total"] for r in areas)
            + figures["open"]
        ), None

    return read


def leader_mailbox(now: datetime) -> Read:
    def read(s: Session, a: Actor) -> tuple[int, Any]:
        return leader_inbox(s, a, page=1, page_size=20, now=now)["total"], None

    return read


def alerts_page(now: datetime) -> Read:
    """/leader/alerts: hotspots and open alerts (the worker's stored hotspot pass, one row)."""

    def read(s: Session, a: Actor) -> tuple[int, Any]:
        panel = hotspots_panel(s, a, now)
        ctx = panel.context if panel else {}
        return len(ctx.get("hotspots", [])) + len(ctx.get("alerts", [])), None

    return read


def report_page(now: datetime) -> Read:
    def read(s: Session, a: Actor) -> tuple[int, Any]:
        panel = daily_report_panel(s, a, now)
        return (panel.context.get("items", 0) if panel else 0), None

    return read


def hotspot_pass(now: datetime) -> Read:
    """The daily hotspot pass itself, as the worker's `compute_hotspots` job runs it every ten
    minutes (not a page read: the pages read its stored result)."""

    def read(s: Session, _a: Actor) -> tuple[int, Any]:
        day = now.astimezone(BEIJING).date()
        return len(hotspots_of_day(s, day=day, window_days=7, limit=10)), None

    return read


def assessment(now: datetime, period: str) -> Read:
    """/analytics/assessment: the seven rates per unit over the last complete period."""

    def read(s: Session, _a: Actor) -> tuple[int, Any]:
        return len(assess_units(s, previous_period(period, now), now=now).rows), None

    return read


def alerts_list(s: Session, _a: Actor) -> tuple[int, Any]:
    return len(alert_views(s, list_alerts(s, status="open", limit=100))), None


def backlog_page(now: datetime) -> Read:
    def read(s: Session, a: Actor) -> tuple[int, Any]:
        return backlog(s, a, now=now, min_age_days=30, page=1, page_size=20).total.value, None

    return read


def escalations_page(s: Session, a: Actor) -> tuple[int, Any]:
    found = list_escalations(
        s, a, level=None, assigned_to=None, open_only=True, page=1, page_size=20
    )
    return found.total.value, None


def notifications(s: Session, a: Actor) -> tuple[int, Any]:
    found, _counts = notification_page(s, a, unread_only=False, page=1, page_size=20)
    return found.total.value, None


def intake_form(phone: str) -> Read:
    """/console/intake with the caller's number typed: the desk's channels and places, and the
    caller's earlier appeals (重复件 at a glance)."""

    def read(s: Session, a: Actor) -> tuple[int, Any]:
        desk_channels(s)
        places(s)
        return earlier_appeals(s, a, phone)[0], None

    return read


def services_hub(now: datetime) -> Read:
    """/console/services for a professional: their appointments, bookings, cases per service
    over the 30 days before today."""

    def read(s: Session, a: Actor) -> tuple[int, Any]:
        since = datetime.combine(now.astimezone(TZ).date(), datetime.min.time(), tzinfo=TZ)
        kinds_of(s, a.staff_id or 0)
        rows = appointments_of_staff(
            s, a.staff_id or 0, since, since + timedelta(days=BOOKING_HORIZON_DAYS + 1)
        )
        describe_appointments(s, a, rows)
        upcoming_counts(s, since)
        cases = cases_by_service(s, since - timedelta(days=30), since)
        return sum(cases.values()), None

    return read


def mediation_list(s: Session, a: Actor) -> tuple[int, Any]:
    sites = list_sites(s, service=Service.MEDIATION)
    mediators_by_site(s, [site.id for site in sites])
    return len(list_disputes(s, a)), None


def role_reads(now: datetime, phone: str) -> list[tuple[str, str, Read]]:
    """(name, the reader's username, the read) for every board and dashboard of every role."""
    r = READERS
    return [
        ("dispatcher: dispatch board", r["dispatcher"], dispatch_board(now)),
        ("dispatcher: inbox (open, most urgent)", r["dispatcher"], inbox(now, ListQuery())),
        (
            "dispatcher: inbox, all, newest, page 2",
            r["dispatcher"],
            inbox(now, ListQuery(status="all", sort="newest"), pages=2),
        ),
        ("dispatcher: escalations", r["dispatcher"], escalations_page),
        ("intake clerk: form with a caller's number", r["clerk"], intake_form(phone)),
        ("unit handler: inbox (open)", r["handler"], inbox(now, ListQuery())),
        ("unit handler: tasks, orders, letters", r["handler"], tasks_page(now)),
        ("unit handler: notifications", r["handler"], notifications),
        ("unit head: unit board", r["head"], unit_board(now)),
        ("unit head: approvals queue", r["head"], approvals_queue(now)),
        ("street staff: area board", r["street"], area_board(now)),
        ("street staff: whistles", r["street"], whistles_page(now)),
        ("community staff: area board", r["community"], area_board(now)),
        ("grid worker: grid page", r["grid"], grid_page(now)),
        ("leader: dashboard", r["leader"], leader_dashboard(now)),
        ("secretary: dashboard", r["secretary"], leader_dashboard(now)),
        ("secretary: mailbox", r["secretary"], leader_mailbox(now)),
        ("secretary: alerts and hotspots", r["secretary"], alerts_page(now)),
        ("secretary: daily report", r["secretary"], report_page(now)),
        ("secretary: backlog (积案)", r["secretary"], backlog_page(now)),
        ("supervisor: supervision board", r["supervisor"], supervision_board(now)),
        ("job: hotspot pass (not a page read)", r["secretary"], hotspot_pass(now)),
        ("analytics: open alerts", r["secretary"], alerts_list),
        ("analytics: assessment, last week", r["secretary"], assessment(now, "week")),
        ("analytics: assessment, last month", r["secretary"], assessment(now, "month")),
        ("service staff: services hub", r["mediator"], services_hub(now)),
        ("service staff: mediation list", r["mediator"], mediation_list),
    ]
