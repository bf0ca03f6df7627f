"""`minyi meetings ...` in-process against the shared demo database: the same services as the
API, one error line and exit 2 on bad input."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from factories import make_dispatched
from minyi.cli.main import app

runner = CliRunner()
TZ = ZoneInfo("Asia/Shanghai")


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


def local(delta: timedelta) -> str:
    # The CLI's clock is the real one: times relative to now.
    return (datetime.now(TZ) + delta).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.usefixtures("cli")
class TestMeetingsCli:
    def test_plan_add_decide_show_and_minutes(self, app_client: TestClient, tmp_path: Path) -> None:
        case = make_dispatched(app_client, "DEP01", [], crowd_size=8, title="回迁房延期交付")
        out = ok(
            "meetings", "plan", "--as", "dispatcher", "--level", "district",
            "--title", "命令行联席会议", "--at", local(-timedelta(hours=1)),
            "--place", "区信联办会议室", "--convener", "secretary",
            "--unit", "DEP01", "--unit", "DEP13",
        )  # fmt: skip
        meeting = re.search(r"meeting (\d+)", out)
        assert meeting, out
        mid = meeting.group(1)
        offered = json.loads(
            ok("meetings", "candidates", mid, "--as", "dispatcher", "--limit", "500", "--json")
        )
        assert case["id"] in {c["case_id"] for c in offered}
        item = re.search(
            r"item (\d+)",
            ok("meetings", "add", mid, "--as", "dispatcher", "--case", str(case["id"])),
        )
        assert item
        iid = item.group(1)
        ok(
            "meetings", "decide", mid, iid, "--as", "dispatcher",
            "--decision", "住建局牵头，规自局配合，两周内拿出交付方案",
            "--task", f"DEP01|牵头拿出交付方案|{local(timedelta(days=14))}",
            "--task", f"DEP13|核查规划手续|{local(timedelta(days=7))}",
        )  # fmt: skip
        shown = json.loads(ok("meetings", "show", mid, "--as", "dispatcher", "--json"))
        assert [t["unit"] for t in shown["items"][0]["tasks"]] == ["DEP01", "DEP13"]
        listed = json.loads(ok("meetings", "list", "--as", "dep13.head", "--json"))
        assert int(mid) in {m["id"] for m in listed["items"]}
        target = tmp_path / "minutes.docx"
        ok("meetings", "minutes", mid, "--as", "dispatcher", "--out", str(target))
        text = "\n".join(p.text for p in Document(io.BytesIO(target.read_bytes())).paragraphs)
        assert "会议纪要" in text and "两周内拿出交付方案" in text

    def test_bad_input_is_one_line_and_exit_2(self) -> None:
        assert "不是可以参会的单位" in refused(
            "meetings", "plan", "--as", "dispatcher", "--level", "district", "--title", "x",
            "--at", local(timedelta(days=1)), "--place", "y", "--convener", "secretary",
            "--unit", "NOPE",
        )  # fmt: skip
        refused("meetings", "decide", "99999999", "1", "--as", "dispatcher", "--decision", "x")
        refused("meetings", "show", "1", "--as", "nobody")
