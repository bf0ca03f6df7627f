"""Place finding, the gazetteer API and unit recommendation on the demo district 汀澜区, on
SQLite and PostgreSQL. Gazetteer names added here are invented and removed again."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import auth, make_dispatched
from minyi.core.db import Database
from minyi.demo.dictionary import build_dictionary
from minyi.org.models import Staff
from minyi.triage.accused.store import DETECTORS
from minyi.triage.places.store import GAZETTEERS
from minyi.triage.places.values import Place
from minyi.triage.routing.recommend import recommend_units, snapshot_for

LEAF = {row["level4"]: row["code"] for row in build_dictionary()}


def find_place(
    client: TestClient, *, user: str = "dispatcher", **body: Any
) -> list[dict[str, Any]]:
    r = client.post("/api/v1/triage/place", json=body, headers=auth(client, user))
    assert r.status_code == 200, r.text
    return list(r.json()["candidates"])


def codes(candidate: dict[str, Any]) -> tuple[str | None, ...]:
    return tuple((candidate[k] or {}).get("code") for k in ("street", "community", "grid"))


def add_name(client: TestClient, name: str, kind: str, unit: str) -> dict[str, Any]:
    r = client.post(
        "/api/v1/gazetteer",
        json={"name": name, "kind": kind, "unit": unit},
        headers=auth(client, "admin"),
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def forget_names(db: Database) -> None:
    """What an administrator's edit does to the runtime that made it, for another runtime."""
    db.caches.reset(DETECTORS)
    db.caches.reset(GAZETTEERS)


def remove_name(client: TestClient, entry_id: int) -> None:
    assert (
        client.delete(f"/api/v1/gazetteer/{entry_id}", headers=auth(client, "admin")).status_code
        == 204
    )


class TestPlaceFinding:
    def test_street_and_community_from_the_address(self, app_client: TestClient) -> None:
        top, *_ = find_place(
            app_client, text="门口占道经营", address="汀澜区青松街道竹林社区滨河路8号"
        )
        assert codes(top) == ("S01", "S01C03", None)
        assert (top["street"]["name"], top["community"]["name"], top["score"]) == (
            "青松街道",
            "竹林社区",
            1.0,
        )
        assert {e["text"] for e in top["evidence"]} == {"青松街道", "竹林社区"}

    def test_a_grid_from_the_text(self, app_client: TestClient) -> None:
        top, *_ = find_place(app_client, text="竹林社区第3网格有人占道经营")
        assert codes(top) == ("S01", "S01C03", "S01C03G03")

    def test_short_forms_in_the_address(self, app_client: TestClient) -> None:
        top, *_ = find_place(app_client, address="望海兰亭12栋")
        assert codes(top) == ("S03", "S03C04", None)

    def test_a_contradiction_gives_ranked_candidates(self, app_client: TestClient) -> None:
        found = find_place(app_client, text="翠湖街道竹林社区门口垃圾没人清运")
        assert [codes(c) for c in found] == [("S01", "S01C03", None), ("S02", None, None)]
        assert found[0]["score"] > found[1]["score"]

    def test_staff_only(self, app_client: TestClient) -> None:
        assert app_client.post("/api/v1/triage/place", json={"text": "青松街道"}).status_code == 401


class TestGazetteer:
    def test_an_added_estate_resolves_to_its_grid_until_removed(
        self, app_client: TestClient
    ) -> None:
        entry = add_name(app_client, "澜汀御景花园", "estate", "S03C02G04")
        assert entry["unit_name"] == "麒麟社区第4网格"
        listed = app_client.get(
            "/api/v1/gazetteer", params={"kind": "estate"}, headers=auth(app_client, "dispatcher")
        )
        assert entry["id"] in [e["id"] for e in listed.json()]
        top, *_ = find_place(app_client, text="我住澜汀御景花园5栋，楼下烧烤店油烟扰民")
        assert codes(top) == ("S03", "S03C02", "S03C02G04")
        remove_name(app_client, entry["id"])
        assert find_place(app_client, text="我住澜汀御景花园5栋，楼下烧烤店油烟扰民") == []

    def test_a_road_through_two_streets_gives_ranked_candidates(
        self, app_client: TestClient
    ) -> None:
        ids = [
            add_name(app_client, "望澜大道", "road", unit)["id"] for unit in ("S02C05", "S06C03")
        ]
        try:
            found = find_place(app_client, text="望澜大道上井盖缺失")
            assert sorted(codes(c) for c in found) == [
                ("S02", "S02C05", None),
                ("S06", "S06C03", None),
            ]
            assert found[0]["score"] == found[1]["score"]
            found = find_place(app_client, text="望澜大道上井盖缺失", address="金沙街道")
            assert codes(found[0]) == ("S06", "S06C03", None)
            assert found[0]["score"] > found[1]["score"]
        finally:
            for entry_id in ids:
                remove_name(app_client, entry_id)

    def test_only_administrators_change_it(self, app_client: TestClient) -> None:
        headers = auth(app_client, "dispatcher")
        r = app_client.post(
            "/api/v1/gazetteer",
            json={"name": "某某路", "kind": "road", "unit": "S01"},
            headers=headers,
        )
        assert r.status_code == 403
        assert app_client.delete("/api/v1/gazetteer/1", headers=headers).status_code == 403

    def test_bad_entries_are_refused(self, app_client: TestClient) -> None:
        headers = auth(app_client, "admin")

        def post(**body: str) -> tuple[int, str]:
            r = app_client.post("/api/v1/gazetteer", json=body, headers=headers)
            return r.status_code, r.json()["error"]["code"] if r.status_code >= 400 else ""

        assert post(name="澜汀小区", kind="estate", unit="DEP01") == (422, "bad_unit_kind")
        assert post(name="澜汀小区", kind="estate", unit="NOPE") == (422, "unknown_unit")
        assert post(name="澜汀小区", kind="castle", unit="S01")[0] == 422
        entry = add_name(app_client, "澜汀小区", "estate", "S01C01")
        try:
            assert post(name="澜汀小区", kind="estate", unit="S01C01") == (
                409,
                "gazetteer_duplicate",
            )
        finally:
            remove_name(app_client, entry["id"])
        assert (
            app_client.delete(f"/api/v1/gazetteer/{entry['id']}", headers=headers).status_code
            == 404
        )


