"""A real server (uvicorn on a free port, in a thread) on a private demo database, and a real
browser (Debian's Chromium headless shell driven by Playwright; nothing is downloaded).

Speed: one Chromium per xdist worker (starting Playwright's driver and the browser costs about
a second of CPU), one server and database per module (a module that moves its clock moves no
other module's), and a fresh browser context per test (its own cookies, storage and cache), so
nothing a test does in the browser outlives it. `browser_steps.sign_in` signs staff in by
issuing the token the sign-in form would issue (see there); the numbered screenshots are taken
only with MINYI_SCREENSHOTS=1."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page

from browser_steps import SCREENSHOTS as TAKE_SCREENSHOTS
from browser_steps import Live, serve_contexts, shared_chromium, token_issuer
from conftest import START, demo_database_url, make_settings
from minyi.app import create_app
from minyi.core.clock import ManualClock

# Debian's old headless shell (package chromium-headless-shell) where it is installed: without
# the full browser's UI and compositor it takes about a third of the CPU on the same pages (two
# pairs of modules here: 4.8 s against 16.4 s, 5.8 s against 19.0 s; their whole CPU, Python's
# included, falls by 30%). The full browser is the fallback on a machine set up before the
# Makefile installed the shell.
HEADLESS_SHELL = Path("/usr/bin/chromium-headless-shell")
CHROMIUM = str(HEADLESS_SHELL) if HEADLESS_SHELL.exists() else "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """One server per test module: a module that moves its clock moves no other module's."""
    tmp = tmp_path_factory.mktemp("live")
    url = demo_database_url("sqlite", tmp)
    port = _free_port()
    settings = make_settings(url, tmp).model_copy(
        update={"public_base_url": f"http://127.0.0.1:{port}"}
    )
    clock = ManualClock(START)
    app = create_app(settings, clock=clock)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.01)
    state = app.state.minyi
    yield Live(
        f"http://127.0.0.1:{port}",
        clock,
        url,
        settings.data_dir,
        issue_token=token_issuer(state.db, settings, clock),
    )
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Browser:
    """One Chromium per worker while it runs browser files (browser_steps.shared_chromium);
    every test opens contexts of its own (`new_context`)."""
    return shared_chromium(CHROMIUM)


class Shots:
    """Numbered full-page screenshots in tests/screenshots/<test name>/ (MINYI_SCREENSHOTS=1;
    otherwise none: a full-page picture costs a tenth of a second of CPU and checks nothing)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.n = 0
        if not TAKE_SCREENSHOTS:
            return
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()

    def __call__(self, page: Page, name: str) -> None:
        self.n += 1
        if TAKE_SCREENSHOTS:
            page.screenshot(path=str(self.folder / f"{self.n:02d}-{name}.png"), full_page=True)


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name))


@pytest.fixture
def new_context(browser: Browser, live_server: Live) -> Iterator[object]:
    contexts: list[BrowserContext] = []

    def make(kind: dict[str, object] = DESKTOP) -> BrowserContext:
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", **kind)  # type: ignore[arg-type]
        context.set_default_timeout(15_000)
        contexts.append(context)
        serve_contexts[context] = live_server
        return context

    yield make
    for context in contexts:
        context.close()
