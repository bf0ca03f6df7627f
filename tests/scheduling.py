"""Longest test files first, by the seconds each took in a measured run (tests/durations.json).

scripts/check runs `-n 2 --dist loadfile --no-loadscope-reorder`: each worker takes whole files
in collection order as it frees up. Longest first, the last files handed out are the shortest and
the two workers end within seconds of each other; in xdist's own order (most tests first) a
one-test file of a minute may come last and leave one worker running it alone. A file the
durations do not know yet counts as UNKNOWN seconds, so a new long file never starts last.

Loaded by pyproject's addopts (`-p scheduling`); it sorts after conftest.py's hook and keeps the
tests of a file in their order. After the suite changes shape, regenerate the durations:
    scripts/check --junitxml=/tmp/junit.xml; .venv/bin/python tests/scheduling.py /tmp/junit.xml
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
DURATIONS = TESTS / "durations.json"
UNKNOWN = 10.0


def _seconds() -> dict[str, float]:
    return json.loads(DURATIONS.read_text()) if DURATIONS.exists() else {}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    seconds = _seconds()

    def longest_first(item: pytest.Item) -> float:
        path = item.path.resolve()
        key = path.relative_to(TESTS).as_posix() if path.is_relative_to(TESTS) else str(path)
        return -seconds.get(key, UNKNOWN)

    items.sort(key=longest_first)  # stable: a file's tests keep their order


def durations_from_junit(report: Path) -> dict[str, float]:
    """Seconds per test file (set-up, call and tear-down) from pytest's --junitxml report."""
    total: Counter[str] = Counter()
    for case in ET.parse(report).getroot().iter("testcase"):
        parts = case.get("classname", "").split(".")
        module = next((i for i, part in enumerate(parts) if part.startswith("test_")), None)
        if module is not None and parts[0] == "tests":
            total["/".join(parts[1 : module + 1]) + ".py"] += float(case.get("time", "0"))
    return {name: round(seconds, 1) for name, seconds in total.most_common()}


if __name__ == "__main__":
    DURATIONS.write_text(json.dumps(durations_from_junit(Path(sys.argv[1])), indent=0) + "\n")
