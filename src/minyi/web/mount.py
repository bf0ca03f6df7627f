"""Hooks the web pages into the app: the routers, the panels of the slots and the shipped static files."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from minyi.core.registry import Registry
from minyi.web import (
    console_account,
    console_admin,
    console_admin_dictionary,
    console_admin_org,
    console_admin_rules,
    console_admin_staff,
    console_approvals,
    console_auth,
    console_boards,
    console_calendar,
    console_cases,
    console_counselling,
    console_export,
    console_grassroots,
    console_grid,
    console_intake,
    console_legal,
    console_markets,
    console_mediation,
    console_meetings,
    console_notifications,
    console_outbox,
    console_print,
    console_receptions,
    console_relief,
    console_services,
    console_supervision,
    console_volunteers,
    console_work,
    leader,
    panels_leader,
    panels_triage,
    portal,
    portal_receptions,
    portal_relief,
    portal_services,
    portal_volunteers,
)
from minyi.web import errors as web_errors
from minyi.web.pages import HERE
from minyi.web.slots import empty_slots

ROUTERS = (
    portal,
    console_auth,
    console_account,
    console_cases,
    console_boards,
    console_work,
    console_admin,
    console_calendar,
    console_intake,
    console_grid,
    console_admin_staff,
    console_admin_dictionary,
    console_admin_org,
    console_admin_rules,
    console_outbox,
    console_supervision,
    leader,
    panels_triage,
    panels_leader,
    console_approvals,
    console_notifications,
    console_export,
    console_print,
    console_grassroots,
    console_volunteers,
    portal_volunteers,
    console_markets,
    console_mediation,
    console_meetings,
    console_receptions,
    portal_receptions,
    console_services,
    portal_services,
    console_legal,
    console_relief,
    portal_relief,
    console_counselling,
)


def register_panels(registry: Registry) -> None:
    """Add every panel to the app's registry; a slot left empty is a wiring mistake, refused at
    start-up rather than shown to a user as an empty place on the page."""
    panels_triage.register(registry)
    panels_leader.register(registry)
    console_approvals.register(registry)
    console_legal.register(registry)
    console_counselling.register(registry)
    missing = empty_slots(registry)
    if missing:
        raise RuntimeError(f"web slots without a panel: {', '.join(missing)}")


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """The router's routes, as its module built them at import, become the app's own. FastAPI's
    `include_router` builds every route again (dependencies, validators, response models) for
    each app on its first request: 0.8 s of CPU for ~490 routes, paid by each `create_app` in
    the tests (docs/decisions/0010-ci-timing.md). A router's own prefix, tags, dependencies and
    responses are in its routes already; the app adds none of its own, and shared routes keep
    nothing per app (a route reaches its app through `request.app`). Only start-up and
    shutdown handlers would be lost: no router has any."""
    assert not (router.on_startup or router.on_shutdown), router.prefix
    app.router.routes.extend(router.routes)


def mount_web(app: FastAPI, registry: Registry) -> None:
    register_panels(registry)
    for module in ROUTERS:
        add_routes(app, module.router)
    web_errors.install(app)
    app.state.portal_limits = portal.PortalLimits()
    app.mount("/static/web", StaticFiles(directory=HERE / "static"), name="web-static")
