from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import minyi.sla
from minyi.core.errors import Invalid
from minyi.sla.rules import choose_policy, parse_duration, parse_policy_set

SHIPPED = (Path(__file__).parents[3] / "src/minyi/sla/policies.yaml").read_text(encoding="utf-8")


class TestPolicies:
    def test_shipped_file_has_the_three_policies(self) -> None:
        policies = parse_policy_set(SHIPPED)
        assert {"10-30-24", "1-2-3", "xf-statutory"} <= set(policies.policies)
        fast = policies.policies["10-30-24"].milestones
        assert [(m.code, m.length) for m in fast] == [
            ("feedback", timedelta(minutes=10)),
            ("contact", timedelta(minutes=30)),
            ("first_round", timedelta(hours=24)),
        ]
        handle = next(m for m in policies.policies["xf-statutory"].milestones if m.code == "handle")
        assert handle.max_extension == "30d"

    def test_precedence_case_leaf_channel_default(self) -> None:
        p = parse_policy_set(SHIPPED)
        assert (
            choose_policy(
                p, case_override="xf-statutory", leaf_policy="1-2-3", channel="hotline_12345"
            )
            == "xf-statutory"
        )
        assert (
            choose_policy(p, case_override=None, leaf_policy="1-2-3", channel="hotline_12345")
            == "1-2-3"
        )
        assert (
            choose_policy(p, case_override=None, leaf_policy=None, channel="hotline_12345")
            == "10-30-24"
        )
        assert choose_policy(p, case_override=None, leaf_policy=None, channel="walk_in") == "1-2-3"

    @pytest.mark.parametrize(
        ("text", "field"),
        [
            ("default: x\npolicies: {}", "default"),
            (
                "default: a\npolicies: {a: {name: A, milestones: [{code: cc, name: C, duration: 3 weeks, completed_by: [reply]}]}}",
                "duration",
            ),
            (
                "default: a\npolicies: {a: {name: A, milestones: [{code: cc, name: C, duration: 3d, calendar: lunar, completed_by: [reply]}]}}",
                "calendar",
            ),
            (
                "default: a\npolicies: {a: {name: A, milestones: [{code: cc, name: C, duration: 3d, completed_by: [reply]}]}}\nchannels: {walk_in: b}",
                "channels",
            ),
            ("[unclosed", "policies"),
        ],
    )
    def test_bad_files_are_refused_naming_the_field(self, text: str, field: str) -> None:
        with pytest.raises(Invalid) as info:
            parse_policy_set(text)
        assert field in info.value.details["errors"][0]["field"]

    def test_durations(self) -> None:
        assert parse_duration("10m") == timedelta(minutes=10)
        assert parse_duration("1.5d") == timedelta(hours=36)
        with pytest.raises(ValueError, match="10m"):
            parse_duration("soon")


class TestShippedReopenMilestones:
    def test_a_reopen_restarts_the_handling_of_every_shipped_policy(self) -> None:
        shipped = parse_policy_set(
            Path(minyi.sla.__file__).with_name("policies.yaml").read_text(encoding="utf-8")
        )
        restarted = {
            code: [m.code for m in p.milestones if "reopen" in m.starts_on]
            for code, p in shipped.policies.items()
        }
        assert restarted == {
            "10-30-24": ["contact", "first_round"],
            "1-2-3": ["call", "meet", "close"],
            "xf-statutory": ["review"],
        }
