"""The notification centre: each trigger notifies the staff of the units it concerns, in the
triggering transaction; a notice is its recipient's alone; one or all are marked read, on the
page, over the API and from the CLI."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from conftest import private_demo_app
from factories import act, auth, make_dispatched
from minyi.cli.main import app as cli_app
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.notifications.models import Notification
from minyi.org.models import Staff
from minyi.worker.runner import run_once
from webclient import post_form, signed_in


def notices(
    db: Database, case_id: int | None = None, kind: str | None = None
) -> dict[str, list[str]]:
    """username -> kinds of the notices they got (optionally for one case / of one kind)."""
    with db.reading() as session:
        stmt = select(Staff.username, Notification.kind).join(
            Staff, Staff.id == Notification.recipient_id
        )
        if case_id is not None:
            stmt = stmt.where(Notification.case_id == case_id)
        if kind is not None:
            stmt = stmt.where(Notification.kind == kind)
        out: dict[str, list[str]] = {}
        for username, k in session.execute(stmt.order_by(Notification.id)):
            out.setdefault(username, []).append(k)
        return out


class TestTriggers:
    def test_dispatch_notifies_the_lead_and_co_units_and_no_one_else(
        self, app_client: TestClient, db: Database
    ) -> None:
        case = make_dispatched(app_client, lead="DEP01", co=["DEP02"])
        got = notices(db, case["id"])
        assert got["dep01.handler"] == ["assigned"] and got["dep01.head"] == ["assigned"]
        assert got["dep02.handler"] == ["assigned"]
        assert "dep03.handler" not in got and "dispatcher" not in got

    def test_reopen_notifies_the_lead_unit(self, app_client: TestClient, db: Database) -> None:
        case = make_dispatched(app_client, lead="DEP09", co=["DEP06"])
        cid = case["id"]
        assert act(app_client, cid, "sign_for", "dep09.handler").status_code == 200
        assert act(app_client, cid, "reply", "dep09.handler", text="已答复").status_code == 200
        assert (
            act(app_client, cid, "reopen", "supervisor", reason="督查发现问题仍未解决").status_code
            == 200
        )
        got = notices(db, cid, "reopened")
        assert set(got) == {"dep09.handler", "dep09.head"}

    def test_instruction_order_and_letter_notify_the_unit_given_the_work(
        self, app_client: TestClient, db: Database
    ) -> None:
        case = make_dispatched(app_client, lead="DEP07")
        cid = case["id"]
        r = app_client.post(
            "/api/v1/instructions",
            json={"text": "请三日内办结", "units": ["DEP08"], "case_id": cid, "within_days": 3},
            headers=auth(app_client, "secretary"),
        )
        assert r.status_code == 201, r.text
        r = app_client.post(
            "/api/v1/supervision-orders",
            json={"reason": "请加快办理", "case_id": cid, "within_days": 2},
            headers=auth(app_client, "supervisor"),
        )
        assert r.status_code == 201, r.text
        r = app_client.post(
            "/api/v1/letters",
            json={
                "kind": "reminder",
                "subject": "加快办理",
                "body": "请加快办理。",
                "addressee_unit": "DEP07",
                "case_id": cid,
            },
            headers=auth(app_client, "supervisor"),
        )
        assert r.status_code == 201, r.text
        assert notices(db, cid, "instruction") == {
            "dep08.head": ["instruction"],
            "dep08.handler": ["instruction"],
        }
        assert set(notices(db, cid, "order")) == {"dep07.head", "dep07.handler"}
        assert set(notices(db, cid, "letter")) == {"dep07.head", "dep07.handler"}

    def test_a_refused_action_notifies_no_one(self, app_client: TestClient, db: Database) -> None:
        case = make_dispatched(app_client, lead="DEP05")
        before = notices(db, case["id"])
        # Dispatching again without a bounce is an illegal transition: rolled back, nothing written.
        assert (
            act(
                app_client, case["id"], "dispatch", "dispatcher", lead_unit="DEP06", co_units=[]
            ).status_code
            == 409
        )
        assert notices(db, case["id"]) == before


@pytest.fixture(scope="module")
def clock_world(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Database, ManualClock]]:
    with private_demo_app(backend, tmp_path_factory.mktemp("notices")) as world:
        yield world


def test_clock_turning_yellow_then_red_notifies_the_units_once_each(
    clock_world: tuple[TestClient, Database, ManualClock],
) -> None:
    client, db, clock = clock_world
    case = make_dispatched(client, lead="DEP03")
    for step in (timedelta(hours=20), timedelta(hours=30)):
        clock.advance(step)
        while run_once(db, clock)["fire_clocks"]:
            pass
    got = notices(db, case["id"])
    assert "clock_warning" in got["dep03.handler"] and "clock_breach" in got["dep03.handler"]
    # One notice per clock and kind, however often the worker runs.
    before = notices(db, case["id"])
    run_once(db, clock)
    assert notices(db, case["id"]) == before
    assert "dep04.handler" not in got
    page = signed_in(client, "dep03.handler").get("/console/notifications").text
    assert "已超时" in page and "24小时明确责任人并首轮办结" in page


class TestCentre:
    def test_count_in_nav_list_links_and_mark_read(
        self, app_client: TestClient, db: Database
    ) -> None:
        case = make_dispatched(app_client, lead="DEP10")
        web = signed_in(app_client, "dep10.handler")
        page = web.get("/console/notifications")
        assert page.status_code == 200
        assert case["tracking_no"] in page.text and "新交办" in page.text
        count = int(re.search(r'class="count">(\d+)<', page.text).group(1))  # type: ignore[union-attr]
        assert count >= 1
        nid = re.search(
            r'action="/console/notifications/(\d+)/read"[^>]*>\s*<input[^>]*>\s*<input type="hidden" name="go" value="/console/cases/'
            + str(case["id"])
            + '"',
            page.text,
        )
        assert nid, page.text
        r = post_form(
            web,
            f"/console/notifications/{nid.group(1)}/read",
            {"go": f"/console/cases/{case['id']}"},
            page="/console/notifications",
        )
        assert r.status_code == 303 and r.headers["location"] == f"/console/cases/{case['id']}"
        after = web.get("/console/notifications").text
        new_count = re.search(r'class="count">(\d+)<', after)
        assert (int(new_count.group(1)) if new_count else 0) == count - 1
        # Someone else's notice reads as not found; an outside address is not followed.
        other = signed_in(app_client, "dep04.handler")
        assert (
            post_form(
                other,
                f"/console/notifications/{nid.group(1)}/read",
                {},
                page="/console/notifications",
            ).status_code
            == 404
        )
        r = post_form(
            web,
            f"/console/notifications/{nid.group(1)}/read",
            {"go": "https://evil.example/"},
            page="/console/notifications",
        )
        assert r.headers["location"] == "/console/notifications"

    def test_mark_all_read_clears_the_count(self, app_client: TestClient) -> None:
        make_dispatched(app_client, lead="DEP10")
        web = signed_in(app_client, "dep10.head")
        assert 'class="count"' in web.get("/console/notifications").text
        assert (
            post_form(
                web, "/console/notifications/read-all", {}, page="/console/notifications"
            ).status_code
            == 303
        )
        page = web.get("/console/notifications?unread=1").text
        assert 'class="count"' not in page and "暂无通知" in page

    def test_notice_words_the_case_through_the_readers_privacy_view(
        self, app_client: TestClient
    ) -> None:
        case = make_dispatched(app_client, lead="DEP02", title="联系电话13812345678噪音扰民")
        # The handling unit reads the title in clear, as on the case page.
        assert (
            "联系电话13812345678噪音扰民"
            in signed_in(app_client, "dep02.handler").get("/console/notifications").text
        )
        # The street is given an instruction on the case; its staff oversee, not handle: masked.
        r = app_client.post(
            "/api/v1/instructions",
            json={"text": "请配合", "units": ["S01"], "case_id": case["id"], "within_days": 3},
            headers=auth(app_client, "secretary"),
        )
        assert r.status_code == 201, r.text
        text = signed_in(app_client, "s01.staff").get("/console/notifications").text
        assert case["tracking_no"] in text and "领导批示" in text
        assert "13812345678" not in text and "138****5678" in text
        # A unit that cannot open the case gets the notice without the case's words.
        r = app_client.post(
            "/api/v1/instructions",
            json={"text": "请配合", "units": ["DEP06"], "case_id": case["id"], "within_days": 3},
            headers=auth(app_client, "secretary"),
        )
        assert r.status_code == 201, r.text
        text = signed_in(app_client, "dep06.handler").get("/console/notifications").text
        assert "领导批示" in text and case["tracking_no"] not in text and "噪音扰民" not in text


class TestApiAndCli:
    """The same notices over the API and the CLI, through the same queries as the page."""

    def test_list_page_filter_and_count(self, app_client: TestClient) -> None:
        for _ in range(3):
            make_dispatched(app_client, lead="DEP11")
        head = auth(app_client, "dep11.handler")
        first = app_client.get(
            "/api/v1/notifications", params={"page_size": 2}, headers=head
        ).json()
        assert first["total"] >= 3 and first["unread"] >= 3 and len(first["items"]) == 2
        assert first["items"][0]["kind"] == "assigned" and first["items"][0]["label"] == "新交办"
        assert (
            first["items"][0]["link"].startswith("/console/cases/")
            and not first["items"][0]["is_read"]
        )
        second = app_client.get(
            "/api/v1/notifications", params={"page_size": 2, "page": 2}, headers=head
        ).json()
        assert {n["id"] for n in first["items"]}.isdisjoint(n["id"] for n in second["items"])
        # One read: the count drops, the unread filter leaves it out; the web page agrees.
        nid = first["items"][0]["id"]
        r = app_client.post(f"/api/v1/notifications/{nid}/read", headers=head)
        assert r.status_code == 200 and r.json()["is_read"]
        unread = app_client.get(
            "/api/v1/notifications", params={"unread": "true", "page_size": 200}, headers=head
        ).json()
        assert unread["unread"] == first["unread"] - 1 == unread["total"] and nid not in {
            n["id"] for n in unread["items"]
        }
        page = signed_in(app_client, "dep11.handler").get("/console/notifications").text
        assert re.search(r'class="count">(\d+)<', page).group(1) == str(unread["unread"])  # type: ignore[union-attr]
        # Someone else's notice reads as not found; all read clears the count.
        assert (
            app_client.post(
                f"/api/v1/notifications/{nid}/read", headers=auth(app_client, "dep04.handler")
            ).status_code
            == 404
        )
        done = app_client.post("/api/v1/notifications/read-all", headers=head).json()
        assert done == {"marked": unread["unread"], "unread": 0}
        assert (
            app_client.get(
                "/api/v1/notifications", headers=auth(app_client, "dep11.handler")
            ).status_code
            == 200
        )
        assert app_client.get("/api/v1/notifications").status_code == 401

    def test_cli_lists_and_marks_read(
        self, app_client: TestClient, demo_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)
        case = make_dispatched(app_client, lead="DEP12")
        runner = CliRunner()
        listed = runner.invoke(
            cli_app, ["notifications", "list", "--user", "dep12.head", "--unread"]
        )
        assert listed.exit_code == 0, listed.output
        found = json.loads(listed.output)
        mine = [n for n in found["items"] if n["tracking_no"] == case["tracking_no"]]
        assert mine and mine[0]["label"] == "新交办" and found["unread"] >= 1
        one = runner.invoke(
            cli_app, ["notifications", "read", str(mine[0]["id"]), "--user", "dep12.head"]
        )
        assert one.exit_code == 0 and json.loads(one.output)["is_read"], one.output
        other = runner.invoke(
            cli_app, ["notifications", "read", str(mine[0]["id"]), "--user", "dep04.handler"]
        )
        assert other.exit_code == 2 and "no notification" in other.output
        assert (
            runner.invoke(cli_app, ["notifications", "read", "--user", "dep12.head"]).exit_code == 2
        )
        every = runner.invoke(cli_app, ["notifications", "read", "--all", "--user", "dep12.head"])
        assert every.exit_code == 0 and json.loads(every.output)["unread"] == 0, every.output
        after = json.loads(
            runner.invoke(
                cli_app, ["notifications", "list", "--user", "dep12.head", "--unread"]
            ).output
        )
        assert after["items"] == [] and after["unread"] == 0
