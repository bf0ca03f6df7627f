"""The desk journeys in a real browser: the intake clerk registers calls, walk-ins and letters on
a desktop, sees a caller's earlier appeals as the number is typed, and accepts or declines; a
grid worker reports from the street on a phone, with photos and the phone's position."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from browser_steps import PHONE, Live, NewContext, phone_number, sign_in, snap
from minyi.cases.models import Appeal, Case
from minyi.core.db import Database
from minyi.wiring import build_registry

pytestmark = pytest.mark.browser
DOCS = (
    Path(__file__).resolve().parents[1] / "screenshots" / "docs"
)  # curated copies go to docs/screens/


def doc(page: Page, name: str) -> None:
    """A small screenshot of what the user sees, for the README."""
    DOCS.mkdir(parents=True, exist_ok=True)
    snap(page, DOCS / f"intakeweb-{name}.png", scale="css")


def png(width: int = 32, height: int = 24, rgb: tuple[int, int, int] = (60, 120, 200)) -> bytes:
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


def fill_call(page: Page, *, phone: str, body: str, kind: str = "hotline") -> None:
    page.check(f"input[name=kind][value={kind}]")
    page.fill("#desk-phone", phone)
    page.fill("input[name=name]", "赵先生")
    page.fill("textarea[name=body]", body)
    page.select_option("#street", index=1)
    page.select_option("#community", index=1)
    page.fill("input[name=address]", "幸福路6号")


def test_clerk_registers_calls_walk_ins_and_letters(
    new_context: NewContext, shots: Callable[[Page, str], None], live_server: Live
) -> None:
    page = sign_in(new_context(), "clerk")
    expect(page).to_have_url(f"{live_server.url}/console/intake")  # the clerk starts at the desk
    expect(page.locator("h1")).to_have_text("受理登记")
    shots(page, "desk")

    # A first call: nothing earlier from this number, registered and accepted.
    phone = phone_number()
    fill_call(page, phone=phone, body="小区东门的路灯坏了一个星期，晚上出行不便。")
    expect(page.locator("#earlier-none")).to_contain_text("初信初访")
    page.get_by_role("button", name="登记并受理").click()
    expect(page.locator("#registered")).to_contain_text("已受理")
    first_no = page.locator("#registered a").inner_text()
    shots(page, "accepted")

    # The same caller again: the earlier appeal shows as the number is typed, with its link.
    page.check("input[name=kind][value=hotline]")
    page.locator("#desk-phone").press_sequentially(phone, delay=20)
    expect(page.locator("#earlier-summary")).to_contain_text("重复件")
    expect(page.locator("#earlier").get_by_role("link", name=first_no)).to_be_visible()
    page.fill("textarea[name=body]", "还是东门路灯的问题，至今没有修好，来电催办。")
    shots(page, "earlier-appeals")
    doc(page, "clerk-earlier")

    # 不予受理 without a reason: the message on the form, what was typed kept.
    page.get_by_role("button", name="登记，不予受理").click()
    expect(page.locator("#form-error")).to_have_text("不予受理须填写理由")
    expect(page.locator("textarea[name=body]")).to_have_value(
        "还是东门路灯的问题，至今没有修好，来电催办。"
    )
    expect(page.locator("#desk-phone")).to_have_value(phone)
    expect(page.locator("#earlier-summary")).to_contain_text("重复件")  # shown again with the form
    shots(page, "decline-without-reason")
    page.fill("textarea[name=reason]", "与前件为同一事项，已并入前件督办。")
    page.get_by_role("button", name="登记，不予受理").click()
    expect(page.locator("#registered")).to_contain_text("不予受理")
    shots(page, "declined")

    # A walk-in of five people: the number of visitors only shows for 来访.
    expect(page.locator("#visitors-field")).to_be_hidden()
    fill_call(
        page,
        phone=phone_number(),
        body="五位业主来访反映物业公司拒不退还装修押金。",
        kind="walk_in",
    )
    expect(page.locator("#visitors-field")).to_be_visible()
    page.fill("input[name=visitors]", "5")
    page.get_by_role("button", name="登记并受理").click()
    expect(page.locator("#registered")).to_contain_text("已受理")
    walk_in_no = page.locator("#registered a").inner_text()

    # A letter: its scan is required, and kept on the case.
    fill_call(
        page,
        phone=phone_number(),
        body="来信反映：农贸市场周边占道经营严重，影响通行。",
        kind="letter",
    )
    expect(page.locator("#scan-field")).to_be_visible()
    page.set_input_files(
        "input[name=files]",
        files=[
            {
                "name": "来信扫描件.png",
                "mimeType": "image/png",
                "buffer": png(200, 280, (235, 235, 225)),
            }
        ],
    )
    shots(page, "letter")
    doc(page, "clerk-letter")
    page.get_by_role("button", name="登记并受理").click()
    expect(page.locator("#registered")).to_contain_text("已受理")
    page.locator("#registered a").click()
    expect(page.locator("#case-status")).to_have_text("已受理")
    expect(page.get_by_text("来信扫描件.png")).to_be_visible()
    shots(page, "letter-case")

    # The English switch labels the desk in English.
    page.goto("/console/intake?lang=en")
    expect(page.locator("h1")).to_have_text("Register an appeal")
    expect(page.get_by_role("button", name="Register and accept")).to_be_visible()
    shots(page, "desk-english")
    page.goto("/console/intake?lang=zh-CN")

    db = Database(live_server.database_url, registry=build_registry())
    try:
        with db.reading() as session:
            crowd = session.scalar(
                select(Appeal.crowd_size)
                .join(Case, Case.appeal_id == Appeal.id)
                .where(Case.tracking_no == walk_in_no)
            )
            assert crowd == 5
    finally:
        db.dispose()


def test_grid_worker_reports_from_the_street_on_a_phone(
    new_context: NewContext, shots: Callable[[Page, str], None], live_server: Live
) -> None:
    context = new_context(
        {
            **PHONE,
            "geolocation": {"latitude": 22.5431, "longitude": 114.0579, "accuracy": 12},
            "permissions": ["geolocation"],
        }
    )
    page = sign_in(context, "s01c01g01.staff")
    expect(page).to_have_url(
        f"{live_server.url}/console/grid"
    )  # the grid worker starts on the report page
    expect(page.locator("h1")).to_have_text("网格上报")
    expect(page.locator("#locate-status")).to_contain_text(
        "已获取当前位置"
    )  # allowed before: taken at once
    shots(page, "grid-report")

    page.fill("textarea[name=body]", "幸福路与滨江路交叉口井盖缺失，已临时摆放警示锥。")
    page.fill("input[name=address]", "幸福路与滨江路交叉口")
    page.get_by_role("button", name="获取当前位置").click()
    expect(page.locator("#locate-status")).to_contain_text("已获取当前位置")
    page.set_input_files(
        "input[name=photos]",
        files=[
            {"name": "现场1.png", "mimeType": "image/png", "buffer": png()},
            {"name": "现场2.png", "mimeType": "image/png", "buffer": png(rgb=(200, 90, 40))},
        ],
    )
    shots(page, "grid-filled")
    doc(page, "grid-report")
    page.get_by_role("button", name="上报", exact=True).click()
    expect(page.locator("#reported")).to_contain_text("已登记")
    no = page.locator("#reported a").inner_text()
    expect(page.locator("#grid-cases").get_by_role("link", name=no)).to_be_visible()
    shots(page, "grid-reported")
    page.locator("#grid-cases").scroll_into_view_if_needed()
    doc(page, "grid-cases")

    page.locator("#grid-cases").get_by_role("link", name=no).click()
    expect(page.locator("#case-status")).to_have_text("已登记")
    expect(page.get_by_text("现场1.png")).to_be_visible()
    shots(page, "grid-case")

    # A photo that is not one: refused on the form, the description kept.
    page.goto("/console/grid")
    page.fill("textarea[name=body]", "垃圾桶满溢未清运。")
    page.set_input_files(
        "input[name=photos]",
        files=[{"name": "照片.png", "mimeType": "image/png", "buffer": b"not a picture at all"}],
    )
    page.get_by_role("button", name="上报", exact=True).click()
    expect(page.locator("#form-error")).to_contain_text("不是有效的PNG图片")
    expect(page.locator("textarea[name=body]")).to_have_value("垃圾桶满溢未清运。")
    shots(page, "grid-bad-photo")

    # The same form sent twice at once (a double tap, a resend on a bad network) files one report.
    page.goto("/console/grid")
    page.fill("textarea[name=body]", "路边违停车辆堵塞消防通道（重复提交测试）。")
    landed = page.evaluate("""async () => {
        const form = document.getElementById("grid-form");
        const send = () => fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin"});
        const answers = await Promise.all([send(), send()]);
        return answers.map(a => a.url);
    }""")
    assert len(set(landed)) == 1 and "done=" in landed[0], landed

    db = Database(live_server.database_url, registry=build_registry())
    try:
        with db.reading() as session:
            taps = session.scalar(
                select(func.count())
                .select_from(Appeal)
                .where(Appeal.body == "路边违停车辆堵塞消防通道（重复提交测试）。")
            )
            assert taps == 1
            lat, lng = session.execute(
                select(Appeal.lat, Appeal.lng)
                .join(Case, Case.appeal_id == Appeal.id)
                .where(Case.tracking_no == no)
            ).one()
            assert (round(lat, 4), round(lng, 4)) == (22.5431, 114.0579)
    finally:
        db.dispose()
