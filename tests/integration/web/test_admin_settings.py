"""Units, channels, clock policies, escalation rules and the calendar edited in forms: a valid
edit is saved (as a new version where the domain keeps versions), bad input is shown on the form
with the typed input kept and nothing written, a form overtaken by another edit is refused in
Chinese. On both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import private_demo_app
from minyi.core.db import Database
from minyi.escalation.service import current_rules
from minyi.intake.models import Channel
from minyi.org.models import Unit
from minyi.sla.policy_edits import policies_version
from minyi.sla.service import current_policies
from webclient import csrf_of, post_form, signed_in

Client = TestClient


@pytest.fixture(scope="module")
def world(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Database]]:
    with private_demo_app(backend, tmp_path_factory.mktemp("adminsettings")) as (client, db, _):
        yield client, db


def hidden(text: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', text)
    assert found, name
    return found.group(1)


def form_values(text: str) -> dict[str, str]:
    """Every input and selected option of a page's form, as the browser would send them."""
    values = {
        m.group(1): m.group(2)
        for m in re.finditer(r'<input name="([^"]+)"[^>]*value="([^"]*)"', text)
    }
    values |= {
        k: v
        for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', text)
        if k in ("version", "stamp")
    }
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', text, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        values[name] = (
            chosen.group(1) if chosen else re.search(r'<option value="([^"]*)"', body).group(1)
        )  # type: ignore[union-attr]
    return values


def unit(db: Database, name: str) -> Unit:
    with db.reading() as session:
        found = session.scalar(select(Unit).where(Unit.name == name))
        assert found is not None
        session.expunge(found)
        return found


class TestAccess:
    def test_a_non_admin_is_refused(self, world: tuple[TestClient, Database]) -> None:
        client, _ = world
        leader = signed_in(client, "leader01")
        for path in (
            "/console/admin/units",
            "/console/admin/channels",
            "/console/admin/policies",
            "/console/admin/escalation",
        ):
            r = leader.get(path)
            assert r.status_code == 403 and "无权访问" in r.text, path
        r = leader.post(
            "/console/admin/policies",
            data={"csrf_token": csrf_of(leader, "/console/inbox")},
            follow_redirects=False,
        )
        assert r.status_code == 403


class TestUnits:
    def test_rename_and_move_then_a_stale_form_is_refused(
        self, world: tuple[TestClient, Database]
    ) -> None:
        client, db = world
        street = unit(db, "区教育局")
        path = f"/console/admin/units/{street.id}"
        first, second = signed_in(client, "admin"), signed_in(client, "admin")
        one, two = form_values(first.get(path).text), form_values(second.get(path).text)
        r = post_form(first, path, {**one, "name": "区教育和体育局"}, page=path)
        assert r.status_code == 303, r.text
        assert unit(db, "区教育和体育局").id == street.id
        r = post_form(second, path, {**two, "name": "区教育局（旧）"}, page=path)
        assert (
            r.status_code == 409 and "刚被他人修改" in r.text and 'value="区教育局（旧）"' in r.text
        )
        assert unit(db, "区教育和体育局").name == "区教育和体育局"

    def test_a_community_under_a_department_is_refused(
        self, world: tuple[TestClient, Database]
    ) -> None:
        client, db = world
        with db.reading() as session:
            community = session.scalar(
                select(Unit).where(Unit.kind == "community").order_by(Unit.id).limit(1)
            )
            assert community is not None
            before = (community.name, community.parent_id, community.path)
        path = f"/console/admin/units/{community.id}"
        admin = signed_in(client, "admin")
        values = form_values(admin.get(path).text)
        r = post_form(
            admin, path, {**values, "name": "改名不应保存", "parent": "区住房和建设局"}, page=path
        )
        assert (
            r.status_code == 422
            and "上级单位的类型与本单位类型不相符" in r.text
            and 'value="改名不应保存"' in r.text
        )
        after = unit(db, before[0])
        assert (after.name, after.parent_id, after.path) == before


