"""The `minyi` commands (in process, tests/cli_harness.py): import and export cases, webhooks, Open311 clients."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from cli_harness import CliResult, minyi_env, run_cli
from conftest import demo_database_url, drop_database
from minyi.cases.models import Appeal
from minyi.core.db import Database
from minyi.integrations.models import Open311Client, WebhookSubscriber
from minyi.wiring import build_registry

from .test_import_export import BAD, GOOD, HEADER, MAPPING


def run(args: list[str], url: str, cwd: Path) -> CliResult:
    return run_cli(args, env=minyi_env(url, cwd, COLUMNS="150"), cwd=cwd)


@pytest.fixture(scope="module")
def cli_db(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Database]]:
    url = demo_database_url(backend, tmp_path_factory.mktemp(f"icli-{backend}"))
    db = Database(url, registry=build_registry())
    yield url, db
    db.dispose()
    drop_database(url)


def count(db: Database, model: object) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def sheet(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER, *rows])
    return path


class TestImportCommand:
    def test_imports_good_rows_lists_bad_ones_and_is_idempotent(
        self, cli_db: tuple[str, Database], tmp_path: Path
    ) -> None:
        url, db = cli_db
        before = count(db, Appeal)
        (tmp_path / "m.yaml").write_text(MAPPING, encoding="utf-8")
        data = sheet(tmp_path / "h.csv", GOOD + BAD)
        args = [
            "import",
            "cases",
            str(data),
            "--mapping",
            str(tmp_path / "m.yaml"),
            "--report",
            str(tmp_path / "bad.csv"),
        ]
        first = run(args, url, tmp_path)
        assert first.returncode == 1, first.stderr
        assert "row 4\t联系电话" in first.stdout
        assert count(db, Appeal) == before + 2
        with (tmp_path / "bad.csv").open(encoding="utf-8-sig") as f:
            assert {r["row"] for r in csv.DictReader(f)} == {"4", "5", "6", "7", "8"}
        again = run(args, url, tmp_path)
        assert again.returncode == 1 and count(db, Appeal) == before + 2

    def test_strict_writes_nothing_and_says_so_in_one_line(
        self, cli_db: tuple[str, Database], tmp_path: Path
    ) -> None:
        url, db = cli_db
        before = count(db, Appeal)
        (tmp_path / "m.yaml").write_text(MAPPING, encoding="utf-8")
        rows = [[f"S-{r[0]}", *r[1:]] for r in GOOD + BAD[:1]]
        result = run(
            [
                "import",
                "cases",
                str(sheet(tmp_path / "h.csv", rows)),
                "--mapping",
                str(tmp_path / "m.yaml"),
                "--strict",
            ],
            url,
            tmp_path,
        )
        assert result.returncode == 2
        assert result.stderr.strip().splitlines() == [
            "error: 1 bad rows; nothing imported (strict)"
        ]
        assert count(db, Appeal) == before

    @pytest.mark.parametrize("args", [["nope.csv"], ["x.txt"]])
    def test_a_missing_or_unreadable_file_is_exit_2(
        self, cli_db: tuple[str, Database], tmp_path: Path, args: list[str]
    ) -> None:
        (tmp_path / "x.txt").write_text("a,b\n1,2\n", encoding="utf-8")
        result = run(["import", "cases", *args], cli_db[0], tmp_path)
        assert result.returncode == 2 and result.stderr.startswith("error: ")

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("latin.csv", "external_id,body\nA1,caf\u00e9\n".encode("latin-1")),
            ("fake.xlsx", b"PK\x03\x04 not really a workbook"),
            ("huge_cell.csv", b"external_id,body\nA1," + b"x" * 200_000 + b"\n"),
            ("bomb.yaml", None),
        ],
    )
    def test_malformed_files_are_one_line_and_exit_2(
        self, cli_db: tuple[str, Database], tmp_path: Path, name: str, content: bytes | None
    ) -> None:
        if content is None:  # an alias bomb as the mapping
            lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'] + [
                f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]"
                for i in range(20)
            ]
            (tmp_path / name).write_text("\n".join(lines), encoding="utf-8")
            args = [str(sheet(tmp_path / "ok.csv", [GOOD[0]])), "--mapping", str(tmp_path / name)]
        else:
            (tmp_path / name).write_bytes(content)
            args = [str(tmp_path / name)]
        result = run(["import", "cases", *args], cli_db[0], tmp_path)
        assert result.returncode == 2, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: ")


class TestExportCommand:
    def test_exports_the_filtered_cases_to_xlsx(
        self, cli_db: tuple[str, Database], tmp_path: Path
    ) -> None:
        url, _db = cli_db
        (tmp_path / "m.yaml").write_text(MAPPING, encoding="utf-8")
        run(
            [
                "import",
                "cases",
                str(sheet(tmp_path / "h.csv", [[f"E-{r[0]}", *r[1:]] for r in GOOD])),
                "--mapping",
                str(tmp_path / "m.yaml"),
            ],
            url,
            tmp_path,
        )
        out = tmp_path / "cases.xlsx"
        result = run(
            [
                "export",
                "cases",
                "--format",
                "xlsx",
                "--out",
                str(out),
                "--as",
                "dispatcher",
                "--status",
                "in_progress",
            ],
            url,
            tmp_path,
        )
        assert result.returncode == 0, result.stderr
        rows = list(load_workbook(out).worksheets[0].iter_rows(values_only=True))
        assert rows[0][:5] == ("tracking_no", "channel", "external_id", "registered_at", "status")
        assert {r[4] for r in rows[1:]} == {"in_progress"} and len(rows) >= 2
        assert f"exported {len(rows) - 1} cases" in result.stdout

    def test_an_unknown_channel_is_exit_2(
        self, cli_db: tuple[str, Database], tmp_path: Path
    ) -> None:
        result = run(
            [
                "export",
                "cases",
                "--out",
                str(tmp_path / "x.csv"),
                "--as",
                "dispatcher",
                "--channel",
                "nope",
            ],
            cli_db[0],
            tmp_path,
        )
        assert result.returncode == 2 and "nope" in result.stderr
        assert not (tmp_path / "x.csv").exists()


class TestWebhooksAndClients:
    def test_manage_a_subscriber(self, cli_db: tuple[str, Database], tmp_path: Path) -> None:
        url, db = cli_db
        added = run(
            ["webhooks", "add", "city", "http://127.0.0.1:9/hook", "--event", "case.registered"],
            url,
            tmp_path,
        )
        assert added.returncode == 0 and "secret" in added.stdout
        listed = json.loads(run(["webhooks", "list"], url, tmp_path).stdout)
        assert [(s["name"], s["events"]) for s in listed] == [("city", ["case.registered"])]
        assert json.loads(run(["webhooks", "deliveries", "city"], url, tmp_path).stdout) == []
        assert run(["webhooks", "remove", "city"], url, tmp_path).returncode == 0
        bad = run(["webhooks", "add", "bad", "not-a-url", "--event", "*"], url, tmp_path)
        assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
        # Checked as the API checks its body (integrations.schemas.SubscriberIn), on either database.
        long = run(
            ["webhooks", "add", "long", "http://h/" + "a" * 500, "--event", "*"], url, tmp_path
        )
        assert long.returncode == 2 and long.stderr.startswith("error: url:")
        assert count(db, WebhookSubscriber) == 1

    def test_manage_an_open311_client(self, cli_db: tuple[str, Database], tmp_path: Path) -> None:
        url, db = cli_db
        added = run(["open311", "add-client", "city12345"], url, tmp_path)
        assert added.returncode == 0, added.stderr
        key = added.stdout.strip().rsplit(" ", 1)[1]
        with db.reading() as session:
            client = session.scalar(select(Open311Client))
            assert (
                client is not None
                and key not in (client.key_hash, client.key_prefix)
                and client.key_prefix == key[:8]
            )
        assert run(["open311", "add-client", "city12345"], url, tmp_path).returncode == 2
        assert (
            json.loads(run(["open311", "list-clients"], url, tmp_path).stdout)[0]["channel"]
            == "open311_city12345"
        )
        assert run(["open311", "revoke", "city12345"], url, tmp_path).returncode == 0
