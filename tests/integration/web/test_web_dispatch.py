"""The dispatcher's forms and the whistle form in the web console: units and leaves chosen by
name (codes only as option values), 改派 before signing and its Chinese refusal after, a whistle
on a case named by its tracking number. Refused forms keep what was typed."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from factories import act, make_appeal, make_dispatched
from webclient import post_form, signed_in

TAGS = re.compile(r"<[^>]+>")
OPTION_VALUES = re.compile(r'value="[^"]*"')


def visible_text(page: str) -> str:
    """The page's text as a reader sees it: no tags, attributes or scripts."""
    body = page.split("<main>", 1)[-1]
    return html.unescape(TAGS.sub(" ", body))


def squeezed(page: str) -> str:
    """Visible text without any white space, to find a sentence that spans several tags."""
    return re.sub(r"\s+", "", visible_text(page))


def accepted_case(app_client: TestClient) -> dict[str, object]:
    appeal = make_appeal(app_client)
    assert act(app_client, appeal["id"], "accept", "clerk").status_code == 200
    return appeal


class TestDispatchForm:
    def test_units_and_leaves_are_named_not_coded(self, app_client: TestClient) -> None:
        case = accepted_case(app_client)
        dispatcher = signed_in(app_client, "dispatcher")
        page = dispatcher.get(f"/console/cases/{case['id']}").text
        assert (
            'name="lead_unit"' in page
            and 'name="co_units" multiple' in page
            and 'name="category"' in page
        )
        # The codes travel as option values; the pinyin initials ride along for the search box.
        assert (
            '<option value="DEP27" data-keys="qzwfwsjglj quzhengwufuwushujuguanliju">区政务服务数据管理局</option>'
            in page
        )
        text = visible_text(page)
        assert (
            "区政务服务数据管理局" in text and "主办单位（限选一个）" in text and "协办单位" in text
        )
        assert not re.search(r"\bDEP\d\d\b|\bS\d\dC\d\d\b|\bTS-\d", text), (
            "a unit or leaf code in visible text"
        )

    def test_dispatch_with_several_co_units_names_them_on_the_timeline(
        self, app_client: TestClient
    ) -> None:
        case = accepted_case(app_client)
        dispatcher = signed_in(app_client, "dispatcher")
        page = f"/console/cases/{case['id']}"
        r = dispatcher.post(
            f"{page}/actions/dispatch",
            follow_redirects=False,
            data={
                "csrf_token": _csrf(dispatcher, page),
                "lead_unit": "DEP02",
                "co_units": ["DEP09", "S01"],
            },
        )
        assert r.status_code == 303, r.text
        text = squeezed(dispatcher.get(page).text)
        assert "主办：区城市管理和综合执法局；协办：区生态环境分局、" in text

    def test_lead_also_co_unit_is_refused_on_the_form_in_chinese(
        self, app_client: TestClient
    ) -> None:
        case = accepted_case(app_client)
        dispatcher = signed_in(app_client, "dispatcher")
        page = f"/console/cases/{case['id']}"
        r = dispatcher.post(
            f"{page}/actions/dispatch",
            follow_redirects=False,
            data={
                "csrf_token": _csrf(dispatcher, page),
                "lead_unit": "DEP02",
                "co_units": ["DEP02"],
            },
        )
        assert r.status_code == 422
        assert '<p class="form-error" role="alert">主办单位不能同时作为协办单位</p>' in r.text
        # What was chosen is still chosen.
        assert re.search(
            r'<select id="dispatch-lead".*?<option value="DEP02"[^>]* selected>', r.text, re.S
        )


