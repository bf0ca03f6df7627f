"""The dispatcher and the whistle in a real browser: units chosen by name and pinyin initials
(lead and co-units apart), the leaf by its names, 改派 before signing and its refusal after, on a
desktop and a phone; a community blows the whistle on a case named by its tracking number."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from browser_steps import (
    PHONE,
    NewContext,
    do_action,
    open_case,
    phone_number,
    pick,
    sign_in,
    snap,
    submit_appeal,
)

pytestmark = pytest.mark.browser
DOCS = (
    Path(__file__).resolve().parents[1] / "screenshots" / "docs"
)  # curated copies go to docs/screens/
CODE = re.compile(r"\b(DEP\d\d|DEP_[A-Z]+|S\d\d(C\d\d)?(G\d\d)?|TS-[\d-]+)\b")


def doc_shot(page: Page, name: str, selector: str | None = None) -> None:
    """A small screenshot for the README (docs/screens/dispatchweb-<name>.png): one element or the viewport."""
    DOCS.mkdir(parents=True, exist_ok=True)
    path = str(DOCS / f"dispatchweb-{name}.png")
    if selector:
        snap(page.locator(selector), path=path)
    else:
        snap(page, path=path)


def open_action(page: Page, action: str) -> None:
    box = page.locator(f"details[data-action={action}]")
    if box.get_attribute("open") is None:
        box.locator("summary").click()


def no_codes(page: Page, selector: str = "main") -> None:
    text = page.locator(selector).inner_text()
    assert not CODE.search(text), CODE.search(text)


def test_dispatcher_picks_units_by_name_and_redispatches_before_signing(
    new_context: NewContext,
    shots: Callable[[Page, str], None],
) -> None:
    citizen = new_context(PHONE).new_page()
    no = submit_appeal(
        citizen,
        shots,
        title="垃圾站污水横流",
        body="小区门口垃圾站污水流到人行道，气味很大，请城管和环保处理。",
        phone=phone_number(),
    )

    dispatcher = sign_in(new_context(), "dispatcher")
    case_id = open_case(dispatcher, no)
    do_action(dispatcher, "accept")
    box = dispatcher.locator("details[data-action=dispatch]")
    open_action(dispatcher, "dispatch")
    # Lead unit by pinyin initials, co-units by initials and by name, the leaf by its names.
    pick(dispatcher, "dispatch-lead", "csgl", "区城市管理和综合执法局")
    pick(dispatcher, "dispatch-co", "sthj", "区生态环境分局")
    pick(dispatcher, "dispatch-co", "青松", "青松街道")
    # The lead unit is not offered again as a co-unit.
    dispatcher.locator("#dispatch-co-q").fill("csgl")
    expect(dispatcher.locator("#dispatch-co-list")).to_contain_text("没有找到")
    dispatcher.locator("#dispatch-co-q").fill("")
    pick(dispatcher, "dispatch-leaf", "垃圾", "垃圾")
    expect(box.locator(".picker.lead .chip")).to_have_count(1)
    expect(box.locator(".picker.co .chip")).to_have_count(2)
    no_codes(dispatcher, "#actions")
    shots(dispatcher, "dispatch-form")
    doc_shot(dispatcher, "dispatch-form", "details[data-action=dispatch]")
    box.locator("form > button").click()
    expect(dispatcher.locator("#case-status")).to_have_text("已分拨")
    timeline = dispatcher.locator("#timeline")
    expect(timeline).to_contain_text("主办：区城市管理和综合执法局；协办：区生态环境分局、青松街道")
    expect(dispatcher.locator("#case-lead")).to_have_text("区城市管理和综合执法局")
    no_codes(dispatcher)

    # 改派: another lead unit, one co-unit dropped, with a reason.
    box = dispatcher.locator("details[data-action=redispatch]")
    open_action(dispatcher, "redispatch")
    expect(box.locator(".picker.co .chip")).to_have_count(
        2
    )  # the current co-units, to keep or drop
    box.get_by_role("button", name="移除 青松街道").click()
    pick(dispatcher, "redispatch-lead", "sthj", "区生态环境分局")
    # Chosen as lead, it leaves the co-units: one unit is never both.
    expect(box.locator(".picker.co .chip")).to_have_count(0)
    pick(dispatcher, "redispatch-co", "swj", "区水务局")
    box.locator("textarea[name=reason]").fill("污水排放属生态环境部门主责，水务部门协助排查管网")
    shots(dispatcher, "redispatch-form")
    doc_shot(dispatcher, "redispatch-form", "details[data-action=redispatch]")
    box.locator("form > button").click()
    expect(dispatcher.locator(".notice")).to_contain_text("改派")
    expect(timeline).to_contain_text("主办：区生态环境分局；协办：区水务局")
    expect(timeline).to_contain_text(
        "原主办：区城市管理和综合执法局；原协办：区生态环境分局、青松街道"
    )
    shots(dispatcher, "redispatched")
    doc_shot(dispatcher, "timeline", "#timeline")

    # The old lead unit no longer sees the case; the new one signs for it.
    old = sign_in(new_context(), "dep02.handler")
    assert old.goto(f"/console/cases/{case_id}").status == 404  # type: ignore[union-attr]
    # The dispatcher starts another redispatch while the new lead unit signs.
    box = dispatcher.locator("details[data-action=redispatch]")
    open_action(dispatcher, "redispatch")
    pick(dispatcher, "redispatch-lead", "住房", "区住房和建设局")
    box.locator("textarea[name=reason]").fill("改由住建部门牵头")
    handler = sign_in(new_context(), "dep09.handler", at=f"/console/cases/{case_id}")
    do_action(handler, "sign_for")
    box.locator("form > button").click()
    alert = dispatcher.locator(".form-error")
    expect(alert).to_contain_text("主办单位已签收该案件，不能再改派")
    expect(dispatcher.locator("details[data-action=redispatch]")).to_have_count(0)
    no_codes(dispatcher)
    shots(dispatcher, "redispatch-refused")
    doc_shot(dispatcher, "redispatch-refused")


def test_dispatcher_on_a_phone(new_context: NewContext, shots: Callable[[Page, str], None]) -> None:
    citizen = new_context(PHONE).new_page()
    no = submit_appeal(
        citizen,
        shots,
        title="学校门口占道经营",
        body="实验小学门口每天放学时有摊贩占道经营，学生过马路很危险。",
        phone=phone_number(),
    )
    dispatcher = sign_in(new_context(PHONE), "dispatcher")
    open_case(dispatcher, no)
    do_action(dispatcher, "accept")
    box = dispatcher.locator("details[data-action=dispatch]")
    open_action(dispatcher, "dispatch")
    # The keyboard way: type, arrow down to the result, Enter.
    field = dispatcher.locator("#dispatch-lead-q")
    field.fill("jyj")
    expect(dispatcher.locator("#dispatch-lead-list li").first).to_contain_text("区教育局")
    field.press("Enter")
    expect(box.locator(".picker.lead .chip")).to_have_text(re.compile("区教育局"))
    pick(dispatcher, "dispatch-co", "城市管理", "区城市管理和综合执法局")
    dispatcher.locator("#dispatch-lead-q").scroll_into_view_if_needed()
    shots(dispatcher, "phone-dispatch-form")
    doc_shot(dispatcher, "phone-dispatch")
    # Nothing sticks out of the phone's width.
    wide = dispatcher.evaluate(
        """Array.from(document.querySelectorAll('main *')).filter(e => e.getBoundingClientRect().right > 391 && !Array.from(e.children).some(c => c.getBoundingClientRect().right > 391)).map(e => e.tagName + '.' + e.className + '#' + e.id + ':' + Math.round(e.getBoundingClientRect().right)).slice(0, 12)"""
    )
    assert dispatcher.evaluate("document.documentElement.scrollWidth") <= 390, wide
    box.locator("form > button").click()
    expect(dispatcher.locator("#timeline")).to_contain_text(
        "主办：区教育局；协办：区城市管理和综合执法局"
    )
    no_codes(dispatcher)
    shots(dispatcher, "phone-dispatched")


def test_community_blows_the_whistle_by_tracking_number(
    new_context: NewContext, shots: Callable[[Page, str], None]
) -> None:
    citizen = new_context(PHONE).new_page()
    no = submit_appeal(
        citizen,
        shots,
        title="井盖缺失",
        body="滨江路18号门口的井盖缺失，晚上看不见，已经有人摔倒。",
        phone=phone_number(),
    )

    community = sign_in(new_context(PHONE), "s01c01.staff")
    open_case(community, no)
    community.get_by_role("link", name="吹哨").last.click()
    expect(community.locator("input[name=tracking_no]")).to_have_value(no)
    community.fill("textarea[name=description]", "井盖缺失，请住建、城管30分钟内到场设置围挡。")
    pick(community, "whistle-units", "住房", "区住房和建设局")
    pick(community, "whistle-units", "csgl", "区城市管理和综合执法局")
    no_codes(community, "#whistle-form")
    shots(community, "whistle-form")
    doc_shot(community, "whistle-form", "#whistle-form")
    community.locator("#whistle-form form > button").click()
    article = community.locator("article.whistle").first
    expect(article).to_contain_text("井盖缺失")
    expect(article).to_contain_text(f"关联案件 {no}")
    expect(article).to_contain_text("区住房和建设局")
    expect(article).to_contain_text("区城市管理和综合执法局")
    shots(community, "whistle-blown")

    # A mistyped tracking number: the message on the form, everything typed kept.
    community.goto("/console/whistles?new=1")
    community.fill("input[name=tracking_no]", "20990101-000001")
    community.fill("textarea[name=description]", "路灯不亮")
    pick(community, "whistle-units", "住房", "区住房和建设局")
    community.locator("#whistle-form form > button").click()
    expect(community.locator(".form-error")).to_contain_text("没有找到该受理编号的案件")
    expect(community.locator("textarea[name=description]")).to_have_value("路灯不亮")
    expect(community.locator("#whistle-form .chip")).to_have_text(re.compile("区住房和建设局"))
    shots(community, "whistle-refused")
    doc_shot(community, "whistle-refused", "#whistle-form")
