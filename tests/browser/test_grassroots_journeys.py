"""党建覆盖 in a real browser on a phone: a grid worker walks to the most overdue building of the
grid, records what was found with a photo, raises it as a grid event and chooses how the grid
handles it (网格吹哨: a department summoned), and the case is there with its whistle; a second
finding is solved in the grid on the spot (小事一格解决). The street's staff then see the events
counted on the coverage page, and tap a community on its map to open that community's page; a
cadre sent down reaches the patrol page from the menu."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from browser_steps import PHONE, Live, NewContext, sign_in

pytestmark = pytest.mark.browser


def png(width: int = 32, height: int = 24, rgb: tuple[int, int, int] = (200, 90, 40)) -> bytes:
    """A real (tiny) PNG, as a phone's camera would send a real photo."""
    row = b"\x00" + bytes(rgb) * width

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def test_grid_worker_records_a_patrol_finding_that_becomes_a_case(
    new_context: NewContext,
    shots: Callable[[Page, str], None],
    live_server: Live,
) -> None:
    page = sign_in(new_context(PHONE), "s01c04g01.staff")
    page.get_by_role("link", name="走访", exact=True).click()
    expect(page.locator("h1")).to_have_text("记录走访")
    shots(page, "patrol-page")

    first = page.locator("input[name=building_id]").first
    building = page.locator(".gr-cards label.gr-pick strong").first.inner_text()
    first.check()
    page.fill("textarea[name=finding]", "5楼楼道电动车违规充电，飞线从窗口拉下，存在火灾隐患。")
    page.set_input_files(
        "input[name=photos]", files=[{"name": "飞线.png", "mimeType": "image/png", "buffer": png()}]
    )
    page.check("input[name=raise_event]")
    # 网格吹哨: the grid keeps the event and summons a department to report in.
    page.locator("#patrol-form").get_by_role("radio", name="网格吹哨、部门报到").check()
    page.get_by_text("吹哨召集的部门", exact=True).click()
    page.locator("#patrol-form input[name=units]").first.check()
    page.locator("#patrol-form input[name=report_within_minutes]").fill("30")
    shots(page, "patrol-filled")
    page.get_by_role("button", name="保存走访记录").click()

    expect(page.locator("#patrol-done")).to_contain_text(f"已记录对{building}的走访")
    expect(page.locator("#patrol-done")).to_contain_text("已上报为网格事件")
    expect(page.locator("#done-handling")).to_have_text("网格吹哨、部门报到")
    shots(page, "patrol-done")
    page.locator("#patrol-done a").click()
    expect(page.get_by_text("电动车违规充电").first).to_be_visible()
    expect(page.get_by_text("飞线.png")).to_be_visible()
    expect(page.get_by_text("待报到").first).to_be_visible()
    shots(page, "patrol-case")

    # 小事一格解决: a small matter, solved on the spot, closes at once.
    page.goto("/console/grassroots/patrol")
    page.locator("input[name=building_id]").first.check()
    page.fill("textarea[name=finding]", "楼道灯不亮")
    page.check("input[name=raise_event]")
    page.locator("#patrol-form").get_by_role("radio", name="小事一格解决").check()
    page.fill("#patrol-form textarea[name=solved]", "已更换灯泡，楼道照明恢复")
    page.get_by_role("button", name="保存走访记录").click()
    expect(page.locator("#done-handling")).to_have_text("小事一格解决")
    shots(page, "patrol-solved")
    page.locator("#patrol-done a").click()
    expect(page.get_by_text("已更换灯泡").first).to_be_visible()

    # The street's staff see the event counted, the map drawn, and the gaps listed.
    street = sign_in(new_context(PHONE), "s01.staff")
    street.get_by_role("link", name="网格覆盖").click()
    expect(street.locator("#events-found")).not_to_have_text("0")
    expect(street.locator("#grid-whistles")).to_be_visible()
    expect(street.locator("#response-rate")).to_be_visible()
    expect(street.locator("#coverage-map svg")).to_be_visible()
    shots(street, "coverage-phone")
    # The map's areas are links: a tap on a community opens its own coverage page.
    area = street.locator("#coverage-map a.gr-area").first
    label = area.get_attribute("aria-label") or ""
    area.tap()
    expect(street.locator("h1")).to_contain_text(label.split("：")[0])
    expect(street.locator("h1")).to_contain_text("网格覆盖情况")
    shots(street, "coverage-community")
    # And by keyboard: the first area takes the focus and Enter opens it.
    street.go_back()
    street.locator("#coverage-map a.gr-area").first.focus()
    street.keyboard.press("Enter")
    expect(street.locator("h1")).to_contain_text(label.split("：")[0])

    # A cadre sent down from a department has no area, yet reaches the patrol page.
    cadre = sign_in(new_context(PHONE), "dep01.handler")
    cadre.get_by_role("link", name="走访", exact=True).click()
    expect(cadre.locator("h1")).to_have_text("记录走访")
    expect(cadre.locator(".gr-cards label.gr-pick").first).to_be_visible()
    shots(cadre, "cadre-patrol")
    desktop = sign_in(new_context(), "secretary", at="/console/grassroots")
    expect(desktop.locator("#coverage-map")).to_be_visible()
    shots(desktop, "coverage-district")