class TestChannels:
    def test_edit_invalid_and_stale(self, world: tuple[TestClient, Database]) -> None:
        client, db = world
        with db.reading() as session:
            channel = session.scalar(select(Channel).where(Channel.code == "hotline_12345"))
            assert channel is not None
        path = f"/console/admin/channels/{channel.id}"
        first, second = signed_in(client, "admin"), signed_in(client, "admin")
        page1, page2 = first.get(path).text, second.get(path).text
        bad = post_form(
            first, path, {"stamp": hidden(page1, "stamp"), "name": "", "is_active": "1"}, page=path
        )
        assert bad.status_code == 422 and "请填写渠道名称" in bad.text
        ok = post_form(
            first,
            path,
            {"stamp": hidden(page1, "stamp"), "name": "12345政务服务热线", "is_active": "1"},
            page=path,
        )
        assert ok.status_code == 303
        late = post_form(
            second,
            path,
            {"stamp": hidden(page2, "stamp"), "name": "别的名字", "is_active": "1"},
            page=path,
        )
        assert (
            late.status_code == 409
            and "刚被他人修改" in late.text
            and 'value="别的名字"' in late.text
        )
        with db.reading() as session:
            saved = session.get(Channel, channel.id)
            assert saved is not None and saved.name == "12345政务服务热线" and saved.is_active


class TestPolicies:
    def test_a_limit_is_saved_as_a_new_version_the_planner_uses(
        self, world: tuple[TestClient, Database]
    ) -> None:
        client, db = world
        admin = signed_in(client, "admin")
        page = admin.get("/console/admin/policies").text
        values = form_values(page)
        with db.reading() as session:
            before = policies_version(session)
        r = post_form(
            admin,
            "/console/admin/policies",
            {
                **values,
                "amount:1-2-3:close": "5",
                "calendar:1-2-3:close": "natural",
                "warn:1-2-3:close": "60",
            },
            page="/console/admin/policies",
        )
        assert r.status_code == 303, r.text
        with db.reading() as session:
            assert policies_version(session) == before + 1
            close = next(
                m
                for m in current_policies(session).policies["1-2-3"].milestones
                if m.code == "close"
            )
        assert (close.duration, close.calendar, close.warn_at) == ("5d", "natural", 0.6)
        stale = post_form(
            admin,
            "/console/admin/policies",
            {**values, "amount:1-2-3:close": "7"},
            page="/console/admin/policies",
        )
        assert (
            stale.status_code == 409
            and "时限标准刚被他人修改" in stale.text
            and 'value="7"' in stale.text
        )

    def test_a_bad_limit_is_refused_and_nothing_written(
        self, world: tuple[TestClient, Database]
    ) -> None:
        client, db = world
        admin = signed_in(client, "admin")
        values = form_values(admin.get("/console/admin/policies").text)
        with db.reading() as session:
            before = policies_version(session)
        r = post_form(
            admin,
            "/console/admin/policies",
            {**values, "amount:1-2-3:call": "两天"},
            page="/console/admin/policies",
        )
        assert (
            r.status_code == 422
            and "1天内电话联系" in r.text
            and "整数" in r.text
            and 'value="两天"' in r.text
        )
        r = post_form(
            admin,
            "/console/admin/policies",
            {**values, "warn:1-2-3:call": "150"},
            page="/console/admin/policies",
        )
        assert r.status_code == 422 and "预警点应为1至99" in r.text
        with db.reading() as session:
            assert policies_version(session) == before


