"""`minyi mailbox`: the commands (in process, tests/cli_harness.py) against the shared demo database."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import png

from cli_harness import CliResult, minyi_env, run_cli
from minyi.mailboxes.qr import PNG_BOX, qr_matrix

BASE = "https://minyi.example.gov.cn"


def run(args: list[str], url: str, cwd: Path) -> CliResult:
    return run_cli(
        args, env=minyi_env(url, cwd, MINYI_PUBLIC_BASE_URL=BASE, COLUMNS="120"), cwd=cwd
    )


class TestMailboxCli:
    def test_qr_svg_and_png(self, demo_url: str, tmp_path: Path) -> None:
        expected = qr_matrix(f"{BASE}/portal/submit?channel=mailbox_secretary")
        svg = run(
            ["mailbox", "qr", "mailbox_secretary", "--out", str(tmp_path / "s.svg")],
            demo_url,
            tmp_path,
        )
        assert svg.returncode == 0, svg.stderr
        root = ET.fromstring((tmp_path / "s.svg").read_bytes())
        size = int(root.attrib["viewBox"].split()[2])
        grid = [[False] * size for _ in range(size)]
        for x0, y0, x1, y1 in re.findall(
            r"M(\d+),(\d+)H(\d+)V(\d+)H\d+z",
            root.find("{http://www.w3.org/2000/svg}path").attrib["d"],
        ):  # type: ignore[union-attr]
            for y in range(int(y0), int(y1)):
                for x in range(int(x0), int(x1)):
                    grid[y][x] = True
        assert grid == expected
        out = run(
            ["mailbox", "qr", "mailbox_secretary", "--out", str(tmp_path / "s.png")],
            demo_url,
            tmp_path,
        )
        assert out.returncode == 0, out.stderr
        width, _, rows, _ = png.Reader(filename=str(tmp_path / "s.png")).read()
        pixels = [list(r) for r in rows]
        c = PNG_BOX // 2
        assert [
            [pixels[y * PNG_BOX + c][x * PNG_BOX + c] == 0 for x in range(width // PNG_BOX)]
            for y in range(width // PNG_BOX)
        ] == expected

    def test_refusals_are_one_line(self, demo_url: str, tmp_path: Path) -> None:
        bad_suffix = run(
            ["mailbox", "qr", "mailbox_mayor", "--out", str(tmp_path / "x.gif")], demo_url, tmp_path
        )
        unknown = run(
            ["mailbox", "qr", "hotline_12345", "--out", str(tmp_path / "x.svg")], demo_url, tmp_path
        )
        for result in (bad_suffix, unknown):
            assert result.returncode == 2, result.stderr
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert not (tmp_path / "x.svg").exists()

    def test_list(self, demo_url: str, tmp_path: Path) -> None:
        listed = run(["mailbox", "list"], demo_url, tmp_path)
        assert listed.returncode == 0, listed.stderr
        boxes = {m["code"]: m for m in json.loads(listed.stdout)}
        assert boxes["mailbox_mayor"]["owner"]["username"] == "mayor"
        assert boxes["mailbox_mayor"]["portal_url"] == f"{BASE}/portal/submit?channel=mailbox_mayor"
