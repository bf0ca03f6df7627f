"""POST /api/v1/appeals: registration, idempotency, identity checks, bad input."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from factories import appeal_payload, auth, make_appeal
from minyi.cases.models import Appeal, Case, CaseEvent
from minyi.core.db import Database


def count_appeals(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(Appeal)) or 0)


class TestRegisterAppeal:
    def test_answers_201_with_a_tracking_number(self, app_client: TestClient, db: Database) -> None:
        r = app_client.post(
            "/api/v1/appeals", json=appeal_payload(), headers=auth(app_client, "clerk")
        )
        assert r.status_code == 201
        body = r.json()
        assert body["status"] == "registered"
        assert body["created"] is True
        assert body["tracking_no"].startswith("20261120-")
        with db.reading() as session:
            case = session.get(Case, body["id"])
            assert case is not None and case.tracking_no == body["tracking_no"]
            events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == body["id"])).all()
            assert [e.action for e in events] == ["register"]

    def test_same_channel_and_external_id_returns_the_same_appeal(
        self, app_client: TestClient, db: Database
    ) -> None:
        payload = appeal_payload()
        first = app_client.post("/api/v1/appeals", json=payload, headers=auth(app_client, "clerk"))
        before = count_appeals(db)
        again = app_client.post("/api/v1/appeals", json=payload, headers=auth(app_client, "clerk"))
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["id"] == first.json()["id"]
        assert again.json()["created"] is False
        assert count_appeals(db) == before

    def test_same_external_id_on_another_channel_is_another_appeal(
        self, app_client: TestClient
    ) -> None:
        payload = appeal_payload()
        a = app_client.post("/api/v1/appeals", json=payload, headers=auth(app_client, "clerk"))
        b = app_client.post(
            "/api/v1/appeals",
            json=payload | {"channel": "walk_in"},
            headers=auth(app_client, "clerk"),
        )
        assert (a.status_code, b.status_code) == (201, 201)
        assert a.json()["id"] != b.json()["id"]

    def test_phone_is_normalised(self, app_client: TestClient, db: Database) -> None:
        receipt = make_appeal(app_client, phone="+86 139-0000-1234")
        with db.reading() as session:
            assert session.get(Appeal, receipt["id"]).phone == "13900001234"  # type: ignore[union-attr]

    def test_grid_fills_in_community_and_street(self, app_client: TestClient, db: Database) -> None:
        receipt = make_appeal(app_client, street=None, grid="S02C01G01")
        r = app_client.get(
            f"/api/v1/appeals/{receipt['id']}", headers=auth(app_client, "dispatcher")
        )
        assert (r.json()["street"], r.json()["community"], r.json()["grid"]) == (
            "S02",
            "S02C01",
            "S02C01G01",
        )

    def test_public_form_channel_needs_no_account(self, app_client: TestClient) -> None:
        r = app_client.post("/api/v1/appeals", json=appeal_payload(channel="miniprogram"))
        assert r.status_code == 201

    def test_anonymous_where_the_channel_allows(self, app_client: TestClient) -> None:
        r = app_client.post(
            "/api/v1/appeals",
            json=appeal_payload(channel="mailbox_secretary", phone=None, name=None, anonymous=True),
        )
        assert r.status_code == 201

    def test_crowd_size_and_amount_are_kept(self, app_client: TestClient, db: Database) -> None:
        receipt = make_appeal(
            app_client, crowd_size=30, amount="98000.50", id_card="11010519491231002X"
        )
        with db.reading() as session:
            appeal = session.get(Appeal, receipt["id"])
            assert appeal is not None
            assert (appeal.crowd_size, str(appeal.amount), appeal.id_card) == (
                30,
                "98000.50",
                "11010519491231002X",
            )


class TestBadInput:
    def assert_refused(
        self,
        client: TestClient,
        db: Database,
        payload: dict[str, object],
        status: int,
        field: str,
        headers: dict[str, str] | None = None,
    ) -> dict[str, object]:
        before = count_appeals(db)
        r = client.post(
            "/api/v1/appeals",
            json=payload,
            headers=headers if headers is not None else auth(client, "clerk"),
        )
        assert r.status_code == status, r.text
        error = r.json()["error"]
        assert field in error["message"]
        assert count_appeals(db) == before
        return dict(error)

    def test_bad_phone_names_the_field(self, app_client: TestClient, db: Database) -> None:
        error = self.assert_refused(app_client, db, appeal_payload(phone="12345"), 422, "phone")
        assert error["errors"][0]["field"] == "phone"  # type: ignore[index]

    def test_bad_id_card_checksum(self, app_client: TestClient, db: Database) -> None:
        self.assert_refused(
            app_client, db, appeal_payload(id_card="110105194912310021"), 422, "id_card"
        )

    def test_missing_body(self, app_client: TestClient, db: Database) -> None:
        payload = appeal_payload()
        del payload["body"]
        self.assert_refused(app_client, db, payload, 422, "body")

    def test_unknown_field_is_refused(self, app_client: TestClient, db: Database) -> None:
        self.assert_refused(app_client, db, appeal_payload(colour="red"), 422, "colour")

    def test_phone_required_unless_anonymous(self, app_client: TestClient, db: Database) -> None:
        self.assert_refused(app_client, db, appeal_payload(phone=None), 422, "phone")

    def test_anonymous_refused_on_walk_in(self, app_client: TestClient, db: Database) -> None:
        self.assert_refused(
            app_client,
            db,
            appeal_payload(channel="walk_in", anonymous=True, phone=None),
            422,
            "anonymous",
        )

    def test_unknown_channel(self, app_client: TestClient, db: Database) -> None:
        self.assert_refused(app_client, db, appeal_payload(channel="fax"), 422, "fax")

    def test_unknown_street(self, app_client: TestClient, db: Database) -> None:
        self.assert_refused(app_client, db, appeal_payload(street="S99"), 422, "S99")

    def test_grid_outside_the_named_community(self, app_client: TestClient, db: Database) -> None:
        self.assert_refused(
            app_client,
            db,
            appeal_payload(street=None, community="S01C01", grid="S02C01G01"),
            422,
            "S02C01G01",
        )

    def test_staff_channel_needs_sign_in(self, app_client: TestClient, db: Database) -> None:
        self.assert_refused(
            app_client, db, appeal_payload(channel="walk_in"), 403, "walk_in", headers={}
        )

    def test_negative_crowd_size(self, app_client: TestClient, db: Database) -> None:
        self.assert_refused(app_client, db, appeal_payload(crowd_size=-3), 422, "crowd_size")

    def test_lat_without_lng(self, app_client: TestClient, db: Database) -> None:
        self.assert_refused(app_client, db, appeal_payload(lat=22.5), 422, "lat")

    def test_not_json(self, app_client: TestClient, db: Database) -> None:
        before = count_appeals(db)
        r = app_client.post(
            "/api/v1/appeals",
            content=b"{nope",
            headers=auth(app_client, "clerk") | {"content-type": "application/json"},
        )
        assert r.status_code == 422
        assert count_appeals(db) == before

    def test_bad_token_is_401(self, app_client: TestClient, db: Database) -> None:
        self.assert_refused(
            app_client, db, appeal_payload(), 401, "登录", headers={"Authorization": "Bearer nope"}
        )
