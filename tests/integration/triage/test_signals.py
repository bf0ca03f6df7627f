"""Repeat/duplicate/crowd links, the risk lexicon and the reply check against a real database,
on SQLite and PostgreSQL; and the reply check's sanity on the real replies file (by path)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from factories import auth, make_appeal, unique_phone
from minyi.cases.models import Appeal, Case
from minyi.core.clock import ManualClock
from minyi.core.db import Base, Database
from minyi.triage.models import AppealLink, RiskLexicon
from minyi.triage.queries import links_of, petition_count_of
from minyi.triage.repeats.fingerprints import appeal_text
from minyi.triage.repeats.index import HistoryIndex
from minyi.triage.repeats.signals import LinkKind, Signals
from minyi.triage.repeats.store import build_index, catch_up, history_rows, record_signals
from minyi.triage.replies import evaluate_replies
from minyi.triage.risk.lexicon import SHIPPED_VERSION
from minyi.triage.risk.versions import current_lexicon, save_lexicon, shipped_text
from shared_data import REPLIES_CSV

COMMUNITY = "S01C02"
GARBAGE_LEAF = "TS-01-02-01"  # 生活垃圾清运不及时


def tag() -> str:
    """A made-up estate name per test, so texts never meet other tests' appeals."""
    return "".join("甲乙丙丁戊己庚辛壬癸"[int(c, 16) % 10] for c in uuid.uuid4().hex[:6]) + "苑"


def appeal(client: TestClient, body: str, **overrides: Any) -> int:
    return int(
        make_appeal(client, title=body[:20], body=body, community=COMMUNITY, **overrides)["id"]
    )


def appeal_row(db: Database, case_id: int) -> tuple[Appeal, Case]:
    with db.reading() as session:
        case = session.get(Case, case_id)
        assert case is not None
        row = session.get(Appeal, case.appeal_id)
        assert row is not None
        return row, case


def index_and_record(db: Database, case_id: int, clock: ManualClock) -> Signals:
    """What intake will do for a new appeal: check it against the history and keep the links."""
    row, case = appeal_row(db, case_id)
    with db.unit_of_work() as session:
        index = build_index(session, chunk_size=50)
        signals = index.check(
            row.phone,
            appeal_text(row.title, row.body),
            case.community_id,
            row.submitted_at,
            matter_id=case.category_id or row.category_hint_id,
            appeal_id=row.id,
        )
        record_signals(session, row.id, signals, clock.now())
    return signals


class TestBuildIndex:
    def test_every_appeal_is_read_in_chunks(self, app_client: TestClient, db: Database) -> None:
        appeal(app_client, f"{tag()}门口垃圾桶满了没人清运")
        with db.reading() as session:
            total = session.scalar(select(func.count()).select_from(Appeal))
            index = build_index(session, chunk_size=7)
        assert len(index) == total

    def test_catching_up_adds_each_appeal_once(self, app_client: TestClient, db: Database) -> None:
        # The shared database holds other tests' appeals, some with higher ids (other processes
        # draw other id blocks): expectations are counted from what is there.
        older = appeal_row(db, appeal(app_client, f"{tag()}路口红绿灯坏了"))[0].id
        newer = appeal_row(db, appeal(app_client, f"{tag()}门口井盖丢失"))[0]
        with db.reading() as session:
            rows = history_rows(session, after=None)
            top = max(r[0] for r in rows)
            index = HistoryIndex()
            index.add_many(r for r in rows if r[0] <= older)
            # Triage adds the newer appeal live before the next catch-up reads it.
            text = appeal_text(newer.title, newer.body)
            index.add(newer.id, newer.phone, text, None, newer.submitted_at)
            expected = len(index) + sum(1 for r in rows if r[0] > older and r[0] != newer.id)
            assert catch_up(index, session, after=older, lookback=10) == top
            assert len(index) == expected  # the newer appeal was not added a second time
            assert catch_up(index, session, after=top, lookback=10) == top
            assert len(index) == expected

    def test_an_appeal_committed_after_a_later_id_is_caught_up(
        self, app_client: TestClient, db: Database
    ) -> None:
        cases = [appeal(app_client, f"{tag()}小区路面塌陷第{i}处") for i in range(3)]
        late = appeal_row(db, cases[1])[0].id
        with db.reading() as session:
            # An index that read up to the newest id while `late` was not committed yet.
            index = HistoryIndex()
            everything = history_rows(session, after=None)
            top = max(r[0] for r in everything)
            index.add_many(r for r in everything if r[0] != late)
            index.compact()
            assert not index.held([late]).any()
            assert catch_up(index, session, after=top, lookback=0) == top
            assert not index.held([late]).any()
            assert catch_up(index, session, after=top, lookback=top - late + 1) == top
            assert index.held([late]).all()
            assert len(index) == len(everything)


