"""Risk flags with their evidence spans, negation, proximity, festival boosts, lexicon edits."""

from __future__ import annotations

from datetime import date

import pytest

from minyi.core.errors import Invalid
from minyi.triage.risk.flags import flag_risks
from minyi.triage.risk.lexicon import CATEGORIES, RiskFlag, parse_lexicon
from minyi.triage.risk.versions import shipped_lexicon, shipped_text

SUMMER = date(2026, 6, 1)


def found(text: str, on: date | None = SUMMER) -> list[tuple[str, str]]:
    return [(f.category, f.term) for f in flag_risks(text, on=on)]


class TestFlags:
    def test_each_flag_carries_its_evidence_span(self) -> None:
        text = "老板拖欠工资半年，我真的不想活了，准备去跳楼。"
        flags = flag_risks(text, on=SUMMER)
        assert [(f.category, f.term) for f in flags] == [
            ("wage_arrears", "拖欠工资"),
            ("self_harm", "不想活"),
            ("self_harm", "跳楼"),
        ]
        for flag in flags:
            assert text[flag.start : flag.end] == flag.term
        assert flags[1] == RiskFlag("self_harm", "不想活", 12, 15, "high", "轻生倾向", "")

    def test_threats_are_flagged(self) -> None:
        assert found("再不解决我就和他们同归于尽") == [("threats", "同归于尽")]

    def test_an_ordinary_appeal_has_no_flags(self) -> None:
        assert found("小区门口的路灯坏了一个月，晚上很黑，请尽快维修。") == []

    def test_the_shipped_lexicon_has_the_five_categories(self) -> None:
        assert tuple(shipped_lexicon().categories) == CATEGORIES

    def test_a_word_inside_a_longer_one_still_counts_for_its_own_category(self) -> None:
        assert found("工友们说要集体讨薪") == [
            ("collective_action", "集体讨薪"),
            ("wage_arrears", "讨薪"),
        ]


class TestNegation:
    @pytest.mark.parametrize(
        "text",
        [
            "公司没有欠薪，只是想咨询社保",
            "经核实不存在拖欠工资的情况",
            "项目上没有出现欠薪",
            "从未拖欠工资",
        ],
    )
    def test_a_negated_term_does_not_flag(self, text: str) -> None:
        assert found(text) == []

    def test_a_negation_with_other_words_between_does_not_cancel(self) -> None:
        assert found("劳动监察未处理欠薪问题") == [("wage_arrears", "欠薪")]

    def test_a_negation_does_not_reach_across_a_clause(self) -> None:
        assert found("没有办法了。老板欠薪三个月") == [("wage_arrears", "欠薪")]


class TestExclusionsAndProximity:
    @pytest.mark.parametrize("text", ["楼下服装店天天喇叭喊跳楼价甩卖", "我举报后遭到打击报复"])
    def test_a_longer_harmless_phrase_does_not_flag(self, text: str) -> None:
        assert found(text) == []

    def test_a_weak_word_flags_with_a_companion_nearby(self) -> None:
        assert found("工人们准备明天在政府门口聚集讨说法") == [("collective_action", "聚集")]
        assert found("村民堵路抗议") == [("collective_action", "堵路")]

    @pytest.mark.parametrize("text", ["小区门口人员聚集", "车辆乱停堵路", "早上蚊虫聚集在路灯下"])
    def test_a_weak_word_alone_does_not_flag(self, text: str) -> None:
        assert found(text) == []


class TestFestivalBoost:
    def test_wage_arrears_in_summer_are_medium(self) -> None:
        (flag,) = flag_risks("包工头拖欠工资", on=SUMMER)
        assert (flag.severity, flag.note) == ("medium", "")

    @pytest.mark.parametrize(
        "on",
        [
            date(2026, 1, 25),  # chinesecalendar: the 2026 holiday starts 15 February
            date(2027, 1, 20),  # the lexicon's own date for 2027: 6 February
            date(2040, 12, 20),  # past every known date: the fallback months
        ],
    )
    def test_wage_arrears_before_spring_festival_are_high(self, on: date) -> None:
        (flag,) = flag_risks("包工头拖欠工资", on=on)
        assert (flag.severity, flag.note) == ("high", "春节前欠薪")

    def test_without_a_date_there_is_no_boost(self) -> None:
        (flag,) = flag_risks("包工头拖欠工资")
        assert flag.severity == "medium"


class TestLexiconData:
    def test_an_administrators_watch_list_flags_names(self) -> None:
        assert shipped_text().count("    terms: []\n") == 1  # the watch list, empty as shipped
        edited = shipped_text().replace("    terms: []\n", "    terms: [张三丰]\n")
        lexicon = parse_lexicon(edited)
        text = "张三丰又来反映拆迁补偿"
        assert [(f.category, f.start, f.end) for f in flag_risks(text, lexicon)] == [
            ("sensitive_persons", 0, 3)
        ]
        assert flag_risks(text) == []

    def test_a_category_an_administrator_adds_is_used(self) -> None:
        lexicon = parse_lexicon(
            "categories:\n  fraud:\n    label: 诈骗\n    severity: low\n    terms: [诈骗, 骗钱]\n"
        )
        assert [(f.category, f.severity, f.label) for f in flag_risks("有人骗钱", lexicon)] == [
            ("fraud", "low", "诈骗")
        ]

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("categories: [", "not a YAML document"),
            ("name: x\n", "categories"),
            ("categories:\n  x:\n    severity: urgent\n    terms: [a]\n", "severity"),
            ("categories:\n  x:\n    terms: a\n", "list of words"),
            ("categories:\n  X Y:\n    terms: [a]\n", "lower_snake_case"),
            ("categories:\n  x:\n    near:\n      - terms: [a]\n", "'with'"),
            (
                "categories:\n  x:\n    terms: [a]\nfestival_dates:\n  spring_festival: [soon]\n",
                "not a date",
            ),
        ],
    )
    def test_a_bad_lexicon_is_refused_with_the_reason(self, text: str, message: str) -> None:
        with pytest.raises(Invalid, match=message):
            parse_lexicon(text)
