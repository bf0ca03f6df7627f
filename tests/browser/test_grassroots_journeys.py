"""党建覆盖 in a real browser on a phone: a grid worker walks to the most overdue building of the
grid, records what was found with a photo, raises it as a grid event, and the case is there;
the street's staff then see the event counted on the coverage page with its map."""

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
    shots(page, "patrol-filled")
    page.get_by_role("button", name="保存走访记录").click()

    expect(page.locator("#patrol-done")).to_contain_text(f"已记录对{building}的走访")
    expect(page.locator("#patrol-done")).to_contain_text("已上报为网格事件")
    shots(page, "patrol-done")
    page.locator("#patrol-done a").click()
    expect(page.get_by_text("电动车违规充电").first).to_be_visible()
    expect(page.get_by_text("飞线.png")).to_be_visible()
    shots(page, "patrol-case")

    # The street's staff see the event counted, the map drawn, and the gaps listed.
    street = sign_in(new_context(PHONE), "s01.staff")
    street.get_by_role("link", name="网格覆盖").click()
    expect(street.locator("#events-found")).not_to_have_text("0")
    expect(street.locator("#coverage-map")).to_be_visible()
    assert street.evaluate("document.getElementById('coverage-map').naturalWidth") > 0
    shots(street, "coverage-phone")
    desktop = sign_in(new_context(), "secretary")
    desktop.goto("/console/grassroots")
    expect(desktop.locator("#coverage-map")).to_be_visible()
    shots(desktop, "coverage-district")