class TestLinks:
    def test_a_repeat_is_linked_and_counted(
        self, app_client: TestClient, db: Database, clock: ManualClock
    ) -> None:
        place, phone = tag(), unique_phone()
        # The same citizen, the same event-dictionary leaf, the same community: a repeat.
        first = appeal(
            app_client,
            f"{place}小区门口的垃圾中转站臭味很大，夏天尤其严重，希望尽快处理。",
            phone=phone,
            category=GARBAGE_LEAF,
        )
        second = appeal(
            app_client,
            f"上个月反映过{place}门口垃圾中转站的臭味问题，到现在还没有处理。",
            phone=phone,
            category=GARBAGE_LEAF,
        )
        signals = index_and_record(db, second, clock)
        first_appeal = appeal_row(db, first)[0].id
        assert signals.repeat_of == (first_appeal,)
        assert signals.petition_count == 2

        r = app_client.get(
            f"/api/v1/appeals/{second}/links", headers=auth(app_client, "dispatcher")
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["petition_count"], body["is_first"], body["hidden"]) == (2, False, 0)
        assert [(x["kind"], x["direction"], x["case_id"]) for x in body["links"]] == [
            (LinkKind.REPEAT, "earlier", first)
        ]

        r = app_client.get(f"/api/v1/appeals/{first}/links", headers=auth(app_client, "dispatcher"))
        assert r.json()["petition_count"] == 1
        assert [(x["kind"], x["direction"], x["case_id"]) for x in r.json()["links"]] == [
            (LinkKind.REPEAT, "later", second)
        ]

    def test_recording_twice_adds_nothing_and_counts_follow_the_chain(
        self, db: Database, app_client: TestClient, clock: ManualClock
    ) -> None:
        ids = [
            appeal_row(db, appeal(app_client, f"{tag()}路面塌陷第{i}次反映"))[0].id
            for i in range(3)
        ]
        with db.unit_of_work() as session:
            assert (
                record_signals(
                    session,
                    ids[1],
                    Signals(repeat_of=(ids[0],), petition_count=2, repeat_similarity=(0.5,)),
                    clock.now(),
                )
                == 1
            )
            assert (
                record_signals(
                    session,
                    ids[2],
                    Signals(repeat_of=(ids[1],), petition_count=3, repeat_similarity=(0.4,)),
                    clock.now(),
                )
                == 1
            )
            assert (
                record_signals(
                    session,
                    ids[2],
                    Signals(repeat_of=(ids[1],), petition_count=3, repeat_similarity=(0.4,)),
                    clock.now(),
                )
                == 0
            )
        with db.reading() as session:
            assert [petition_count_of(session, i) for i in ids] == [1, 2, 3]
            assert len(links_of(session, ids[1])) == 2

    def test_a_crowd_is_linked_with_its_cluster(
        self, app_client: TestClient, db: Database, clock: ManualClock
    ) -> None:
        place = tag()
        texts = [
            f"{place}三栋楼下的路灯坏了一个多月没人修，晚上很黑，请尽快维修。",
            f"{place}三栋楼下路灯坏了一个多月，晚上很黑，请尽快维修路灯。",
            f"反映{place}三栋楼下的路灯坏了一个多月没人修，晚上很黑。",
            f"您好，{place}三栋楼下的路灯坏了一个多月没人修，晚上很黑，谢谢。",
            f"{place}三栋楼下的路灯坏了一个多月了没人修，晚上太黑，请尽快维修。",
        ]
        cases = [appeal(app_client, t) for t in texts]
        signals = index_and_record(db, cases[-1], clock)
        assert signals.crowd is not None
        first_appeal = appeal_row(db, cases[0])[0].id
        assert (signals.crowd.cluster_id, signals.crowd.distinct_phones) == (first_appeal, 5)

        body = app_client.get(
            f"/api/v1/appeals/{cases[-1]}/links", headers=auth(app_client, "dispatcher")
        ).json()
        assert {x["case_id"] for x in body["links"] if x["kind"] == LinkKind.CROWD} == set(
            cases[:-1]
        )
        assert body["crowds"] == [{"cluster_id": first_appeal, "appeals": 5}]

    def test_a_near_duplicate_through_another_channel_is_linked(
        self, app_client: TestClient, db: Database, clock: ManualClock
    ) -> None:
        text = f"{tag()}南门外的下水道堵塞，污水漫到路面，臭味很大已经三天了，请尽快疏通。"
        first = appeal(app_client, text)
        second = appeal(app_client, text, channel="letter")
        signals = index_and_record(db, second, clock)
        assert [i for i, _ in signals.near_duplicates] == [appeal_row(db, first)[0].id]

    def test_links_of_a_case_out_of_scope_are_not_found(self, app_client: TestClient) -> None:
        case_id = appeal(app_client, f"{tag()}小区停水没有通知")
        r = app_client.get(
            f"/api/v1/appeals/{case_id}/links", headers=auth(app_client, "dep01.handler")
        )
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "case_not_found"


