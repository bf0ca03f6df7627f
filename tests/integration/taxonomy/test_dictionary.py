"""The event dictionary: versioned imports from CSV/Excel, exports, row checks and the plain
three-level mapping, on both backends. Each test works on its own database (`fresh_db`)."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from conftest import START
from minyi.cases.models import Case
from minyi.core.db import Database
from minyi.core.errors import Invalid, NotFound
from minyi.core.ids import IdAllocator
from minyi.demo.dictionary import build_dictionary
from minyi.demo.district import build_district
from minyi.intake.refs import RefCache
from minyi.intake.schemas import AppealIn
from minyi.intake.service import import_channels, register_appeals
from minyi.org.service import actor_for_username, import_org
from minyi.taxonomy.models import DictionaryEntry, DictionaryVersion
from minyi.taxonomy.rules import COLUMNS
from minyi.taxonomy.service import (
    current_version,
    export_rows,
    import_dictionary,
    leaf_by_code,
    read_table,
    write_table,
)
from shared_data import TAXONOMY_CSV

FIVE_CLASSES = {"投诉建议", "纠纷调解", "法律服务", "心理服务", "帮扶救助"}
TAXONOMY_LEAVES = 517


def _counts(db: Database) -> tuple[int, int]:
    with db.reading() as session:
        return (
            session.scalar(select(func.count()).select_from(DictionaryVersion)) or 0,
            session.scalar(select(func.count()).select_from(DictionaryEntry)) or 0,
        )


def _import(db: Database, rows: list[dict[str, Any]], source: str = "test") -> int:
    with db.unit_of_work() as session:
        return import_dictionary(session, rows, source=source, now=START).number


def _rows(db: Database, version: int | None = None) -> list[dict[str, Any]]:
    with db.reading() as session:
        return export_rows(session, version)


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        writer.writerows({c: r.get(c) or "" for c in columns} for r in rows)
    return path


def _district_top() -> dict[str, Any]:
    """The demo district without communities and grids: enough for the dictionary (departments)
    and for filing an appeal (a street, the clerk), and quick to import per test."""
    district = build_district()
    units = [u for u in district["units"] if u["kind"] in ("district", "street", "department")]
    codes = {u["code"] for u in units}
    staff = [
        {**s, "areas": [a for a in s["areas"] if a in codes]}
        for s in district["staff"]
        if s["unit"] in codes
    ]
    return {"units": units, "staff": staff, "channels": district["channels"]}


@pytest.fixture
def org_db(fresh_db: Database) -> Iterator[Database]:
    """The top of the demo district, no dictionary."""
    with fresh_db.unit_of_work() as session:
        import_org(session, _district_top(), password_hash=None)
    return fresh_db


@pytest.fixture
def demo_db(org_db: Database) -> Iterator[Database]:
    _import(org_db, build_dictionary(), source="demo")
    return org_db


class TestDemoDictionaryImport:
    def test_first_import_is_version_1_and_current(self, org_db: Database) -> None:
        assert _import(org_db, build_dictionary(), source="demo") == 1
        with org_db.reading() as session:
            version = current_version(session)
            assert (version.number, version.source, version.is_current) == (1, "demo", True)

    def test_demo_dictionary_has_at_least_300_leaves(self, demo_db: Database) -> None:
        rows = _rows(demo_db)
        assert len(rows) >= 300
        assert len(rows) == len(build_dictionary())

    def test_demo_leaves_are_all_under_the_five_classes(self, demo_db: Database) -> None:
        assert {r["class"] for r in _rows(demo_db)} == FIVE_CLASSES

    def test_export_gives_back_the_imported_rows(self, demo_db: Database) -> None:
        def key(rows: list[dict[str, Any]]) -> list[tuple[str, ...]]:
            return sorted(tuple(str(r.get(c) or "") for c in COLUMNS) for r in rows)

        assert key(_rows(demo_db)) == key(build_dictionary())

    def test_department_leads_are_stored_as_unit_ids(self, demo_db: Database) -> None:
        with demo_db.reading() as session:
            entry = leaf_by_code(session, "TS-01-01-01")
        assert entry.lead_unit_kind == "department"
        assert entry.lead_unit_id is not None

    def test_no_dictionary_yet_is_not_found(self, org_db: Database) -> None:
        with pytest.raises(NotFound), org_db.reading() as session:
            export_rows(session)


class TestExportReimport:
    @pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
    def test_reimported_export_is_a_new_version_with_identical_rows(
        self,
        demo_db: Database,
        tmp_path: Path,
        suffix: str,
    ) -> None:
        path = tmp_path / f"dictionary{suffix}"
        write_table(_rows(demo_db), path)
        assert _import(demo_db, read_table(path), source=path.name) == 2
        assert _rows(demo_db, 2) == _rows(demo_db, 1)

    def test_csv_then_xlsx_reimports_are_versions_2_and_3_with_identical_rows(
        self, demo_db: Database, tmp_path: Path
    ) -> None:
        original = _rows(demo_db)
        write_table(original, tmp_path / "d.csv")
        assert _import(demo_db, read_table(tmp_path / "d.csv")) == 2
        write_table(_rows(demo_db), tmp_path / "d.xlsx")
        assert _import(demo_db, read_table(tmp_path / "d.xlsx")) == 3
        assert _rows(demo_db, 2) == original
        assert _rows(demo_db, 3) == original

    def test_only_the_newest_version_is_current(self, demo_db: Database, tmp_path: Path) -> None:
        write_table(_rows(demo_db), tmp_path / "d.csv")
        _import(demo_db, read_table(tmp_path / "d.csv"))
        with demo_db.reading() as session:
            current = list(
                session.scalars(
                    select(DictionaryVersion.number).where(DictionaryVersion.is_current.is_(True))
                )
            )
        assert current == [2]

    def test_csv_export_has_the_eight_columns_as_header(
        self, demo_db: Database, tmp_path: Path
    ) -> None:
        write_table(_rows(demo_db), tmp_path / "d.csv")
        with (tmp_path / "d.csv").open(encoding="utf-8-sig", newline="") as f:
            assert next(csv.reader(f)) == COLUMNS

    def test_unknown_version_is_not_found(self, demo_db: Database) -> None:
        with pytest.raises(NotFound), demo_db.reading() as session:
            export_rows(session, 99)

    def test_file_of_another_type_is_invalid(self, tmp_path: Path) -> None:
        path = tmp_path / "d.txt"
        path.write_text("code,class\n", encoding="utf-8")
        with pytest.raises(Invalid) as caught:
            read_table(path)
        assert caught.value.code == "bad_file_type"

    def test_missing_file_is_invalid(self, tmp_path: Path) -> None:
        with pytest.raises(Invalid) as caught:
            read_table(tmp_path / "absent.csv")
        assert caught.value.code == "file_not_found"


GOOD = [
    {
        "code": "T-1",
        "class": "投诉建议",
        "level2": "城市管理",
        "level3": "市容",
        "level4": "占道经营",
        "lead_unit_kind": "department",
        "lead_unit": "DEP02",
        "policy": "1-2-3",
    },
    {
        "code": "T-2",
        "class": "心理服务",
        "level2": "心理疏导",
        "level3": "情绪",
        "level4": "焦虑",
        "lead_unit_kind": "street",
        "lead_unit": "",
        "policy": "10-30-24",
    },
]
# The bad row is the third data row: row 4 of the file (row 1 is the header).
BAD_ROWS = {
    "unknown_class": ({"class": "外星事务"}, "row 4.class"),
    "unknown_policy": ({"policy": "9-9-9"}, "row 4.policy"),
    "unknown_department": ({"lead_unit": "DEP99"}, "row 4.lead_unit"),
    "street_as_department": ({"lead_unit": "S01"}, "row 4.lead_unit"),
    "unknown_lead_unit_kind": ({"lead_unit_kind": "village"}, "row 4.lead_unit_kind"),
    "duplicate_code": ({"code": "T-1"}, "row 4.code"),
    "empty_level3": ({"level3": ""}, "row 4.level3"),
    "empty_level4": ({"level4": "  "}, "row 4.level4"),
}


class TestBadRows:
    @pytest.mark.parametrize(("change", "field"), BAD_ROWS.values(), ids=BAD_ROWS.keys())
    def test_bad_row_is_invalid_naming_row_number_and_column(
        self,
        demo_db: Database,
        tmp_path: Path,
        change: dict[str, str],
        field: str,
    ) -> None:
        bad = {**GOOD[0], "code": "T-3", **change}
        rows = read_table(_write_csv(tmp_path / "bad.csv", [*GOOD, bad]))
        with pytest.raises(Invalid) as caught, demo_db.unit_of_work() as session:
            import_dictionary(session, rows, source="bad.csv", now=START)
        assert caught.value.details["errors"][0]["field"] == field
        assert caught.value.message.startswith("row 4:")

    @pytest.mark.parametrize(("change", "field"), BAD_ROWS.values(), ids=BAD_ROWS.keys())
    def test_bad_row_writes_nothing(
        self, demo_db: Database, tmp_path: Path, change: dict[str, str], field: str
    ) -> None:
        before = _counts(demo_db)
        bad = {**GOOD[0], "code": "T-3", **change}
        rows = read_table(_write_csv(tmp_path / "bad.csv", [*GOOD, bad]))
        with pytest.raises(Invalid), demo_db.unit_of_work() as session:
            import_dictionary(session, rows, source="bad.csv", now=START)
        assert _counts(demo_db) == before
        with demo_db.reading() as session:
            assert current_version(session).number == 1

    def test_bad_row_in_an_xlsx_file_is_invalid_with_its_row_number(
        self, demo_db: Database, tmp_path: Path
    ) -> None:
        path = tmp_path / "bad.xlsx"
        write_table([*GOOD, {**GOOD[0], "code": "T-3", "policy": "9-9-9"}], path)
        before = _counts(demo_db)
        with pytest.raises(Invalid) as caught, demo_db.unit_of_work() as session:
            import_dictionary(session, read_table(path), source=path.name, now=START)
        assert caught.value.details["errors"][0]["field"] == "row 4.policy"
        assert _counts(demo_db) == before

    def test_file_with_only_a_header_is_invalid(self, demo_db: Database, tmp_path: Path) -> None:
        before = _counts(demo_db)
        with pytest.raises(Invalid) as caught, demo_db.unit_of_work() as session:
            import_dictionary(
                session, read_table(_write_csv(tmp_path / "empty.csv", [])), source="e", now=START
            )
        assert caught.value.code == "empty_dictionary"
        assert _counts(demo_db) == before

    def test_over_long_level4_is_invalid_with_its_row_number(
        self, demo_db: Database, tmp_path: Path
    ) -> None:
        rows = read_table(
            _write_csv(
                tmp_path / "long.csv", [*GOOD, {**GOOD[0], "code": "T-3", "level4": "长" * 150}]
            )
        )
        with pytest.raises(Invalid) as caught, demo_db.unit_of_work() as session:
            import_dictionary(session, rows, source="long.csv", now=START)
        assert caught.value.details["errors"][0]["field"] == "row 4.level4"


@pytest.fixture(scope="module")
def taxonomy_rows() -> list[dict[str, Any]]:
    if not TAXONOMY_CSV.exists():
        pytest.skip(f"the real three-level taxonomy {TAXONOMY_CSV} is not on this machine")
    return read_table(TAXONOMY_CSV)


class TestThreeLevelImport:
    def test_real_taxonomy_gives_517_leaves(
        self, demo_db: Database, taxonomy_rows: list[dict[str, Any]]
    ) -> None:
        assert len(taxonomy_rows) == TAXONOMY_LEAVES
        assert _import(demo_db, taxonomy_rows, source=TAXONOMY_CSV.name) == 2
        assert len(_rows(demo_db)) == TAXONOMY_LEAVES

    def test_real_taxonomy_leaves_are_all_under_the_five_classes(
        self,
        demo_db: Database,
        taxonomy_rows: list[dict[str, Any]],
    ) -> None:
        _import(demo_db, taxonomy_rows)
        classes = Counter(r["class"] for r in _rows(demo_db))
        assert set(classes) == FIVE_CLASSES
        assert sum(classes.values()) == TAXONOMY_LEAVES

    def test_real_taxonomy_levels_shift_down_by_one(
        self, demo_db: Database, taxonomy_rows: list[dict[str, Any]]
    ) -> None:
        _import(demo_db, taxonomy_rows)
        stored = Counter((r["level2"], r["level3"], r["level4"]) for r in _rows(demo_db))
        source = Counter((r["level1"], r["level2"], r["level3"]) for r in taxonomy_rows)
        assert stored == source

    def test_real_taxonomy_leaves_are_led_by_the_street_on_the_ordinary_clock(
        self,
        demo_db: Database,
        taxonomy_rows: list[dict[str, Any]],
    ) -> None:
        _import(demo_db, taxonomy_rows)
        rows = _rows(demo_db)
        assert {(r["lead_unit_kind"], r["lead_unit"], r["policy"]) for r in rows} == {
            ("street", "", "1-2-3")
        }

    def test_real_taxonomy_codes_are_unique_and_carry_the_class_prefix(
        self,
        demo_db: Database,
        taxonomy_rows: list[dict[str, Any]],
    ) -> None:
        prefix = {
            "投诉建议": "TS-X",
            "纠纷调解": "JF-X",
            "法律服务": "FL-X",
            "心理服务": "XL-X",
            "帮扶救助": "BZ-X",
        }
        _import(demo_db, taxonomy_rows)
        rows = _rows(demo_db)
        assert len({r["code"] for r in rows}) == len(rows)
        assert all(r["code"].startswith(prefix[r["class"]]) for r in rows)

    def test_real_taxonomy_imports_into_a_database_without_departments(
        self,
        fresh_db: Database,
        taxonomy_rows: list[dict[str, Any]],
    ) -> None:
        assert _import(fresh_db, taxonomy_rows) == 1
        assert _counts(fresh_db) == (1, TAXONOMY_LEAVES)

    def test_previous_version_entries_remain(
        self, demo_db: Database, taxonomy_rows: list[dict[str, Any]]
    ) -> None:
        before = _rows(demo_db, 1)
        _import(demo_db, taxonomy_rows)
        assert _rows(demo_db, 1) == before
        assert _counts(demo_db) == (2, len(before) + TAXONOMY_LEAVES)

    def test_new_version_replaces_the_leaves_new_cases_are_filed_under(
        self,
        demo_db: Database,
        taxonomy_rows: list[dict[str, Any]],
    ) -> None:
        _import(demo_db, taxonomy_rows)
        with pytest.raises(Invalid), demo_db.reading() as session:
            leaf_by_code(session, "TS-01-01-01")
        with demo_db.reading() as session:
            assert leaf_by_code(session, "TS-X0001").level2 == taxonomy_rows[0]["level1"]


class TestCasesKeepTheirLeaf:
    def test_case_filed_under_version_1_still_points_at_its_leaf_after_a_new_version(
        self,
        demo_db: Database,
        tmp_path: Path,
    ) -> None:
        with demo_db.unit_of_work() as session:
            import_channels(session, _district_top()["channels"])
        item = AppealIn(
            channel="hotline_12345",
            body="小区门口占道经营，晚上很吵",
            phone="13900001234",
            street="S01",
            category="TS-01-01-01",
        )
        [case_id] = IdAllocator(demo_db, "appeals", block=1).take(1)
        with demo_db.unit_of_work() as session:
            [result] = register_appeals(
                session,
                [item],
                actors=[actor_for_username(session, "clerk")],
                ids=[case_id],
                refs=RefCache(),
                now=START,
                tz=ZoneInfo("Asia/Shanghai"),
            )
        assert not isinstance(result, Exception), result
        with demo_db.reading() as session:
            old_leaf_id = session.scalar(select(Case.category_id).where(Case.id == result.id))
        assert old_leaf_id is not None
        write_table(_rows(demo_db), tmp_path / "d.csv")
        _import(demo_db, read_table(tmp_path / "d.csv"))
        with demo_db.reading() as session:
            case = session.get(Case, result.id)
            assert case is not None
            entry = session.get(DictionaryEntry, case.category_id)
            assert entry is not None
            version = session.get(DictionaryVersion, entry.version_id)
            assert version is not None
            assert (case.category_id, entry.code, version.number) == (old_leaf_id, "TS-01-01-01", 1)
            assert leaf_by_code(session, "TS-01-01-01").id != old_leaf_id
