"""Hooks the web pages into the app: the routers and the shipped static files."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from minyi.web import console_admin, console_auth, console_boards, console_cases, console_work, leader, portal
from minyi.web.pages import HERE

ROUTERS = (portal, console_auth, console_cases, console_boards, console_work, console_admin, leader)


def mount_web(app: FastAPI) -> None:
    for module in ROUTERS:
        app.include_router(module.router)
    app.state.portal_limits = portal.PortalLimits()
    app.mount("/static/web", StaticFiles(directory=HERE / "static"), name="web-static")
