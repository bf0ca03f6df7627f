"""Hooks the web pages into the app: the routers, the panels of the slots and the shipped static files."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from minyi.web import errors as web_errors
from minyi.web import (
    console_account, console_admin, console_approvals, console_admin_dictionary, console_admin_org, console_admin_rules, console_admin_staff,
    console_auth, console_boards, console_calendar, console_cases, console_grassroots, console_grid, console_intake, console_outbox, console_work,
    leader,
    panels_leader, panels_triage, portal,
)
from minyi.web import console_export, console_notifications, console_print, console_supervision
from minyi.web.pages import HERE
from minyi.web.slots import (
    CASE_PANELS, CASE_SLOTS, DISPATCH_PANELS, DISPATCH_SLOTS, LEADER_PANELS, LEADER_SLOTS, UNIT_PANELS, UNIT_SLOTS,
)

ROUTERS = (
    portal, console_auth, console_account, console_cases, console_boards, console_work, console_admin, console_calendar,
    console_intake, console_grid, console_admin_staff, console_admin_dictionary, console_admin_org, console_admin_rules,
    console_outbox, console_supervision, leader, panels_triage, panels_leader, console_approvals,
    console_notifications, console_export, console_print, console_grassroots,
)


def register_panels() -> None:
    """Fill every slot; a slot left empty is a wiring mistake, refused at start-up rather than
    shown to a user as an empty place on the page."""
    panels_triage.register()
    panels_leader.register()
    console_approvals.register()
    missing = [
        name for slots, panels in (
            (CASE_SLOTS, CASE_PANELS), (DISPATCH_SLOTS, DISPATCH_PANELS), (LEADER_SLOTS, LEADER_PANELS), (UNIT_SLOTS, UNIT_PANELS),
        )
        for name in slots if name not in panels
    ]
    if missing:
        raise RuntimeError(f"web slots without a panel: {', '.join(missing)}")


def mount_web(app: FastAPI) -> None:
    register_panels()
    for module in ROUTERS:
        app.include_router(module.router)
    web_errors.install(app)
    app.state.portal_limits = portal.PortalLimits()
    app.mount("/static/web", StaticFiles(directory=HERE / "static"), name="web-static")
