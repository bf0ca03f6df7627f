"""Sign-in, scope (out of scope reads as 404) and masking of personal data."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from factories import DEMO_PASSWORD, act, auth, make_appeal, make_dispatched
from minyi.core.db import Database
from minyi.org.models import Staff


def get_case(client: TestClient, case_id: int, user: str) -> tuple[int, dict[str, object]]:
    r = client.get(f"/api/v1/appeals/{case_id}", headers=auth(client, user))
    return r.status_code, r.json()


class TestSignIn:
    def test_wrong_password_is_401(self, app_client: TestClient) -> None:
        r = app_client.post(
            "/api/v1/auth/token", data={"username": "clerk", "password": "wrong-password"}
        )
        assert r.status_code == 401

    def test_unknown_user_is_401_with_the_same_message(self, app_client: TestClient) -> None:
        a = app_client.post(
            "/api/v1/auth/token", data={"username": "nobody", "password": DEMO_PASSWORD}
        )
        b = app_client.post(
            "/api/v1/auth/token", data={"username": "clerk", "password": "wrong-password"}
        )
        assert a.status_code == b.status_code == 401
        assert a.json() == b.json()

    def test_every_staff_endpoint_needs_a_token(self, app_client: TestClient) -> None:
        for path in (
            "/api/v1/appeals",
            "/api/v1/appeals/1",
            "/api/v1/appeals/1/timeline",
            "/api/v1/units",
            "/api/v1/auth/me",
        ):
            assert app_client.get(path).status_code == 401, path

    def test_logout_revokes_the_token(self, app_client: TestClient) -> None:
        token = app_client.post(
            "/api/v1/auth/token", data={"username": "supervisor", "password": DEMO_PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert app_client.get("/api/v1/auth/me", headers=headers).json()["role"] == "supervisor"
        assert app_client.post("/api/v1/auth/logout", headers=headers).status_code == 204
        assert app_client.get("/api/v1/auth/me", headers=headers).status_code == 401

    def test_passwords_are_stored_with_argon2(self, db: Database) -> None:
        with db.reading() as session:
            stored = session.scalar(select(Staff.password_hash).where(Staff.username == "clerk"))
        assert (
            stored is not None and stored.startswith("$argon2id$") and DEMO_PASSWORD not in stored
        )


class TestScope:
    def test_district_roles_see_every_case(self, app_client: TestClient) -> None:
        appeal = make_dispatched(app_client, lead="DEP11")
        for user in ("dispatcher", "clerk", "secretary", "supervisor", "admin"):
            assert get_case(app_client, appeal["id"], user)[0] == 200, user

    def test_units_see_cases_they_lead_or_co_handle_only(self, app_client: TestClient) -> None:
        appeal = make_dispatched(app_client, lead="DEP12", co=["DEP13"], street="S03")
        assert get_case(app_client, appeal["id"], "dep12.handler")[0] == 200
        assert get_case(app_client, appeal["id"], "dep13.head")[0] == 200
        assert get_case(app_client, appeal["id"], "dep14.handler")[0] == 404

    def test_area_staff_see_their_area(self, app_client: TestClient) -> None:
        appeal = make_appeal(app_client, street=None, grid="S04C02G01")
        assert get_case(app_client, appeal["id"], "s04.staff")[0] == 200
        assert get_case(app_client, appeal["id"], "s04c02.staff")[0] == 200
        assert get_case(app_client, appeal["id"], "s04c01.staff")[0] == 404
        assert get_case(app_client, appeal["id"], "s05.staff")[0] == 404

    def test_out_of_scope_action_is_404_not_403(self, app_client: TestClient) -> None:
        appeal = make_dispatched(app_client, lead="DEP15")
        assert act(app_client, appeal["id"], "sign_for", "dep16.handler").status_code == 404

    def test_list_only_returns_cases_in_scope(self, app_client: TestClient) -> None:
        mine = make_dispatched(app_client, lead="DEP17")
        other = make_dispatched(app_client, lead="DEP18")
        listed = app_client.get(
            "/api/v1/appeals", params={"page_size": 200}, headers=auth(app_client, "dep17.handler")
        ).json()
        ids = {c["id"] for c in listed["items"]}
        assert mine["id"] in ids and other["id"] not in ids


class TestMasking:
    def test_leader_sees_masked_phone_and_id(self, app_client: TestClient) -> None:
        appeal = make_dispatched(
            app_client, lead="DEP19", phone="13912345678", id_card="11010519491231002X"
        )
        _, leader_view = get_case(app_client, appeal["id"], "secretary")
        _, handler_view = get_case(app_client, appeal["id"], "dep19.handler")
        assert leader_view["phone"] == "139****5678"
        assert leader_view["id_card"] == "1101**********002X"
        assert handler_view["phone"] == "13912345678"
        assert handler_view["id_card"] == "11010519491231002X"

    def test_confidential_hides_the_name_from_those_who_do_not_handle(
        self, app_client: TestClient
    ) -> None:
        appeal = make_appeal(app_client, confidential=True, name="李女士", street="S06")
        _, area_view = get_case(app_client, appeal["id"], "s06.staff")
        _, clerk_view = get_case(app_client, appeal["id"], "clerk")
        assert area_view["citizen_name"] is None
        assert clerk_view["citizen_name"] == "李女士"
