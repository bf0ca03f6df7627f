"""`minyi volunteers` in process (tests/cli_harness.py) against the shared demo database: register,
report, verify, ledger and ranking; bad input ends with exit code 2 and one line."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from cli_harness import CliResult, minyi_env, run_cli
from factories import unique_phone


def run(args: list[str], url: str, cwd: Path) -> CliResult:
    return run_cli(args, env=minyi_env(url, cwd, COLUMNS="120"), cwd=cwd)


class TestVolunteersCli:
    def test_register_report_and_read_the_rules(self, demo_url: str, tmp_path: Path) -> None:
        phone = unique_phone()
        made = run(
            ["volunteers", "register", "孙巡", phone, "S01C01", "--as", "s01c01.staff"],
            demo_url,
            tmp_path,
        )
        assert made.returncode == 0, made.stderr
        code = re.search(r"code (\d{8})", made.stdout)
        assert code
        listed = run(["volunteers", "list", "--as", "s01c01.staff"], demo_url, tmp_path)
        assert code.group(1) in listed.stdout and phone in listed.stdout
        reported = run(
            [
                "volunteers",
                "report",
                code.group(1),
                phone[-4:],
                "--body",
                f"路灯损坏{uuid.uuid4().hex}",
            ],
            demo_url,
            tmp_path,
        )
        assert reported.returncode == 0, reported.stderr
        assert re.search(r"reported: report \d+, case \d+", reported.stdout)
        rules = run(["volunteers", "rules"], demo_url, tmp_path)
        assert rules.returncode == 0 and "上报核实属实" in rules.stdout
        ledger = run(["volunteers", "ledger", code.group(1)], demo_url, tmp_path)
        assert ledger.returncode == 0 and f"volunteer {code.group(1)}: 0 points" in ledger.stdout

    def test_bad_input_exits_2_with_one_line(self, demo_url: str, tmp_path: Path) -> None:
        for args in (
            ["volunteers", "register", "孙巡", "123", "S01C01"],
            ["volunteers", "report", "12345678", "0000", "--body", "x"],
            ["volunteers", "set-rule", "verified", "10", "--as", "s01.staff"],
            ["volunteers", "verify", "999999999", "--true"],
        ):
            out = run(args, demo_url, tmp_path)
            assert out.returncode == 2, (args, out.stdout, out.stderr)
            assert len(out.stderr.strip().splitlines()) == 1