class TestEscalationRules:
    def test_thresholds_and_levels_are_saved_and_a_stale_form_refused(
        self, world: tuple[TestClient, Database]
    ) -> None:
        client, db = world
        admin = signed_in(client, "admin")
        page = admin.get("/console/admin/escalation").text
        values = {**form_values(page), "words": "自杀\n堵路\n"}
        with db.reading() as session:
            before, _ = current_rules(session)
        r = post_form(
            admin,
            "/console/admin/escalation",
            {**values, "threshold:crowd": "8", "level:crowd": "top_leaders"},
            page="/console/admin/escalation",
        )
        assert r.status_code == 303, r.text
        with db.reading() as session:
            version, rules = current_rules(session)
        crowd = next(rule for rule in rules.rules if rule.code == "crowd")
        assert version == before + 1 and crowd.level == "top_leaders" and "8" in repr(crowd.when)
        assert rules.sensitive_words == ("自杀", "堵路")
        stale = post_form(
            admin,
            "/console/admin/escalation",
            {**values, "threshold:crowd": "6"},
            page="/console/admin/escalation",
        )
        assert (
            stale.status_code == 409
            and "提级规则刚被他人修改" in stale.text
            and 'value="6"' in stale.text
        )

    def test_bad_numbers_are_refused_and_nothing_written(
        self, world: tuple[TestClient, Database]
    ) -> None:
        client, db = world
        admin = signed_in(client, "admin")
        values = {**form_values(admin.get("/console/admin/escalation").text), "words": "自杀"}
        with db.reading() as session:
            before, _ = current_rules(session)
        r = post_form(
            admin,
            "/console/admin/escalation",
            {**values, "petition_days": "0"},
            page="/console/admin/escalation",
        )
        assert (
            r.status_code == 422
            and "重复信访统计天数应为1至3660的整数" in r.text
            and 'value="0"' in r.text
        )
        r = post_form(
            admin,
            "/console/admin/escalation",
            {**values, "threshold:money": "十万"},
            page="/console/admin/escalation",
        )
        assert r.status_code == 422 and "条件数值应为整数" in r.text
        with db.reading() as session:
            assert current_rules(session)[0] == before


class TestCalendarDay:
    def test_bad_date_kept_on_the_form_and_a_stale_page_refused(
        self, world: tuple[TestClient, Database]
    ) -> None:
        client, _ = world
        page = "/console/admin/calendar?year=2035"
        first, second = signed_in(client, "admin"), signed_in(client, "admin")
        v1, v2 = hidden(first.get(page).text, "version"), hidden(second.get(page).text, "version")
        bad = post_form(
            first,
            "/console/admin/calendar/day",
            {
                "year": "2035",
                "version": v1,
                "date": "2035-02-30",
                "kind": "holiday",
                "note": "春节补",
            },
            page=page,
        )
        assert bad.status_code == 422 and "日期格式" in bad.text and 'value="春节补"' in bad.text
        ok = post_form(
            first,
            "/console/admin/calendar/day",
            {"year": "2035", "version": v1, "date": "2035-02-08", "kind": "holiday"},
            page=page,
        )
        assert ok.status_code == 303
        late = post_form(
            second,
            "/console/admin/calendar/day",
            {
                "year": "2035",
                "version": v2,
                "date": "2035-02-09",
                "kind": "holiday",
                "note": "后来者",
            },
            page=page,
        )
        assert (
            late.status_code == 409
            and "2035年的日历刚被他人修改" in late.text
            and 'value="后来者"' in late.text
        )
        text = first.get(page).text
        assert "2035-02-08" in text and "2035-02-09" not in text


def visible(html: str) -> str:
    """The page's text as a reader sees it: no tags, no attributes, no datalist options' values."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


ADMIN_PAGES = {
    "/console/admin": "Administration",
    "/console/admin/people": "Staff",
    "/console/admin/people/new": "Add a staff member",
    "/console/admin/units": "Units",
    "/console/admin/channels": "Channels",
    "/console/admin/dictionary": "Event dictionary",
    "/console/admin/policies": "Clock policy",
    "/console/admin/escalation": "Escalation rules",
    "/console/admin/outbox": "Outbox",
}


class TestPageText:
    def test_chinese_pages_show_no_internal_codes_and_english_shows_english(
        self, world: tuple[TestClient, Database]
    ) -> None:
        client, _ = world
        admin = signed_in(client, "admin")
        codes = (
            "hotline_12345",
            "unit_handler",
            "DEP01",
            "S01C01",
            "leader_in_charge",
            "petition_count",
            "workdays",
            "adm_",
        )
        for path, english in ADMIN_PAGES.items():
            zh = admin.get(path)
            assert zh.status_code == 200, path
            assert [c for c in codes if c in visible(zh.text)] == [], path
            en = admin.get(path, params={"lang": "en"})
            assert english in visible(en.text) and "adm_" not in visible(en.text), path
        admin.get("/console/admin", params={"lang": "zh-CN"})
