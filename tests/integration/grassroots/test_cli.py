"""`minyi grassroots handle | households` in-process against the shared demo database: the same
services as the API and pages, one error line and exit 2 on bad input (nothing changes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner, Result

from factories import auth
from minyi.cases.models import Case
from minyi.cli.main import app
from minyi.core.db import Database
from minyi.grassroots.models import Building, Patrol

runner = CliRunner()


@pytest.fixture
def cli(demo_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)
    monkeypatch.setenv("MINYI_ENVIRONMENT", "test")
    monkeypatch.setenv("MINYI_DATA_DIR", str(tmp_path))
    return


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def refused(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 2, (args, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.usefixtures("cli")
class TestGrassrootsCli:
    def test_handle_a_raised_event_in_the_grid(self, app_client: TestClient, db: Database) -> None:
        with db.reading() as session:
            building = session.scalar(select(Building.id).where(Building.code == "S01C10G01-B1"))
        patrol = app_client.post(
            "/api/v1/grassroots/patrols",
            json={"building_id": building, "finding": "楼顶水箱漏水", "raise_event": True},
            headers=auth(app_client, "s01c10g01.staff"),
        ).json()
        assert refused(
            "grassroots", "handle", str(patrol["id"]), "--how", "whistle", "--as", "s01c10g01.staff"
        )
        assert refused(
            "grassroots", "handle", str(patrol["id"]), "--how", "grid", "--as", "dep01.handler"
        )
        with db.reading() as session:
            row = session.get(Patrol, patrol["id"])
            assert row is not None and row.handling is None
        result = run(
            "grassroots",
            "handle",
            str(patrol["id"]),
            "--how",
            "grid",
            "--as",
            "s01c10g01.staff",
            "--solved",
            "已关闭阀门并报修",
        )
        assert result.exit_code == 0, result.output
        assert "grid" in result.stdout and "replied" in result.stdout
        with db.reading() as session:
            case = session.get(Case, patrol["case_id"])
            assert case is not None and case.status == "replied"

    def test_households_and_coverage_print(self) -> None:
        out = run("grassroots", "households", "S01C01G01-B1", "--as", "s01c01.staff")
        assert out.exit_code == 0, out.output
        assert "1单元301" in out.stdout
        coverage = run("grassroots", "coverage", "--area", "S01")
        assert coverage.exit_code == 0 and "report-in rate" in coverage.stdout
        assert refused("grassroots", "households", "NOPE-B1")
