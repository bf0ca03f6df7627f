"""答复审核: a handler's reply under the statutory policy waits for the lead unit's head, who
approves it (then it is the reply: clocks met, the citizen told) or returns it with a reason;
other policies reply directly; a dictionary leaf's own setting beats its policy. 延期申请: the
handler asks, the head approves (the clock moves) or refuses with a reason the handler reads."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import private_demo_app
from factories import act, auth, make_appeal, make_dispatched
from minyi.cases.models import Appeal, Case, CaseEvent
from minyi.core.db import Database
from minyi.notify.models import OutboxMessage
from minyi.sla.models import Clock
from minyi.taxonomy.models import DictionaryEntry, DictionaryVersion
from minyi.taxonomy.service import set_leaf_reply_approval
from webclient import browser, post_form

V2 = "/open311/v2"
REPLY = "经核查，已责成相关单位于本月底前整改完毕。"


class World:
    def __init__(self, client: TestClient, db: Database) -> None:
        self.client, self.db = client, db

    def signed(self, lead: str, **overrides: object) -> dict[str, object]:
        made = make_dispatched(self.client, lead=lead, **overrides)
        assert (
            act(self.client, made["id"], "sign_for", f"{lead.lower()}.handler").status_code == 200
        )
        return made

    def filed(self, lead: str, leaf: str, **overrides: object) -> dict[str, object]:
        """Dispatched under a dictionary leaf (which sets the case's policy), and signed for."""
        made = make_appeal(self.client, **overrides)
        assert act(self.client, made["id"], "accept", "clerk").status_code == 200
        r = act(self.client, made["id"], "dispatch", "dispatcher", lead_unit=lead, category=leaf)
        assert r.status_code == 200, r.text
        assert (
            act(self.client, made["id"], "sign_for", f"{lead.lower()}.handler").status_code == 200
        )
        return made

    def case(self, case_id: int) -> dict[str, object]:
        r = self.client.get(f"/api/v1/appeals/{case_id}", headers=auth(self.client, "dispatcher"))
        assert r.status_code == 200, r.text
        return dict(r.json())

    def clock(self, case_id: int, milestone: str) -> Clock:
        with self.db.reading() as session:
            return session.scalars(
                select(Clock)
                .where(
                    Clock.subject == "case",
                    Clock.subject_id == case_id,
                    Clock.milestone == milestone,
                )
                .order_by(Clock.id.desc())
            ).first()  # type: ignore[return-value]

    def sms_replied(self, case_id: int) -> int:
        with self.db.reading() as session:
            return len(
                [
                    m
                    for m in session.scalars(
                        select(OutboxMessage).where(OutboxMessage.case_id == case_id)
                    )
                    if (m.payload or {}).get("kind") == "replied"
                ]
            )

    def leaf(self, policy: str) -> str:
        with self.db.reading() as session:
            return str(
                session.scalar(
                    select(DictionaryEntry.code)
                    .join(DictionaryVersion, DictionaryVersion.id == DictionaryEntry.version_id)
                    .where(
                        DictionaryVersion.is_current.is_(True),
                        DictionaryEntry.policy_code == policy,
                        DictionaryEntry.lead_unit_kind == "department",
                    )
                    .order_by(DictionaryEntry.code)
                    .limit(1)
                )
            )

    def set_leaf(self, code: str, value: bool | None) -> None:
        with self.db.unit_of_work() as session:
            set_leaf_reply_approval(session, code, value)


@pytest.fixture(scope="module")
def world(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    # An app of its own: the leaf-override tests change the dictionary.
    with private_demo_app(backend, tmp_path_factory.mktemp("approval")) as (client, db, _):
        yield World(client, db)


class TestWhenApprovalApplies:
    def test_on_by_default_for_the_statutory_policy(self, world: World) -> None:
        made = world.signed("DEP02", channel="letter")
        case = world.case(made["id"])
        assert case["policy_code"] == "xf-statutory"
        handler = world.client.get(
            f"/api/v1/appeals/{made['id']}", headers=auth(world.client, "dep02.handler")
        ).json()
        assert (
            "submit_reply" in handler["allowed_actions"]
            and "reply" not in handler["allowed_actions"]
        )
        direct = act(world.client, made["id"], "reply", "dep02.handler", text=REPLY)
        assert (
            direct.status_code == 409 and direct.json()["error"]["code"] == "reply_needs_approval"
        )

    def test_off_for_another_policy(self, world: World) -> None:
        made = world.signed("DEP02")  # the hotline's 10-30-24
        r = act(world.client, made["id"], "reply", "dep02.handler", text=REPLY)
        assert r.status_code == 200 and r.json()["status"] == "replied"

    def test_a_leaf_that_asks_for_approval_beats_its_policy(self, world: World) -> None:
        leaf = world.leaf("1-2-3")
        world.set_leaf(leaf, True)
        try:
            made = world.filed("DEP03", leaf)
            assert world.case(made["id"])["policy_code"] == "1-2-3"
            assert (
                act(world.client, made["id"], "reply", "dep03.handler", text=REPLY).status_code
                == 409
            )
            assert (
                act(world.client, made["id"], "submit_reply", "dep03.handler", text=REPLY).json()[
                    "status"
                ]
                == "reply_pending"
            )
        finally:
            world.set_leaf(leaf, None)
        # Back to following the policy: 1-2-3 asks for no approval.
        plain = world.filed("DEP03", leaf)
        assert (
            act(world.client, plain["id"], "reply", "dep03.handler", text=REPLY).json()["status"]
            == "replied"
        )

    def test_a_leaf_that_waives_approval_beats_the_statutory_policy(self, world: World) -> None:
        leaf = world.leaf("xf-statutory")
        world.set_leaf(leaf, False)
        try:
            made = world.filed("DEP04", leaf, channel="letter")
            assert world.case(made["id"])["policy_code"] == "xf-statutory"
            assert (
                act(world.client, made["id"], "reply", "dep04.handler", text=REPLY).json()["status"]
                == "replied"
            )
        finally:
            world.set_leaf(leaf, None)

    def test_an_administrator_sets_a_leaf_through_the_api(self, world: World) -> None:
        leaf = world.leaf("10-30-24")
        url = f"/api/v1/dictionary/{leaf}/reply-approval"
        assert (
            world.client.put(
                url, json={"reply_approval": True}, headers=auth(world.client, "dep01.head")
            ).status_code
            == 403
        )
        r = world.client.put(
            url, json={"reply_approval": True}, headers=auth(world.client, "admin")
        )
        assert r.status_code == 200 and r.json() == {
            "code": leaf,
            "policy": "10-30-24",
            "reply_approval": True,
        }
        listed = world.client.get("/api/v1/dictionary").json()
        assert next(row for row in listed if row["code"] == leaf)["reply_approval"] == "是"
        assert (
            world.client.put(
                url, json={"reply_approval": None}, headers=auth(world.client, "admin")
            ).json()["reply_approval"]
            is None
        )
        assert (
            world.client.put(
                "/api/v1/dictionary/NO-SUCH/reply-approval",
                json={"reply_approval": True},
                headers=auth(world.client, "admin"),
            ).status_code
            == 422
        )

    def test_the_head_replies_without_approval(self, world: World) -> None:
        made = world.signed("DEP05", channel="letter")
        assert (
            act(world.client, made["id"], "reply", "dep05.head", text=REPLY).json()["status"]
            == "replied"
        )


class TestApprove:
    def test_submit_then_approve_is_the_reply(self, world: World) -> None:
        made = world.signed("DEP06", channel="letter")
        cid = made["id"]
        submitted = act(world.client, cid, "submit_reply", "dep06.handler", text=REPLY)
        assert submitted.status_code == 200, submitted.text
        body = submitted.json()
        assert (
            body["status"] == "reply_pending"
            and body["reply_draft"] == REPLY
            and body["reply_text"] is None
        )
        # While it waits, the reply has reached no one: the clock runs on, no SMS is queued.
        assert world.clock(cid, "handle").state == "running"
        assert world.sms_replied(cid) == 0
        approved = act(world.client, cid, "approve_reply", "dep06.head")
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "replied" and approved.json()["reply_text"] == REPLY
        assert approved.json()["reply_draft"] is None
        assert world.clock(cid, "handle").state == "met"
        assert world.sms_replied(cid) == 1
        with world.db.reading() as session:
            actions = list(
                session.scalars(
                    select(CaseEvent.action).where(CaseEvent.case_id == cid).order_by(CaseEvent.id)
                )
            )
        assert [a for a in actions if a in ("submit_reply", "approve_reply", "reply")] == [
            "submit_reply",
            "approve_reply",
        ]

    def test_only_the_head_of_the_lead_unit_approves(self, world: World) -> None:
        made = make_dispatched(world.client, lead="DEP07", co=["DEP08"], channel="letter")
        cid = made["id"]
        act(world.client, cid, "sign_for", "dep07.handler")
        assert (
            act(world.client, cid, "submit_reply", "dep07.handler", text=REPLY).status_code == 200
        )
        assert act(world.client, cid, "approve_reply", "dep07.handler").status_code == 403
        assert (
            act(world.client, cid, "approve_reply", "dep08.head").status_code == 403
        )  # the co-unit's head
        assert (
            act(world.client, cid, "approve_reply", "dep09.head").status_code == 404
        )  # out of scope
        assert act(world.client, cid, "approve_reply", "dispatcher").status_code == 403
        queue = world.client.get(
            "/api/v1/approvals/replies", headers=auth(world.client, "dep07.head")
        )
        assert queue.status_code == 200 and cid in [r["case_id"] for r in queue.json()]
        other = world.client.get(
            "/api/v1/approvals/replies", headers=auth(world.client, "dep08.head")
        )
        assert cid not in [r["case_id"] for r in other.json()]
        assert act(world.client, cid, "approve_reply", "dep07.head").status_code == 200


class TestReturn:
    def test_returned_with_a_reason_revised_and_resubmitted(self, world: World) -> None:
        made = world.signed("DEP09", channel="letter")
        cid = made["id"]
        act(world.client, cid, "submit_reply", "dep09.handler", text="已处理。")
        assert (
            act(world.client, cid, "return_reply", "dep09.head").status_code == 422
        )  # a reason is required
        returned = act(
            world.client,
            cid,
            "return_reply",
            "dep09.head",
            reason="答复过于简单，请写明整改措施和时限",
        )
        assert returned.status_code == 200 and returned.json()["status"] == "in_progress"
        assert returned.json()["reply_draft"] == "已处理。"  # kept for the handler to revise
        timeline = world.client.get(
            f"/api/v1/appeals/{cid}/timeline", headers=auth(world.client, "dep09.handler")
        ).json()
        assert timeline[-1]["action"] == "return_reply" and "整改措施" in timeline[-1]["reason"]
        assert world.sms_replied(cid) == 0
        assert (
            act(world.client, cid, "submit_reply", "dep09.handler", text=REPLY).json()["status"]
            == "reply_pending"
        )
        final = act(world.client, cid, "approve_reply", "dep09.head")
        assert final.json()["status"] == "replied" and final.json()["reply_text"] == REPLY


class TestCitizenSeesOnlyTheApprovedReply:
    def test_track_and_open311_before_and_after_approval(self, world: World) -> None:
        made = world.signed("DEP10", channel="letter")
        cid = made["id"]
        act(world.client, cid, "submit_reply", "dep10.handler", text=REPLY)
        secret = {"tracking_code": made["tracking_code"]}
        tracked = world.client.post(f"/api/v1/track/{made['tracking_no']}", json=secret)
        assert tracked.status_code == 200, tracked.text
        seen = tracked.json()
        assert seen["status"] == "in_progress" and seen["reply"] is None and not seen["can_rate"]
        assert (
            REPLY not in tracked.text
            and "reply_pending" not in tracked.text
            and "submit_reply" not in tracked.text
        )
        citizen = browser(world.client)
        portal = post_form(
            citizen,
            "/portal/track",
            {"tracking_no": made["tracking_no"], "secret": made["tracking_code"]},
        )
        assert portal.status_code == 200 and made["tracking_no"] in portal.text
        assert REPLY not in portal.text and "待审核" not in portal.text and "办理中" in portal.text
        with world.db.reading() as session:
            public_id = session.scalar(
                select(Appeal.public_id)
                .join(Case, Case.appeal_id == Appeal.id)
                .where(Case.id == cid)
            )
        [row] = world.client.get(f"{V2}/requests/{public_id}.json").json()
        assert row["status"] == "open" and row["status_notes"] == "办理中"
        act(world.client, cid, "approve_reply", "dep10.head")
        after = world.client.post(f"/api/v1/track/{made['tracking_no']}", json=secret).json()
        assert after["reply"] == REPLY and after["can_rate"]
        assert [e["action"] for e in after["timeline"]][-1] == "reply"


class TestExtensionRequests:
    def test_the_handler_asks_and_the_head_approves(self, world: World) -> None:
        made = world.signed("DEP11", channel="letter")
        cid = made["id"]
        url = f"/api/v1/appeals/{cid}/extension-requests"
        handler, head = auth(world.client, "dep11.handler"), auth(world.client, "dep11.head")
        assert (
            world.client.post(
                url, json={"milestone": "handle", "days": 31, "reason": "需鉴定"}, headers=handler
            ).status_code
            == 422
        )
        asked = world.client.post(
            url,
            json={"milestone": "handle", "days": 20, "reason": "需委托第三方鉴定"},
            headers=handler,
        )
        assert asked.status_code == 201, asked.text
        assert (
            world.client.post(
                url, json={"milestone": "handle", "days": 5, "reason": "再申请"}, headers=handler
            ).status_code
            == 409
        )
        assert (
            world.client.post(
                url, json={"milestone": "handle", "days": 5, "reason": "x"}, headers=head
            ).status_code
            == 403
        )
        before = world.clock(cid, "handle").due_at
        rid = asked.json()["id"]
        assert (
            world.client.post(
                f"/api/v1/extension-requests/{rid}/approve", json={}, headers=handler
            ).status_code
            == 403
        )
        decided = world.client.post(
            f"/api/v1/extension-requests/{rid}/approve", json={"note": "同意"}, headers=head
        )
        assert decided.status_code == 200, decided.text
        assert decided.json()["status"] == "approved"
        assert (world.clock(cid, "handle").due_at - before).days == 20
        mine = world.client.get(url, headers=handler).json()
        assert mine[0]["status"] == "approved" and mine[0]["decided_by"]

    def test_the_head_refuses_with_a_reason_the_handler_reads(self, world: World) -> None:
        made = world.signed("DEP12", channel="letter")
        cid = made["id"]
        url = f"/api/v1/appeals/{cid}/extension-requests"
        handler, head = auth(world.client, "dep12.handler"), auth(world.client, "dep12.head")
        rid = world.client.post(
            url, json={"milestone": "handle", "days": 10, "reason": "人手不足"}, headers=handler
        ).json()["id"]
        assert (
            world.client.post(
                f"/api/v1/extension-requests/{rid}/refuse", json={}, headers=head
            ).status_code
            == 422
        )
        before = world.clock(cid, "handle").due_at
        r = world.client.post(
            f"/api/v1/extension-requests/{rid}/refuse",
            json={"note": "不属于延期情形，请按期办结"},
            headers=head,
        )
        assert r.status_code == 200 and r.json()["status"] == "refused"
        assert world.clock(cid, "handle").due_at == before
        mine = world.client.get(url, headers=handler).json()
        assert (
            mine[0]["status"] == "refused"
            and mine[0]["decision_note"] == "不属于延期情形，请按期办结"
        )
        assert (
            world.client.post(
                f"/api/v1/extension-requests/{rid}/approve", json={}, headers=head
            ).status_code
            == 409
        )
