"""Reading a message file and naming a cluster's place from its titles."""

from __future__ import annotations

from pathlib import Path

import pytest

from minyi.analytics.hotspot_data import common_phrase, common_place, load_messages, parse_time
from minyi.core.errors import Invalid


def test_the_place_most_titles_name_wins() -> None:
    titles = ["投诉A2区丽发新城附近搅拌站", "丽发新城小区旁的搅拌站", "A市丽发新城小区附近太吵"]
    assert common_place(titles) == "丽发新城"


def test_no_shared_place_gives_none_and_the_phrase_fallback() -> None:
    titles = [
        "A市五矿万境K9县负一楼面积缩水",
        "A市五矿万境K9县房屋出现质量问题",
        "五矿万境K9县消防隐患",
    ]
    assert common_place(["请加快审批", "尽快回复"]) is None
    assert common_phrase(sorted(titles, key=len)) == "五矿万境K9县"


def test_times_as_the_source_writes_them() -> None:
    assert parse_time("2019/8/19 11:34:04").isoformat() == "2019-08-19T11:34:04+08:00"
    assert parse_time("2020/1/2").day == 2
    with pytest.raises(ValueError, match="unreadable"):
        parse_time("yesterday")


def test_a_file_is_read_and_bad_files_are_refused(tmp_path: Path) -> None:
    good = tmp_path / "m.csv"
    good.write_text(
        "id,user,title,time,body,dislikes,likes\n1,u1,标题,2019/8/19 11:34:04,内容,0,7\n",
        encoding="utf-8",
    )
    (m,) = load_messages(good)
    assert (m.id, m.citizen, m.likes, m.title) == ("1", "u1", 7, "标题")
    bad_time = tmp_path / "t.csv"
    bad_time.write_text("id,title,time,body\n1,a,soon,b\n", encoding="utf-8")
    with pytest.raises(Invalid, match="line 2"):
        load_messages(bad_time)
    with pytest.raises(Invalid, match="not a file"):
        load_messages(tmp_path / "missing.csv")
