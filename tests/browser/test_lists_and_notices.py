"""Everyone's day: the notification centre (bell with count, open, mark read), the inbox sorted
by urgency and filtered with the filters kept across pages, the Excel export of the list, and a
case's print views, on a desktop and on a phone. The worker's clock job runs against the live
server's database, so a clock turning red reaches the handler as a notice."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from browser_steps import (
    PHONE,
    Live,
    NewContext,
    do_action,
    open_case,
    phone_number,
    sign_in,
    snap,
    submit_appeal,
)
from minyi.core.db import Database
from minyi.wiring import build_registry
from minyi.worker.runner import run_once

pytestmark = pytest.mark.browser
DOCS = (
    Path(__file__).resolve().parents[1] / "screenshots" / "docs"
)  # curated copies go to docs/screens/


def doc_shot(page: Page, name: str) -> None:
    """A small viewport picture for the README (the numbered full pages go to tests/screenshots)."""
    DOCS.mkdir(parents=True, exist_ok=True)
    snap(page, DOCS / f"listsweb-{name}.png", scale="css")


@pytest.fixture(scope="module")
def database(live_server: Live) -> Iterator[Database]:
    db = Database(live_server.database_url, registry=build_registry())
    yield db
    db.dispose()


def test_notices_lists_export_and_print(
    new_context: NewContext,
    live_server: Live,
    database: Database,
    shots: Callable[[Page, str], None],
) -> None:
    citizen = new_context(PHONE).new_page()
    no = submit_appeal(
        citizen,
        shots,
        title="路灯不亮",
        body="滨江路18号门口的路灯坏了一周，晚上很黑。",
        phone=phone_number(),
    )
    other = submit_appeal(
        citizen, shots, title="井盖缺失", body="滨江路口的井盖丢了，很危险。", phone=phone_number()
    )

    dispatcher = sign_in(new_context(), "dispatcher")
    for tracking in (no, other):
        open_case(dispatcher, tracking)
        do_action(dispatcher, "accept")
        do_action(
            dispatcher,
            "dispatch",
            lambda box: box.locator("select[name=lead_unit]").select_option("DEP02"),
        )  # type: ignore[attr-defined]

    # --- the handler's bell, on a desktop ---
    handler = sign_in(new_context(), "dep02.handler", at="/console/inbox")
    bell = handler.locator("header nav a.bell")
    expect(bell.locator(".count")).to_be_visible()
    before = int(bell.locator(".count").inner_text())
    assert before >= 2
    bell.click()
    expect(handler.get_by_role("heading", name="通知")).to_be_visible()
    item = handler.locator("li.notification.unread", has_text=no)
    expect(item).to_contain_text("新交办")
    expect(item).to_contain_text("路灯不亮")
    shots(handler, "notifications")
    doc_shot(handler, "notifications-desktop")
    item.get_by_role("button", name="查看").click()
    expect(handler.locator("#case-status")).to_be_visible()
    expect(handler.locator("header nav a.bell .count")).to_have_text(str(before - 1))

    # --- print views from the case page ---
    handler.get_by_role("link", name="交办单").click()
    expect(handler.get_by_role("heading", name="群众诉求交办单")).to_be_visible()
    expect(handler.locator("table.fields").first).to_contain_text("区城市管理和综合执法局")
    expect(handler.locator("header.top")).to_have_count(0)  # no console navigation on a print page
    shots(handler, "print-dispatch")
    doc_shot(handler, "print-dispatch")
    handler.get_by_role("link", name="登记表").click()
    expect(handler.get_by_role("heading", name="群众诉求登记表")).to_be_visible()
    handler.emulate_media(media="print")
    expect(handler.locator(".toolbar")).to_be_hidden()
    shots(handler, "print-registration-as-printed")
    pdf = handler.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    (Path(__file__).resolve().parents[1] / "screenshots" / "listsweb-registration.pdf").write_bytes(
        pdf
    )
    handler.emulate_media(media="screen")

    # --- Tuesday: the 1-2-3 clocks (working days from Friday) have turned red; the worker tells the unit ---
    live_server.clock.advance(timedelta(days=4, hours=2))
    while run_once(database, live_server.clock)["fire_clocks"]:
        pass
    # Yesterday's sign-in has expired.
    handler = sign_in(new_context(), "dep02.handler", at="/console/notifications?unread=1")
    expect(handler.locator("li.notification.k-clock_breach", has_text=no).first).to_contain_text(
        "已超时"
    )

    # --- the inbox: most urgent first, filters kept across pages ---
    handler.goto("/console/inbox")
    handler.select_option("select[name=status]", label="办理中")
    handler.select_option("select[name=unit]", label="区城市管理和综合执法局")
    handler.fill("input[name=q]", "滨江路")
    handler.locator(".list-filters").get_by_role("button", name="搜索").click()
    expect(handler.locator("table.cases")).to_contain_text(no)
    expect(handler.locator("table.cases")).to_contain_text(other)
    expect(handler.locator("input[name=q]")).to_have_value("滨江路")
    assert "q=" in handler.url and "unit=DEP02" in handler.url and "status=handling" in handler.url
    expect(handler.locator("select[name=unit]")).to_have_value("DEP02")
    shots(handler, "inbox-filtered")
    doc_shot(handler, "inbox-filtered-desktop")

    # --- export what is on screen ---
    with handler.expect_download() as download:
        handler.get_by_role("link", name="导出Excel").click()
    data = Path(download.value.path()).read_bytes()
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "受理编号" and {r[0] for r in rows[1:]} == {no, other}
    assert isinstance(rows[1][1], datetime)
    (Path(__file__).resolve().parents[1] / "screenshots" / "listsweb-export.xlsx").write_bytes(data)

    # --- the unit head, on a phone: the count, mark all read, the list and a print view ---
    head = sign_in(new_context(PHONE), "dep02.head", at="/console/notifications")
    expect(head.locator("li.notification").first).to_be_visible()
    # The console's links are one sideways-scrolling row on a phone, the current page marked.
    header = head.locator("header.top").bounding_box()
    assert header is not None and header["height"] < 120, header
    expect(head.locator("header nav a[aria-current=page]")).to_have_attribute(
        "href", "/console/notifications"
    )
    shots(head, "phone-notifications")
    doc_shot(head, "notifications-phone")
    head.get_by_role("button", name="全部标为已读").click()
    expect(head.locator("header nav a.bell .count")).to_have_count(0)
    expect(head.locator("li.notification.unread")).to_have_count(0)
    head.goto("/console/inbox?sort=urgency&q=滨江路")
    expect(head.locator("table.cases")).to_contain_text(no)
    shots(head, "phone-inbox")
    doc_shot(head, "inbox-phone")
    open_case(head, no)
    head.get_by_role("link", name="登记表").click()
    expect(head.get_by_role("heading", name="群众诉求登记表")).to_be_visible()
    shots(head, "phone-print-registration")
    doc_shot(head, "print-registration-phone")
