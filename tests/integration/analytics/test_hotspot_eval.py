"""The hotspot pass on real public data: the TipDM 2020 附件3 messages (4,326 with likes).

The top five must each be one problem: every cluster is checked for purity against the term
that names its problem, and together they must be the five problems a reader of the file
finds by hand (the mixing plant at 丽发新城, bundled parking at 伊景园滨河苑, the 58车贷 fraud
case, the defects of 五矿万境K9县, the high-speed railway next to 绿地海外滩)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_harness import run_cli
from minyi.analytics.hotspot_data import hotspots_from_file
from shared_data import HOTSPOT_MESSAGES_CSV

DATA = HOTSPOT_MESSAGES_CSV
pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(
        not DATA.is_file(), reason=f"the shared public data set is not on this machine ({DATA})"
    ),
]

# Each problem's naming terms: a member belongs to the problem if its title or the start of its
# body has one of them.
PROBLEMS = {
    "丽发新城搅拌站": ("搅拌", "丽发"),
    "伊景园滨河苑捆绑车位": ("滨河", "伊景园", "车位", "广铁", "武广新城"),
    "58车贷": ("58车", "车贷", "展星"),
    "五矿万境K9县": ("五矿万境",),
    "绿地海外滩与高铁": ("海外滩",),
}


@pytest.fixture(scope="module")
def top5() -> tuple[list, dict]:
    found, messages = hotspots_from_file(DATA, limit=5)
    return found, {m.id: m for m in messages}


def test_the_top_five_are_the_five_known_problems_each_one_problem(top5: tuple[list, dict]) -> None:
    found, by_id = top5
    assert len(found) == 5
    matched = set()
    for hotspot in found:
        texts = [by_id[i].title + by_id[i].body[:200] for i in hotspot.member_ids]
        name, terms = max(
            PROBLEMS.items(), key=lambda p: sum(any(t in x for t in p[1]) for x in texts)
        )
        purity = sum(any(t in x for t in terms) for x in texts) / len(texts)
        assert purity >= 0.9, (name, purity, hotspot.description)
        matched.add(name)
    assert matched == set(PROBLEMS)


def test_the_table_has_span_place_and_description(top5: tuple[list, dict]) -> None:
    found, _ = top5
    assert [h.rank for h in found] == [1, 2, 3, 4, 5]
    assert all(h.first_at <= h.last_at and h.description and h.place for h in found)
    assert [h.heat for h in found] == sorted((h.heat for h in found), reverse=True)


def test_the_cli_prints_the_same_as_json() -> None:
    out = run_cli(["analytics", "hotspots", "--data", str(DATA), "--limit", "5", "--json"])
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5] and all(r["member_ids"] for r in rows)


def test_a_file_without_the_columns_is_refused_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,text\n1,hello\n", encoding="utf-8")
    out = run_cli(["analytics", "hotspots", "--data", str(bad)])
    assert out.returncode == 2 and out.stderr.startswith("error:") and "title" in out.stderr
