"""Counselling's pure rules: the risk a triage flag starts at, the 话聊 steps, session lengths,
and the privacy policy of notes and clients."""

from __future__ import annotations

import pytest

from minyi.counselling.rules import (
    RISK_LABELS,
    RiskLevel,
    TalkStatus,
    check_minutes,
    higher,
    next_talk_status,
    risk_from_flags,
)
from minyi.org.rules import Actor, Role
from minyi.privacy.rules import Show, counselling_client, counselling_notes, counselling_notes_show


def actor(staff_id: int, role: Role) -> Actor:
    return Actor(
        staff_id=staff_id,
        username=f"u{staff_id}",
        name="x",
        role=role,
        unit_id=1,
        unit_code="D",
        unit_kind="district",
        unit_path="D",
    )


class TestRisk:
    def test_self_harm_starts_high(self) -> None:
        assert risk_from_flags(["wage_arrears", "self_harm"]) is RiskLevel.HIGH
        assert risk_from_flags(["wage_arrears"]) is None
        assert risk_from_flags([]) is None

    def test_labels_and_order(self) -> None:
        assert [RISK_LABELS[r] for r in RiskLevel] == ["低", "中", "高", "危急"]
        assert higher(RiskLevel.LOW, RiskLevel.CRITICAL) is RiskLevel.CRITICAL
        assert higher(RiskLevel.HIGH, RiskLevel.MEDIUM) is RiskLevel.HIGH


class TestTalkSteps:
    @pytest.mark.parametrize(
        ("status", "step", "after"),
        [
            (TalkStatus.REQUESTED, "plan", TalkStatus.PLANNED),
            (TalkStatus.PLANNED, "plan", TalkStatus.PLANNED),
            (TalkStatus.PLANNED, "hold", TalkStatus.HELD),
            (TalkStatus.REQUESTED, "cancel", TalkStatus.CANCELLED),
            (TalkStatus.REQUESTED, "hold", None),
            (TalkStatus.HELD, "plan", None),
            (TalkStatus.HELD, "cancel", None),
            (TalkStatus.CANCELLED, "hold", None),
        ],
    )
    def test_steps(self, status: TalkStatus, step: str, after: TalkStatus | None) -> None:
        assert next_talk_status(status, step) is after

    def test_minutes(self) -> None:
        assert check_minutes(50) == 50
        for bad in (0, 4, 481):
            with pytest.raises(ValueError, match="时长"):
                check_minutes(bad)


class TestPolicy:
    def test_notes_only_for_author_and_supervisor(self) -> None:
        note = "私密记录"
        assert (
            counselling_notes(actor(1, Role.SERVICE_STAFF), note, author_id=1, supervisor_ids={9})
            == note
        )
        assert (
            counselling_notes(actor(9, Role.SERVICE_STAFF), note, author_id=1, supervisor_ids={9})
            == note
        )
        for reader in (
            Role.DISPATCHER,
            Role.LEADER,
            Role.ADMIN,
            Role.SUPERVISOR,
            Role.STREET_STAFF,
        ):
            assert (
                counselling_notes(actor(5, reader), note, author_id=1, supervisor_ids={9}) is None
            )
        assert (
            counselling_notes_show(actor(1, Role.ADMIN), author_id=None, supervisor_ids=())
            is Show.HIDDEN
        )

    def test_client_masked_for_district_readers(self) -> None:
        args = {"name": "王秀英", "phone": "13800001111", "counsellor_id": 1, "supervisor_ids": {9}}
        assert counselling_client(actor(1, Role.SERVICE_STAFF), **args) == ("王秀英", "13800001111")
        name, phone = counselling_client(actor(5, Role.LEADER), **args)
        assert "秀英" not in name and phone == "138****1111"
        assert counselling_client(actor(5, Role.STREET_STAFF), **args) == ("某某", "[电话已隐去]")
