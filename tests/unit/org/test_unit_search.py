"""Finding a unit by name, pinyin initials or full pinyin (org.rules.pinyin_keys, name_matches)."""

from __future__ import annotations

import pytest

from minyi.org.rules import name_matches, pinyin_keys


class TestPinyinKeys:
    def test_initials_and_full_pinyin(self) -> None:
        assert pinyin_keys("区政务服务数据管理局") == "qzwfwsjglj quzhengwufuwushujuguanliju"

    def test_polyphones_read_by_phrase(self) -> None:
        # 长 is chang in 长乐, not zhang; 行 is hang in 银行.
        assert pinyin_keys("长乐社区").startswith("clsq changle")
        assert pinyin_keys("银行网点").split()[1].startswith("yinhang")

    def test_letters_and_digits_are_not_lost_in_the_name_search(self) -> None:
        assert name_matches("12345", "12345热线服务中心")


class TestNameMatches:
    @pytest.mark.parametrize(
        ("query", "name"),
        [
            ("zwfw", "区政务服务数据管理局"),  # initials, without the leading 区
            ("ZWFW", "区政务服务数据管理局"),  # case does not matter
            ("chengshiguanli", "区城市管理和综合执法局"),  # full pinyin
            ("城市 zhifa", "区城市管理和综合执法局"),  # every word somewhere
            ("城市管理", "区城市管理和综合执法局"),
            ("tqw", "团区委"),
        ],
    )
    def test_finds(self, query: str, name: str) -> None:
        assert name_matches(query, name)

    @pytest.mark.parametrize(
        ("query", "name"),
        [
            ("zwfw", "区城市管理和综合执法局"),
            ("城管 jiaoyu", "区城市管理和综合执法局"),
            ("xyz", "团区委"),
        ],
    )
    def test_does_not_find(self, query: str, name: str) -> None:
        assert not name_matches(query, name)
