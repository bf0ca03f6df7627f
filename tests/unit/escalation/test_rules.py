"""Escalation rules: parsing the declarative conditions, evaluating them, choosing the lift, and
the case-holding guards. No database."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

import minyi.escalation
from minyi.core.errors import Forbidden, Invalid
from minyi.escalation.rules import (
    AllOf,
    AnyOf,
    Comparison,
    Facts,
    Level,
    check_may_approve,
    check_may_take,
    check_review,
    is_sensitive,
    leader_rank,
    lift_for,
    matching_rules,
    parse_condition,
    parse_rule_set,
    rank,
)
from minyi.org.rules import Role

DEFAULT = Path(minyi.escalation.__file__).with_name("default_rules.yaml")


def rules(*items: dict[str, Any], **extra: Any) -> Any:
    return parse_rule_set({"rules": list(items), **extra})


def rule(code: str, when: Any, level: str = "unit_head") -> dict[str, Any]:
    return {"code": code, "name": code, "when": when, "level": level}


class TestParseCondition:
    @pytest.mark.parametrize(
        ("text", "fact", "op", "value"),
        [
            ("petition_count >= 2", "petition_count", ">=", Decimal(2)),
            ("crowd_size>5", "crowd_size", ">", Decimal(5)),
            ("amount >= 100000.50", "amount", ">=", Decimal("100000.50")),
            ("breaches == 0", "breaches", "==", Decimal(0)),
            ("sensitive == true", "sensitive", "==", True),
            ("class_name == '纠纷调解'", "class_name", "==", "纠纷调解"),
            ("class_name != 投诉建议", "class_name", "!=", "投诉建议"),
        ],
    )
    def test_one_comparison(self, text: str, fact: str, op: str, value: object) -> None:
        assert parse_condition(text, "when") == Comparison(fact, op, value)

    def test_and_joins_comparisons(self) -> None:
        cond = parse_condition("crowd_size >= 5 and amount >= 100000", "when")
        assert isinstance(cond, AllOf) and len(cond.parts) == 2

    def test_mapping_means_equality(self) -> None:
        assert parse_condition({"sensitive": True}, "when") == Comparison("sensitive", "==", True)

    def test_mapping_of_several_means_all(self) -> None:
        cond = parse_condition({"sensitive": True, "class_name": "纠纷调解"}, "when")
        assert isinstance(cond, AllOf)

    def test_any_and_all_nest(self) -> None:
        cond = parse_condition(
            {"any": ["crowd_size >= 30", {"all": ["amount >= 1", {"sensitive": True}]}]}, "when"
        )
        assert isinstance(cond, AnyOf) and isinstance(cond.parts[1], AllOf)

    def test_a_list_means_all(self) -> None:
        assert isinstance(parse_condition(["crowd_size >= 1", "amount >= 1"], "when"), AllOf)

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ("unknown_fact >= 2", "unknown fact"),
            ("petition_count >= many", "number"),
            ("sensitive >= true", "true or false"),
            ("sensitive == 1", "true or false"),
            ("class_name > abc", "text"),
            ("petition_count", "cannot read"),
            ("__import__('os') >= 1", "cannot read"),
            ("", "empty"),
            ([], "empty"),
            ({"any": []}, "non-empty list"),
            ({"any": ["crowd_size >= 1"], "all": ["crowd_size >= 1"]}, "stand alone"),
            (5, "expected a condition"),
            ({"petition_count": True}, "number"),
        ],
    )
    def test_refused_with_the_place(self, raw: Any, message: str) -> None:
        with pytest.raises(Invalid) as error:
            parse_condition(raw, "rules[3].when")
        assert message in error.value.message
        assert error.value.details["errors"][0]["field"].startswith("rules[3].when")

    def test_renders_back_to_text(self) -> None:
        assert (
            str(parse_condition("crowd_size >= 5 and sensitive == true", "w"))
            == "crowd_size >= 5 and sensitive == true"
        )


class TestEvaluate:
    def test_unknown_value_never_matches(self) -> None:
        cond = parse_condition("crowd_size < 5", "w")
        assert cond.holds(Facts(crowd_size=None)) is False
        assert cond.holds(Facts(crowd_size=3)) is True

    def test_amount_compares_exactly(self) -> None:
        cond = parse_condition("amount >= 100000", "w")
        assert cond.holds(Facts(amount=Decimal("99999.99"))) is False
        assert cond.holds(Facts(amount=Decimal("100000.00"))) is True

    def test_any(self) -> None:
        cond = parse_condition({"any": ["crowd_size >= 30", "amount >= 1000000"]}, "w")
        assert cond.holds(Facts(crowd_size=31))
        assert cond.holds(Facts(amount=Decimal(2_000_000)))
        assert not cond.holds(Facts(crowd_size=3, amount=Decimal(5)))

    def test_sensitive_words(self) -> None:
        assert is_sensitive("他说要去跳楼", ("跳楼", "自杀"))
        assert not is_sensitive("垃圾站臭味", ("跳楼", "自杀"))


class TestLift:
    RULES = rules(
        rule("repeat", "petition_count >= 2", "unit_head"),
        rule("repeat_many", "petition_count >= 3", "leader_in_charge"),
        rule("crowd", "crowd_size >= 5", "leader_in_charge"),
        rule("crowd_large", "crowd_size >= 30", "top_leaders"),
    )

    def test_first_appeal_is_not_lifted(self) -> None:
        assert lift_for(self.RULES, Facts(petition_count=1), None) is None

    def test_repeat_appeal_goes_to_the_unit_head(self) -> None:
        lifted = lift_for(self.RULES, Facts(petition_count=2), None)
        assert lifted is not None and (lifted.code, lifted.level) == ("repeat", Level.UNIT_HEAD)

    def test_highest_level_wins_named_by_first_rule_at_it(self) -> None:
        lifted = lift_for(self.RULES, Facts(petition_count=3, crowd_size=8), None)
        assert (
            lifted is not None
            and lifted.code == "repeat_many"
            and lifted.level is Level.LEADER_IN_CHARGE
        )
        top = lift_for(self.RULES, Facts(petition_count=3, crowd_size=40), None)
        assert top is not None and top.code == "crowd_large"

    def test_never_lowered_nor_repeated(self) -> None:
        assert lift_for(self.RULES, Facts(petition_count=2), "leader_in_charge") is None
        assert lift_for(self.RULES, Facts(petition_count=3), "leader_in_charge") is None
        lifted = lift_for(self.RULES, Facts(crowd_size=30), "leader_in_charge")
        assert lifted is not None and lifted.level is Level.TOP_LEADERS

    def test_matching_rules_in_file_order(self) -> None:
        assert [r.code for r in matching_rules(self.RULES, Facts(petition_count=3))] == [
            "repeat",
            "repeat_many",
        ]

    def test_levels_are_ordered(self) -> None:
        assert rank(None) < rank("unit_head") < rank("leader_in_charge") < rank("top_leaders")


class TestParseRuleSet:
    def test_shipped_default_is_valid(self) -> None:
        parsed = parse_rule_set(yaml.safe_load(DEFAULT.read_text(encoding="utf-8")))
        codes = [r.code for r in parsed.rules]
        assert {
            "repeat_petition",
            "prominent_class",
            "crowd",
            "money",
            "sensitive",
            "breach",
        } <= set(codes)
        assert {r.level for r in parsed.rules} == set(Level)
        assert parsed.petition_days > 0 and parsed.cluster_days > 0 and parsed.sensitive_words
        assert {
            "petition_count",
            "cluster_citizens",
            "crowd_size",
            "amount",
            "sensitive",
            "breaches",
        } <= parsed.facts_used

    def test_shipped_default_reads_as_the_articles_describe(self) -> None:
        parsed = parse_rule_set(yaml.safe_load(DEFAULT.read_text(encoding="utf-8")))
        assert lift_for(parsed, Facts(petition_count=1), None) is None  # 初信初访
        assert lift_for(parsed, Facts(petition_count=2), None).level is Level.UNIT_HEAD  # type: ignore[union-attr]  # 重复信访
        assert lift_for(parsed, Facts(cluster_citizens=6), None).level is Level.LEADER_IN_CHARGE  # type: ignore[union-attr]  # 突出类案
        # 3 citizens for 30 merchants, nearly 100,000 yuan, before the new year (源城, 2025-01-09)
        assert (
            lift_for(parsed, Facts(crowd_size=30, amount=Decimal(98000)), None).level
            is Level.TOP_LEADERS
        )  # type: ignore[union-attr]

    def test_windows_and_words_are_read(self) -> None:
        parsed = rules(
            rule("a", "crowd_size >= 1"),
            windows={"petition_days": 90, "cluster_days": 7},
            sensitive_words=["跳楼"],
        )
        assert (parsed.petition_days, parsed.cluster_days, parsed.sensitive_words) == (
            90,
            7,
            ("跳楼",),
        )

    @pytest.mark.parametrize(
        ("doc", "field"),
        [
            ([], "rules"),
            ({"rules": []}, "rules"),
            ({"rules": ["x"]}, "rules[0]"),
            ({"rules": [rule("Bad-Code", "crowd_size >= 1")]}, "rules[0].code"),
            ({"rules": [rule("a", "crowd_size >= 1"), rule("a", "amount >= 1")]}, "rules[1].code"),
            (
                {"rules": [{"code": "a", "when": "crowd_size >= 1", "level": "unit_head"}]},
                "rules[0].name",
            ),
            ({"rules": [{"code": "a", "name": "n", "level": "unit_head"}]}, "rules[0].when"),
            ({"rules": [rule("a", "crowd_size >= 1", "mayor")]}, "rules[0].level"),
            (
                {"rules": [rule("a", "crowd_size >= 1")], "windows": {"petition_days": 0}},
                "windows.petition_days",
            ),
            (
                {"rules": [rule("a", "crowd_size >= 1")], "windows": {"cluster_days": "x"}},
                "windows.cluster_days",
            ),
            (
                {"rules": [rule("a", "crowd_size >= 1")], "sensitive_words": "跳楼"},
                "sensitive_words",
            ),
        ],
    )
    def test_bad_documents_name_the_field(self, doc: Any, field: str) -> None:
        with pytest.raises(Invalid) as error:
            parse_rule_set(doc)
        assert error.value.details["errors"][0]["field"] == field


class TestHoldingGuards:
    def test_only_leaders_take(self) -> None:
        check_may_take(Role.LEADER)
        for role in (Role.SUPERVISOR, Role.UNIT_HEAD, Role.DISPATCHER, None):
            with pytest.raises(Forbidden):
                check_may_take(role)

    def test_review_needs_all_four(self) -> None:
        full = {
            "problem_solved": "已解决",
            "policy_explained": "已解释",
            "hardship_helped": "已救助",
            "unlawful_handled": "无违法行为",
        }
        assert check_review(full) == full
        for key in full:
            with pytest.raises(Invalid) as error:
                check_review({**full, key: "  "})
            assert error.value.details["errors"][0]["field"] == key

    def test_leader_ranks(self) -> None:
        assert (
            leader_rank(Role.LEADER, "区委书记")
            > leader_rank(Role.LEADER, "区长")
            > leader_rank(Role.LEADER, "副区长")
            > 0
        )
        assert leader_rank(Role.SUPERVISOR, "区委书记") == 0

    def test_supervisor_or_higher_leader_approves(self) -> None:
        check_may_approve(
            role=Role.SUPERVISOR, title="督查专员", staff_id=9, holder_id=1, holder_title="区委书记"
        )
        check_may_approve(
            role=Role.LEADER, title="区委书记", staff_id=9, holder_id=1, holder_title="区长"
        )
        check_may_approve(
            role=Role.LEADER,
            title="区长",
            staff_id=9,
            holder_id=1,
            holder_title="副区长（分管城建）",
        )

    @pytest.mark.parametrize(
        ("role", "title", "holder_title"),
        [
            (Role.LEADER, "副区长", "副区长"),  # a peer
            (Role.LEADER, "区长", "区委书记"),  # below the holder
            (Role.UNIT_HEAD, "单位负责人", "副区长"),
            (Role.DISPATCHER, "分拨员", "副区长"),
        ],
    )
    def test_others_may_not_approve(self, role: Role, title: str, holder_title: str) -> None:
        with pytest.raises(Forbidden):
            check_may_approve(
                role=role, title=title, staff_id=9, holder_id=1, holder_title=holder_title
            )

    def test_never_ones_own_release(self) -> None:
        with pytest.raises(Forbidden):
            check_may_approve(
                role=Role.LEADER, title="区委书记", staff_id=1, holder_id=1, holder_title="区委书记"
            )
