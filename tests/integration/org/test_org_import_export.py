"""Organisation import/export (YAML and CSV), row checks, and sign-in tokens, on both backends.

Every test gets its own empty migrated database (`fresh_db`), so imports never touch the shared
demo district.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from conftest import START, drop_database, migrated_database_url
from minyi.core.db import Database
from minyi.core.errors import Invalid, Unauthorized
from minyi.core.settings import Settings
from minyi.demo.district import build_district
from minyi.org.models import ApiToken, LeaderArea, Staff, Unit
from minyi.org.rules import Role
from minyi.org.service import (
    actor_for_token,
    export_org,
    hash_password,
    import_org,
    org_from_csv,
    org_to_csv,
    password_matches,
    revoke_token,
)
from minyi.org.signin import sign_in
from minyi.wiring import build_registry

PASSWORD = "correct-horse-9"
TTL = timedelta(hours=12)
SETTINGS = Settings(environment="test", token_ttl_hours=12)

# A small organisation for the row-check tests: one branch of the area tree and one department.
SMALL_ORG: dict[str, list[dict[str, Any]]] = {
    "units": [
        {"code": "D", "name": "汀澜区", "kind": "district", "parent": None},
        {"code": "S01", "name": "青松街道", "kind": "street", "parent": "D"},
        {"code": "S02", "name": "翠湖街道", "kind": "street", "parent": "D"},
        {"code": "S01C01", "name": "松涛社区", "kind": "community", "parent": "S01"},
        {"code": "S01C01G01", "name": "松涛社区第1网格", "kind": "grid", "parent": "S01C01"},
        {"code": "S01C01G02", "name": "松涛社区第2网格", "kind": "grid", "parent": "S01C01"},
        {"code": "DEP01", "name": "区住房和建设局", "kind": "department", "parent": "D"},
    ],
    "staff": [
        {
            "username": "admin",
            "name": "管理员",
            "role": "admin",
            "title": "系统管理员",
            "unit": "D",
            "phone": "13800000001",
            "areas": [],
        },
        {
            "username": "leader1",
            "name": "包联领导",
            "role": "leader",
            "title": "副区长",
            "unit": "D",
            "phone": "13800000002",
            "areas": ["S01", "S01C01"],
        },
    ],
}

NEW_STREET = {"code": "S98", "name": "新设街道", "kind": "street", "parent": "D"}
NEW_PERSON = {
    "username": "newbie",
    "name": "新同事",
    "role": "dispatcher",
    "unit": "DEP01",
    "areas": [],
}


def _counts(db: Database) -> tuple[int, int, int]:
    with db.reading() as session:
        return (
            session.scalar(select(func.count()).select_from(Unit)) or 0,
            session.scalar(select(func.count()).select_from(Staff)) or 0,
            session.scalar(select(func.count()).select_from(LeaderArea)) or 0,
        )


def _export(db: Database) -> dict[str, Any]:
    with db.reading() as session:
        return export_org(session)


def _units_key(units: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((u["code"], u["name"], u["kind"], u.get("parent") or None) for u in units)


def _staff_key(staff: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            s["username"],
            s["name"],
            s["role"],
            s.get("title") or None,
            s["unit"],
            s.get("phone") or None,
            tuple(sorted(s.get("areas") or [])),
        )
        for s in staff
    )


def _areas_key(staff: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(s["username"], code) for s in staff for code in s.get("areas") or []}


@pytest.fixture
def district() -> dict[str, Any]:
    return build_district()


@pytest.fixture
def small_db(fresh_db: Database) -> Iterator[Database]:
    password_hash = hash_password(PASSWORD)
    with fresh_db.unit_of_work() as session:
        import_org(session, SMALL_ORG, password_hash=password_hash)
    return fresh_db


@pytest.fixture(scope="class")
def imported(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """An empty migrated database into which the demo district was imported (`import_org`, no
    passwords): made once per backend for the round-trip tests, which only read it (an import of
    the district's ~1,150 rows is the slow part of each)."""
    url = migrated_database_url(backend, tmp_path_factory.mktemp("imported"))
    db = Database(url, registry=build_registry())
    with db.unit_of_work() as session:
        import_org(session, build_district(), password_hash=None)
    yield db
    db.dispose()
    drop_database(url)


class TestYamlRoundTrip:
    def test_export_after_import_equals_the_district_units(
        self, imported: Database, district: dict[str, Any]
    ) -> None:
        exported = yaml.safe_load(
            yaml.safe_dump(_export(imported), allow_unicode=True, sort_keys=False)
        )
        assert _units_key(exported["units"]) == _units_key(district["units"])

    def test_export_after_import_equals_the_district_staff(
        self, imported: Database, district: dict[str, Any]
    ) -> None:
        exported = yaml.safe_load(
            yaml.safe_dump(_export(imported), allow_unicode=True, sort_keys=False)
        )
        assert _staff_key(exported["staff"]) == _staff_key(district["staff"])

    def test_export_after_import_equals_the_district_leader_areas(
        self, imported: Database, district: dict[str, Any]
    ) -> None:
        exported = _export(imported)
        assert _areas_key(exported["staff"]) == _areas_key(district["staff"])
        assert len(_areas_key(district["staff"])) == _counts(imported)[2]

    def test_exported_paths_follow_the_parents(
        self, imported: Database, district: dict[str, Any]
    ) -> None:
        with imported.reading() as session:
            units = {u.id: u for u in session.scalars(select(Unit))}
        assert len(units) == len(district["units"])
        for unit in units.values():
            parent = units.get(unit.parent_id or 0)
            assert unit.path == (parent.path if parent else "") + unit.code + "/"

    def test_yaml_export_imported_into_another_database_gives_the_same_export(
        self, imported: Database, fresh_db: Database
    ) -> None:
        text = yaml.safe_dump(_export(imported), allow_unicode=True, sort_keys=False)
        with fresh_db.unit_of_work() as session:
            import_org(session, yaml.safe_load(text), password_hash=None)
        assert yaml.safe_dump(_export(fresh_db), allow_unicode=True, sort_keys=False) == text


class TestCsvRoundTrip:
    def test_units_csv_imports_and_exports_the_same_rows(
        self, fresh_db: Database, district: dict[str, Any]
    ) -> None:
        text = org_to_csv(district, "units")
        bundle = org_from_csv(text)
        with fresh_db.unit_of_work() as session:
            result = import_org(session, bundle, password_hash=None)
        assert result["units_created"] == len(district["units"])
        exported_text = org_to_csv(_export(fresh_db), "units")
        assert _units_key(org_from_csv(exported_text)["units"]) == _units_key(district["units"])

    def test_staff_csv_imports_and_exports_the_same_rows(
        self, fresh_db: Database, district: dict[str, Any]
    ) -> None:
        with fresh_db.unit_of_work() as session:
            import_org(session, org_from_csv(org_to_csv(district, "units")), password_hash=None)
            result = import_org(
                session, org_from_csv(org_to_csv(district, "staff")), password_hash=None
            )
        assert result["staff_created"] == len(district["staff"])
        exported_text = org_to_csv(_export(fresh_db), "staff")
        assert _staff_key(org_from_csv(exported_text)["staff"]) == _staff_key(district["staff"])

    def test_csv_header_that_is_neither_units_nor_staff_is_invalid(self) -> None:
        with pytest.raises(Invalid) as caught:
            org_from_csv("foo,bar\n1,2\n")
        assert caught.value.code == "bad_csv"


BAD_UNIT_ROWS = {
    "unknown_parent": (
        {"code": "S97", "name": "x街道", "kind": "street", "parent": "NOPE"},
        "units[2].parent",
    ),
    "unknown_kind": (
        {"code": "S97", "name": "x", "kind": "village", "parent": "D"},
        "units[2].kind",
    ),
    "grid_under_street": (
        {"code": "S01G99", "name": "x网格", "kind": "grid", "parent": "S01"},
        "units[2].parent",
    ),
    "street_without_parent": (
        {"code": "S97", "name": "x街道", "kind": "street", "parent": None},
        "units[2].parent",
    ),
    "duplicate_code": ({**NEW_STREET, "name": "重复"}, "units[2].code"),
    "missing_name": ({"code": "S97", "name": "", "kind": "street", "parent": "D"}, "units[2].name"),
}

BAD_STAFF_ROWS = {
    "unknown_role": (
        {"username": "x1", "name": "某", "role": "mayor", "unit": "D"},
        "staff[2].role",
    ),
    "unknown_unit": (
        {"username": "x1", "name": "某", "role": "dispatcher", "unit": "NOPE"},
        "staff[2].unit",
    ),
    "duplicate_username": ({**NEW_PERSON, "name": "又一个"}, "staff[2].username"),
    "missing_role": ({"username": "x1", "name": "某", "role": "", "unit": "D"}, "staff[2].role"),
}


class TestBadRows:
    @pytest.mark.parametrize(("row", "field"), BAD_UNIT_ROWS.values(), ids=BAD_UNIT_ROWS.keys())
    def test_bad_unit_row_is_invalid_naming_row_and_field(
        self, small_db: Database, row: dict[str, Any], field: str
    ) -> None:
        with pytest.raises(Invalid) as caught, small_db.unit_of_work() as session:
            import_org(session, {"units": [NEW_STREET, row]}, password_hash=None)
        assert caught.value.details["errors"][0]["field"] == field
        assert "row 2" in caught.value.message

    @pytest.mark.parametrize(("row", "field"), BAD_UNIT_ROWS.values(), ids=BAD_UNIT_ROWS.keys())
    def test_bad_unit_row_leaves_the_database_unchanged(
        self, small_db: Database, row: dict[str, Any], field: str
    ) -> None:
        before, exported = _counts(small_db), _export(small_db)
        with pytest.raises(Invalid), small_db.unit_of_work() as session:
            import_org(session, {"units": [NEW_STREET, row]}, password_hash=None)
        assert _counts(small_db) == before
        assert _export(small_db) == exported

    @pytest.mark.parametrize(("row", "field"), BAD_STAFF_ROWS.values(), ids=BAD_STAFF_ROWS.keys())
    def test_bad_staff_row_is_invalid_naming_row_and_field(
        self, small_db: Database, row: dict[str, Any], field: str
    ) -> None:
        with pytest.raises(Invalid) as caught, small_db.unit_of_work() as session:
            import_org(
                session, {"units": [NEW_STREET], "staff": [NEW_PERSON, row]}, password_hash=None
            )
        assert caught.value.details["errors"][0]["field"] == field
        assert "row 2" in caught.value.message

    @pytest.mark.parametrize(("row", "field"), BAD_STAFF_ROWS.values(), ids=BAD_STAFF_ROWS.keys())
    def test_bad_staff_row_rolls_back_the_units_of_the_same_bundle(
        self,
        small_db: Database,
        row: dict[str, Any],
        field: str,
    ) -> None:
        # Units are written before staff are checked: only the unit of work's rollback saves us.
        before, exported = _counts(small_db), _export(small_db)
        with pytest.raises(Invalid), small_db.unit_of_work() as session:
            import_org(
                session, {"units": [NEW_STREET], "staff": [NEW_PERSON, row]}, password_hash=None
            )
        assert _counts(small_db) == before
        assert _export(small_db) == exported

    def test_unknown_area_of_a_staff_member_is_invalid(self, small_db: Database) -> None:
        bad = {**NEW_PERSON, "areas": ["S01", "NOPE"]}
        with pytest.raises(Invalid) as caught, small_db.unit_of_work() as session:
            import_org(session, {"staff": [bad]}, password_hash=None)
        assert "NOPE" in caught.value.message
        assert caught.value.details["errors"][0]["field"].startswith("staff[1].")

    def test_weak_default_password_is_invalid_before_anything_is_written(
        self, small_db: Database
    ) -> None:
        before = _counts(small_db)
        with pytest.raises(Invalid) as caught:
            hash_password("short")  # the import's callers hash first, then open the transaction
        assert caught.value.details["errors"][0]["field"] == "password"
        assert _counts(small_db) == before

    def test_repeated_area_code_is_invalid(self, small_db: Database) -> None:
        with pytest.raises(Invalid), small_db.unit_of_work() as session:
            import_org(
                session, {"staff": [{**NEW_PERSON, "areas": ["S01", "S01"]}]}, password_hash=None
            )

    def test_over_long_unit_name_is_invalid(self, small_db: Database) -> None:
        with pytest.raises(Invalid) as caught, small_db.unit_of_work() as session:
            import_org(session, {"units": [{**NEW_STREET, "name": "长" * 150}]}, password_hash=None)
        assert caught.value.details["errors"][0]["field"] == "units[1].name"


class TestTreeChanges:
    def test_parent_listed_after_its_child_is_accepted(self, small_db: Database) -> None:
        community = {"code": "S98C01", "name": "新社区", "kind": "community", "parent": "S98"}
        with small_db.unit_of_work() as session:
            import_org(session, {"units": [community, NEW_STREET]}, password_hash=None)
        with small_db.reading() as session:
            assert session.scalar(select(Unit.path).where(Unit.code == "S98C01")) == "D/S98/S98C01/"

    def test_moving_a_community_moves_its_grids_paths(self, small_db: Database) -> None:
        moved = {"code": "S01C01", "name": "松涛社区", "kind": "community", "parent": "S02"}
        with small_db.unit_of_work() as session:
            import_org(session, {"units": [moved]}, password_hash=None)
        with small_db.reading() as session:
            paths = dict(
                session.execute(select(Unit.code, Unit.path).where(Unit.code.like("S01C01%"))).all()
            )
        assert paths == {
            "S01C01": "D/S02/S01C01/",
            "S01C01G01": "D/S02/S01C01/S01C01G01/",
            "S01C01G02": "D/S02/S01C01/S01C01G02/",
        }

    def test_changing_a_kind_that_strands_existing_children_is_invalid(
        self, small_db: Database
    ) -> None:
        # S01 has the community S01C01 under it; a community cannot sit under a community.
        demoted = {"code": "S01", "name": "青松社区", "kind": "community", "parent": "S02"}
        before = _export(small_db)
        with pytest.raises(Invalid), small_db.unit_of_work() as session:
            import_org(session, {"units": [demoted]}, password_hash=None)
        assert _export(small_db) == before


class TestReimport:
    def test_reimporting_the_district_creates_nothing(
        self, fresh_db: Database, district: dict[str, Any]
    ) -> None:
        with fresh_db.unit_of_work() as session:
            import_org(session, district, password_hash=None)
        with fresh_db.unit_of_work() as session:
            result = import_org(session, district, password_hash=None)
        assert result["units_created"] == 0
        assert result["staff_created"] == 0

    def test_reimporting_the_district_keeps_the_counts(
        self, fresh_db: Database, district: dict[str, Any]
    ) -> None:
        with fresh_db.unit_of_work() as session:
            import_org(session, district, password_hash=None)
        first = _counts(fresh_db)
        with fresh_db.unit_of_work() as session:
            import_org(session, district, password_hash=None)
        assert _counts(fresh_db) == first
        assert first == (
            len(district["units"]),
            len(district["staff"]),
            len(_areas_key(district["staff"])),
        )

    def test_reimporting_the_export_leaves_the_export_unchanged(self, small_db: Database) -> None:
        exported = _export(small_db)
        with small_db.unit_of_work() as session:
            import_org(session, exported, password_hash=None)
        assert _export(small_db) == exported

    def test_reimport_updates_changed_fields_in_place(self, small_db: Database) -> None:
        renamed = {**SMALL_ORG["units"][1], "name": "青松新街道"}
        moved_leader = {**SMALL_ORG["staff"][1], "areas": ["S02"]}
        before = _counts(small_db)
        with small_db.unit_of_work() as session:
            import_org(session, {"units": [renamed], "staff": [moved_leader]}, password_hash=None)
        exported = _export(small_db)
        assert next(u for u in exported["units"] if u["code"] == "S01")["name"] == "青松新街道"
        assert next(s for s in exported["staff"] if s["username"] == "leader1")["areas"] == ["S02"]
        assert _counts(small_db) == (before[0], before[1], 1)

    def test_reimport_with_a_password_does_not_reset_existing_passwords(
        self, small_db: Database
    ) -> None:
        password_hash = hash_password("another-password")
        with small_db.unit_of_work() as session:
            import_org(session, SMALL_ORG, password_hash=password_hash)
        token, _ = sign_in(
            small_db, SETTINGS, username="admin", password=PASSWORD, client="10.0.0.1", now=START
        )
        assert token


class TestPasswordHashingOutsideWriteTransactions:
    """Argon2 takes tens of milliseconds on purpose; inside a write transaction it would hold
    SQLite's write lock (and every other writer) that long. It refuses to run there."""

    def test_hashing_inside_a_write_transaction_is_refused(self, small_db: Database) -> None:
        with pytest.raises(RuntimeError, match="write transaction"), small_db.unit_of_work():
            hash_password("a-long-password-1")

    def test_checking_a_password_inside_a_write_transaction_is_refused(
        self, small_db: Database
    ) -> None:
        stored = hash_password("a-long-password-1")
        with pytest.raises(RuntimeError, match="write transaction"), small_db.unit_of_work():
            password_matches(stored, "a-long-password-1")

    def test_hashing_while_reading_and_after_the_transaction_is_allowed(
        self, small_db: Database
    ) -> None:
        with small_db.unit_of_work():
            pass
        with small_db.reading():
            stored = hash_password("a-long-password-1")
        assert password_matches(stored, "a-long-password-1")

    def test_import_gives_new_staff_the_hash_made_before_its_transaction(
        self, small_db: Database
    ) -> None:
        password_hash = hash_password("new-person-pw-1")
        with small_db.unit_of_work() as session:
            import_org(
                session, {"units": [NEW_STREET], "staff": [NEW_PERSON]}, password_hash=password_hash
            )
        token, _ = sign_in(
            small_db,
            SETTINGS,
            username=NEW_PERSON["username"],
            password="new-person-pw-1",
            client="10.0.0.9",
            now=START,
        )
        assert token


class TestSignIn:
    def test_right_password_gives_a_token_for_that_staff_member(self, small_db: Database) -> None:
        token, expires_at = sign_in(
            small_db, SETTINGS, username="admin", password=PASSWORD, client="10.0.0.1", now=START
        )
        assert expires_at == START + TTL
        with small_db.reading() as session:
            actor = actor_for_token(session, token=token, now=START + timedelta(minutes=1))
        assert (actor.username, actor.role, actor.unit_code) == ("admin", Role.ADMIN, "D")

    def test_only_the_hash_of_the_token_is_stored(self, small_db: Database) -> None:
        token, _ = sign_in(
            small_db, SETTINGS, username="admin", password=PASSWORD, client="10.0.0.1", now=START
        )
        with small_db.reading() as session:
            hashes = list(session.scalars(select(ApiToken.token_hash)))
        assert hashes
        assert token not in hashes

    def test_wrong_password_is_unauthorized_and_issues_no_token(self, small_db: Database) -> None:
        with pytest.raises(Unauthorized):
            sign_in(
                small_db,
                SETTINGS,
                username="admin",
                password="wrong-password",
                client="10.0.0.1",
                now=START,
            )
        with small_db.reading() as session:
            assert session.scalar(select(func.count()).select_from(ApiToken)) == 0

    def test_unknown_username_is_unauthorized_like_a_wrong_password(
        self, small_db: Database
    ) -> None:
        with pytest.raises(Unauthorized) as unknown:
            sign_in(
                small_db,
                SETTINGS,
                username="nobody",
                password=PASSWORD,
                client="10.0.0.1",
                now=START,
            )
        with pytest.raises(Unauthorized) as wrong:
            sign_in(
                small_db,
                SETTINGS,
                username="admin",
                password="wrong-password",
                client="10.0.0.1",
                now=START,
            )
        assert (unknown.value.code, unknown.value.message) == (
            wrong.value.code,
            wrong.value.message,
        )

    def test_staff_imported_without_a_password_cannot_sign_in(self, small_db: Database) -> None:
        with small_db.unit_of_work() as session:
            import_org(session, {"staff": [NEW_PERSON]}, password_hash=None)
        with pytest.raises(Unauthorized):
            sign_in(
                small_db,
                SETTINGS,
                username="newbie",
                password=PASSWORD,
                client="10.0.0.1",
                now=START,
            )


class TestTokens:
    @pytest.fixture
    def token(self, small_db: Database) -> str:
        value, _ = sign_in(
            small_db, SETTINGS, username="leader1", password=PASSWORD, client="10.0.0.1", now=START
        )
        return value

    def test_token_is_valid_just_before_it_expires(self, small_db: Database, token: str) -> None:
        with small_db.reading() as session:
            actor = actor_for_token(session, token=token, now=START + TTL - timedelta(seconds=1))
        assert actor.username == "leader1"

    def test_token_is_refused_at_its_expiry(self, small_db: Database, token: str) -> None:
        with pytest.raises(Unauthorized), small_db.reading() as session:
            actor_for_token(session, token=token, now=START + TTL)

    def test_token_is_refused_after_its_expiry(self, small_db: Database, token: str) -> None:
        with pytest.raises(Unauthorized), small_db.reading() as session:
            actor_for_token(session, token=token, now=START + TTL + timedelta(days=1))

    def test_revoked_token_is_refused(self, small_db: Database, token: str) -> None:
        with small_db.unit_of_work() as session:
            revoke_token(session, token=token, now=START + timedelta(minutes=5))
        with pytest.raises(Unauthorized), small_db.reading() as session:
            actor_for_token(session, token=token, now=START + timedelta(minutes=6))

    def test_unknown_token_is_refused(self, small_db: Database, token: str) -> None:
        with pytest.raises(Unauthorized), small_db.reading() as session:
            actor_for_token(session, token=token + "x", now=START)
