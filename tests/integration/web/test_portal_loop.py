"""The citizen's loop on the portal, on SQLite and PostgreSQL: the receipt says when to expect
contact and that a text message went out, an anonymous appeal gets its code, a slowed-down
citizen keeps what they typed, the rating is confirmed with the reply and the comment, the
public timeline shows only the citizen's steps, and mailbox buttons name the leader."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import act, make_appeal, make_dispatched, unique_phone
from minyi.cases.models import Case
from minyi.core.db import Database
from minyi.notify.models import OutboxMessage
from minyi.web.security import RateLimiter
from webclient import browser, csrf_of, post_form

PORTAL_TEXT = "我家楼下的路灯坏了一个多月，晚上回家很不安全，请尽快修好。"


def submit(client: TestClient, **fields: Any) -> Any:
    channel = fields.get("channel", "miniprogram")
    token = csrf_of(client, f"/portal/submit?channel={channel}")
    data = {
        "csrf_token": token,
        "channel": channel,
        "body": PORTAL_TEXT,
        "title": "路灯不亮",
    } | fields
    return client.post("/portal/submit", data=data, follow_redirects=False)


@contextmanager
def slowed(client: TestClient, which: str) -> Iterator[None]:
    """The portal's limiter for `which` already spent, for the length of the block."""
    limits = client.app.state.portal_limits  # type: ignore[attr-defined]
    kept = getattr(limits, which)
    spent = RateLimiter(limit=1, seconds=600)
    spent.hit("testclient")  # the test client's address
    setattr(limits, which, spent)
    try:
        yield
    finally:
        setattr(limits, which, kept)


class TestReceipt:
    def test_says_when_to_expect_contact_and_that_a_text_was_queued(
        self, app_client: TestClient, db: Database
    ) -> None:
        client = browser(app_client)
        r = submit(client, phone=unique_phone())
        assert r.status_code == 303, r.text
        page = client.get(r.headers["location"]).text
        no = re.search(r'id="tracking-no">([^<]+)<', page).group(1)  # type: ignore[union-attr]
        expect = re.search(r'id="expect-contact">([^<]+)<', page)
        assert expect and re.search(
            r"承办单位将在\d{4}-\d\d-\d\d \d\d:\d\d前与您联系", expect.group(1)
        )
        assert "（工作日）" in page or "（自然日）" in page
        with db.reading() as session:
            case_id = session.scalar(select(Case.id).where(Case.tracking_no == no))
            queued = session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.case_id == case_id, OutboxMessage.channel == "sms"
                )
            ).all()
        assert queued, "registration queued no text message"
        assert 'id="sms-note"' in page and "受理短信" in page
        assert (
            no and "尾号" not in page
        )  # the receipt's address is not a secret: no digits of the phone

    def test_an_anonymous_appeal_gets_its_own_code_and_no_text_message(
        self, app_client: TestClient
    ) -> None:
        client = browser(app_client)
        r = submit(client, channel="mailbox_secretary", anonymous="on")
        assert r.status_code == 303, r.text
        page = client.get(r.headers["location"]).text
        assert re.search(r'id="tracking-code">[^<]+<', page)
        assert (
            "您是匿名反映" in page and 'id="sms-note"' not in page and "您没有留下联系方式" in page
        )


class TestSlowedDown:
    def test_the_form_comes_back_with_what_was_typed(self, app_client: TestClient) -> None:
        client = browser(app_client)
        with slowed(app_client, "submit"):
            r = submit(client, phone="13900001111", address="滨江路18号")
        assert r.status_code == 429 and r.headers["retry-after"]
        assert "text/html" in r.headers["content-type"] and "操作过于频繁" in r.text
        assert (
            PORTAL_TEXT in r.text
            and 'value="13900001111"' in r.text
            and 'value="滨江路18号"' in r.text
        )

    def test_the_rating_comment_is_kept(self, app_client: TestClient) -> None:
        client = browser(app_client)
        with slowed(app_client, "track"):
            r = post_form(
                client,
                "/portal/track/feedback",
                {
                    "tracking_no": "20261120-999999",
                    "secret": "1234",
                    "rating": "satisfied",
                    "comment": "处理得很及时，谢谢",
                },
            )
        assert r.status_code == 429 and "处理得很及时，谢谢" in r.text and "操作过于频繁" in r.text


def replied_case(client: TestClient) -> tuple[dict[str, Any], str]:
    phone = unique_phone()
    case = make_dispatched(client, lead="DEP01", phone=phone)
    assert act(client, case["id"], "sign_for", "dep01.handler").status_code == 200
    assert (
        act(
            client, case["id"], "reply", "dep01.handler", text="已安排维修人员更换路灯。"
        ).status_code
        == 200
    )
    return case, phone


class TestRating:
    def test_the_citizen_sees_a_confirmation_the_reply_and_their_comment(
        self, app_client: TestClient
    ) -> None:
        case, phone = replied_case(app_client)
        client = browser(app_client)
        r = post_form(
            client,
            "/portal/track/feedback",
            {
                "tracking_no": case["tracking_no"],
                "secret": phone[-4:],
                "rating": "basically_satisfied",
                "comment": "修好了，但晚了几天",
            },
        )
        assert r.status_code == 200, r.text
        assert 'id="rated-confirmation"' in r.text and "感谢您的评价" in r.text
        assert re.search(r'id="rated-value">基本满意<', r.text)
        assert re.search(r'id="rated-reply">已安排维修人员更换路灯。<', r.text)
        assert re.search(r'id="rated-comment">修好了，但晚了几天<', r.text)

    def test_rating_twice_is_refused_on_the_page_with_the_comment_kept(
        self, app_client: TestClient
    ) -> None:
        case, phone = replied_case(app_client)
        client = browser(app_client)
        first = post_form(
            client,
            "/portal/track/feedback",
            {"tracking_no": case["tracking_no"], "secret": phone[-4:], "rating": "satisfied"},
        )
        assert first.status_code == 200
        again = post_form(
            client,
            "/portal/track/feedback",
            {
                "tracking_no": case["tracking_no"],
                "secret": phone[-4:],
                "rating": "unsatisfied",
                "comment": "还是不亮",
            },
        )
        assert again.status_code == 409 and 'role="alert"' in again.text
        assert "{" not in again.text.split('role="alert">')[1].split("<")[0]  # words, not JSON


class TestPublicTimeline:
    def test_only_the_citizens_steps(self, app_client: TestClient) -> None:
        phone = unique_phone()
        make_appeal(app_client, phone=phone)
        repeat = make_appeal(app_client, phone=phone)  # lifted by the repeat-petition rule
        tracked = app_client.post(
            f"/api/v1/track/{repeat['tracking_no']}", json={"phone_last4": phone[-4:]}
        )
        assert tracked.status_code == 200, tracked.text
        actions = [e["action"] for e in tracked.json()["timeline"]]
        assert actions and "escalate" not in actions
        page = post_form(
            browser(app_client),
            "/portal/track",
            {"tracking_no": repeat["tracking_no"], "secret": phone[-4:]},
        )
        assert page.status_code == 200 and "提级" not in page.text


class TestMailboxes:
    def test_buttons_name_the_leader_in_full(self, app_client: TestClient) -> None:
        page = browser(app_client).get("/portal/mailboxes").text
        assert (
            "写信给区委书记" in page
            and "写信给区长<" in page
            and "写信给区住房和建设局局长" in page
            and "写信给单位负责人" not in page
        )
        form = browser(app_client).get("/portal/submit?channel=mailbox_secretary").text
        assert "写信给区委书记" in form
