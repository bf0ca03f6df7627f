"""`minyi escalation ...` in-process against the shared demo database:
the same services as the API, one error line and exit 2 on bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from factories import make_appeal
from minyi.cli.main import app

runner = CliRunner()


@pytest.fixture
def cli(demo_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("MINYI_DATABASE_URL", demo_url)
    monkeypatch.setenv("MINYI_ENVIRONMENT", "test")
    monkeypatch.setenv("MINYI_DATA_DIR", str(tmp_path))
    return


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, (args, result.output, result.stderr)
    return result.stdout


def refused(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 2, (args, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.usefixtures("cli")
class TestEscalationCli:
    def test_rules_show_and_export(self, tmp_path: Path) -> None:
        shown = json.loads(ok("escalation", "rules", "show"))
        assert shown["rules"] and "version" in shown
        out = tmp_path / "rules.yaml"
        ok("escalation", "rules", "export", str(out), "--version", "0")
        assert "repeat_petition" in out.read_text(encoding="utf-8")

    def test_rules_import_refuses_a_bad_file(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.yaml"
        bad.write_text(
            "rules:\n  - {code: a, name: n, when: 'x >= 1', level: unit_head}\n", encoding="utf-8"
        )
        assert "unknown fact" in refused("escalation", "rules", "import", str(bad), "--as", "admin")
        assert "administrator" in refused(
            "escalation", "rules", "import", str(bad), "--as", "supervisor"
        )

    def test_status_holding_cycle_stats_backlog(self, app_client: TestClient) -> None:
        a = make_appeal(app_client, crowd_size=9, street="S08")
        status = json.loads(ok("escalation", "status", str(a["id"]), "--as", "supervisor"))
        assert (status["level"], status["assigned_to"]["username"]) == (
            "leader_in_charge",
            "leader06",
        )
        assert f"{a['id']}\t" in ok(
            "escalation", "list", "--as", "leader06", "--mine", "--page-size", "200"
        )
        taken = ok("escalation", "holding", "take", str(a["id"]), "--as", "leader06")
        holding_id = taken.split()[1].rstrip(":")
        ok(
            "escalation",
            "holding",
            "plan",
            holding_id,
            "--as",
            "leader06",
            "--text",
            "一案一策：协调退还押金",
        )
        ok(
            "escalation",
            "holding",
            "visit",
            holding_id,
            "--as",
            "leader06",
            "--kind",
            "home_visit",
            "--place",
            "信访人家中",
            "--notes",
            "家访了解诉求",
            "--people",
            "2",
        )
        assert "UTC offset" in refused(
            "escalation",
            "holding",
            "visit",
            holding_id,
            "--as",
            "leader06",
            "--kind",
            "reception",
            "--place",
            "x",
            "--notes",
            "y",
            "--at",
            "2026-11-20T09:00:00",
        )
        assert "hardship_helped" in refused(
            "escalation",
            "holding",
            "release",
            holding_id,
            "--as",
            "leader06",
            "--problem-solved",
            "a",
            "--policy-explained",
            "b",
            "--unlawful-handled",
            "d",
        )
        assert "release_requested" in ok(
            "escalation",
            "holding",
            "release",
            holding_id,
            "--as",
            "leader06",
            "--problem-solved",
            "a",
            "--policy-explained",
            "b",
            "--hardship-helped",
            "c",
            "--unlawful-handled",
            "无",
        )
        assert "closed" in ok("escalation", "holding", "approve", holding_id, "--as", "supervisor")
        shown = json.loads(ok("escalation", "holding", "show", holding_id, "--as", "leader06"))
        assert shown["status"] == "closed" and shown["home_visits"] == 1
        stats = {r["leader"]: r for r in json.loads(ok("escalation", "holding", "stats", "--json"))}
        assert stats["leader06"]["closed"] >= 1
        assert "backlog cases" in ok("escalation", "backlog", "--as", "supervisor", "--days", "0")
        assert "leader" in refused(
            "escalation", "holding", "take", str(a["id"]), "--as", "dep01.head"
        )

    def test_evaluate_named_cases(self, app_client: TestClient) -> None:
        a = make_appeal(app_client)
        assert ok("escalation", "evaluate", str(a["id"])).strip() == "evaluated 1 cases, lifted 0"
        assert "--all-open" in refused("escalation", "evaluate")
