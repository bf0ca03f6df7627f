"""Leader mailboxes: the list with owners, public QR codes, and the owner's inbox with clocks
and received / closed / closure-rate figures."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import png
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from factories import act, auth, make_appeal
from minyi.cases.models import Case
from minyi.core.db import Database
from minyi.intake.models import Channel
from minyi.mailboxes.qr import PNG_BOX, qr_matrix
from minyi.mailboxes.queries import figures
from minyi.mailboxes.rules import portal_url

SVG_NS = "{http://www.w3.org/2000/svg}"


def base_url(client: TestClient) -> str:
    return str(client.app.state.minyi.settings.public_base_url)  # type: ignore[attr-defined]


def inbox(client: TestClient, user: str, **params: Any) -> dict[str, Any]:
    r = client.get("/api/v1/mailboxes/inbox", params=params, headers=auth(client, user))
    assert r.status_code == 200, r.text
    return dict(r.json())


def figures_of(client: TestClient, user: str, code: str) -> dict[str, Any]:
    [box] = [m for m in inbox(client, user, page_size=1)["mailboxes"] if m["code"] == code]
    return dict(box["figures"])


def close_case(client: TestClient, case_id: int) -> None:
    assert act(client, case_id, "accept", "clerk").status_code == 200
    assert act(client, case_id, "dispatch", "dispatcher", lead_unit="DEP01").status_code == 200
    assert act(client, case_id, "sign_for", "dep01.handler").status_code == 200
    r = act(
        client,
        case_id,
        "reply",
        "dep01.handler",
        text="已协调环卫部门每日清运并除臭，已电话告知群众。",
    )
    assert r.status_code == 200, r.text


class TestMailboxList:
    def test_lists_leader_mailboxes_with_their_owners(self, app_client: TestClient) -> None:
        r = app_client.get("/api/v1/mailboxes", headers=auth(app_client, "secretary"))
        assert r.status_code == 200, r.text
        boxes = {m["code"]: m for m in r.json()}
        assert boxes["mailbox_secretary"]["owner"]["username"] == "secretary"
        assert boxes["mailbox_secretary"]["name"] == "书记在线"
        assert boxes["mailbox_mayor"]["owner"]["username"] == "mayor"
        assert boxes["mailbox_dep01"]["owner"]["username"] == "dep01.head"
        assert all(m["kind"] == "mailbox" for m in boxes.values())
        assert "hotline_12345" not in boxes
        assert boxes["mailbox_mayor"]["portal_url"] == portal_url(
            base_url(app_client), "mailbox_mayor"
        )
        assert set(boxes["mailbox_mayor"]["figures"]) == {"received", "closed", "closure_rate"}

    def test_needs_sign_in(self, app_client: TestClient) -> None:
        assert app_client.get("/api/v1/mailboxes").status_code == 401


class TestQrCodes:
    def test_svg_opens_the_form_for_the_mailbox(self, app_client: TestClient) -> None:
        r = app_client.get("/api/v1/mailboxes/mailbox_secretary/qr.svg")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("image/svg+xml")
        root = ET.fromstring(r.content)
        size = int(root.attrib["viewBox"].split()[2])
        grid = [[False] * size for _ in range(size)]
        for x0, y0, x1, y1 in re.findall(
            r"M(\d+),(\d+)H(\d+)V(\d+)H\d+z", root.find(f"{SVG_NS}path").attrib["d"]
        ):  # type: ignore[union-attr]
            for y in range(int(y0), int(y1)):
                for x in range(int(x0), int(x1)):
                    grid[y][x] = True
        assert grid == qr_matrix(f"{base_url(app_client)}/portal/submit?channel=mailbox_secretary")

    def test_png_opens_the_form_for_the_mailbox(self, app_client: TestClient) -> None:
        r = app_client.get("/api/v1/mailboxes/mailbox_mayor/qr.png")
        assert r.status_code == 200
        assert r.headers["content-type"] == "image/png"
        width, _, rows, _ = png.Reader(file=io.BytesIO(r.content)).read()
        pixels = [list(row) for row in rows]
        n, c = width // PNG_BOX, PNG_BOX // 2
        grid = [[pixels[y * PNG_BOX + c][x * PNG_BOX + c] == 0 for x in range(n)] for y in range(n)]
        assert grid == qr_matrix(f"{base_url(app_client)}/portal/submit?channel=mailbox_mayor")

    def test_only_mailboxes_have_codes(self, app_client: TestClient) -> None:
        assert app_client.get("/api/v1/mailboxes/hotline_12345/qr.svg").status_code == 404
        r = app_client.get("/api/v1/mailboxes/no_such_box/qr.png")
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "mailbox_not_found"


class TestInbox:
    def test_owner_sees_letters_newest_first_with_status_and_clocks(
        self, app_client: TestClient
    ) -> None:
        first = make_appeal(
            app_client, channel="mailbox_secretary", title="书记信箱：学校门口交通拥堵"
        )
        second = make_appeal(
            app_client, channel="mailbox_secretary", title="书记信箱：小区停车位不足"
        )
        body = inbox(app_client, "secretary")
        assert [m["code"] for m in body["mailboxes"]] == ["mailbox_secretary"]
        ids = [i["id"] for i in body["items"]]
        assert ids.index(second["id"]) < ids.index(first["id"])
        item = next(i for i in body["items"] if i["id"] == second["id"])
        assert item["title"] == "书记信箱：小区停车位不足"
        assert item["mailbox"] == "mailbox_secretary"
        assert item["status"] == "registered"
        assert item["status_label"]
        assert item["clocks"], "a new letter runs its intake clocks"
        for clock in item["clocks"]:
            assert clock["colour"] in {"green", "yellow", "red", "met", "paused", "cancelled"}
            assert clock["state"] != "running" or clock["time_left"].startswith(("剩余", "超期"))
        assert item["colour"] in {"green", "yellow", "red"}
        assert "phone" not in item

    def test_other_leaders_do_not_see_them(self, app_client: TestClient) -> None:
        a = make_appeal(app_client, channel="mailbox_secretary")
        mayor = inbox(app_client, "mayor", page_size=200)
        assert [m["code"] for m in mayor["mailboxes"]] == ["mailbox_mayor"]
        assert a["id"] not in {i["id"] for i in mayor["items"]}

    def test_figures_count_received_and_closed(self, app_client: TestClient) -> None:
        before = figures_of(app_client, "mayor", "mailbox_mayor")
        a = make_appeal(app_client, channel="mailbox_mayor")
        make_appeal(app_client, channel="mailbox_mayor")
        close_case(app_client, a["id"])
        after = figures_of(app_client, "mayor", "mailbox_mayor")
        assert after["received"] == before["received"] + 2
        assert after["closed"] == before["closed"] + 1
        assert after["closure_rate"] == round(after["closed"] / after["received"], 4)
        listed = {
            m["code"]: m
            for m in app_client.get(
                "/api/v1/mailboxes", headers=auth(app_client, "supervisor")
            ).json()
        }
        assert listed["mailbox_mayor"]["figures"] == after

    def test_closure_figures_count_what_the_report_counts_as_closed(
        self, app_client: TestClient, db: Database
    ) -> None:
        """One meaning of closed (cases.rules.CLOSED) for the mailbox closure rate and the daily
        report's closed figure (cases with `closed_at` in the period): on the same letters they
        agree; a refused letter is closed in both, a reopened one in neither."""
        before = figures_of(app_client, "mayor", "mailbox_mayor")
        replied, declined, reopened, _open = (
            make_appeal(app_client, channel="mailbox_mayor") for _ in range(4)
        )
        close_case(app_client, replied["id"])
        assert (
            act(app_client, declined["id"], "decline", "clerk", reason="不属于受理范围").status_code
            == 200
        )
        close_case(app_client, reopened["id"])
        assert (
            act(
                app_client, reopened["id"], "reopen", "supervisor", reason="群众反映问题未解决"
            ).status_code
            == 200
        )
        after = figures_of(app_client, "mayor", "mailbox_mayor")
        assert after["closed"] == before["closed"] + 2
        with db.reading() as session:
            box = session.scalar(select(Channel.id).where(Channel.code == "mailbox_mayor"))
            by_report = session.scalar(
                select(func.count())
                .select_from(Case)
                .where(Case.channel_id == box, Case.closed_at.is_not(None))
            )
            assert figures(session, [box])[box]["closed"] == by_report == after["closed"]

    def test_a_department_head_reads_the_letters_to_their_mailbox(
        self, app_client: TestClient
    ) -> None:
        a = make_appeal(app_client, channel="mailbox_dep01")
        body = inbox(app_client, "dep01.head")
        assert a["id"] in {i["id"] for i in body["items"]}

    def test_filter_by_status(self, app_client: TestClient) -> None:
        a = make_appeal(app_client, channel="mailbox_mayor")
        close_case(app_client, a["id"])
        replied = inbox(app_client, "mayor", status="replied", page_size=200)
        assert a["id"] in {i["id"] for i in replied["items"]}
        assert {i["status"] for i in replied["items"]} == {"replied"}

    def test_staff_without_a_mailbox_have_an_empty_inbox(self, app_client: TestClient) -> None:
        body = inbox(app_client, "dep02.handler")
        assert body["mailboxes"] == []
        assert body["items"] == []
        assert body["total"] == 0

    def test_only_own_mailboxes_can_be_picked(self, app_client: TestClient) -> None:
        r = app_client.get(
            "/api/v1/mailboxes/inbox",
            params={"mailbox": "mailbox_mayor"},
            headers=auth(app_client, "secretary"),
        )
        assert r.status_code == 404

    def test_needs_sign_in(self, app_client: TestClient) -> None:
        assert app_client.get("/api/v1/mailboxes/inbox").status_code == 401
