"""The `minyi` commands (in process, tests/cli_harness.py) against a database of its own per backend.

One database per backend and module is filled by `minyi demo load`; tests that write make their
own appeals, and tests of refused commands check that nothing changed.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from cli_harness import CliResult, minyi_env, run_cli
from conftest import drop_database, new_database_url
from factories import unique_phone
from minyi.cases.models import Case, CaseEvent
from minyi.cases.tracking import track_case
from minyi.core.db import Database
from minyi.demo.district import build_district
from minyi.org.models import Staff, Unit
from minyi.taxonomy.models import DictionaryEntry, DictionaryVersion
from minyi.wiring import build_registry

RECEIPT = re.compile(
    r"^(registered|already registered): (\d{8}-\d{6,}) \(case (\d+)\)(?:, tracking code (\S+))?$"
)


@dataclass(frozen=True)
class CliDatabase:
    url: str
    workdir: Path
    load: CliResult


def run(args: list[str], *, url: str | None, cwd: Path) -> CliResult:
    return run_cli(args, env=minyi_env(url, cwd, COLUMNS="120"), cwd=cwd)


def one_error_line(result: CliResult) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def cli_db(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliDatabase]:
    workdir = tmp_path_factory.mktemp(f"cli-{backend}")
    url = new_database_url(backend, workdir)
    load = run(["demo", "load"], url=url, cwd=workdir)
    yield CliDatabase(url, workdir, load)
    drop_database(url)


@pytest.fixture
def database(cli_db: CliDatabase) -> Iterator[Database]:
    opened = Database(cli_db.url, registry=build_registry())
    yield opened
    opened.dispose()


def _count(db: Database, model: Any, *where: Any) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _appeal_file(path: Path, **overrides: Any) -> Path:
    payload = {
        "channel": "hotline_12345",
        "external_id": uuid.uuid4().hex,
        "title": "楼道堆放杂物",
        "body": "楼道里长期堆放杂物，存在消防隐患，希望物业清理。",
        "phone": unique_phone(),
        "name": "程先生",
        "street": "S01",
        **overrides,
    }
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return path


def _submit(cli_db: CliDatabase, tmp_path: Path) -> int:
    result = run(
        ["appeal", "submit", str(_appeal_file(tmp_path / "a.json")), "--as", "clerk"],
        url=cli_db.url,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    match = RECEIPT.match(result.stdout.strip())
    assert match, result.stdout
    return int(match.group(3))


class TestHelp:
    def test_help_exits_0_without_a_database(self, tmp_path: Path) -> None:
        # An unreachable server: --help must not try to connect, nor create a SQLite file.
        result = run(["--help"], url="postgresql+psycopg://nobody@127.0.0.1:1/none", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        for group in ("demo", "org", "dictionary", "appeal", "db"):
            assert group in result.stdout
        assert list(tmp_path.iterdir()) == []

    def test_help_exits_0_with_no_database_configured(self, tmp_path: Path) -> None:
        result = run(["--help"], url=None, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert list(tmp_path.iterdir()) == []

    def test_no_arguments_shows_help(self, tmp_path: Path) -> None:
        result = run([], url=None, cwd=tmp_path)
        assert "Usage" in result.stdout + result.stderr
        assert list(tmp_path.iterdir()) == []


class TestDemoLoad:
    def test_demo_load_exits_0_and_reports_the_counts(self, cli_db: CliDatabase) -> None:
        assert cli_db.load.returncode == 0, cli_db.load.stderr
        district = build_district()
        assert f"'units_created': {len(district['units'])}" in cli_db.load.stdout
        assert f"'staff_created': {len(district['staff'])}" in cli_db.load.stdout
        assert "'dictionary_version': 1" in cli_db.load.stdout

    def test_demo_load_fills_the_database(self, cli_db: CliDatabase, database: Database) -> None:
        district = build_district()
        assert _count(database, Unit) == len(district["units"])
        assert _count(database, Staff) == len(district["staff"])
        assert _count(database, DictionaryVersion, DictionaryVersion.is_current.is_(True)) == 1

    def test_second_demo_load_is_refused_with_one_line_and_changes_nothing(
        self,
        cli_db: CliDatabase,
        database: Database,
        tmp_path: Path,
    ) -> None:
        before = (
            _count(database, Unit),
            _count(database, Staff),
            _count(database, DictionaryVersion),
        )
        result = run(["demo", "load"], url=cli_db.url, cwd=tmp_path)
        assert result.returncode == 2
        assert "--force" in one_error_line(result)
        assert (
            _count(database, Unit),
            _count(database, Staff),
            _count(database, DictionaryVersion),
        ) == before

    def test_db_upgrade_of_a_current_database_exits_0(
        self, cli_db: CliDatabase, tmp_path: Path
    ) -> None:
        result = run(["db", "upgrade"], url=cli_db.url, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "database at head" in result.stdout


class TestAppealSubmit:
    def test_submit_prints_a_tracking_number(self, cli_db: CliDatabase, tmp_path: Path) -> None:
        result = run(
            ["appeal", "submit", str(_appeal_file(tmp_path / "a.json")), "--as", "clerk"],
            url=cli_db.url,
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
        match = RECEIPT.match(result.stdout.strip())
        assert match, result.stdout
        assert match.group(1) == "registered"

    def test_submitted_case_is_registered_under_that_tracking_number(
        self,
        cli_db: CliDatabase,
        database: Database,
        tmp_path: Path,
    ) -> None:
        result = run(
            ["appeal", "submit", str(_appeal_file(tmp_path / "a.json")), "--as", "clerk"],
            url=cli_db.url,
            cwd=tmp_path,
        )
        match = RECEIPT.match(result.stdout.strip())
        assert match, result.stdout + result.stderr
        with database.reading() as session:
            case = session.get(Case, int(match.group(3)))
            assert case is not None
            assert (case.tracking_no, case.status) == (match.group(2), "registered")
            # The printed code opens the case's tracking, as the receipt's code does.
            assert track_case(session, match.group(2), match.group(4))[
                "tracking_no"
            ] == match.group(2)

    def test_resubmitting_the_same_external_id_gives_the_same_tracking_number(
        self,
        cli_db: CliDatabase,
        database: Database,
        tmp_path: Path,
    ) -> None:
        path = _appeal_file(tmp_path / "a.json")
        first = run(["appeal", "submit", str(path), "--as", "clerk"], url=cli_db.url, cwd=tmp_path)
        cases = _count(database, Case)
        second = run(["appeal", "submit", str(path), "--as", "clerk"], url=cli_db.url, cwd=tmp_path)
        first_match, second_match = (
            RECEIPT.match(first.stdout.strip()),
            RECEIPT.match(second.stdout.strip()),
        )
        assert first_match and second_match, (
            first.stdout + first.stderr + second.stdout + second.stderr
        )
        assert second_match.group(1) == "already registered"
        assert first_match.group(4) and second_match.group(4) is None  # the code is shown once
        assert second_match.group(2, 3) == first_match.group(2, 3)
        assert _count(database, Case) == cases

    def test_bad_phone_exits_2_with_one_line_naming_the_phone_field(
        self,
        cli_db: CliDatabase,
        database: Database,
        tmp_path: Path,
    ) -> None:
        cases = _count(database, Case)
        path = _appeal_file(tmp_path / "a.json", phone="12345")
        result = run(["appeal", "submit", str(path), "--as", "clerk"], url=cli_db.url, cwd=tmp_path)
        assert result.returncode == 2
        assert one_error_line(result).startswith("error: phone:")
        assert result.stdout == ""
        assert _count(database, Case) == cases

    def test_missing_file_exits_2_with_one_line(self, cli_db: CliDatabase, tmp_path: Path) -> None:
        result = run(
            ["appeal", "submit", str(tmp_path / "absent.json"), "--as", "clerk"],
            url=cli_db.url,
            cwd=tmp_path,
        )
        assert result.returncode == 2
        assert "absent.json" in one_error_line(result)

    def test_file_that_is_not_json_exits_2_with_one_line(
        self, cli_db: CliDatabase, tmp_path: Path
    ) -> None:
        path = tmp_path / "a.json"
        path.write_text("{not json", encoding="utf-8")
        result = run(["appeal", "submit", str(path), "--as", "clerk"], url=cli_db.url, cwd=tmp_path)
        assert result.returncode == 2
        one_error_line(result)

    def test_unknown_staff_member_exits_2_and_registers_nothing(
        self,
        cli_db: CliDatabase,
        database: Database,
        tmp_path: Path,
    ) -> None:
        cases = _count(database, Case)
        result = run(
            ["appeal", "submit", str(_appeal_file(tmp_path / "a.json")), "--as", "nobody"],
            url=cli_db.url,
            cwd=tmp_path,
        )
        assert result.returncode == 2
        assert "nobody" in one_error_line(result)
        assert _count(database, Case) == cases

    def test_unreachable_database_exits_2_with_one_line(self, tmp_path: Path) -> None:
        result = run(
            ["appeal", "submit", str(_appeal_file(tmp_path / "a.json")), "--as", "clerk"],
            url="postgresql+psycopg://nobody@127.0.0.1:1/none",
            cwd=tmp_path,
        )
        assert result.returncode == 2
        assert "database unavailable" in one_error_line(result)


class TestAppealAct:
    def test_dispatch_in_state_registered_exits_2_with_one_line(
        self, cli_db: CliDatabase, tmp_path: Path
    ) -> None:
        case_id = _submit(cli_db, tmp_path)
        result = run(
            ["appeal", "act", str(case_id), "dispatch", "--as", "clerk", "--lead-unit", "DEP01"],
            url=cli_db.url,
            cwd=tmp_path,
        )
        assert result.returncode == 2
        assert "registered" in one_error_line(result)
        assert result.stdout == ""

    def test_refused_dispatch_leaves_the_case_unchanged(
        self, cli_db: CliDatabase, database: Database, tmp_path: Path
    ) -> None:
        case_id = _submit(cli_db, tmp_path)
        with database.reading() as session:
            case = session.get(Case, case_id)
            assert case is not None
            before = (case.status, case.version, case.lead_unit_id, case.updated_at)
        events = _count(database, CaseEvent, CaseEvent.case_id == case_id)
        run(
            ["appeal", "act", str(case_id), "dispatch", "--as", "clerk", "--lead-unit", "DEP01"],
            url=cli_db.url,
            cwd=tmp_path,
        )
        with database.reading() as session:
            case = session.get(Case, case_id)
            assert case is not None
            assert (case.status, case.version, case.lead_unit_id, case.updated_at) == before
        assert _count(database, CaseEvent, CaseEvent.case_id == case_id) == events

    def test_accept_then_dispatch_moves_the_case(
        self, cli_db: CliDatabase, database: Database, tmp_path: Path
    ) -> None:
        case_id = _submit(cli_db, tmp_path)
        accepted = run(
            ["appeal", "act", str(case_id), "accept", "--as", "clerk"], url=cli_db.url, cwd=tmp_path
        )
        assert accepted.returncode == 0, accepted.stderr
        dispatched = run(
            [
                "appeal",
                "act",
                str(case_id),
                "dispatch",
                "--as",
                "dispatcher",
                "--lead-unit",
                "DEP01",
            ],
            url=cli_db.url,
            cwd=tmp_path,
        )
        assert dispatched.returncode == 0, dispatched.stderr
        with database.reading() as session:
            case = session.get(Case, case_id)
            assert case is not None
            assert case.status not in ("registered", "accepted")
            assert case.lead_unit_id == session.scalar(select(Unit.id).where(Unit.code == "DEP01"))

    def test_timeline_prints_the_events_as_json(self, cli_db: CliDatabase, tmp_path: Path) -> None:
        case_id = _submit(cli_db, tmp_path)
        result = run(
            ["appeal", "timeline", str(case_id), "--as", "clerk"], url=cli_db.url, cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
        assert isinstance(json.loads(result.stdout), list)


def _dictionary_counts(db: Database) -> tuple[int, int]:
    return _count(db, DictionaryVersion), _count(db, DictionaryEntry)


class TestDictionaryCommands:
    def test_import_of_a_bad_csv_exits_2_and_writes_nothing(
        self, cli_db: CliDatabase, database: Database, tmp_path: Path
    ) -> None:
        path = tmp_path / "bad.csv"
        path.write_text(
            "code,class,level2,level3,level4,lead_unit_kind,lead_unit,policy\n"
            "A-1,投诉建议,a,b,c,street,,1-2-3\n"
            "A-2,外星事务,a,b,c,street,,1-2-3\n",
            encoding="utf-8",
        )
        before = _dictionary_counts(database)
        result = run(["dictionary", "import", str(path)], url=cli_db.url, cwd=tmp_path)
        assert result.returncode == 2
        assert one_error_line(result).startswith("error: row 3:")
        assert _dictionary_counts(database) == before

    def test_import_of_a_missing_file_exits_2(self, cli_db: CliDatabase, tmp_path: Path) -> None:
        result = run(
            ["dictionary", "import", str(tmp_path / "absent.csv")], url=cli_db.url, cwd=tmp_path
        )
        assert result.returncode == 2
        one_error_line(result)

    def test_export_then_import_makes_a_new_version_with_the_same_leaves(
        self,
        cli_db: CliDatabase,
        database: Database,
        tmp_path: Path,
    ) -> None:
        exported = run(
            ["dictionary", "export", str(tmp_path / "d.xlsx")], url=cli_db.url, cwd=tmp_path
        )
        assert exported.returncode == 0, exported.stderr
        versions, _ = _dictionary_counts(database)
        imported = run(
            ["dictionary", "import", str(tmp_path / "d.xlsx")], url=cli_db.url, cwd=tmp_path
        )
        assert imported.returncode == 0, imported.stderr
        assert imported.stdout.startswith(f"dictionary version {versions + 1}:")
        again = run(
            ["dictionary", "export", str(tmp_path / "again.csv")], url=cli_db.url, cwd=tmp_path
        )
        first = run(
            ["dictionary", "export", str(tmp_path / "first.csv"), "--version", str(versions)],
            url=cli_db.url,
            cwd=tmp_path,
        )
        assert again.returncode == first.returncode == 0
        assert (tmp_path / "again.csv").read_text(encoding="utf-8") == (
            tmp_path / "first.csv"
        ).read_text(encoding="utf-8")

    def test_export_to_another_file_type_exits_2(self, cli_db: CliDatabase, tmp_path: Path) -> None:
        result = run(
            ["dictionary", "export", str(tmp_path / "d.json")], url=cli_db.url, cwd=tmp_path
        )
        assert result.returncode == 2
        one_error_line(result)
        assert not (tmp_path / "d.json").exists()


class TestOrgCommands:
    def test_export_yaml_writes_the_district(self, cli_db: CliDatabase, tmp_path: Path) -> None:
        result = run(["org", "export", "x.yaml"], url=cli_db.url, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        bundle = yaml.safe_load((tmp_path / "x.yaml").read_text(encoding="utf-8"))
        district = build_district()
        assert {u["code"] for u in bundle["units"]} == {u["code"] for u in district["units"]}
        assert {s["username"] for s in bundle["staff"]} == {
            s["username"] for s in district["staff"]
        }

    @pytest.mark.parametrize(
        ("name", "header"),
        [
            ("units.csv", "code,name,kind,parent"),
            ("staff.csv", "username,name,role,title,unit,phone,areas"),
        ],
    )
    def test_export_csv_writes_the_table_named_by_the_file(
        self, cli_db: CliDatabase, tmp_path: Path, name: str, header: str
    ) -> None:
        result = run(["org", "export", name], url=cli_db.url, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / name).read_text(encoding="utf-8").splitlines()[0] == header

    def test_reimport_of_the_export_creates_nothing(
        self, cli_db: CliDatabase, database: Database, tmp_path: Path
    ) -> None:
        assert run(["org", "export", "x.yaml"], url=cli_db.url, cwd=tmp_path).returncode == 0
        before = (_count(database, Unit), _count(database, Staff))
        result = run(["org", "import", "x.yaml"], url=cli_db.url, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "'units_created': 0" in result.stdout
        assert "'staff_created': 0" in result.stdout
        assert (_count(database, Unit), _count(database, Staff)) == before

    def test_import_of_a_bad_row_exits_2_naming_it_and_writes_nothing(
        self,
        cli_db: CliDatabase,
        database: Database,
        tmp_path: Path,
    ) -> None:
        path = tmp_path / "units.csv"
        path.write_text(
            "code,name,kind,parent\nS97,新街道,street,D\nS97C01,错,community,NOPE\n",
            encoding="utf-8",
        )
        before = _count(database, Unit)
        result = run(["org", "import", str(path)], url=cli_db.url, cwd=tmp_path)
        assert result.returncode == 2
        assert "row 2" in one_error_line(result)
        assert _count(database, Unit) == before

    def test_import_of_yaml_that_is_not_a_mapping_exits_2(
        self, cli_db: CliDatabase, tmp_path: Path
    ) -> None:
        path = tmp_path / "org.yaml"
        path.write_text("- a\n- b\n", encoding="utf-8")
        result = run(["org", "import", str(path)], url=cli_db.url, cwd=tmp_path)
        assert result.returncode == 2
        one_error_line(result)

    def test_import_of_malformed_yaml_exits_2_with_one_line(
        self, cli_db: CliDatabase, tmp_path: Path
    ) -> None:
        path = tmp_path / "org.yaml"
        path.write_text("units: [\n  - code: X\n", encoding="utf-8")
        result = run(["org", "import", str(path)], url=cli_db.url, cwd=tmp_path)
        assert result.returncode == 2
        one_error_line(result)