class TestRedispatchForm:
    def test_before_signing_it_moves_the_case(self, app_client: TestClient) -> None:
        case = make_dispatched(app_client, lead="DEP03", co=["DEP04"])
        dispatcher = signed_in(app_client, "dispatcher")
        page = f"/console/cases/{case['id']}"
        form = dispatcher.get(page).text
        assert 'data-action="redispatch"' in form
        # The current co-units start chosen, to be kept or changed.
        assert re.search(
            r'<select id="redispatch-co".*?<option value="DEP04"[^>]* selected>', form, re.S
        )
        r = post_form(
            dispatcher,
            f"{page}/actions/redispatch",
            {"lead_unit": "DEP05", "co_units": "DEP06", "reason": "属人社部门职责"},
            page=page,
        )
        assert r.status_code == 303, r.text
        text = squeezed(dispatcher.get(page).text)
        assert (
            "改派" in text
            and "主办：区人力资源局；协办：区市场监督管理局" in text
            and "原主办：区教育局；原协办：区卫生健康局" in text
        )
        assert signed_in(app_client, "dep03.handler").get(page).status_code == 404
        assert signed_in(app_client, "dep05.handler").get(page).status_code == 200

    def test_after_signing_the_refusal_is_chinese_and_keeps_the_reason(
        self, app_client: TestClient
    ) -> None:
        case = make_dispatched(app_client, lead="DEP03")
        dispatcher = signed_in(app_client, "dispatcher")
        page = f"/console/cases/{case['id']}"
        csrf = _csrf(dispatcher, page)  # the form as it was before the unit signed
        assert act(app_client, case["id"], "sign_for", "dep03.handler").status_code == 200
        r = dispatcher.post(
            f"{page}/actions/redispatch",
            follow_redirects=False,
            data={"csrf_token": csrf, "lead_unit": "DEP05", "reason": "应由人社部门办理"},
        )
        assert r.status_code == 409
        assert "主办单位已签收该案件，不能再改派" in r.text
        assert 'data-action="redispatch"' not in r.text  # no longer offered
        assert signed_in(app_client, "dep03.handler").get(page).status_code == 200


class TestWhistleForm:
    def test_a_community_whistles_on_a_case_by_tracking_number(
        self, app_client: TestClient
    ) -> None:
        case = make_dispatched(app_client, lead="DEP02", street="S01", community="S01C01")
        community = signed_in(app_client, "s01c01.staff")
        form = community.get(f"/console/whistles?tracking_no={case['tracking_no']}").text
        assert (
            f'name="tracking_no" list="whistle-cases" maxlength="40" inputmode="numeric" autocomplete="off" value="{case["tracking_no"]}"'
            in form
        )
        assert 'name="units" multiple' in form and "区城市管理和综合执法局" in visible_text(form)
        assert not re.search(r"\bDEP\d\d\b", visible_text(form))
        r = community.post(
            "/console/whistles",
            follow_redirects=False,
            data={
                "csrf_token": _csrf(community, "/console/whistles"),
                "tracking_no": case["tracking_no"],
                "description": "垃圾站外溢，请城管和环保到场",
                "units": ["DEP02", "DEP09"],
                "minutes": "30",
            },
        )
        assert r.status_code == 303, r.text
        listing = squeezed(community.get("/console/whistles").text)
        assert f"关联案件{case['tracking_no']}" in listing and "区生态环境分局" in listing
        timeline = visible_text(community.get(f"/console/cases/{case['id']}").text)
        assert "垃圾站外溢" in timeline

    def test_an_unknown_tracking_number_is_refused_on_the_form(
        self, app_client: TestClient
    ) -> None:
        community = signed_in(app_client, "s01c01.staff")
        r = community.post(
            "/console/whistles",
            follow_redirects=False,
            data={
                "csrf_token": _csrf(community, "/console/whistles"),
                "tracking_no": "20990101-000001",
                "description": "井盖缺失",
                "units": ["DEP02"],
            },
        )
        assert r.status_code == 422
        assert "没有找到该受理编号的案件" in r.text
        assert "井盖缺失</textarea>" in r.text and 'value="20990101-000001"' in r.text
        assert re.search(r'<option value="DEP02"[^>]* selected>', r.text)

    def test_a_department_sees_no_whistle_form(self, app_client: TestClient) -> None:
        assert (
            'id="whistle-form"'
            not in signed_in(app_client, "dep02.handler").get("/console/whistles").text
        )


def _csrf(client: TestClient, page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert found
    return found.group(1)
