"""The leader's morning and the supervisor's desk in a real browser, on a district with weeks of
generated history and an issued 民情日报: the dashboard fits one screen (desktop) and stays short
on a phone; a 批示 on a hotspot takes two taps with the units already chosen; a supervisor issues
an order and a letter by unit name, and the unit answers both from its to-do page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from browser_steps import PHONE, Live, NewContext, sign_in, snap
from minyi.analytics.hotspot_passes import compute_hotspots
from minyi.bench.report_history import generate, load_district
from minyi.core.db import Database
from minyi.reports.service import issue_daily_report
from minyi.wiring import build_registry

pytestmark = pytest.mark.browser
BEIJING = ZoneInfo("Asia/Shanghai")
DOCS = (
    Path(__file__).resolve().parents[1] / "screenshots" / "docs"
)  # curated copies go to docs/screens/
DESKTOP_HEIGHT = 900


@pytest.fixture(scope="module")
def district(live_server: Live) -> Iterator[Database]:
    """Weeks of appeals up to yesterday (the bench's generator: bursts of one matter in one
    community make hotspots and alerts) and yesterday's report, issued this morning, and today's hotspot pass."""
    db = Database(live_server.database_url, registry=build_registry())
    now = live_server.clock.now()
    yesterday = (now - timedelta(days=1)).astimezone(BEIJING).date()
    with db.unit_of_work() as session:
        plan = load_district(session)
    generate(db.engine, plan, 60_000, yesterday, lambda _n: None)
    with db.unit_of_work() as session:
        issue_daily_report(session, day=yesterday, now=now, tz=BEIJING, issued_by="supervisor")
        # The worker's hotspot pass over the history just written, which the pages read.
        compute_hotspots(session, now=now)
    yield db
    db.dispose()


def keep(page: Page, name: str) -> None:
    """A small screenshot of the first screen for the docs, beside the numbered steps."""
    DOCS.mkdir(parents=True, exist_ok=True)
    snap(page, DOCS / f"leaderweb-{name}.png")


def height(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollHeight"))


def test_the_dashboard_fits_and_a_hotspot_gets_a_instruction_in_two_taps(
    new_context: NewContext,
    shots: Callable[[Page, str], None],
    district: Database,
) -> None:
    leader = sign_in(new_context(), "leader01", at="/leader")
    expect(leader.locator("#today")).to_be_visible()
    expect(leader.locator("#daily-report .report-title")).to_contain_text("民情日报 第1期")
    assert height(leader) <= DESKTOP_HEIGHT, height(leader)
    shots(leader, "dashboard-desktop")
    keep(leader, "dashboard-desktop")

    spot = leader.locator("#hotspots .hotspot").first
    expect(spot).to_be_visible()
    spot.get_by_text("批示", exact=True).click()  # tap 1: the form opens, units already ticked
    ticked = spot.locator("input[name=units]:checked")
    expect(ticked.first).to_be_checked()
    unit = spot.locator("label.check").first.inner_text().strip()
    shots(leader, "hotspot-instructing")
    spot.get_by_role("button", name="下达批示").click()  # tap 2
    expect(leader.locator(".notice")).to_contain_text("批示已下达")
    mine = leader.locator("#my-instructions")
    expect(mine).to_contain_text("请阅处，抓紧核实办理")
    expect(mine).to_contain_text(unit)
    shots(leader, "hotspot-instructed")

    # The report page: every item offers 批示 with its units; none is left without a way.
    leader.goto("/leader/report")
    items = leader.locator("#daily-report li[data-item]")
    assert items.count() > 20
    for form in leader.locator("#daily-report .instruct-form").all():
        assert form.locator("input[name=units]").count() or form.locator(".no-unit").count()
    shots(leader, "report-page")


def test_the_dashboard_on_a_phone(
    new_context: NewContext, shots: Callable[[Page, str], None], district: Database
) -> None:
    leader = sign_in(new_context(PHONE), "leader01", at="/leader")
    expect(leader.locator("#today")).to_be_visible()
    assert height(leader) <= 3 * 844, height(leader)
    shots(leader, "dashboard-phone")
    keep(leader, "dashboard-phone")
    alert = leader.locator("#hotspots .alert-item").first
    expect(alert).to_be_visible()
    alert.get_by_text("批示", exact=True).click()
    expect(alert.locator("input[name=units]:checked").first).to_be_checked()
    alert.get_by_role("button", name="下达批示").click()
    expect(leader.locator(".notice")).to_contain_text("批示已下达")
    leader.goto("/leader/report")
    shots(leader, "report-phone")


def test_a_supervisor_orders_and_writes_and_the_unit_answers(
    new_context: NewContext,
    shots: Callable[[Page, str], None],
    district: Database,
) -> None:
    supervisor = sign_in(new_context(), "supervisor", at="/console/supervision")
    order = supervisor.locator("#new-order")
    order.locator("input[name=unit_name]").fill("区住房和建设局")
    order.locator("textarea[name=reason]").fill("请于三日内报送物业投诉积案清理方案。")
    shots(supervisor, "order-form")
    order.get_by_role("button", name="下达督办").click()
    expect(supervisor.locator(".notice")).to_contain_text("督办单已下达")

    letter = supervisor.locator("#new-letter")
    letter.locator("summary").click()
    letter.locator("select[name=kind]").select_option(label="提醒函")
    letter.locator("input[name=unit_name]").fill("区住房和建设局")
    letter.locator("input[name=subject]").fill("物业投诉办理超期")
    letter.locator("textarea[name=body]").fill(
        "近期你局物业类诉求超期较多，请加强办理并于一周内书面回复。"
    )
    shots(supervisor, "letter-form")
    letter.get_by_role("button", name="制发").click()
    expect(supervisor.locator(".notice")).to_contain_text("函件已制发")
    expect(supervisor.locator("#letters")).to_contain_text("尚未回复")
    shots(supervisor, "board-issued")

    unit = sign_in(new_context(PHONE), "dep01.handler", at="/console/tasks")
    shown = unit.locator("#orders article.order").filter(has_text="物业投诉积案清理方案")
    expect(shown).to_be_visible()
    shown.locator("textarea[name=response]").fill("已制定清理方案，本周内清零。")
    shown.get_by_role("button", name="反馈").click()
    received = unit.locator("#letters article.letter").filter(has_text="物业投诉办理超期")
    expect(received).to_be_visible()
    shots(unit, "unit-letter")
    keep(unit, "unit-letter-phone")
    received.locator("textarea[name=text]").fill("已收悉，已组织专班逐件办理，一周内报送书面情况。")
    received.get_by_role("button", name="回复来函").click()
    expect(unit.locator("#letters .notice")).to_contain_text("已回复来函")
    expect(unit.locator("#letters")).to_contain_text("已组织专班逐件办理")
    shots(unit, "unit-answered")

    supervisor.goto("/console/supervision")
    expect(supervisor.locator("#letters")).to_contain_text("已组织专班逐件办理")
    expect(supervisor.locator("table.list").first).to_contain_text("已制定清理方案")
    shots(supervisor, "board-answered")
    keep(supervisor, "supervision-desktop")
