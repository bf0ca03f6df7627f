"""A 批示 the service refuses, in a real browser on a phone and a desktop: the message shows on the
form the leader sent (an item further down the page, not the first 批示 form), the form stays
open, and what was typed is kept."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from browser_steps import PHONE, Live, NewContext, sign_in, snap
from minyi.analytics.models import Alert
from minyi.core.db import Database
from minyi.wiring import build_registry

pytestmark = pytest.mark.browser
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
DOCS = Path(__file__).resolve().parents[1] / "screenshots" / "docs"


@pytest.fixture(scope="module")
def alerts(live_server: Live) -> Iterator[list[int]]:
    """Three open alerts with no unit behind them: the leader names one by name."""
    db = Database(live_server.database_url, registry=build_registry())
    now = live_server.clock.now()
    try:
        with db.unit_of_work() as session:
            rows = [
                Alert(
                    key=f"refused-instruction:{n}",
                    kind="repeat_petitioner",
                    level="yellow",
                    title=f"重复来访：幸福里小区{n}号楼",
                    unit_id=None,
                    class_name=None,
                    day=now.date().isoformat(),
                    evidence={"case_ids": []},
                    raised_at=now,
                    status="open",
                )
                for n in (1, 2, 3)
            ]
            session.add_all(rows)
            session.flush()
            ids = [a.id for a in rows]
    finally:
        db.dispose()
    return ids


@pytest.mark.parametrize("size", list(SIZES))
def test_a_refused_instruction_stays_on_its_form(
    size: str,
    alerts: list[int],
    new_context: NewContext,
    shots: Callable[[Page, str], None],
) -> None:
    leader = sign_in(new_context(SIZES[size]), "leader01", at="/leader/alerts")
    forms = leader.locator("details.instruct")
    first = forms.first.get_attribute("data-item")
    item = next(f"alert:{i}" for i in alerts if f"alert:{i}" != first)
    box = leader.locator(f'details.instruct[data-item="{item}"]')
    box.get_by_text("批示", exact=True).click()
    typed = f"请住建部门牵头核实（{size}）"
    box.locator("textarea[name=text]").fill(typed)
    box.locator("input[name=unit_names]").fill("不存在的单位")
    box.locator("input[name=within_days]").fill("5")
    box.get_by_role("button", name="下达批示").click()
    again = leader.locator(f'details.instruct[data-item="{item}"]')
    expect(again.get_by_role("alert")).to_contain_text("没有名为“不存在的单位”的承办单位")
    expect(again.locator("textarea[name=text]")).to_have_value(typed)
    expect(again.locator("input[name=unit_names]")).to_have_value("不存在的单位")
    expect(again.locator("input[name=within_days]")).to_have_value("5")
    expect(again.locator("textarea[name=text]")).to_be_visible()  # the form is open
    expect(leader.locator("#form-error")).to_have_count(1)
    expect(leader.locator(".error .message")).to_have_count(0)  # not the shared error page
    again.scroll_into_view_if_needed()
    shots(leader, "refused")
    DOCS.mkdir(parents=True, exist_ok=True)
    snap(leader, DOCS / f"leaderweb-instruct-refused-{size}.png", scale="css")
    # Corrected on the same form: sent.
    again.locator("input[name=unit_names]").fill("区住房和建设局")
    again.get_by_role("button", name="下达批示").click()
    expect(leader.locator(".notice")).to_contain_text("批示已下达")
