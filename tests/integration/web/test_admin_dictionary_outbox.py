"""事项目录 and 发送队列 in the browser: a leaf edited in a form becomes a new dictionary version
that intake sees at once; bad input and a stale form are refused on the form; failed SMS and
email are listed masked and sent again. On both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import private_demo_app
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.core.retries import note_failure
from minyi.notify.models import OutboxMessage
from minyi.notify.rules import RETRY
from minyi.notify.senders import DeliveryError
from minyi.notify.service import enqueue
from minyi.org.models import Unit
from minyi.taxonomy.service import current_version, export_rows
from webclient import csrf_of, post_form, signed_in

VERSION = re.compile(r'name="version" value="(\d+)"')


@pytest.fixture(scope="module")
def world(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Database, ManualClock]]:
    with private_demo_app(backend, tmp_path_factory.mktemp("admindict")) as found:
        yield found


def leaf(db: Database, index: int = 0) -> dict[str, str]:
    with db.reading() as session:
        return export_rows(session)[index]


def version(db: Database) -> int:
    with db.reading() as session:
        return current_version(session).number


class TestAccess:
    def test_a_non_admin_is_refused(self, world: tuple[TestClient, Database, ManualClock]) -> None:
        client, db, _ = world
        clerk = signed_in(client, "clerk")
        for path in (
            "/console/admin/dictionary",
            f"/console/admin/dictionary/{leaf(db)['code']}",
            "/console/admin/outbox",
        ):
            r = clerk.get(path)
            assert r.status_code == 403 and "无权访问" in r.text, path
        r = clerk.post(
            "/console/admin/outbox/retry",
            data={"csrf_token": csrf_of(clerk, "/console/inbox"), "id": "all"},
            follow_redirects=False,
        )
        assert r.status_code == 403


class TestEditLeaf:
    def test_a_leaf_is_renamed_moved_and_given_a_policy_in_a_new_version(
        self, world: tuple[TestClient, Database, ManualClock]
    ) -> None:
        client, db, _ = world
        row, before = leaf(db, 3), version(db)
        admin = signed_in(client, "admin")
        path = f"/console/admin/dictionary/{row['code']}"
        page = admin.get(path)
        assert (
            page.status_code == 200
            and row["level4"] in page.text
            and row["code"] not in page.text.replace(path, "")
        )
        r = admin.post(
            path,
            data={
                "csrf_token": csrf_of(admin, path),
                "version": VERSION.search(page.text).group(1),  # type: ignore[union-attr]
                "level4": "井盖缺失（网页编辑）",
                "lead_unit_kind": "department",
                "lead_unit": "区教育局",
                "policy": "10-30-24",
            },
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        assert version(db) == before + 1
        edited = leaf(db, 3)
        with db.reading() as session:
            education = session.scalar(select(Unit.code).where(Unit.name == "区教育局"))
        assert (edited["code"], edited["level4"], edited["lead_unit"], edited["policy"]) == (
            row["code"],
            "井盖缺失（网页编辑）",
            education,
            "10-30-24",
        )
        listed = admin.get(r.headers["location"]).text
        assert "井盖缺失（网页编辑）" in listed and f"第{before + 1}版" in listed

    def test_bad_input_is_shown_on_the_form_and_nothing_is_written(
        self, world: tuple[TestClient, Database, ManualClock]
    ) -> None:
        client, db, _ = world
        row, before = leaf(db, 5), version(db)
        admin = signed_in(client, "admin")
        path = f"/console/admin/dictionary/{row['code']}"
        fields = {
            "version": str(before),
            "level4": "新名字保留",
            "lead_unit_kind": "department",
            "lead_unit": "不存在的局",
            "policy": "1-2-3",
        }
        r = post_form(admin, path, fields, page=path)
        assert (
            r.status_code == 422
            and "请从列表中选择默认承办部门" in r.text
            and 'value="新名字保留"' in r.text
        )
        r = post_form(admin, path, {**fields, "lead_unit": "", "level4": ""}, page=path)
        assert r.status_code == 422 and "请填写事项名称" in r.text
        r = post_form(
            admin, path, {**fields, "lead_unit": "区教育局", "lead_unit_kind": "street"}, page=path
        )
        assert r.status_code == 422 and "不指定默认承办部门" in r.text
        assert version(db) == before and leaf(db, 5) == row

    def test_a_form_opened_before_another_edit_is_refused(
        self, world: tuple[TestClient, Database, ManualClock]
    ) -> None:
        client, db, _ = world
        first, second = signed_in(client, "admin"), signed_in(client, "admin")
        a, b = leaf(db, 7), leaf(db, 8)
        pa, pb = f"/console/admin/dictionary/{a['code']}", f"/console/admin/dictionary/{b['code']}"
        seen_a, seen_b = (
            VERSION.search(first.get(pa).text).group(1),
            VERSION.search(second.get(pb).text).group(1),
        )  # type: ignore[union-attr]
        ok = post_form(
            first,
            pa,
            {
                "version": seen_a,
                "level4": "甲改",
                "lead_unit_kind": a["lead_unit_kind"],
                "policy": a["policy"],
            },
            page=pa,
        )
        assert ok.status_code == 303
        late = post_form(
            second,
            pb,
            {
                "version": seen_b,
                "level4": "乙改",
                "lead_unit_kind": b["lead_unit_kind"],
                "policy": b["policy"],
            },
            page=pb,
        )
        assert (
            late.status_code == 409
            and "事项目录刚被他人修改" in late.text
            and 'value="乙改"' in late.text
        )
        assert leaf(db, 8)["level4"] == b["level4"]


def failed_message(db: Database, now: datetime, *, channel: str, recipient: str, error: str) -> int:
    with db.unit_of_work() as session:
        message = enqueue(
            session,
            channel=channel,
            recipient=recipient,
            subject="受理回执",
            body="您的诉求已登记",
            now=now,
        )
        assert message is not None
        note_failure(
            message, DeliveryError(error, permanent=True), policy=RETRY, now=now, item_id=message.id
        )
        session.flush()
        return message.id


class TestOutbox:
    def test_failed_messages_are_listed_masked_and_in_chinese_and_sent_again(
        self, world: tuple[TestClient, Database, ManualClock]
    ) -> None:
        client, db, clock = world
        sms = failed_message(
            db, clock.now(), channel="sms", recipient="13912345678", error="HTTP 403: forbidden"
        )
        mail = failed_message(
            db,
            clock.now(),
            channel="email",
            recipient="zhang.san@example.com",
            error="SMTP refused the recipient: x",
        )
        admin = signed_in(client, "admin")
        text = admin.get("/console/admin/outbox?status=failed").text
        assert "139****5678" in text and "z***@example.com" in text
        assert "13912345678" not in text and "zhang.san" not in text
        assert (
            "短信网关返回错误（代码403）" in text
            and "邮件服务器拒收该收件地址" in text
            and "发送失败" in text
        )
        r = post_form(
            admin, "/console/admin/outbox/retry", {"id": str(sms)}, page="/console/admin/outbox"
        )
        assert r.status_code == 303 and "done=1" in r.headers["location"]
        with db.reading() as session:
            row = session.get(OutboxMessage, sms)
            assert row is not None and row.status != "failed" and row.parked_at is None
        again = post_form(
            admin, "/console/admin/outbox/retry", {"id": str(sms)}, page="/console/admin/outbox"
        )
        assert again.status_code == 409 and "已不在失败列表中" in again.text
        r = post_form(
            admin, "/console/admin/outbox/retry", {"id": "all"}, page="/console/admin/outbox"
        )
        assert r.status_code == 303
        with db.reading() as session:
            row = session.get(OutboxMessage, mail)
            assert row is not None and row.status != "failed"
        bad = post_form(
            admin, "/console/admin/outbox/retry", {"id": "x"}, page="/console/admin/outbox"
        )
        assert bad.status_code == 422 and "请选择要重发的消息" in bad.text
