"""Steps the browser journeys share: submit and track as a citizen, sign in, act on a case."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote
from weakref import WeakKeyDictionary

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from sqlalchemy import select

from factories import DEMO_PASSWORD
from minyi.core.clock import Clock, ManualClock
from minyi.core.db import Database
from minyi.core.settings import Settings
from minyi.org.models import Staff
from minyi.org.service import issue_token
from minyi.web.security import SESSION_COOKIE

# Pictures of the pages (tests/screenshots/) only when asked for: they cost CPU and check nothing.
SCREENSHOTS = os.environ.get("MINYI_SCREENSHOTS", "") not in ("", "0")
TokenIssuer = Callable[[str], str | None]


@dataclass
class Live:
    """The server a browser module talks to, and the clock it runs on."""

    url: str
    clock: ManualClock
    database_url: str = ""  # for journeys that run a worker job against the server's database
    data_dir: Path | None = None
    # A session token for an active username, as the sign-in form would issue it now (None: the
    # form itself is used).
    issue_token: TokenIssuer | None = None


# The server each browser context talks to (new_context fills it): sign_in asks it for a token.
serve_contexts: WeakKeyDictionary[BrowserContext, Live] = WeakKeyDictionary()


def token_issuer(db: Database, settings: Settings, clock: Clock) -> TokenIssuer:
    """What a correct password at the sign-in form ends in (minyi.org.signin.sign_in): a token
    for the active staff member, issued at the server's time with the server's lifetime."""

    def issue(username: str) -> str | None:
        with db.unit_of_work() as session:
            staff_id = session.scalar(
                select(Staff.id).where(Staff.username == username, Staff.is_active.is_(True))
            )
            if staff_id is None:
                return None
            token, _ = issue_token(
                session,
                staff_id=staff_id,
                now=clock.now(),
                ttl=timedelta(hours=settings.token_ttl_hours),
            )
            return token

    return issue


def snap(target: Page | Locator, path: Path | str, **options: object) -> None:
    """A screenshot for the docs when screenshots are asked for (MINYI_SCREENSHOTS=1). Without,
    an element's picture still checks what taking it would: the element is on the page."""
    if SCREENSHOTS:
        target.screenshot(path=str(path), **options)  # type: ignore[arg-type]
    elif isinstance(target, Locator):
        expect(target).to_be_visible()


_phones = itertools.count(1)
NewContext = Callable[..., BrowserContext]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def phone_number() -> str:
    return f"1358800{next(_phones):04d}"


def submit_appeal(
    page: Page, shots: Callable[[Page, str], None], *, title: str, body: str, phone: str
) -> str:
    page.goto("/")
    shots(page, "portal-home")
    page.get_by_role("link", name="我要反映").first.click()
    page.select_option("select[name=class_hint]", "投诉建议")
    page.fill("input[name=title]", title)
    page.fill("textarea[name=body]", body)
    page.select_option("#street", "S01")
    page.select_option("#community", "S01C01")
    page.fill("input[name=address]", "滨江路18号门口")
    page.fill("input[name=phone]", phone)
    page.fill("input[name=name]", "王女士")
    shots(page, "submit-form")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#tracking-no")).to_be_visible()
    shots(page, "receipt")
    return page.locator("#tracking-no").inner_text().strip()


def track(page: Page, tracking_no: str, phone: str) -> None:
    page.goto(f"/portal/track?no={tracking_no}")
    page.fill("input[name=secret]", phone[-4:])
    page.get_by_role("button", name="查询进度").click()
    expect(page.locator("#case-status")).to_be_visible()


def sign_in(context: BrowserContext, username: str, at: str = "/console") -> Page:
    """A page of `username`'s, signed in and open at `at` (/console: their home page).

    The sign-in form is tested where signing in is the point (test_password_reset, the new staff
    member in test_admin_journeys, test_first_run); elsewhere the context gets the session
    cookie with the token the form would have issued (Playwright's "log in once" with stored
    state), which spares a page and a form post per sign-in."""
    page = context.new_page()
    live = serve_contexts.get(context)
    token = live.issue_token(username) if live and live.issue_token else None
    if token is None:
        page.goto("/console/sign-in" + ("" if at == "/console" else f"?next={quote(at)}"))
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        return page
    assert live is not None
    context.add_cookies(
        [
            {
                "name": SESSION_COOKIE,
                "value": token,
                "url": live.url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
    page.goto(at)
    return page


def open_case(page: Page, tracking_no: str) -> int:
    page.goto(f"/console/inbox?status=&q={tracking_no}")
    link = page.get_by_role("link", name=tracking_no)
    href = link.get_attribute("href") or ""
    link.click()
    expect(page.locator("#case-status")).to_be_visible()
    return int(href.rsplit("/", 1)[1])


def do_action(page: Page, action: str, fill: Callable[[Page], None] | None = None) -> None:
    box = page.locator(f"details[data-action={action}]")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    if fill:
        fill(box)  # type: ignore[arg-type]
    box.locator("form > button").click()  # the form's own button, not a picker chip's ×
    expect(page.locator(".notice")).to_be_visible()


def pick(page: Page, picker_id: str, typed: str, choice: str) -> None:
    """Choose in a picker (_macros.html `picker`) as a person does: type, then click the result."""
    field = page.locator(f"#{picker_id}-q")
    field.fill(typed)
    page.locator(f"#{picker_id}-list li", has_text=choice).first.click()
    expect(
        page.locator(f"#{picker_id}").locator("xpath=..").locator(".chip", has_text=choice)
    ).to_be_visible()


# --- one Chromium per worker -------------------------------------------------------------------
_chromium: dict[str, Playwright | Browser] = {}


def shared_chromium(executable: str) -> Browser:
    """The worker's Chromium, started on first use: launching it costs about a CPU-second, paid
    once per worker rather than once per browser file."""
    if "browser" not in _chromium:
        playwright = sync_playwright().start()
        _chromium["playwright"] = playwright
        _chromium["browser"] = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox", "--lang=zh-CN"]
        )
    browser = _chromium["browser"]
    assert isinstance(browser, Browser)
    return browser


def stop_shared_chromium() -> None:
    """Stop the worker's Chromium and Playwright, if started. Playwright's sync API keeps an
    asyncio loop running in the test thread while it lives, so any other test calling
    `asyncio.run()` would fail: the root conftest calls this before every test outside
    tests/browser, and at the end of the session."""
    browser = _chromium.pop("browser", None)
    playwright = _chromium.pop("playwright", None)
    if isinstance(browser, Browser):
        browser.close()
    if isinstance(playwright, Playwright):
        playwright.stop()
