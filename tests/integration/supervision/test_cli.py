"""`minyi supervision`: the commands (in process, tests/cli_harness.py) against the shared demo database."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from docx import Document

from cli_harness import CliResult, minyi_env, run_cli


def run(args: list[str], url: str, cwd: Path) -> CliResult:
    return run_cli(args, env=minyi_env(url, cwd, COLUMNS="120"), cwd=cwd)


class TestSupervisionCli:
    def test_instruct_then_the_unit_completes(self, demo_url: str, tmp_path: Path) -> None:
        made = run(
            [
                "supervision",
                "instruct",
                "--as",
                "secretary",
                "--ref",
                "CLI测试事项",
                "--unit",
                "DEP13",
                "--text",
                "请规划局两日内研究答复。",
                "--within-days",
                "2",
            ],
            demo_url,
            tmp_path,
        )
        assert made.returncode == 0, made.stderr
        task_id = json.loads(made.stdout)["tasks"][0]["id"]
        tasks = run(
            ["supervision", "tasks", "--as", "dep13.head", "--status", "open"], demo_url, tmp_path
        )
        assert task_id in {t["id"] for t in json.loads(tasks.stdout)}
        done = run(
            [
                "supervision",
                "complete-task",
                str(task_id),
                "--as",
                "dep13.head",
                "--result",
                "已研究答复",
            ],
            demo_url,
            tmp_path,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"task {task_id}: done"
        refused = run(
            [
                "supervision",
                "instruct",
                "--as",
                "supervisor",
                "--ref",
                "x",
                "--unit",
                "DEP13",
                "--text",
                "x",
                "--within-days",
                "1",
            ],
            demo_url,
            tmp_path,
        )
        assert refused.returncode == 2
        assert len(refused.stderr.strip().splitlines()) == 1

    def test_issue_a_letter_to_a_file(self, demo_url: str, tmp_path: Path) -> None:
        out = tmp_path / "letter.docx"
        issued = run(
            [
                "supervision",
                "letter",
                "--as",
                "supervisor",
                "--kind",
                "suggestion",
                "--right",
                "improve_work",
                "--subject",
                "优化诉求件转办流程",
                "--body",
                "建议压缩转办环节。",
                "--to",
                "DISPATCH",
                "--out",
                str(out),
            ],
            demo_url,
            tmp_path,
        )
        assert issued.returncode == 0, issued.stderr
        m = re.match(r"^letter (\d+): (汀澜信督建〔\d{4}〕\d+号) -> ", issued.stdout)
        assert m, issued.stdout
        texts = [p.text for p in Document(io.BytesIO(out.read_bytes())).paragraphs]
        assert m.group(2) in texts
        assert "区群众诉求服务中心（区信联办）：" in texts
        assert "建议压缩转办环节。" in texts
        again = tmp_path / "again.docx"
        got = run(
            ["supervision", "letter-get", m.group(1), "--as", "dispatcher", "--out", str(again)],
            demo_url,
            tmp_path,
        )
        assert got.returncode == 0, got.stderr
        assert again.read_bytes() == out.read_bytes()
        no_right = run(
            [
                "supervision",
                "letter",
                "--as",
                "supervisor",
                "--kind",
                "suggestion",
                "--subject",
                "x",
                "--body",
                "y",
                "--to",
                "DEP01",
            ],
            demo_url,
            tmp_path,
        )
        assert no_right.returncode == 2
        assert "suggestion" in no_right.stderr