class TestRiskLexiconApi:
    def test_staff_read_the_lexicon_in_force(self, app_client: TestClient) -> None:
        r = app_client.get("/api/v1/risk-lexicon", headers=auth(app_client, "dispatcher"))
        assert r.status_code == 200, r.text
        body = r.json()
        assert {c["code"] for c in body["categories"]} >= {
            "self_harm",
            "collective_action",
            "wage_arrears",
            "threats",
            "sensitive_persons",
        }
        shipped = app_client.get(
            "/api/v1/risk-lexicon", params={"version": 0}, headers=auth(app_client, "dispatcher")
        ).json()
        assert (shipped["version"], shipped["text"]) == (SHIPPED_VERSION, shipped_text())

    def test_only_an_administrator_saves_a_version(self, app_client: TestClient) -> None:
        r = app_client.put(
            "/api/v1/risk-lexicon",
            content=shipped_text(),
            headers={**auth(app_client, "dispatcher"), "Content-Type": "application/yaml"},
        )
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "admin_only"

    def test_a_bad_lexicon_is_refused_and_changes_nothing(self, app_client: TestClient) -> None:
        headers = auth(app_client, "admin")
        before = app_client.get("/api/v1/risk-lexicon", headers=headers).json()["version"]
        r = app_client.put(
            "/api/v1/risk-lexicon",
            content="categories:\n  x:\n    severity: urgent\n",
            headers={**headers, "Content-Type": "application/yaml"},
        )
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "bad_lexicon"
        assert app_client.get("/api/v1/risk-lexicon", headers=headers).json()["version"] == before

    def test_an_administrators_edit_flags_from_then_on(self, app_client: TestClient) -> None:
        headers = auth(app_client, "admin")
        name = tag()[:3]
        assert (
            app_client.post(
                "/api/v1/triage/risk", json={"text": f"{name}又来了"}, headers=headers
            ).json()["flags"]
            == []
        )
        before = app_client.get("/api/v1/risk-lexicon", headers=headers).json()["version"]
        r = app_client.put(
            "/api/v1/risk-lexicon",
            content=shipped_text().replace("    terms: []\n", f"    terms: [{name}]\n"),
            headers={**headers, "Content-Type": "application/yaml"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["version"] == before + 1
        r = app_client.post("/api/v1/triage/risk", json={"text": f"{name}又来了"}, headers=headers)
        assert r.json()["lexicon_version"] == before + 1
        assert r.json()["flags"] == [
            {
                "category": "sensitive_persons",
                "label": "重点人员",
                "term": name,
                "start": 0,
                "end": 3,
                "severity": "high",
                "note": "",
                "evidence": name,
            }
        ]

    def test_flags_carry_evidence_and_the_festival_boost(self, app_client: TestClient) -> None:
        r = app_client.post(
            "/api/v1/triage/risk",
            json={"text": "包工头拖欠工资，工人们说要去政府门口聚集讨说法", "on": "2027-01-25"},
            headers=auth(app_client, "clerk"),
        )
        assert r.status_code == 200, r.text
        assert [(f["category"], f["evidence"], f["severity"]) for f in r.json()["flags"]] == [
            ("wage_arrears", "拖欠工资", "high"),
            ("collective_action", "聚集", "high"),
        ]

    def test_signing_in_is_required(self, app_client: TestClient) -> None:
        assert app_client.post("/api/v1/triage/risk", json={"text": "跳楼"}).status_code == 401


class TestLexiconVersions:
    def test_versions_count_up_from_the_shipped_file(self, fresh_db: Database) -> None:
        with fresh_db.unit_of_work() as session:
            assert current_lexicon(session)[0] == SHIPPED_VERSION
            now = datetime(2026, 11, 20, tzinfo=UTC)
            assert save_lexicon(session, shipped_text(), by="admin", now=now) == 1
            assert (
                save_lexicon(
                    session,
                    shipped_text().replace("    terms: []\n", "    terms: [某某]\n"),
                    by="admin",
                    now=now,
                )
                == 2
            )
            version, lexicon = current_lexicon(session)
        assert version == 2
        assert lexicon.categories["sensitive_persons"].terms == ("某某",)


class TestReplyCheckApi:
    def test_a_reply_is_checked_before_closing(self, app_client: TestClient) -> None:
        r = app_client.post(
            "/api/v1/triage/reply-check",
            json={
                "appeal_text": "小区垃圾中转站臭味扰民，希望尽快处理",
                "reply_text": "网友您好！您的留言已收悉。",
            },
            headers=auth(app_client, "dep01.handler"),
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert (
            body["missing_answer"],
            body["missing_legal_basis"],
            body["missing_contact"],
            body["ok"],
        ) == (True, True, True, False)
        assert body["notes"]

    def test_an_empty_reply_is_refused(self, app_client: TestClient) -> None:
        r = app_client.post(
            "/api/v1/triage/reply-check",
            json={"appeal_text": "路灯坏了", "reply_text": ""},
            headers=auth(app_client, "dep01.handler"),
        )
        assert r.status_code == 422


class TestSchema:
    def test_the_signal_tables_match_their_migration(self, fresh_db: Database) -> None:
        ours = {AppealLink.__tablename__, RiskLexicon.__tablename__}

        def only_ours(
            obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
        ) -> bool:
            table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
            return table in ours

        opts = {"compare_type": True, "include_object": only_ours}
        with fresh_db.engine.connect() as conn:
            assert (
                compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata) == []
            )


@pytest.mark.realdata
class TestRepliesCorpus:
    def test_true_replies_score_higher_than_shuffled_ones(self) -> None:
        if not REPLIES_CSV.exists():
            pytest.skip(f"the real replies file {REPLIES_CSV} is not on this machine")
        result = evaluate_replies(REPLIES_CSV, write=None)
        assert result["pairs"] > 2000
        assert result["per_pair"]["auc"] >= 0.8  # a floor; measured 0.93
        assert result["fitted_idf"]["auc"] >= 0.8
