"""Steps the browser journeys share: submit and track as a citizen, sign in, act on a case."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from factories import DEMO_PASSWORD
from minyi.core.clock import ManualClock


@dataclass
class Live:
    """The server a browser module talks to, and the clock it runs on."""

    url: str
    clock: ManualClock
    database_url: str = ""  # for journeys that run a worker job against the server's database
    data_dir: Path | None = None


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


def sign_in(context: BrowserContext, username: str) -> Page:
    page = context.new_page()
    page.goto("/console/sign-in")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
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
