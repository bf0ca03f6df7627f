"""The organisation and dictionary endpoints over HTTP, on both backends.

Read-only checks and refused writes use the shared demo app (`app_client`); writes that succeed
run against an app of their own on a fresh database (`own_client`), so the shared district is
never changed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from conftest import START, make_settings
from factories import auth
from minyi.app import create_app
from minyi.bootstrap import DEMO_PASSWORD
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.demo.district import build_district

FIVE_CLASSES = {"投诉建议", "纠纷调解", "法律服务", "心理服务", "帮扶救助"}
NEW_STREET_CSV = "code,name,kind,parent\nS98,新设街道,street,D\n"


def _sign_in(client: TestClient, username: str) -> dict[str, str]:
    # Not factories.auth: it caches tokens by id(client), and a later client of another database
    # may be given the same id.
    r = client.post("/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _upload(name: str, text: str) -> dict[str, tuple[str, bytes, str]]:
    return {
        "file": (
            name,
            text.encode("utf-8"),
            "text/csv" if name.endswith(".csv") else "application/yaml",
        )
    }


@pytest.fixture
def own_client(fresh_demo_db: Database, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(make_settings(fresh_demo_db.url, tmp_path), clock=ManualClock(START))
    with TestClient(app) as client:
        yield client


class TestUnitsEndpoint:
    def test_kind_street_returns_the_ten_streets(self, app_client: TestClient) -> None:
        r = app_client.get(
            "/api/v1/units", params={"kind": "street"}, headers=auth(app_client, "clerk")
        )
        assert r.status_code == 200, r.text
        assert len(r.json()) == 10
        assert {u["kind"] for u in r.json()} == {"street"}

    def test_parent_filter_returns_only_direct_children(self, app_client: TestClient) -> None:
        r = app_client.get(
            "/api/v1/units", params={"parent": "S01"}, headers=auth(app_client, "clerk")
        )
        assert r.status_code == 200, r.text
        children = r.json()
        expected = {u["code"] for u in build_district()["units"] if u["parent"] == "S01"}
        assert {u["code"] for u in children} == expected
        assert all(u["path"].startswith("D/S01/") and u["path"].count("/") == 3 for u in children)

    def test_unknown_parent_is_422_naming_the_parameter(self, app_client: TestClient) -> None:
        r = app_client.get(
            "/api/v1/units", params={"parent": "NOPE"}, headers=auth(app_client, "clerk")
        )
        assert r.status_code == 422
        assert r.json()["error"]["errors"][0]["field"] == "parent"

    def test_units_need_a_token(self, app_client: TestClient) -> None:
        assert app_client.get("/api/v1/units", params={"kind": "street"}).status_code == 401


class TestChannelsEndpoint:
    # Other modules add channels to the shared demo database (an Open311 client gets one of its
    # own), so these check the demo's channels are all listed, not that nothing else is.
    def test_channels_are_public(self, app_client: TestClient) -> None:
        r = app_client.get("/api/v1/channels")
        assert r.status_code == 200, r.text
        codes = {c["code"] for c in r.json()}
        assert {c["code"] for c in build_district()["channels"]} <= codes

    def test_channels_say_whether_they_allow_anonymous_appeals(
        self, app_client: TestClient
    ) -> None:
        by_code = {c["code"]: c for c in app_client.get("/api/v1/channels").json()}
        expected = {c["code"]: c["allows_anonymous"] for c in build_district()["channels"]}
        assert {code: by_code[code]["allows_anonymous"] for code in expected} == expected
        assert set(expected.values()) == {True, False}  # the demo has channels of both kinds


class TestOrgExportEndpoint:
    def test_admin_gets_yaml_that_parses_to_the_district(self, app_client: TestClient) -> None:
        r = app_client.get("/api/v1/org/export", headers=auth(app_client, "admin"))
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/yaml")
        bundle = yaml.safe_load(r.text)
        district = build_district()
        assert {u["code"] for u in bundle["units"]} == {u["code"] for u in district["units"]}
        assert {s["username"] for s in bundle["staff"]} == {
            s["username"] for s in district["staff"]
        }
        assert sum(1 for u in bundle["units"] if u["kind"] == "street") == 10

    def test_export_contains_no_password_hashes(self, app_client: TestClient) -> None:
        r = app_client.get("/api/v1/org/export", headers=auth(app_client, "admin"))
        assert "argon2" not in r.text
        assert all("password_hash" not in s for s in yaml.safe_load(r.text)["staff"])

    @pytest.mark.parametrize(
        ("fmt", "first_column"), [("units.csv", "code"), ("staff.csv", "username")]
    )
    def test_admin_gets_one_table_as_csv(
        self, app_client: TestClient, fmt: str, first_column: str
    ) -> None:
        r = app_client.get(
            "/api/v1/org/export", params={"format": fmt}, headers=auth(app_client, "admin")
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/csv")
        assert next(csv.reader(io.StringIO(r.text)))[0] == first_column

    def test_unknown_format_is_422(self, app_client: TestClient) -> None:
        r = app_client.get(
            "/api/v1/org/export", params={"format": "xml"}, headers=auth(app_client, "admin")
        )
        assert r.status_code == 422

    @pytest.mark.parametrize("username", ["clerk", "dispatcher", "secretary", "dep01.head"])
    def test_non_admin_is_403(self, app_client: TestClient, username: str) -> None:
        r = app_client.get("/api/v1/org/export", headers=auth(app_client, username))
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "admin_only"

    def test_without_token_is_401(self, app_client: TestClient) -> None:
        r = app_client.get("/api/v1/org/export")
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == "Bearer"

    def test_bad_token_is_401(self, app_client: TestClient) -> None:
        r = app_client.get("/api/v1/org/export", headers={"Authorization": "Bearer not-a-token"})
        assert r.status_code == 401


class TestOrgImportEndpoint:
    def test_non_admin_is_403_and_nothing_changes(self, app_client: TestClient) -> None:
        clerk = auth(app_client, "clerk")
        r = app_client.post(
            "/api/v1/org/import", files=_upload("units.csv", NEW_STREET_CSV), headers=clerk
        )
        assert r.status_code == 403
        streets = app_client.get("/api/v1/units", params={"kind": "street"}, headers=clerk).json()
        assert "S98" not in {u["code"] for u in streets}

    def test_without_token_is_401(self, app_client: TestClient) -> None:
        r = app_client.post("/api/v1/org/import", files=_upload("units.csv", NEW_STREET_CSV))
        assert r.status_code == 401

    def test_admin_import_of_units_csv_adds_the_unit(self, own_client: TestClient) -> None:
        admin = _sign_in(own_client, "admin")
        r = own_client.post(
            "/api/v1/org/import", files=_upload("units.csv", NEW_STREET_CSV), headers=admin
        )
        assert r.status_code == 200, r.text
        assert r.json()["units_created"] == 1
        streets = own_client.get("/api/v1/units", params={"kind": "street"}, headers=admin).json()
        assert len(streets) == 11
        assert {"code": "S98", "name": "新设街道", "kind": "street", "path": "D/S98/"} in streets

    def test_admin_reimport_of_the_yaml_export_creates_nothing(
        self, own_client: TestClient
    ) -> None:
        admin = _sign_in(own_client, "admin")
        exported = own_client.get("/api/v1/org/export", headers=admin).text
        r = own_client.post(
            "/api/v1/org/import", files=_upload("org.yaml", exported), headers=admin
        )
        assert r.status_code == 200, r.text
        assert (r.json()["units_created"], r.json()["staff_created"]) == (0, 0)
        assert own_client.get("/api/v1/org/export", headers=admin).text == exported

    def test_admin_import_of_a_bad_row_is_422_naming_it_and_changes_nothing(
        self, own_client: TestClient
    ) -> None:
        admin = _sign_in(own_client, "admin")
        before = own_client.get("/api/v1/org/export", headers=admin).text
        bad = NEW_STREET_CSV + "S01G99,错网格,grid,S01\n"
        r = own_client.post("/api/v1/org/import", files=_upload("units.csv", bad), headers=admin)
        assert r.status_code == 422
        assert r.json()["error"]["errors"][0]["field"] == "units[2].parent"
        assert own_client.get("/api/v1/org/export", headers=admin).text == before

    def test_yaml_that_is_not_a_mapping_is_422(self, own_client: TestClient) -> None:
        r = own_client.post(
            "/api/v1/org/import",
            files=_upload("org.yaml", "- a\n- b\n"),
            headers=_sign_in(own_client, "admin"),
        )
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "bad_file"

    def test_malformed_yaml_is_422(self, own_client: TestClient) -> None:
        r = own_client.post(
            "/api/v1/org/import",
            files=_upload("org.yaml", "units: [\n  - code: X\n"),
            headers=_sign_in(own_client, "admin"),
        )
        assert r.status_code == 422


class TestDictionaryEndpoint:
    def test_class_filter_returns_only_that_class(self, app_client: TestClient) -> None:
        r = app_client.get("/api/v1/dictionary", params={"class": "心理服务"})
        assert r.status_code == 200, r.text
        leaves = r.json()
        assert leaves
        assert {leaf["class"] for leaf in leaves} == {"心理服务"}

    def test_without_filter_returns_every_class(self, app_client: TestClient) -> None:
        leaves = app_client.get("/api/v1/dictionary").json()
        assert len(leaves) >= 300
        assert {leaf["class"] for leaf in leaves} == FIVE_CLASSES

    def test_filtered_leaves_are_exactly_that_class_of_the_whole(
        self, app_client: TestClient
    ) -> None:
        whole = app_client.get("/api/v1/dictionary").json()
        psych = app_client.get("/api/v1/dictionary", params={"class": "心理服务"}).json()
        assert psych == [leaf for leaf in whole if leaf["class"] == "心理服务"]

    def test_unknown_class_returns_no_leaves(self, app_client: TestClient) -> None:
        r = app_client.get("/api/v1/dictionary", params={"class": "外星事务"})
        assert r.status_code == 200
        assert r.json() == []


class TestDictionaryImportEndpoint:
    def test_non_admin_is_403(self, app_client: TestClient) -> None:
        files = {"file": ("d.csv", b"code,class\n", "text/csv")}
        r = app_client.post(
            "/api/v1/dictionary/import", files=files, headers=auth(app_client, "clerk")
        )
        assert r.status_code == 403

    def test_admin_import_of_the_export_is_version_2(self, own_client: TestClient) -> None:
        leaves = own_client.get("/api/v1/dictionary").json()
        out = io.StringIO()
        writer = csv.DictWriter(out, list(leaves[0]))
        writer.writeheader()
        writer.writerows(leaves)
        files = {"file": ("d.csv", out.getvalue().encode("utf-8"), "text/csv")}
        r = own_client.post(
            "/api/v1/dictionary/import", files=files, headers=_sign_in(own_client, "admin")
        )
        assert r.status_code == 200, r.text
        assert r.json() == {"version": 2, "leaves": len(leaves)}
        assert own_client.get("/api/v1/dictionary").json() == leaves

    def test_admin_import_of_a_bad_row_is_422_and_keeps_the_dictionary(
        self, own_client: TestClient
    ) -> None:
        before = own_client.get("/api/v1/dictionary").json()
        text = "code,class,level2,level3,level4,lead_unit_kind,lead_unit,policy\nA-1,外星事务,a,b,c,street,,1-2-3\n"
        files = {"file": ("d.csv", text.encode("utf-8"), "text/csv")}
        r = own_client.post(
            "/api/v1/dictionary/import", files=files, headers=_sign_in(own_client, "admin")
        )
        assert r.status_code == 422
        assert r.json()["error"]["errors"][0]["field"] == "row 2.class"
        assert own_client.get("/api/v1/dictionary").json() == before
