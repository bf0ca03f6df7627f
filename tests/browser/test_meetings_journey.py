"""联席会议 in a real browser: the district's office plans a joint meeting on a desktop, takes a
crowd case from the hard-case candidates onto the agenda, records the meeting's decision with a
task for the labour bureau; the bureau's handler finds the task in the unit's to-do list on a
phone (and on a desktop), and the meeting's minutes download."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from docx import Document
from playwright.sync_api import Page, expect

from browser_steps import PHONE, Live, NewContext, phone_number, sign_in
from factories import DEMO_PASSWORD

pytestmark = pytest.mark.browser
TZ = ZoneInfo("Asia/Shanghai")


def _token(client: httpx.Client, user: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": user, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _crowd_case(live: Live) -> dict:
    with httpx.Client(base_url=live.url) as client:
        clerk = _token(client, "clerk")
        made = client.post(
            "/api/v1/appeals",
            json={
                "channel": "walk_in",
                "title": "工地拖欠四十余名农民工工资",
                "body": "某工地四十余名农民工被拖欠三个月工资，多次讨要无果，情绪激动。",
                "phone": phone_number(),
                "name": "周先生",
                "street": "S01",
                "crowd_size": 42,
            },
            headers=clerk,
        )
        assert made.status_code == 201, made.text
        case = made.json()
        for action, body, user in (
            ("accept", {}, "clerk"),
            ("dispatch", {"lead_unit": "DEP05", "co_units": []}, "dispatcher"),
        ):
            r = client.post(
                f"/api/v1/appeals/{case['id']}/actions/{action}",
                json=body,
                headers=_token(client, user),
            )
            assert r.status_code == 200, r.text
        return dict(case)


def _shot(page: Page, shots: Callable[[Page, str], None], name: str) -> None:
    shots(page, name)


def test_a_joint_meeting_decides_a_case_and_the_unit_gets_the_task(
    new_context: NewContext, shots: Callable[[Page, str], None], live_server: Live
) -> None:
    case = _crowd_case(live_server)
    local = (live_server.clock.now() - timedelta(minutes=30)).astimezone(TZ)

    office = sign_in(new_context(), "dispatcher")
    office.get_by_role("link", name="联席会议").click()
    office.get_by_role("link", name="安排会议").click()
    expect(office.locator("h1")).to_have_text("安排联席会议")
    office.select_option("select[name=level]", "district")
    office.fill("input[name=title]", "欠薪问题专题联席会议")
    office.fill("input[name=starts_at]", local.strftime("%Y-%m-%dT%H:%M"))
    office.fill("input[name=place]", "区信联办三楼会议室")
    office.select_option("select[name=convener]", "mayor")
    for name in ("区人力资源局", "区司法局", "区公安分局"):
        office.get_by_label(name, exact=True).check()
    _shot(office, shots, "plan-desktop")
    office.get_by_role("button", name="安排会议").click()
    expect(office.locator("[role=status]")).to_contain_text("会议已安排")

    candidate = office.locator("li.candidate", has_text=case["tracking_no"])
    expect(candidate.locator(".mt-tag", has_text="涉众")).to_be_visible()
    _shot(office, shots, "candidates-desktop")
    candidate.get_by_role("button", name="列入议题").click()
    item = office.locator("li.agenda-item", has_text=case["tracking_no"])
    expect(item).to_be_visible()
    item.get_by_role("link", name="记录议定事项").click()

    expect(office.locator("h1")).to_contain_text("工地拖欠")
    office.fill(
        "textarea[name=decision]", "由区人力资源局牵头，三日内约谈施工总包单位，督促清偿欠薪。"
    )
    office.select_option("select[name=unit_0]", label="区人力资源局")
    office.fill("textarea[name=text_0]", "约谈施工总包单位并督促清偿欠薪")
    due = (local + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    office.fill("input[name=deadline_0]", due)
    _shot(office, shots, "decision-desktop")
    office.get_by_role("button", name="保存议定事项").click()
    expect(office.locator("[role=status]")).to_contain_text("已记录议定事项")
    expect(office.locator(".mt-decision")).to_contain_text("督促清偿欠薪")
    _shot(office, shots, "agenda-desktop")

    with office.expect_download() as download:
        office.locator("#minutes").click()
    saved = download.value.path()
    assert saved is not None and download.value.suggested_filename.endswith(".docx")
    minutes = Document(str(saved))
    text = "\n".join(p.text for p in minutes.paragraphs)
    assert text.startswith("区信联办联席会议纪要") and "督促清偿欠薪" in text
    assert minutes.tables[0].rows[1].cells[0].text == "区人力资源局"

    # The labour bureau's handler finds the task in the unit's to-do list, on a phone.
    phone = sign_in(new_context(PHONE), "dep05.handler", at="/console/tasks")
    task = phone.locator("article.task", has_text="约谈施工总包单位")
    expect(task).to_be_visible()
    # Under the meeting that decided it, not among the leaders' 批示.
    expect(
        phone.locator("#meeting-tasks article.task", has_text="约谈施工总包单位")
    ).to_be_visible()
    expect(phone.locator("#tasks article.task", has_text="约谈施工总包单位")).to_have_count(0)
    expect(task.get_by_role("link", name="欠薪问题专题联席会议")).to_be_visible()
    expect(task).to_contain_text("办理中")
    expect(task.locator("textarea[name=result]")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    _shot(phone, shots, "task-phone")
    phone.goto("/console/meetings")
    phone.get_by_role("link", name="欠薪问题专题联席会议").click()
    expect(phone.locator(".mt-decision")).to_contain_text("督促清偿欠薪")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    _shot(phone, shots, "agenda-phone")

    desk = sign_in(new_context(), "dep05.head", at="/console/tasks")
    expect(desk.locator("article.task", has_text="约谈施工总包单位")).to_be_visible()
    _shot(desk, shots, "task-desktop")
