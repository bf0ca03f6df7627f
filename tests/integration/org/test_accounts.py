"""Accounts and token revocation across processes: two apps on one database stand for two API
processes; what one does to a token the other refuses at once. Both backends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from starlette.routing import Mount

from conftest import METRICS_AUTH, START, make_settings
from minyi.app import create_app
from minyi.bootstrap import DEMO_PASSWORD
from minyi.core.clock import ManualClock
from minyi.core.db import Database
from minyi.org.service import export_org
from webclient import post_form, signed_in


def _sign_in(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def two_apps(
    fresh_demo_db: Database, tmp_path: Path
) -> Iterator[tuple[TestClient, TestClient, Database]]:
    one = create_app(make_settings(fresh_demo_db.url, tmp_path / "one"), clock=ManualClock(START))
    two = create_app(make_settings(fresh_demo_db.url, tmp_path / "two"), clock=ManualClock(START))
    with TestClient(one) as a, TestClient(two) as b:
        yield a, b, fresh_demo_db


def _a_handler(db: Database) -> str:
    with db.reading() as session:
        bundle = export_org(session)
    return next(s["username"] for s in bundle["staff"] if s["role"] not in ("admin",))


class TestTokensEndEverywhereAtOnce:
    def test_logout_on_one_process_is_refused_on_the_other(
        self, two_apps: tuple[TestClient, TestClient, Database]
    ) -> None:
        a, b, db = two_apps
        headers = _sign_in(a, _a_handler(db))
        assert b.get("/api/v1/auth/me", headers=headers).status_code == 200
        assert a.post("/api/v1/auth/logout", headers=headers).status_code == 204
        assert b.get("/api/v1/auth/me", headers=headers).status_code == 401

    def test_intake_refuses_a_token_revoked_after_it_was_cached(
        self, two_apps: tuple[TestClient, TestClient, Database]
    ) -> None:
        # The hot path caches token -> actor; the group-commit writer must still refuse it.
        a, b, db = two_apps
        headers = _sign_in(a, "clerk")
        appeal = {
            "channel": "hotline_12345",
            "title": "路灯不亮",
            "body": "小区门口路灯坏了三天",
            "phone": "13800001111",
        }
        first = b.post(
            "/api/v1/appeals", headers=headers, json=appeal | {"external_id": "revoke-1"}
        )
        assert first.status_code == 201, first.text
        assert a.post("/api/v1/auth/logout", headers=headers).status_code == 204
        second = b.post(
            "/api/v1/appeals", headers=headers, json=appeal | {"external_id": "revoke-2"}
        )
        assert second.status_code == 401, second.text
        with db.reading() as session:
            from sqlalchemy import select

            from minyi.cases.models import Appeal

            assert session.scalars(
                select(Appeal.external_id).where(Appeal.external_id.like("revoke-%"))
            ).all() == ["revoke-1"]

    def test_password_change_ends_every_token(
        self, two_apps: tuple[TestClient, TestClient, Database]
    ) -> None:
        a, b, db = two_apps
        user = _a_handler(db)
        first, second = _sign_in(a, user), _sign_in(b, user)
        assert b.get("/api/v1/auth/me", headers=second).status_code == 200
        r = a.post(
            "/api/v1/accounts/me/password",
            headers=first,
            json={"old_password": DEMO_PASSWORD, "new_password": "NewPass2026x"},
        )
        assert r.status_code == 204, r.text
        assert b.get("/api/v1/auth/me", headers=second).status_code == 401
        assert a.get("/api/v1/auth/me", headers=first).status_code == 401
        assert (
            b.post(
                "/api/v1/auth/token", data={"username": user, "password": DEMO_PASSWORD}
            ).status_code
            == 401
        )
        _sign_in(b, user, "NewPass2026x")

    def test_deactivation_and_reactivation(
        self, two_apps: tuple[TestClient, TestClient, Database]
    ) -> None:
        a, b, db = two_apps
        user = _a_handler(db)
        headers = _sign_in(b, user)
        admin = _sign_in(a, "admin")
        assert b.get("/api/v1/auth/me", headers=headers).status_code == 200
        assert a.post(f"/api/v1/accounts/{user}/deactivate", headers=admin).status_code == 204
        assert b.get("/api/v1/auth/me", headers=headers).status_code == 401
        assert (
            b.post(
                "/api/v1/auth/token", data={"username": user, "password": DEMO_PASSWORD}
            ).status_code
            == 401
        )
        assert a.post(f"/api/v1/accounts/{user}/reactivate", headers=admin).status_code == 204
        _sign_in(b, user)

    def test_unit_move_shows_at_once_on_the_other_process(
        self, two_apps: tuple[TestClient, TestClient, Database]
    ) -> None:
        a, b, db = two_apps
        user = _a_handler(db)
        headers = _sign_in(b, user)
        before = b.get("/api/v1/auth/me", headers=headers).json()["unit"]
        with db.reading() as session:
            bundle = export_org(session)
        other_unit = next(
            u["code"] for u in bundle["units"] if u["code"] != before and u["kind"] == "department"
        )
        row = next(s for s in bundle["staff"] if s["username"] == user)
        row["unit"] = other_unit
        admin = _sign_in(a, "admin")
        r = a.post(
            "/api/v1/org/import",
            headers=admin,
            files={
                "file": (
                    "org.yaml",
                    yaml.safe_dump({"staff": [row]}, allow_unicode=True).encode(),
                    "application/yaml",
                )
            },
        )
        assert r.status_code == 200, r.text
        assert b.get("/api/v1/auth/me", headers=headers).json()["unit"] == other_unit

    def test_web_session_dies_with_a_deactivation_elsewhere(
        self, two_apps: tuple[TestClient, TestClient, Database]
    ) -> None:
        a, b, db = two_apps
        user = _a_handler(db)
        token = _sign_in(b, user)["Authorization"].split()[1]
        b.cookies.set("minyi_session", token)
        assert b.get("/console", follow_redirects=False).headers["location"] != "/console/sign-in"
        assert (
            a.post(f"/api/v1/accounts/{user}/deactivate", headers=_sign_in(a, "admin")).status_code
            == 204
        )
        assert b.get("/console", follow_redirects=False).headers["location"] == "/console/sign-in"


class TestAccountRules:
    def test_wrong_old_password_and_weak_passwords_are_4xx_and_change_nothing(
        self, two_apps: tuple[TestClient, TestClient, Database]
    ) -> None:
        a, _, db = two_apps
        user = _a_handler(db)
        headers = _sign_in(a, user)
        for body in (
            {"old_password": "wrong-one-1", "new_password": "NewPass2026x"},
            {"old_password": DEMO_PASSWORD, "new_password": "short1"},
            {"old_password": DEMO_PASSWORD, "new_password": "onlyletters"},
        ):
            r = a.post("/api/v1/accounts/me/password", headers=headers, json=body)
            assert r.status_code == 422, r.text
        assert a.get("/api/v1/auth/me", headers=headers).status_code == 200

    def test_reset_is_admin_only_and_gives_a_working_temporary_password(
        self, two_apps: tuple[TestClient, TestClient, Database]
    ) -> None:
        a, b, db = two_apps
        user = _a_handler(db)
        own = _sign_in(a, user)
        assert a.post(f"/api/v1/accounts/{user}/reset", headers=own).status_code == 403
        r = a.post(f"/api/v1/accounts/{user}/reset", headers=_sign_in(a, "admin"))
        assert r.status_code == 200, r.text
        assert a.get("/api/v1/auth/me", headers=own).status_code == 401
        _sign_in(b, user, r.json()["temporary_password"])
        assert (
            a.post("/api/v1/accounts/nobody-here/reset", headers=_sign_in(a, "admin")).status_code
            == 404
        )


class TestNoStoreAndMetrics:
    def test_personal_answers_are_no_store(self, app_client: TestClient) -> None:
        admin = _sign_in(app_client, "admin")
        for path, headers in (
            ("/api/v1/auth/me", admin),
            ("/api/v1/appeals", admin),
            ("/", {}),
            ("/console/sign-in", {}),
            ("/healthz", {}),
            ("/api/v1/appeals", {}),
        ):
            r = app_client.get(path, headers=headers)
            assert r.headers.get("cache-control") == "no-store", (path, r.status_code)

    def test_every_route_but_static_files_is_covered(self, app_client: TestClient) -> None:
        # The header is set by one middleware for every path outside /static/: no route can opt out
        # unless it sits under /static/, which holds only shipped files.
        paths = [getattr(r, "path", "") for r in app_client.app.routes]  # type: ignore[attr-defined]
        mounts = [r.path for r in app_client.app.routes if isinstance(r, Mount)]  # type: ignore[attr-defined]
        assert all(p.startswith("/static/") for p in mounts), mounts
        assert not [p for p in paths if p.startswith("/static/") and p not in mounts]

    def test_metrics_needs_its_token(self, app_client: TestClient) -> None:
        assert app_client.get("/metrics").status_code == 401
        assert (
            app_client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        )
        assert app_client.get("/metrics", headers=_sign_in(app_client, "admin")).status_code == 401
        r = app_client.get("/metrics", headers=METRICS_AUTH)
        assert r.status_code == 200
        assert "minyi_" in r.text

    def test_metrics_is_off_without_a_token_set(self, fresh_db: Database, tmp_path: Path) -> None:
        settings = make_settings(fresh_db.url, tmp_path).model_copy(update={"metrics_token": None})
        with TestClient(create_app(settings, clock=ManualClock(START))) as client:
            assert client.get("/metrics").status_code == 404


class TestOfflineDocs:
    def test_docs_pages_reference_no_external_host_and_their_assets_answer(
        self, app_client: TestClient
    ) -> None:
        for page in ("/docs", "/redoc"):
            r = app_client.get(page)
            assert r.status_code == 200
            assert "http://" not in r.text and "https://" not in r.text and "//cdn" not in r.text, (
                page
            )
            for asset in re.findall(r'(?:src|href)="(/static/docs/[^"]+)"', r.text):
                assert app_client.get(asset).status_code == 200, asset
        assert app_client.get("/static/docs/swagger-ui-bundle.js").status_code == 200
        assert app_client.get("/static/docs/redoc.standalone.js").status_code == 200


class TestWebPasswordPage:
    def test_change_own_password_on_the_console_ends_the_session(
        self, two_apps: tuple[TestClient, TestClient, Database]
    ) -> None:
        a, _, db = two_apps
        user = _a_handler(db)
        client = signed_in(a, user)
        assert "修改密码" in client.get("/console/password").text
        bad = post_form(
            client,
            "/console/password",
            {
                "old_password": "wrong-1x",
                "new_password": "Web2026pass",
                "new_password2": "Web2026pass",
            },
            page="/console/password",
        )
        assert bad.status_code == 422
        r = post_form(
            client,
            "/console/password",
            {
                "old_password": DEMO_PASSWORD,
                "new_password": "Web2026pass",
                "new_password2": "Web2026pass",
            },
            page="/console/password",
        )
        assert r.status_code == 303 and r.headers["location"] == "/console/sign-in"
        _sign_in(a, user, "Web2026pass")


class TestWebAdminAccounts:
    def test_admin_resets_and_deactivates_on_the_console(
        self, two_apps: tuple[TestClient, TestClient, Database]
    ) -> None:
        a, b, db = two_apps
        user = _a_handler(db)
        theirs = _sign_in(b, user)
        admin = signed_in(a, "admin")
        r = post_form(admin, f"/console/admin/staff/{user}/reset", {}, page="/console/admin")
        assert r.status_code == 200
        password = re.search(r"<code>([^<]+)</code>", r.text).group(1)  # type: ignore[union-attr]
        assert b.get("/api/v1/auth/me", headers=theirs).status_code == 401
        theirs = _sign_in(b, user, password)
        assert (
            post_form(
                admin, f"/console/admin/staff/{user}/deactivate", {}, page="/console/admin"
            ).status_code
            == 303
        )
        assert b.get("/api/v1/auth/me", headers=theirs).status_code == 401
        assert (
            post_form(
                admin, f"/console/admin/staff/{user}/reactivate", {}, page="/console/admin"
            ).status_code
            == 303
        )
        _sign_in(b, user, password)
        assert (
            post_form(
                signed_in(b, "supervisor"),
                f"/console/admin/staff/{user}/deactivate",
                {},
                page="/console/inbox",
            ).status_code
            == 403
        )


class TestForcedPasswordChangeAfterReset:
    """An administrator's reset gives a temporary password someone else has seen: the person must
    choose their own at the next sign-in. The API's token then serves only the change (403
    `password_change_required` elsewhere); the console shows only 修改密码."""

    def _reset(self, client: TestClient, user: str) -> str:
        r = client.post(f"/api/v1/accounts/{user}/reset", headers=_sign_in(client, "admin"))
        assert r.status_code == 200, r.text
        return str(r.json()["temporary_password"])

    def test_the_token_says_so_and_serves_nothing_but_the_change(
        self, two_apps: tuple[TestClient, TestClient, Database]
    ) -> None:
        a, b, db = two_apps
        user = _a_handler(db)
        temporary = self._reset(a, user)
        r = b.post("/api/v1/auth/token", data={"username": user, "password": temporary})
        assert r.status_code == 200, r.text
        assert r.json()["password_change_required"] is True
        assert "修改密码" in r.json()["message"]
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        for answer in (
            b.get("/api/v1/appeals", headers=headers),
            b.get("/api/v1/units", headers=headers),
            b.post(
                "/api/v1/appeals",
                headers=headers,
                json={"channel": "hotline_12345", "body": "路灯坏了", "phone": "13800002222"},
            ),
        ):
            assert answer.status_code == 403, answer.text
            assert answer.json()["error"]["code"] == "password_change_required"
            assert "修改密码" in answer.json()["error"]["message"]
        me = b.get("/api/v1/auth/me", headers=headers)
        assert me.status_code == 200 and me.json()["password_change_required"] is True

    def test_keeping_the_temporary_password_is_refused(
        self, two_apps: tuple[TestClient, TestClient, Database]
    ) -> None:
        a, _, db = two_apps
        user = _a_handler(db)
        temporary = self._reset(a, user)
        headers = _sign_in(a, user, temporary)
        r = a.post(
            "/api/v1/accounts/me/password",
            headers=headers,
            json={"old_password": temporary, "new_password": temporary},
        )
        assert r.status_code == 422, r.text
        assert a.get("/api/v1/appeals", headers=headers).status_code == 403

    def test_after_the_change_the_new_password_works_everywhere(
        self, two_apps: tuple[TestClient, TestClient, Database]
    ) -> None:
        a, b, db = two_apps
        user = _a_handler(db)
        temporary = self._reset(a, user)
        headers = _sign_in(a, user, temporary)
        r = a.post(
            "/api/v1/accounts/me/password",
            headers=headers,
            json={"old_password": temporary, "new_password": "Mine2026pass"},
        )
        assert r.status_code == 204, r.text
        assert (
            a.get("/api/v1/auth/me", headers=headers).status_code == 401
        )  # the change ends that token too
        fresh = b.post("/api/v1/auth/token", data={"username": user, "password": "Mine2026pass"})
        assert fresh.json()["password_change_required"] is False
        assert (
            b.get(
                "/api/v1/appeals",
                headers={"Authorization": f"Bearer {fresh.json()['access_token']}"},
            ).status_code
            == 200
        )

    def test_the_console_sends_them_to_the_password_page_until_they_change_it(
        self,
        two_apps: tuple[TestClient, TestClient, Database],
    ) -> None:
        a, b, db = two_apps
        user = _a_handler(db)
        admin = signed_in(a, "admin")
        page = post_form(admin, f"/console/admin/staff/{user}/reset", {}, page="/console/admin")
        assert "须先设置新密码" in page.text
        temporary = re.search(r"<code>([^<]+)</code>", page.text).group(1)  # type: ignore[union-attr]
        assert "待本人改密码" in admin.get(f"/console/admin/people?q={user}").text

        person = TestClient(b.app)
        r = post_form(
            person,
            "/console/sign-in",
            {"username": user, "password": temporary},
            page="/console/sign-in",
        )
        assert r.status_code == 303
        for path in ("/console", "/console/inbox", "/console/tasks", "/leader"):
            r = person.get(path, follow_redirects=True)
            assert r.url.path == "/console/password", path
            assert "管理员已重置您的密码" in r.text
        # A form elsewhere is refused the same way and changes nothing.
        r = post_form(
            person,
            "/console/whistles",
            {"description": "x", "units": "DEP01"},
            page="/console/password",
        )
        assert r.status_code == 303 and r.headers["location"].startswith("/console/password")

        r = post_form(
            person,
            "/console/password",
            {
                "old_password": temporary,
                "new_password": "Mine2026web",
                "new_password2": "Mine2026web",
            },
            page="/console/password",
        )
        assert r.status_code == 303 and r.headers["location"] == "/console/sign-in"
        r = post_form(
            person,
            "/console/sign-in",
            {"username": user, "password": "Mine2026web"},
            page="/console/sign-in",
        )
        assert r.status_code == 303
        inbox = person.get("/console/inbox")
        assert inbox.status_code == 200 and inbox.url.path == "/console/inbox"
        assert "管理员已重置您的密码" not in person.get("/console/password").text
        assert "待本人改密码" not in admin.get(f"/console/admin/people?q={user}").text
