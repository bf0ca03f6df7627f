"""Numbered letters: 提醒函, 建议函 (naming one of the three suggestion rights) and 通报, issued as
.docx by supervisors, numbered per kind and year without gaps, even when issued at once."""

from __future__ import annotations

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import auth, make_dispatched
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.org.service import actor_for_username
from minyi.supervision.letters import issue_letter
from minyi.supervision.models import Letter
from minyi.supervision.rules import LetterKind

TZ = ZoneInfo("Asia/Shanghai")
NUMBER = re.compile(r"^汀澜信督(提|建|通)〔(\d{4})〕(\d+)号$")


def issue(client: TestClient, user: str = "supervisor", **body: Any) -> Any:
    body.setdefault("kind", "reminder")
    body.setdefault("subject", "加快办理超期群众诉求件")
    body.setdefault(
        "body", "你单位承办的群众诉求件已超过办理时限。\n请立即组织核查，依法依规办理。"
    )
    if body["kind"] != "notice":
        body.setdefault("addressee_unit", "DEP01")
    return client.post("/api/v1/letters", json=body, headers=auth(client, user))


def issued(client: TestClient, **body: Any) -> dict[str, Any]:
    r = issue(client, **body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def docx_texts(client: TestClient, letter_id: int, user: str = "supervisor") -> list[str]:
    r = client.get(f"/api/v1/letters/{letter_id}.docx", headers=auth(client, user))
    assert r.status_code == 200, r.text
    return [p.text for p in Document(io.BytesIO(r.content)).paragraphs if p.text]


class TestIssueLetter:
    def test_a_reminder_as_docx(self, app_client: TestClient, clock: ManualClock) -> None:
        letter = issued(
            app_client, reply_by=(clock.now().astimezone(TZ).date() + timedelta(days=5)).isoformat()
        )
        m = NUMBER.match(letter["number"])
        assert m
        assert m.group(1) == "提"
        assert int(m.group(2)) == clock.now().astimezone(TZ).year
        assert letter["title"] == "关于加快办理超期群众诉求件的提醒函"
        assert letter["addressee"] == "区住房和建设局"
        assert letter["addressee_unit"] == "DEP01"
        assert letter["issuer"] == "汀澜区委督查室"
        r = app_client.get(letter["download"], headers=auth(app_client, "supervisor"))
        assert (
            r.headers["content-type"]
            == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        assert (
            f"filename*=UTF-8''{quote(letter['number'] + '.docx')}"
            in r.headers["content-disposition"]
        )
        assert r.headers["etag"] == f'"{letter["document_sha256"]}"'
        texts = docx_texts(app_client, letter["id"])
        assert letter["number"] in texts
        assert "区住房和建设局：" in texts
        assert "你单位承办的群众诉求件已超过办理时限。" in texts
        assert "请立即组织核查，依法依规办理。" in texts
        assert texts[-2] == "汀澜区委督查室"
        assert any("书面反馈汀澜区委督查室" in t for t in texts)

    def test_numbers_run_per_kind(self, app_client: TestClient) -> None:
        a = issued(app_client)
        b = issued(app_client)
        s = issued(
            app_client,
            kind="suggestion",
            suggestion_right="improve_policy",
            subject="老旧小区加装电梯补贴政策",
        )
        assert b["seq"] == a["seq"] + 1
        assert b["year"] == a["year"]
        assert NUMBER.match(s["number"]).group(1) == "建"  # type: ignore[union-attr]
        assert s["number"] == f"汀澜信督建〔{s['year']}〕{s['seq']}号"

    def test_a_suggestion_names_its_right(self, app_client: TestClient) -> None:
        letter = issued(
            app_client,
            kind="suggestion",
            suggestion_right="accountability",
            subject="某街道推诿扯皮问题",
        )
        assert letter["suggestion_right_label"] == "追究责任"
        assert letter["title"] == "关于某街道推诿扯皮问题的追究责任建议函"
        texts = docx_texts(app_client, letter["id"])
        assert any("信访部门提出追究责任建议" in t for t in texts)

    def test_a_notice_to_all_units(self, app_client: TestClient) -> None:
        letter = issued(app_client, kind="notice", subject="11月份群众诉求办理超期情况")
        assert letter["addressee"] == "各街道办事处，区直各单位"
        assert letter["addressee_unit"] is None
        assert NUMBER.match(letter["number"]).group(1) == "通"  # type: ignore[union-attr]
        seen = app_client.get(
            "/api/v1/letters",
            params={"kind": "notice", "page_size": 200},
            headers=auth(app_client, "dep09.handler"),
        ).json()
        assert letter["id"] in {x["id"] for x in seen["items"]}
        assert "各街道办事处，区直各单位：" in docx_texts(app_client, letter["id"], "dep09.handler")

    def test_on_a_case_it_is_on_the_timeline(self, app_client: TestClient) -> None:
        case = make_dispatched(app_client)
        letter = issued(app_client, case_id=case["id"])
        events = app_client.get(
            f"/api/v1/appeals/{case['id']}/timeline", headers=auth(app_client, "supervisor")
        ).json()
        [event] = [e for e in events if e["action"] == "letter"]
        assert event["payload"]["number"] == letter["number"]

    def test_bad_input_takes_no_number(self, app_client: TestClient, clock: ManualClock) -> None:
        before = issued(app_client)
        today = clock.now().astimezone(TZ).date()
        refused = [
            ({"kind": "suggestion"}, "suggestion_right"),
            ({"suggestion_right": "improve_work"}, "suggestion_right"),
            ({"addressee_unit": "NOPE"}, "addressee_unit"),
            ({"reply_by": today.isoformat()}, "reply_by"),
            ({"subject": "  "}, "subject"),
            ({"kind": "memo"}, "kind"),
        ]
        for body, field in refused:
            r = issue(app_client, **body)
            assert r.status_code == 422, (body, r.text)
            assert field in [e["field"] for e in r.json()["error"]["errors"]], (body, r.text)
        after = issued(app_client)
        assert after["seq"] == before["seq"] + 1

    def test_only_supervisors_issue(self, app_client: TestClient) -> None:
        for user in ("secretary", "dep01.head", "dispatcher"):
            assert issue(app_client, user).status_code == 403, user


class TestReadingLetters:
    def test_the_addressee_reads_it_others_do_not(self, app_client: TestClient) -> None:
        letter = issued(app_client, addressee_unit="DEP02")
        assert (
            app_client.get(
                f"/api/v1/letters/{letter['id']}.docx", headers=auth(app_client, "dep02.head")
            ).status_code
            == 200
        )
        assert (
            app_client.get(
                f"/api/v1/letters/{letter['id']}", headers=auth(app_client, "dep02.handler")
            ).status_code
            == 200
        )
        assert (
            app_client.get(
                f"/api/v1/letters/{letter['id']}.docx", headers=auth(app_client, "dep03.head")
            ).status_code
            == 404
        )
        assert app_client.get(f"/api/v1/letters/{letter['id']}.docx").status_code == 401
        assert (
            app_client.get(
                f"/api/v1/letters/{letter['id']}", headers=auth(app_client, "mayor")
            ).status_code
            == 200
        )
        mine = app_client.get(
            "/api/v1/letters", params={"page_size": 200}, headers=auth(app_client, "dep03.head")
        ).json()
        assert letter["id"] not in {x["id"] for x in mine["items"]}

    def test_unknown_letter(self, app_client: TestClient) -> None:
        assert (
            app_client.get(
                "/api/v1/letters/999999999.docx", headers=auth(app_client, "supervisor")
            ).status_code
            == 404
        )


class TestNumbering:
    """Straight on the service, with real commits from many threads at once."""

    def test_concurrent_issuers_get_distinct_consecutive_numbers(self, db: Database) -> None:
        # A year no other test uses, so the counter starts from nothing under the race.
        now = datetime(2031, 3, 2, 2, 0, tzinfo=UTC)
        start = threading.Barrier(8, timeout=60)

        def one(i: int) -> str:
            start.wait() if i < 8 else None
            with db.unit_of_work() as session:
                letter = issue_letter(
                    session,
                    actor=actor_for_username(session, "supervisor"),
                    kind=LetterKind.NOTICE,
                    subject=f"并发编号测试{i}",
                    body="正文。",
                    now=now,
                    tz=TZ,
                )
                return letter.number

        with ThreadPoolExecutor(max_workers=8) as pool:
            numbers = list(pool.map(one, range(16)))
        assert len(set(numbers)) == 16
        assert sorted(int(NUMBER.match(n).group(3)) for n in numbers) == list(range(1, 17))  # type: ignore[union-attr]
        with db.reading() as session:
            stored = session.scalars(
                select(Letter.seq)
                .where(Letter.kind == "notice", Letter.year == 2031)
                .order_by(Letter.seq)
            ).all()
        assert list(stored) == list(range(1, 17))

    def test_a_rolled_back_issue_gives_its_number_back(self, db: Database) -> None:
        now = datetime(2032, 5, 6, 2, 0, tzinfo=UTC)

        def issue_one(session: Any) -> Letter:
            return issue_letter(
                session,
                actor=actor_for_username(session, "supervisor"),
                kind=LetterKind.REMINDER,
                subject="回滚测试",
                body="正文。",
                addressee_unit="DEP01",
                now=now,
                tz=TZ,
                reply_by=date(2032, 5, 10),
            )

        def fail_after_numbering() -> None:
            with db.unit_of_work() as session:
                assert issue_one(session).seq == 1
                raise RuntimeError("the request failed after numbering")

        with pytest.raises(RuntimeError):
            fail_after_numbering()
        with db.unit_of_work() as session:
            letter = issue_one(session)
        assert letter.number == "汀澜信督提〔2032〕1号"

    def test_the_year_is_the_local_year(self, db: Database) -> None:
        # 2033-12-31 17:00 UTC is already 1 January 2034 in Beijing.
        now = datetime(2033, 12, 31, 17, 0, tzinfo=UTC)
        with db.unit_of_work() as session:
            letter = issue_letter(
                session,
                actor=actor_for_username(session, "supervisor"),
                kind=LetterKind.NOTICE,
                subject="跨年",
                body="正文。",
                now=now,
                tz=TZ,
            )
        assert letter.year == 2034
        assert letter.number == "汀澜信督通〔2034〕1号"