class TestRouting:
    def test_the_duty_map_names_the_lead(self, db: Database) -> None:
        with db.reading() as session:
            street = recommend_units(
                session,
                leaf_code=LEAF["建筑立面破损"],
                text="外墙瓷砖脱落",
                address="望海街道兰亭社区",
            )
            department = recommend_units(session, leaf_code=LEAF["占道经营"], place=Place("S01"))
        assert street.lead is not None
        assert department.lead is not None
        assert (street.lead.code, street.place) == ("S03", Place("S03", "S03C04"))
        assert department.lead.code == "DEP02"
        assert "duty_map" in department.lead.reasons

    def test_co_units_are_learnt_from_dispatches(
        self, app_client: TestClient, db: Database
    ) -> None:
        leaf = LEAF["古树名木保护"]
        for _ in range(3):
            make_dispatched(app_client, lead="DEP02", co=["S05"], category=leaf, street="S05")
        with db.reading() as session:
            rec = recommend_units(
                snapshot_for(session, fresh_history=True), leaf_code=leaf, place=Place("S08")
            )
        assert rec.lead is not None
        assert (rec.lead.code, rec.lead.reasons) == ("DEP02", ("duty_map", "history"))
        assert "S08" in [c.code for c in rec.co_units]  # the appeal's own street, learnt in S05

    def test_consistent_dispatches_override_the_duty_map(
        self, app_client: TestClient, db: Database
    ) -> None:
        leaf = LEAF["公园设施"]
        for _ in range(6):
            make_dispatched(app_client, lead="DEP16", category=leaf, street="S07")
        with db.reading() as session:
            rec = recommend_units(
                snapshot_for(session, fresh_history=True), leaf_code=leaf, place=Place("S07")
            )
        assert rec.lead is not None
        assert (rec.lead.code, rec.lead.reasons) == ("DEP16", ("history",))

    def test_a_complaint_against_the_duty_department_is_routed_around_it(
        self, db: Database
    ) -> None:
        text = "投诉区城市管理和综合执法局执法人员态度恶劣，还推搡摊主"
        with db.reading() as session:
            rec = recommend_units(
                session, leaf_code=LEAF["占道经营"], text=text, address="青松街道竹林社区"
            )
        assert rec.lead is not None
        assert (rec.lead.code, rec.lead.reasons) == ("DEP_XFJ", ("supervisor_fallback",))
        assert [(e.code, e.reason) for e in rec.excluded] == [("DEP02", "accused")]
        assert rec.hide_identity_from == ("DEP02",)
        assert "DEP02" not in [c.code for c in rec.co_units]

    def test_a_named_official_is_hidden_from_and_corruption_goes_to_discipline(
        self, db: Database
    ) -> None:
        with db.reading() as session:
            name = session.scalar(select(Staff.name).where(Staff.username == "dep01.handler"))
            rec = recommend_units(
                session,
                leaf_code=LEAF["物业服务质量"],
                text=f"举报区住建局工作人员{name}索贿",
                address="青松街道",
            )
        assert rec.lead is not None
        assert rec.lead.code == "DEP40"
        assert rec.hide_identity_from == ("DEP01",)
        assert rec.hide_identity_from_staff == ("dep01.handler",)

    def test_an_alias_added_by_an_administrator_names_a_department(
        self, app_client: TestClient, db: Database
    ) -> None:
        entry = add_name(app_client, "澜城执法中队", "alias", "DEP02")
        # Added through the app's runtime; this test's database is a runtime of its own, which
        # would see the name within its caches' check interval: it is told at once instead.
        forget_names(db)
        try:
            with db.reading() as session:
                rec = recommend_units(
                    session,
                    leaf_code=LEAF["占道经营"],
                    text="澜城执法中队队员态度恶劣",
                    place=Place("S01"),
                )
            assert [e.code for e in rec.excluded] == ["DEP02"]
        finally:
            remove_name(app_client, entry["id"])
            forget_names(db)
