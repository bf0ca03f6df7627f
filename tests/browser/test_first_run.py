"""A first run shows life: on a server whose empty database got the demo district and its
history (`first_run`, as `minyi serve` does), the leader dashboard, the dispatcher's inbox and the
first daily report have something in them, on a desktop and on a phone.

SQLite only: the history itself is checked on both backends in tests/integration/demo; this
module looks at the pages."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect

from browser_steps import Live, sign_in, snap
from conftest import demo_history_copy, make_settings
from minyi.app import create_app
from minyi.core.clock import ManualClock

NOW = datetime(
    2026, 11, 20, 7, 30, tzinfo=UTC
)  # 15:30 in Beijing, a Friday (as tests/integration/demo)
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
DOCS = (
    Path(__file__).resolve().parents[1] / "screenshots" / "docs"
)  # curated copies go to docs/screens/


@pytest.fixture(scope="module")
def lived_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    tmp = tmp_path_factory.mktemp("first-run")
    # `first_run` on an empty migrated database (as `minyi serve` does), lived once per run and
    # copied here with its data folder (conftest.demo_history_copy; tests/integration/demo looks
    # at the same history).
    url, _, data_dir = demo_history_copy("sqlite", tmp, now=NOW)
    settings = make_settings(url, tmp).model_copy(
        update={"load_demo_if_empty": True, "data_dir": data_dir}
    )
    port = _free_port()
    settings = settings.model_copy(update={"public_base_url": f"http://127.0.0.1:{port}"})
    clock = ManualClock(NOW)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, clock=clock),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ws="none",
        )
    )
    thread = threading.Thread(target=server.run, name="first-run-server", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.01)
    yield Live(f"http://127.0.0.1:{port}", clock, url, settings.data_dir)
    server.should_exit = True
    thread.join(timeout=30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def keep(page: Page, name: str) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    snap(page, DOCS / f"firstrun-{name}.png")


@pytest.mark.parametrize("screen", ["desktop", "phone"])
class TestFirstRunShowsLife:
    def test_the_leader_dashboard_shows_held_cases_escalations_and_the_daily_report(
        self, browser: Browser, lived_server: Live, screen: str
    ) -> None:
        context = browser.new_context(
            base_url=lived_server.url, locale="zh-CN", **(DESKTOP if screen == "desktop" else PHONE)
        )  # type: ignore[arg-type]
        page = sign_in(context, "secretary", at="/leader")
        cases = page.locator("main a[href^='/console/cases/']")
        expect(cases.first).to_be_visible()
        assert cases.count() >= 3
        text = page.inner_text("main")
        assert "民情日报" in text
        overdue = re.search(
            r"(\d+)\s*超期", text
        )  # the dashboard's figure: the clocks ran through the weeks
        assert overdue and int(overdue.group(1)) > 0, text[:400]
        assert "提级" in text
        keep(page, f"leader-{screen}")
        context.close()

    def test_the_dispatcher_inbox_lists_open_cases_in_several_states(
        self, browser: Browser, lived_server: Live, screen: str
    ) -> None:
        context = browser.new_context(
            base_url=lived_server.url, locale="zh-CN", **(DESKTOP if screen == "desktop" else PHONE)
        )  # type: ignore[arg-type]
        page = sign_in(context, "dispatcher", at="/console/inbox")
        rows = page.locator("main a[href^='/console/cases/']")
        expect(rows.first).to_be_visible()
        assert rows.count() >= 10
        text = page.inner_text("main")
        assert (
            sum(
                label in text
                for label in ("已登记", "已受理", "已分拨", "已签收", "办理中", "已答复")
            )
            >= 2
        ), text[:500]
        keep(page, f"inbox-{screen}")
        context.close()


def test_the_first_daily_report_has_items(browser: Browser, lived_server: Live) -> None:
    context = browser.new_context(base_url=lived_server.url, locale="zh-CN", **DESKTOP)  # type: ignore[arg-type]
    page = sign_in(context, "secretary", at="/leader")
    link = page.locator("a[href^='/leader/reports/'][href$='.html']").first
    expect(link).to_be_visible()
    page.goto(link.get_attribute("href") or "")
    assert page.url.endswith(".html")
    text = page.inner_text("body")
    assert "民情日报" in text
    assert "施工" in text  # the burst of night construction noise on the last days
    keep(page, "report-desktop")
    context.close()
