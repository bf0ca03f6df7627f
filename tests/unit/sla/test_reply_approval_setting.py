"""答复审核 as configuration: on in the shipped statutory policy only, a leaf's setting beats its
policy's, and the dictionary file's column reads 是/否/empty."""

from __future__ import annotations

import pytest

from minyi.core.errors import Invalid
from minyi.sla.rules import needs_reply_approval, parse_policy_set
from minyi.sla.service import DEFAULT_POLICIES
from minyi.taxonomy.rules import reply_approval_of


class TestReplyApprovalSetting:
    def test_the_shipped_statutory_policy_asks_for_approval_and_the_others_do_not(self) -> None:
        policies = parse_policy_set(DEFAULT_POLICIES.read_text(encoding="utf-8")).policies
        assert {code: p.reply_approval for code, p in policies.items()} == {
            "10-30-24": False,
            "1-2-3": False,
            "xf-statutory": True,
        }

    @pytest.mark.parametrize(
        ("policy_on", "leaf", "expected"),
        [
            (True, None, True),
            (False, None, False),
            (True, False, False),
            (False, True, True),
            (True, True, True),
        ],
    )
    def test_the_leaf_beats_the_policy(
        self, policy_on: bool, leaf: bool | None, expected: bool
    ) -> None:
        policies = parse_policy_set(DEFAULT_POLICIES.read_text(encoding="utf-8"))
        policy = policies.policies["xf-statutory" if policy_on else "1-2-3"]
        assert needs_reply_approval(policy, leaf) is expected

    @pytest.mark.parametrize(
        ("cell", "value"), [("", None), ("是", True), ("否", False), ("YES", True), ("0", False)]
    )
    def test_the_dictionary_column(self, cell: str, value: bool | None) -> None:
        assert reply_approval_of({"reply_approval": cell}, 2) is value

    def test_a_bad_cell_names_its_row(self) -> None:
        with pytest.raises(Invalid) as info:
            reply_approval_of({"reply_approval": "也许"}, 7)
        assert "row 7" in info.value.message
